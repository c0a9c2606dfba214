"""Stores on the database, one of each per database per server (``st.cache_resource``).

A store creates its tables when it opens, so it is opened once per database URL and shared by every
session. This module is light (no reports, no index): the participant and presenter pages use it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy import Engine

from assistant.db import engine_for
from assistant.settings import Settings

S = TypeVar("S")


@st.cache_resource(show_spinner=False)
def _opened(name: str, database: str, _open: Callable[[], Any]) -> Any:
    return _open()


def on_database(name: str, open_store: Callable[[Engine], S]) -> S:
    """The server's ``open_store(engine)`` for the configured database (``name`` tells the stores apart)."""
    settings = Settings()
    store: S = _opened(name, settings.database, lambda: open_store(engine_for(settings)))
    return store
