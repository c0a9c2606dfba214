"""Per-server resources (``st.cache_resource``) and per-session helpers.

The Assistant (embedder, index, corpus) and the Store load once per server.
The conversation id lives in ``st.query_params["c"]`` so a reload restores the
conversation and its plan; nothing is created until the user does something.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from assistant.app.resources import on_database
from assistant.chat import Chat
from assistant.models import ActionPlan, ChatContext, PlanChange, Report
from assistant.progress import ProgressStore, record_plan_change
from assistant.service import Assistant
from assistant.settings import Settings
from assistant.store import Conversation, Store
from assistant.text import escape_markdown, fold

CONVERSATION_PARAM = "c"
#: Reports listed under the sidebar's search box at most.
SIDEBAR_MATCHES = 8
#: Session key of the report the Reports page shows (its selectbox key).
REPORT_CHOICE = "report-choice"
REPORTS_PAGE = "pages/reports.py"
_CID = "conversation_id"
_ENGINE = "engine_choice"


def settings() -> Settings:
    """Settings from the environment (cheap; the heavy resources below are cached)."""
    return Settings()


def _key(s: Settings) -> str:
    return "|".join(
        str(v)
        for v in (
            s.seeds_dir,
            s.vectorstore_dir,
            s.prompts_dir,
            s.database,
            s.engine,
            s.model,
            s.openai_base_url,
            s.embedder,
            s.chroma_host,
            s.chroma_port,
        )
    )


@st.cache_resource(show_spinner="Loading the reports and building the search index…")
def _assistant(key: str, _settings: Settings) -> Assistant:
    return Assistant(_settings)


@st.cache_resource(show_spinner=False)
def _store(database: str, _settings: Settings) -> Store:
    return Store(_settings)


def assistant() -> Assistant:
    """The server's Assistant; a configuration problem stops the page with a clear message."""
    s = settings()
    try:
        return _assistant(_key(s), s)
    except (ValueError, RuntimeError, OSError) as exc:  # bad prompts/playbook, missing model, unreadable folder
        st.error(f"The assistant could not start: {escape_markdown(str(exc))}")
        st.stop()


def store() -> Store:
    s = settings()
    return _store(s.database, s)


# ------------------------------------------------------------------ engine


def engine_name() -> str:
    """The engine picked in the sidebar (only offered when OpenAI is configured)."""
    s = settings()
    choice = st.session_state.get(_ENGINE, s.engine)
    return choice if s.openai_configured or choice == "builtin" else "builtin"


def set_engine(name: str) -> None:
    st.session_state[_ENGINE] = name


def chat() -> Chat:
    return Chat(assistant(), engine=engine_name())


# ------------------------------------------------------------------ conversation


def sync_conversation() -> None:
    """Keep the session and the URL agreeing on the current conversation (call once per run)."""
    cid = st.query_params.get(CONVERSATION_PARAM)
    if cid and cid != st.session_state.get(_CID):
        if store().conversation(cid) is not None:
            st.session_state[_CID] = cid
            return
        del st.query_params[CONVERSATION_PARAM]
        st.toast("That conversation no longer exists; starting a new one.")
        st.session_state.pop(_CID, None)
    elif not cid and st.session_state.get(_CID):
        st.query_params[CONVERSATION_PARAM] = st.session_state[_CID]


def conversation_id() -> str | None:
    return st.session_state.get(_CID)


def conversation() -> Conversation | None:
    cid = conversation_id()
    return store().conversation(cid) if cid else None


def ensure_conversation() -> str:
    """The current conversation, created on first use."""
    cid = conversation_id()
    if cid is None:
        cid = store().create_conversation().id
        open_conversation(cid)
    return cid


def open_conversation(cid: str | None) -> None:
    if cid is None:
        st.session_state.pop(_CID, None)
        st.query_params.pop(CONVERSATION_PARAM, None)
    else:
        st.session_state[_CID] = cid
        st.query_params[CONVERSATION_PARAM] = cid


def context() -> ChatContext:
    conv = conversation()
    return conv.context if conv else ChatContext()


def plan() -> ActionPlan | None:
    cid = conversation_id()
    return store().plan(cid) if cid else None


def plan_version() -> int:
    cid = conversation_id()
    versions = store().plan_versions(cid) if cid else []
    return versions[0].version if versions else 0


def save_plan(new: ActionPlan | None, summary: str, changes: Sequence[PlanChange] = ()) -> None:
    """Persist a new version of the current conversation's plan (every change is kept).

    RAG changes and progress notes are also recorded as dated progress updates.
    """
    cid = ensure_conversation()
    old = store().plan(cid)
    store().save_plan(cid, new, summary=summary)
    record_plan_change(progress_store(), cid, old, new, changes)


def progress_store() -> ProgressStore:
    """Dated progress updates of plans (one store per database per server)."""
    return on_database("progress", ProgressStore)


# ------------------------------------------------------------------ reports


def current_report() -> Report | None:
    """The report the current conversation is about: its plan's, else the one the chat last used."""
    cid = conversation_id()
    if cid is None:
        return None
    current = plan()
    report_id = current.report_id if current is not None else context().report_id
    if report_id is None:
        return None
    return next((r for r in assistant().reports() if r.id == report_id), None)


def search_reports(reports: list[Report], query: str) -> list[Report]:
    """Reports whose authority or statement hold every word of the query; authority-name matches first."""
    words = fold(query).lower().split()
    found = []
    for r in reports:
        authority = fold(r.authority).lower()
        hay = f"{authority} {fold(r.quality_statement).lower()}"
        if all(w in hay for w in words):
            found.append((not all(w in authority for w in words), r.authority.lower(), r.quality_statement, r))
    return [r for *_, r in sorted(found, key=lambda t: t[:3])]


def open_report(report_id: str) -> None:
    """Show a report on the Reports page (from the sidebar search or the score overview)."""
    st.session_state[REPORT_CHOICE] = report_id
    st.switch_page(REPORTS_PAGE)
