"""The workshop on PostgreSQL (same code path as SQLite): restart and concurrency.

Runs when ``ASSISTANT_TEST_DATABASE_URL`` points to a server, for example one
started by ``scripts/start_postgres.sh``; skipped otherwise.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from workshop_helpers import check_hammer, draft, hammer

from assistant.db import engine_for
from assistant.settings import Settings
from assistant.workshop import DotsExhausted, WorkshopStore

URL = os.environ.get("ASSISTANT_TEST_DATABASE_URL")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not URL, reason="ASSISTANT_TEST_DATABASE_URL is not set (see scripts/start_postgres.sh)"),
]


@pytest.fixture
def pg_settings(tmp_path, monkeypatch) -> Settings:
    """Settings on a fresh schema of the test server, so runs never see each other's rows."""
    schema = f"ws_{uuid.uuid4().hex[:12]}"
    admin = create_engine(URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in URL else "?"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", f"{URL}{sep}options=-csearch_path%3D{schema}")
    yield Settings(data_dir=tmp_path / "data")
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_engine_is_postgres(pg_settings):
    engine = engine_for(pg_settings)
    assert engine.dialect.name == "postgresql"
    assert not (pg_settings.data_dir / "assistant.db").exists()


def test_dots_and_restart_on_postgres(pg_settings):
    store = WorkshopStore(engine_for(pg_settings))
    created = store.create(draft(dots=2))
    p, token = store.join(created.join_code, "Sam")
    snap = store.facilitate(created.facilitator_token).snapshot()
    cand = snap.candidates()[0].id
    p.add_idea(snap.items[0].id, "keep me")
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
    print(f"\npostgres: {result['ops']} ops in {result['elapsed']:.2f}s = {result['ops_per_s']:.0f} ops/s; "
          f"refused {dict(result['refused'])}")
