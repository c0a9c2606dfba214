"""What became of an uploaded report file, kept per session so a rerun shows it again without re-adding it."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from assistant.text import escape_markdown


@dataclass(frozen=True)
class UploadOutcome:
    """The reports one uploaded file added, or why it was refused."""

    name: str
    added: tuple[str, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def show_outcome(outcome: UploadOutcome) -> None:
    name = escape_markdown(outcome.name)
    if outcome.ok:
        st.success(f"{name}: added {escape_markdown('; '.join(outcome.added))}.")
    else:
        st.error(
            f"{name} was not added: {escape_markdown(outcome.error or '')}. The reports already loaded are unchanged."
        )
