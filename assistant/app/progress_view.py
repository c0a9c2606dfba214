"""The Plan page's progress section: dated RAG updates and notes, RAG over time, the board's progress report.

``render(plan)`` is the only entry point (the Plan page calls it). Every update
is dated and kept in ``progress.ProgressStore``; the chart has a table
alternative and labelled, greyscale-safe segments (``charts``).
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import streamlit as st

from assistant.app import state
from assistant.app.downloads import download
from assistant.app.flash import show as show_flash
from assistant.charts import rag_chart, rag_rows
from assistant.models import ActionPlan
from assistant.progress import (
    MAX_NOTE_CHARS,
    RAGS,
    ProgressError,
    ProgressReport,
    ProgressUpdate,
    rag_over_time,
    report_docx,
    report_markdown,
)
from assistant.text import escape_markdown, slugify

_FLASH = "progress_flash"


def _record_form(plan: ActionPlan, cid: str) -> None:
    labels = {a.id: f"{a.id}. {a.title} ({a.rag})" for a in plan.actions}
    ids: list[str] = list(labels)
    with st.form("progress-update", clear_on_submit=True):
        st.markdown("**Record a progress update**")
        c1, c2, c3 = st.columns([3, 1, 1])
        action_id = c1.selectbox("Action", ids, format_func=lambda i: labels[i], key="progress-action")
        rag = c2.selectbox("RAG status", RAGS, index=None, placeholder="Unchanged", key="progress-rag")
        on = c3.date_input("Date of the update", value=dt.date.today(), key="progress-date")
        note = st.text_input(
            "Progress note",
            max_chars=MAX_NOTE_CHARS,
            placeholder="e.g. The dashboard is live",
            key="progress-note",
        )
        if not st.form_submit_button("Record the update", type="primary"):
            return
    action = plan.action(action_id or "")
    if action is None:  # pragma: no cover - the select lists the plan's actions
        return
    if rag is None and not note.strip():
        st.session_state[_FLASH] = ("error", "Choose a RAG status or write a progress note.")
        st.rerun()
    new_rag = rag or action.rag
    try:
        if new_rag != action.rag:
            new = plan.model_copy(deep=True)
            changed = new.action(action.id)
            assert changed is not None
            changed.rag = new_rag  # type: ignore[assignment]
            state.store().save_plan(cid, new, summary=f"{action.id} RAG status: {action.rag} → {new_rag}")
        state.progress_store().record(cid, action, new_rag, note, previous_rag=action.rag, on=on)
    except ProgressError as exc:
        st.session_state[_FLASH] = ("error", str(exc))
    else:
        st.session_state[_FLASH] = ("success", f"Progress on {action.id} recorded for {on.isoformat()}.")
    st.rerun()


def _over_time(plan: ActionPlan, updates: list[ProgressUpdate]) -> None:
    counts = rag_over_time(plan, updates)
    if not counts:
        st.caption(
            "No dated updates yet: record one below, or say in Chat *mark action 3 green: the dashboard is live*."
        )
        return
    st.markdown("**RAG over time** (actions per status on each update date)")
    st.altair_chart(rag_chart(counts), width="stretch")
    with st.expander("The chart as a table"):
        st.dataframe(rag_rows(counts), hide_index=True, width="stretch")
    with st.expander(f"Every update ({len(updates)})"):
        for u in reversed(updates):
            change = f"{u.previous_rag} → {u.rag}" if u.previous_rag and u.previous_rag != u.rag else u.rag
            note = f": {escape_markdown(u.note)}" if u.note else ""
            st.markdown(f"- {u.on.isoformat()} · **{u.action_id}** {escape_markdown(u.action_title)} · {change}{note}")


def _report(plan: ActionPlan, cid: str, updates: list[ProgressUpdate]) -> None:
    reports = state.progress_store().reports(cid)
    last: ProgressReport | None = reports[0] if reports else None
    pending = [u for u in updates if last is None or u.created > last.created]
    st.markdown("**Progress report** (for a board paper: what changed since the previous report)")
    c1, c2 = st.columns([2, 3])
    if c1.button(
        f"Produce a progress report ({len(pending)} new update(s))", icon=":material/summarize:", key="progress-report"
    ):
        state.progress_store().produce_report(cid)
        st.rerun()
    if last is None:
        c2.caption("No report produced yet.")
        return
    report: ProgressReport = last
    period = f"since {last.since.date().isoformat()}" if last.since else "the first report"
    c2.caption(f"Latest report: {last.created:%Y-%m-%d %H:%M} UTC · {len(last.updates)} update(s), {period}.")
    name = f"progress-report-{slugify(plan.authority)}-{last.created:%Y-%m-%d}"
    d1, d2 = st.columns(2)
    markdown = partial(report_markdown, plan, report, updates)
    download(d1, "Progress report (Markdown)", markdown, f"{name}.md", key="progress-md")
    word = partial(report_docx, plan, report, updates)
    download(d2, "Progress report (Word)", word, f"{name}.docx", key="progress-docx")


def render(plan: ActionPlan) -> None:
    """The progress section of the Plan page for the current conversation's plan."""
    cid = state.conversation_id()
    if cid is None or not plan.actions:
        return
    st.subheader("Progress")
    show_flash(_FLASH)
    updates = state.progress_store().updates(cid)
    _over_time(plan, updates)
    _record_form(plan, cid)
    _report(plan, cid, updates)
