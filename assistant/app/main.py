"""Entry point: ``streamlit run assistant/app/main.py``.

Routes the pages (Chat, Plan, Reports, and the workshop pages when present),
keeps the conversation id in the URL, and draws the sidebar: past
conversations, the corpus and the engine in use.
"""

from __future__ import annotations

import sys
from pathlib import Path

PAGES = Path(__file__).resolve().parent / "pages"
ROOT = PAGES.parent.parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts only this folder on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from assistant.app import state  # noqa: E402
from assistant.text import escape_markdown  # noqa: E402

st.set_page_config(page_title="Improvement-planning assistant", page_icon=":material/fact_check:", layout="wide")


def _pages() -> list:
    pages = [
        st.Page(PAGES / "chat.py", title="Chat", icon=":material/chat:", default=True),
        st.Page(PAGES / "plan.py", title="Plan", icon=":material/checklist:"),
        st.Page(PAGES / "reports.py", title="Reports", icon=":material/description:"),
    ]
    if (PAGES / "workshop.py").is_file():
        pages.append(st.Page(PAGES / "workshop.py", title="Workshop", icon=":material/groups:"))
    if (PAGES / "join.py").is_file():
        pages.append(st.Page(PAGES / "join.py", title="Join a workshop", url_path="join", visibility="hidden"))
    return pages


def _sidebar() -> None:
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
        st.subheader("Reports")
        assistant = state.assistant()
        for report in assistant.reports():
            score = f"score {report.score}" if report.score else "no score"
            st.caption(
                f"**{escape_markdown(report.authority)}** · {escape_markdown(report.quality_statement)} · {score}"
            )
        if not assistant.reports():
            st.caption("No reports loaded: add one on the Reports page.")
        st.divider()
        _engine_picker()


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
if join_page is not None and "join" in st.query_params:
    st.navigation([join_page], position="hidden").run()
else:
    state.sync_conversation()
    page = st.navigation(pages)
    _sidebar()
    page.run()
