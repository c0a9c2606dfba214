"""A message kept across a rerun: set before ``st.rerun()``, shown once on the next run."""

from __future__ import annotations

import streamlit as st


def show(key: str) -> None:
    """Show and forget the message stored under ``key``: an error in place, a success as a toast."""
    flash = st.session_state.pop(key, None)
    if flash and flash[0] == "error":
        st.error(flash[1])
    elif flash:
        st.toast(flash[1])
