"""What the facilitator and participant pages share: the workshop store and item rendering.

Everything typed by a facilitator or a participant goes through
``export.escape_markdown`` before it reaches ``st.markdown``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlencode, urlsplit

import segno
import streamlit as st

from assistant.app.resources import on_database
from assistant.text import escape_markdown
from assistant.workshop.domain import AccessDenied, AgendaItem, WorkshopSnapshot, format_join_code
from assistant.workshop.store import WorkshopStore

JOIN_PARAM = "join"
PARTICIPANT_PARAM = "p"
FACILITATOR_PARAM = "facilitator"
#: The presenter view's parameter: the join code (shown on the projector anyway, so not a secret).
PRESENT_PARAM = "show"
#: How often the live views poll the database (seconds).
LIVE_EVERY_S = 2.0
#: How often the presenter view polls: a dot reaches the projector within this plus a render (target 2 s).
PRESENT_EVERY_S = 0.5
#: How often the participants' countdown ticks.
TIMER_EVERY_S = 1.0

H = TypeVar("H")


def store() -> WorkshopStore:
    """One store per database per server."""
    return on_database("workshop", WorkshopStore)


def opened_by_link(param: str, opener: Callable[[str], H], refused: Callable[[], None]) -> H | None:
    """The handle that the secret token in the page link's ``param`` opens (``None`` when there is none).
    A token the store refuses: the reason is shown, then ``refused()`` runs (it may stop the page)."""
    token = st.query_params.get(param)
    if not token:
        return None
    try:
        return opener(token)
    except AccessDenied as exc:
        st.error(str(exc))
        refused()
        return None


def link(path: str, **params: str) -> str:
    """An absolute link to a page of this app when the browser's URL is known, else a relative one."""
    url = st.context.url or ""
    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else "/"
    return f"{base}{path}?{urlencode(params)}"


def join_link(snap: WorkshopSnapshot) -> str:
    """The participants' link: the join page with the code filled in."""
    return link("", **{JOIN_PARAM: format_join_code(snap.join_code)})


def qr_png(text: str, scale: int = 10) -> bytes:
    """A QR code of ``text`` as a PNG (black on white, with the standard quiet zone)."""
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def countdown(item: AgendaItem) -> tuple[str, str]:
    """(``mm:ss`` left, or ``-m:ss`` over time; its state in words) for a projector or a phone."""
    left = item.remaining_s()
    whole = int(abs(left))
    text = f"{'-' if left < 0 else ''}{whole // 60}:{whole % 60:02d}"
    if not (item.timer_running or item.timer_elapsed_s):
        return text, "not started"
    if left < 0:
        return text, "over time"
    return text, "running" if item.timer_running else "paused"


def clock(seconds: float) -> str:
    """``12:05 left`` or ``over by 1:30``."""
    whole = int(abs(seconds))
    text = f"{whole // 60}:{whole % 60:02d}"
    return f"{text} left" if seconds >= 0 else f"over by {text}"


def item_body(item: AgendaItem, *, show_candidates: bool = False) -> None:
    """The shortfall, its quoted evidence (cited, verified or flagged), good practice and prompts."""
    if item.summary:
        st.markdown(f"**Shortfall:** {escape_markdown(item.summary)}")
    if item.evidence:
        st.markdown("**Evidence from the report**")
        for c in item.evidence:
            flag = "verified" if c.verified else "⚠ not verified"
            st.markdown(f"> “{escape_markdown(c.quote)}”  \n> — `{c.passage_id}` ({flag})")
    for g in item.good_practice:
        st.markdown(f"**Good practice from {escape_markdown(g.authority)}:** {escape_markdown(g.summary)}")
    if item.prompts:
        st.markdown("**Discussion prompts**")
        st.markdown("\n".join(f"{n}. {escape_markdown(p)}" for n, p in enumerate(item.prompts, start=1)))
    if show_candidates and item.candidates:
        st.markdown("**Candidate actions**")
        st.markdown("\n".join(f"- {escape_markdown(c.action.title)}" for c in item.candidates))
