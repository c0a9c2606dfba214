"""Presenter view, for the projector: how to join, the current item, its evidence, the timer and the live votes.

Opened from the facilitator's page as ``/present?show=JOIN-CODE``: the join
code is on the screen anyway, so the address bar gives nothing away (the
secret facilitator link never appears on the projector) and the view is
read-only. The join code in large type and a QR code of the participants'
link sit at the top; below, a fragment re-renders every second with the
current item, its quoted evidence, the countdown and a bar chart of the dots
on this item's candidate actions (with a table alternative).
"""

from __future__ import annotations

import functools

import streamlit as st

from assistant.app import workshop_view as view
from assistant.charts import Bar, vote_rows, votes_chart
from assistant.text import escape_markdown
from assistant.workshop.domain import WorkshopError, WorkshopSnapshot, format_join_code
from assistant.workshop.export import vote_bars

_BIG = "font-weight:700;letter-spacing:0.06em;line-height:1.1;margin:0;white-space:nowrap;font-size:"
_CODE_STYLE = _BIG + "clamp(2.5rem, 7vw, 7rem)"
_TIMER_STYLE = _BIG + "clamp(2rem, 5vw, 5rem)"


@functools.lru_cache(maxsize=64)
def _votes_spec(bars: tuple[tuple[str, int, str], ...]) -> dict:
    """The chart's Vega-Lite spec, built once per tally (the view polls every second; building costs ~0.1 s)."""
    return votes_chart(
        [Bar(label=label, votes=votes, group=group) for label, votes, group in bars], font_size=18
    ).to_dict()


def _snapshot() -> WorkshopSnapshot:
    code = st.query_params.get(view.PRESENT_PARAM, "")
    try:
        return view.store().presented(code)
    except WorkshopError as exc:
        st.title("Presenter view")
        st.error(str(exc))
        st.stop()


def _join_panel(snap: WorkshopSnapshot) -> None:
    code = format_join_code(snap.join_code)
    url = view.join_link(snap)
    left, right = st.columns([3, 1], vertical_alignment="center")
    with left:
        st.caption(escape_markdown(snap.title))
        if snap.joining_open:
            st.markdown("**Join on your phone or laptop:** scan the code, or go to")
            st.code(url, language=None)
            st.markdown("**and enter the join code**")
            # the code is from the join alphabet only (letters, digits, one dash): safe as HTML
            st.html(f'<p class="join-code" role="heading" aria-level="1" style="{_CODE_STYLE}">{code}</p>')
        else:
            st.markdown("**Joining is closed.**")
    if snap.joining_open:
        right.image(view.qr_png(url), caption="Scan to join", width=260)


@st.fragment(run_every=view.PRESENT_EVERY_S)
def _live() -> None:
    snap = _snapshot()
    item = snap.current_item()
    if snap.ended:
        st.success("The workshop has ended. Thank you for taking part.")
    if item is None:
        st.info("The agenda is empty.")
        return
    head, timer = st.columns([3, 1], vertical_alignment="center")
    head.header(f"Item {item.position + 1} of {len(snap.items)}: {escape_markdown(item.title)}")
    with timer:
        clock, status = view.countdown(item)
        st.html(f'<p class="timer" role="timer" style="{_TIMER_STYLE}">{clock}</p>')
        st.caption(f"Time box of {item.time_box_min} min · {status}")
    evidence, votes = st.columns([2, 3])
    with evidence:
        if item.summary:
            st.markdown(f"**Shortfall:** {escape_markdown(item.summary)}")
        for c in item.evidence:
            flag = "" if c.verified else " (⚠ not verified)"
            st.markdown(f"> “{escape_markdown(c.quote)}”  \n> — `{c.passage_id}`{flag}")
    with votes:
        bars = vote_bars(snap, item.candidates)
        placed = sum(b.votes for b in bars)
        st.markdown(f"**Dot votes on this item: {placed}** ({snap.total_votes()} in the workshop)")
        if bars:
            st.vega_lite_chart(_votes_spec(tuple((b.label, b.votes, b.group) for b in bars)), width="stretch")
            with st.expander("The votes as a table"):
                st.dataframe(vote_rows(bars), hide_index=True, width="stretch")
        else:
            st.caption("No candidate actions on this item yet.")


st.set_page_config(page_title="Presenter view", layout="wide", initial_sidebar_state="collapsed")
snapshot = _snapshot()
_join_panel(snapshot)
st.divider()
_live()
