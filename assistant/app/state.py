"""Per-server resources (``st.cache_resource``) and per-session helpers.

The Assistant (embedder, index, corpus) and the Store load once per server.
The Assistant is built in a background thread from the first page view on
(``start_loading``, ``_Loading``), so a page draws its cheap parts (title, chat
input, conversations) at once and waits for the reports only where it needs
them; its modules (Chroma, the chat engine) are imported by that thread too.
The conversation id lives in ``st.query_params["c"]`` so a reload restores the
conversation and its plan; nothing is created until the user does something.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import streamlit as st

from assistant.app import heap
from assistant.app.resources import on_database
from assistant.models import ActionPlan, ChatContext, PlanChange, Report
from assistant.settings import Settings
from assistant.text import escape_markdown, fold

if TYPE_CHECKING:  # pragma: no cover
    from assistant.chat import Chat
    from assistant.progress import ProgressStore
    from assistant.service import Assistant
    from assistant.store import Conversation, Store

CONVERSATION_PARAM = "c"
#: Reports listed under the sidebar's search box at most.
SIDEBAR_MATCHES = 8
#: Session key of the report the Reports page shows (its selectbox key).
REPORT_CHOICE = "report-choice"
#: Session key of the open tab (its label) under the Reports page's chosen report.
REPORT_TAB = "report-tab"
REPORTS_PAGE = "pages/reports.py"
_CID = "conversation_id"
#: The Assistant starts loading at the latest this long after the first page view (sooner when a page needs it).
START_AFTER_S = 1.0
#: The warm-up after loading waits until no page has run for this long (at most ``WARM_UP_LONGEST_S``).
WARM_UP_QUIET_S = 2.0
WARM_UP_LONGEST_S = 30.0
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


class _Activity:
    """When a page last ran (``note_activity``): the warm-up waits for a quiet moment."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def wait_quiet(self, quiet_s: float, longest_s: float) -> None:
        """Return once no page has run for ``quiet_s`` (or after ``longest_s`` at most)."""
        give_up = time.monotonic() + longest_s
        while (left := self.last + quiet_s - time.monotonic()) > 0 and time.monotonic() < give_up:
            time.sleep(min(left, 0.5))


class _Token:
    """Held only by the cached ``_Loading``: gone once the app drops its Assistant (``st.cache_resource.clear``),
    which stops the warm-up (it holds a weak reference)."""


def _build(settings: Settings, activity: _Activity, alive: Callable[[], object]) -> Assistant:
    from assistant.service import Assistant

    built = Assistant(settings)
    heap.settle()
    threading.Thread(target=_warm_up, args=(built, activity, alive), name="assistant-warm-up", daemon=True).start()
    return built


def _warm_up(built: Assistant, activity: _Activity, alive: Callable[[], object]) -> None:
    _warm_pages()

    def keep_going() -> bool:
        """Before each step (one report): wait for a quiet moment, so page views keep the interpreter."""
        activity.wait_quiet(WARM_UP_QUIET_S, WARM_UP_LONGEST_S)
        return alive() is not None

    built.warm_up(keep_going=keep_going)
    if keep_going():  # what the warm-up loaded lives as long as the corpus
        heap.settle()


def _warm_pages() -> None:
    """In the background after start-up: what the Reports page and the score overview load on first use
    (Altair's schema, Arrow for tables: about 1 s of a first visit, 0.3 s here), then, once no page has run
    for ``WARM_UP_QUIET_S`` (page views come first), findings and the corpus-wide practice pool for the first
    question across councils or plan (seconds at national scale)."""
    try:
        import altair as alt
        import pandas as pd
        from streamlit.dataframe_util import convert_anything_to_arrow_bytes

        frame = pd.DataFrame({"authority": ["a"], "score": [1]})
        alt.Chart(frame).mark_rect().encode(x="authority:N", color="score:N").to_dict()
        convert_anything_to_arrow_bytes(frame)
    except Exception:  # noqa: BLE001 - a warm-up never takes the app down
        logging.getLogger(__name__).warning("page warm-up failed", exc_info=True)


@dataclass(frozen=True)
class _Loading:
    """The server's Assistant being built in a background thread, which starts when a page first needs the
    Assistant (``go``) or ``START_AFTER_S`` after the first page view, whichever is first: the page's own
    first drawing does not compete with the loading for the interpreter."""

    future: Future[Assistant]
    go: threading.Event
    activity: _Activity
    token: _Token


@st.cache_resource(show_spinner=False)
def _loading(key: str, _settings: Settings) -> _Loading:
    go = threading.Event()
    activity = _Activity()
    token = _Token()
    alive = weakref.ref(token)

    def build() -> Assistant:
        go.wait(timeout=START_AFTER_S)
        return _build(_settings, activity, alive)

    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assistant-load")
    future = executor.submit(build)
    executor.shutdown(wait=False)
    return _Loading(future, go, activity, token)


@st.cache_resource(show_spinner=False)
def _store(database: str, _settings: Settings) -> Store:
    from assistant.store import Store

    return Store(_settings)


def start_loading() -> None:
    """Make sure the server's Assistant is being built (no-op once started; see ``_Loading``), and note that
    a page runs (the background warm-up waits for a quiet moment). Call once per run."""
    s = settings()
    _loading(_key(s), s).activity.last = time.monotonic()


def assistant_ready() -> bool:
    """Whether the Assistant is built (or failed: ``assistant()`` then says why); never waits."""
    s = settings()
    return _loading(_key(s), s).future.done()


def assistant() -> Assistant:
    """The server's Assistant, waiting for it to load; a configuration problem stops the page with a clear
    message (and the next run tries again)."""
    s = settings()
    loading = _loading(_key(s), s)
    loading.go.set()
    if not loading.future.done():
        with st.spinner("Loading the reports and building the search index…"):
            loading.future.exception()  # waits without raising
    try:
        return loading.future.result()
    except (ValueError, RuntimeError, OSError) as exc:  # bad prompts/playbook, missing model, unreadable folder
        _loading.clear()
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
    from assistant.chat import Chat

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
    from assistant.progress import record_plan_change

    record_plan_change(progress_store(), cid, old, new, changes)


def progress_store() -> ProgressStore:
    """Dated progress updates of plans (one store per database per server)."""
    from assistant.progress import ProgressStore

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
