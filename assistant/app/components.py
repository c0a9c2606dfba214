"""Rendering pieces shared by the pages: citation chips, the passage dialog, actions, turns.

Report and user text is always escaped (``export.escape_markdown``); nothing here uses
``unsafe_allow_html``. A quote is shown as verified only when
``assistant.citations`` verified it against its passage.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from assistant.citations import locate, quote_in_passage
from assistant.models import Action, ActionPlan, ChatTurn, Citation, Report
from assistant.text import escape_markdown

from . import state

#: What a page that needs a report says when none is loaded.
NO_REPORTS = "No reports loaded yet: add one on the Reports page."


def loaded_reports(note: Callable[[str], object] = st.info) -> list[Report]:
    """The loaded reports; when there are none, ``note`` says where to add one (the page then stops)."""
    reports = state.assistant().reports()
    if not reports:
        note(NO_REPORTS)
    return reports


def passage_label(citation: Citation, n: int | None = None) -> str:
    passage = state.assistant().passage(citation.passage_id)
    where = f"{escape_markdown(passage.authority)} ¶{passage.position}" if passage else citation.passage_id
    flag = "" if citation.verified else " ⚠ unverified"
    return f"[{n}] {where}{flag}" if n is not None else f"{where}{flag}"


def highlighted(text: str, quote: str) -> tuple[str, bool]:
    """The passage as Markdown with ``quote`` highlighted, and whether it was found."""
    span = locate(quote, text)
    if span is None:
        return escape_markdown(text), False
    start, end = span
    before, quote, after = text[:start], text[start:end], text[end:]
    gap_before = " " if before[-1:].isspace() else ""
    gap_after = " " if after[:1].isspace() else ""
    return (
        f"{escape_markdown(before)}{gap_before}:orange-background[**{escape_markdown(quote)}**]"
        f"{gap_after}{escape_markdown(after)}"
    ), True


@st.dialog("Source passage", width="large")
def passage_dialog(citation: Citation) -> None:
    assistant = state.assistant()
    passage = assistant.passage(citation.passage_id)
    if passage is None:
        st.error(f"Passage {citation.passage_id} is no longer in the reports (the corpus changed).")
        return
    report = assistant.corpus.report(passage.report_id)
    score = f" · score {report.score}" if report.score else ""
    st.markdown(f"**{escape_markdown(report.authority)}** · {escape_markdown(report.quality_statement)}{score}")
    section = passage.subheading or passage.section.replace("_", " ").capitalize()
    st.caption(
        f"{escape_markdown(section)} · paragraph {passage.position} · {passage.id} · "
        f"file {escape_markdown(report.source)}"
    )
    text, found = highlighted(passage.text, citation.quote)
    if citation.verified and found and quote_in_passage(citation.quote, passage.text):
        st.success("Quote verified word for word against this passage.", icon=":material/verified:")
    else:
        st.warning("This quote could not be found word for word in the passage: it is **not verified**.")
        st.markdown(f"Quoted: “{escape_markdown(citation.quote)}”")
    st.markdown(text)


def citation_chips(citations: list[Citation], key: str) -> None:
    """One small button per citation; a click opens the passage dialog."""
    if not citations:
        return
    with st.container(horizontal=True, gap="small"):
        for i, c in enumerate(citations, start=1):
            if st.button(
                passage_label(c, i),
                key=f"{key}-cite-{i}",
                type="tertiary",
                help=f"“{escape_markdown(c.quote[:200])}”",
                icon=None if c.verified else ":material/warning:",
            ):
                passage_dialog(c)


def action_header(action: Action) -> str:
    label = state.assistant().taxonomy.label(action.theme)
    return (
        f"**{action.id}. {escape_markdown(action.title)}** · {escape_markdown(label)} · "
        f"owner: {escape_markdown(action.owner)} · {escape_markdown(action.timescale)} · "
        f"{action.rag} · {action.priority} priority"
    )


def action_detail(action: Action, key: str) -> None:
    """Everything about one action, with its evidence and good practice cited."""
    st.markdown(escape_markdown(action.action))
    for c in action.evidence:
        flag = "" if c.verified else " ⚠ *unverified quote*"
        st.markdown(f"> “{escape_markdown(c.quote)}”{flag}")
    citation_chips(action.evidence, f"{key}-ev")
    if action.measures:
        st.markdown("**Measures of success**\n" + "\n".join(f"- {escape_markdown(m)}" for m in action.measures))
    for j, gp in enumerate(action.good_practice, start=1):
        st.markdown(f"**Good practice from {escape_markdown(gp.authority)}:** {escape_markdown(gp.summary)}")
        for c in gp.citations:
            st.markdown(f"> “{escape_markdown(c.quote)}”")
        citation_chips(gp.citations, f"{key}-gp{j}")
    if action.no_good_practice_note:
        st.caption(escape_markdown(action.no_good_practice_note))


def render_turn(turn: ChatTurn, key: str, *, show_reply: bool = True) -> None:
    """An assistant turn: reply, notes, citation chips, Add-to-plan controls, download."""
    if show_reply:
        (st.error if turn.error else st.markdown)(turn.reply)
    for note in turn.notes:
        st.caption(escape_markdown(note))
    citation_chips(turn.citations, key)
    if turn.actions and turn.report_id:
        _add_buttons(turn, key)
    if turn.download:
        st.download_button(
            f"Download {turn.download.file_name}",
            turn.download.data,
            file_name=turn.download.file_name,
            mime=turn.download.mime,
            key=f"{key}-download",
            icon=":material/download:",
        )
    if turn.engine != "builtin":
        st.caption(f"Answered by the {escape_markdown(turn.engine)} engine.")


def _add_buttons(turn: ChatTurn, key: str) -> None:
    report_id = turn.report_id
    if report_id is None:  # proposed actions always name their report
        return
    from assistant.chat import same_action  # the chat engine loads with the Assistant, after the page

    plan = state.plan()
    for i, action in enumerate(turn.actions, start=1):
        in_plan = plan is not None and plan.report_id == report_id and any(same_action(a, action) for a in plan.actions)
        title = escape_markdown(action.title)
        label = f"In the plan: {title}" if in_plan else f"Add to plan: {title}"
        if st.button(
            label, key=f"{key}-add-{i}", disabled=in_plan, icon=":material/check:" if in_plan else ":material/add:"
        ):
            new, change = state.chat().add_action(plan, action, report_id)
            state.save_plan(new, change.summary)
            st.toast(escape_markdown(change.summary))
            st.rerun()


def plan_title(plan: ActionPlan) -> str:
    score = f", score {plan.score}" if plan.score else ""
    return f"{escape_markdown(plan.authority)}: {escape_markdown(plan.quality_statement)}{score}"
