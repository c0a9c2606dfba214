"""Many participants at once on one SQLite database: nothing lost, nothing double counted."""

from __future__ import annotations

from workshop_helpers import check_hammer, hammer

from assistant.db import engine_for
from assistant.workshop.store import WorkshopStore


def test_twenty_participants_at_once_on_sqlite(settings):
    result = hammer(WorkshopStore(engine_for(settings)), participants=20, ideas_each=5, dots=3)
    check_hammer(result)
    print(
        f"\nsqlite: {result['ops']} ops in {result['elapsed']:.2f}s = {result['ops_per_s']:.0f} ops/s; "
        f"refused {dict(result['refused'])}"
    )
