"""The workshop on PostgreSQL (same code path as SQLite): restart and concurrency.

Runs when ``ASSISTANT_TEST_DATABASE_URL`` points to a server, for example one
started by ``scripts/start_postgres.sh``; skipped otherwise.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from workshop_helpers import check_hammer, draft, hammer

from assistant.db import engine_for
from assistant.workshop.domain import DotsExhausted
from assistant.workshop.store import WorkshopStore

pytestmark = pytest.mark.postgres


def test_engine_is_postgres(pg_settings):
    engine = engine_for(pg_settings)
    assert engine.dialect.name == "postgresql"
    assert not (pg_settings.data_dir / "assistant.db").exists()


def test_dots_and_restart_on_postgres(pg_settings):
    store = WorkshopStore(engine_for(pg_settings))
    created = store.create(draft(dots=2))
    p, token = store.join(created.join_code, "Sam")
    snap = store.facilitate(created.facilitator_token).snapshot()
    cand, item_id = snap.candidates()[0].id, snap.items[0].id
    assert cand is not None and item_id is not None
    p.add_idea(item_id, "keep me")
    p.vote(cand)
    p.vote(cand)
    with pytest.raises(DotsExhausted):
        p.vote(cand)
    fresh = WorkshopStore(create_engine(pg_settings.database.replace("postgresql://", "postgresql+psycopg://", 1)))
    again = fresh.participant(token)
    assert again.my_votes() == {cand: 2}
    assert fresh.facilitate(created.facilitator_token).snapshot().items[0].ideas[0].text == "keep me"
    fresh.engine.dispose()


def test_twenty_participants_at_once_on_postgres(pg_settings):
    result = hammer(WorkshopStore(engine_for(pg_settings)), participants=20, ideas_each=5, dots=3)
    check_hammer(result)
    print(
        f"\npostgres: {result['ops']} ops in {result['elapsed']:.2f}s = {result['ops_per_s']:.0f} ops/s; "
        f"refused {dict(result['refused'])}"
    )
