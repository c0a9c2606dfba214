"""The server's heap after loading: garbage collected, the rest frozen out of later collections."""

from __future__ import annotations

import gc
import weakref

from assistant.app import heap


class _Node:
    other: _Node | None = None


def test_settle_collects_cycles_and_freezes_what_is_alive():
    alive = _Node()
    a, b = _Node(), _Node()
    a.other, b.other = b, a  # garbage only the cycle collector can free
    gone = weakref.ref(a)
    del a, b
    frozen = gc.get_freeze_count()
    try:
        heap.settle()
        assert gone() is None
        assert gc.get_freeze_count() > frozen
        assert gc.is_tracked(alive) and not any(o is alive for o in gc.get_objects())  # out of the walks
    finally:
        gc.unfreeze()
