"""Entry point: ``streamlit run assistant/app/main.py``.

Routes the pages (Chat, Plan, Reports, Score overview, and the workshop pages when present),
keeps the conversation id in the URL, and draws the sidebar: past
conversations, the current conversation's report, a report search and the
engine in use.
"""

from __future__ import annotations

import sys
from pathlib import Path

PAGES = Path(__file__).resolve().parent / "pages"
ROOT = PAGES.parent.parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts only this folder on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.delta_generator import DeltaGenerator  # noqa: E402

from assistant.app import state  # noqa: E402
from assistant.text import escape_markdown  # noqa: E402

st.set_page_config(page_title="Improvement-planning assistant", page_icon=":material/fact_check:", layout="wide")


def _pages() -> list:
    pages = [
        st.Page(PAGES / "chat.py", title="Chat", icon=":material/chat:", default=True),
        st.Page(PAGES / "plan.py", title="Plan", icon=":material/checklist:"),
        st.Page(PAGES / "reports.py", title="Reports", icon=":material/description:"),
        st.Page(PAGES / "overview.py", title="Score overview", icon=":material/grid_view:"),
    ]
    if (PAGES / "workshop.py").is_file():
        pages.append(st.Page(PAGES / "workshop.py", title="Workshop", icon=":material/groups:"))
    if (PAGES / "join.py").is_file():
        pages.append(st.Page(PAGES / "join.py", title="Join a workshop", url_path="join", visibility="hidden"))
    if (PAGES / "present.py").is_file():
        pages.append(st.Page(PAGES / "present.py", title="Presenter view", url_path="present", visibility="hidden"))
    return pages


def _sidebar() -> DeltaGenerator:
    """Conversations and the engine; returns the (still empty) place of the reports, filled by
    ``_reports_sidebar`` once the reports are loaded."""
    with st.sidebar:
        st.subheader("Conversations")
        if st.button("New conversation", icon=":material/add_comment:", key="new-conversation"):
            state.open_conversation(None)
            st.rerun()
        current = state.conversation_id()
        for conv in state.store().conversations(limit=20):
            is_current = conv.id == current
            if st.button(
                escape_markdown(conv.title),
                key=f"conv-{conv.id}",
                type="secondary" if is_current else "tertiary",
                icon=":material/chat_bubble:" if is_current else None,
            ):
                state.open_conversation(conv.id)
                st.rerun()
        st.divider()
        reports = st.container()
        st.divider()
        _engine_picker()
    return reports


def _reports_sidebar() -> None:
    """The current conversation's report and a search box: never the whole corpus."""
    st.subheader("Reports")
    assistant = state.assistant()
    reports = assistant.reports()
    if not reports:
        st.caption("No reports loaded: add one on the Reports page.")
        return
    current = state.current_report()
    if current is not None:
        score = f"score {current.score}" if current.score else "no score"
        st.caption(
            f"This conversation: **{escape_markdown(current.authority)}** · "
            f"{escape_markdown(current.quality_statement)} · {score}"
        )
    query = st.text_input(
        "Find a report",
        key="sidebar-search",
        placeholder=f"Search {len(reports):,} reports",
        help="Authority or quality statement; opens the report on the Reports page.",
    )
    if query.strip():
        found = state.search_reports(reports, query)
        for report in found[: state.SIDEBAR_MATCHES]:
            label = f"{report.authority} · {report.quality_statement}"
            if st.button(escape_markdown(label), key=f"find-{report.id}", type="tertiary"):
                state.open_report(report.id)
        if not found:
            st.caption("No report matches.")
        elif len(found) > state.SIDEBAR_MATCHES:
            st.caption(f"{len(found) - state.SIDEBAR_MATCHES:,} more: refine the search or use the Reports page.")
    else:
        st.caption(f"{len(reports):,} reports from {len({r.authority for r in reports}):,} councils loaded.")


def _engine_picker() -> None:
    summary = state.settings().public_summary()
    if state.settings().openai_configured:
        options = ["builtin", "openai"]
        choice = st.radio(
            "Engine",
            options,
            index=options.index(state.engine_name()),
            horizontal=True,
            key="engine-radio",
            help="The built-in engine works offline; OpenAI-compatible drafts with a model.",
        )
        state.set_engine(choice)
    else:
        st.caption("Engine: **builtin** (offline). Configure an OpenAI-compatible endpoint to choose a model.")
    if state.engine_name() == "openai":
        st.caption(
            f"Model: {escape_markdown(str(summary['model'] or state.settings().model))}"
            + (f" · {escape_markdown(summary['base_url'])}" if summary["base_url"] else "")
        )


pages = _pages()
join_page = next((p for p in pages if p.url_path == "join"), None)
present_page = next((p for p in pages if p.url_path == "present"), None)
if join_page is not None and "join" in st.query_params:
    st.navigation([join_page], position="hidden").run()
elif present_page is not None and "show" in st.query_params:  # the projector: no sidebar, no other pages
    st.navigation([present_page], position="hidden").run()
else:
    state.start_loading()  # the reports load in the background while the page draws
    state.sync_conversation()
    page = st.navigation(pages)
    reports_place = _sidebar()
    ready = state.assistant_ready()
    if ready:
        with reports_place:
            _reports_sidebar()
    page.run()
    if not ready:  # drawn after the page, so its chat input is usable while the reports load
        with reports_place:
            _reports_sidebar()
    state.start_loading()  # again: the background warm-up counts its quiet moment from the end of this run
