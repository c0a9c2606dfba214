"""Shared set-up for the Streamlit AppTests: one index built per test session, copied per test."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from assistant.settings import PROJECT_ROOT, Settings
from assistant.store import Store

MAIN = PROJECT_ROOT / "assistant" / "app" / "main.py"
TIMEOUT = 60
_LEAKY = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ASSISTANT_ENGINE",
    "ASSISTANT_CONFIG",
    "CHROMA_HOST",
    "ASSISTANT_DATABASE_URL",
    "ASSISTANT_PROMPTS_DIR",
)


def new_app(conversation_id: str | None = None) -> AppTest:
    at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT)
    if conversation_id:
        at.query_params["c"] = conversation_id
    return at.run()


def ask(at: AppTest, message: str) -> AppTest:
    at.chat_input[0].set_value(message).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def run_entrypoint(at: AppTest) -> AppTest:
    """Rerun through main.py (the sidebar, the URL sync) rather than only the current page.

    AppTest (1.67) reruns a file-based st.navigation page on its own, skipping the
    entrypoint; a real server always runs the entrypoint. Clearing the finished
    page hash makes AppTest start from main.py again (it then shows the default page).
    """
    at._finished_page_script_hash = ""
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def conversation_id(at: AppTest) -> str:
    return at.session_state["conversation_id"]


def store(settings: Settings) -> Store:
    return Store(settings)


def texts(at: AppTest) -> str:
    """All Markdown of the page (chat replies included), for assertions."""
    return "\n".join(m.value for m in at.markdown)


def button(at: AppTest, starts_with: str):
    return next(b for b in at.button if b.label.startswith(starts_with))
