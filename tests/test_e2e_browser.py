"""End to end in a real headless Chromium: ask, add an action to the plan, export, check the file.

Starts ``streamlit run assistant/app/main.py`` on temp folders and a free
port. Screenshots go to ``test-output/`` (and to ``docs/screenshots/`` when
``DOCS_SCREENSHOTS=1``).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_helpers import CHROMIUM, OUTPUT, ask, browser_page, running_app, screenshot

from assistant.settings import Settings
from assistant.store import Store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing (the project's setup installs it)"),
]


def wait_idle(page) -> None:
    """Until the script has finished running (the running indicator is gone)."""
    page.wait_for_timeout(300)
    page.get_by_test_id("stStatusWidget").wait_for(state="detached", timeout=60_000)


def unescape_markdown(text: str) -> str:
    return html.unescape(re.sub(r"\\(.)", r"\1", text))


def test_ask_add_to_plan_export_in_the_browser(tmp_path: Path):
    with running_app(tmp_path) as (url, _proc, _), browser_page() as page:
        page.goto(url)
        page.get_by_test_id("stChatInputTextArea").wait_for()
        ask(page, "What are the main shortfalls for Durham?")
        add = page.get_by_role("button", name=re.compile(r"^Add to plan: ")).first
        add.wait_for()
        wait_idle(page)
        title = add.inner_text().split("Add to plan: ", 1)[1].strip()
        screenshot(page, "chat.png")
        page.get_by_role("button", name=re.compile(r"^\[1\] County Durham")).first.click()
        page.get_by_text("Quote verified word for word").wait_for()
        screenshot(page, "citation.png")
        page.keyboard.press("Escape")
        add.click()
        page.get_by_role("button", name=re.compile(r"^In the plan: ")).first.wait_for()
        wait_idle(page)

        ask(page, "Export the plan")
        download_button = page.get_by_role("button", name=re.compile(r"^Download improvement-plan"))
        download_button.wait_for()
        with page.expect_download() as info:
            download_button.click()
        target = OUTPUT / "e2e-plan.md"
        OUTPUT.mkdir(exist_ok=True)
        info.value.save_as(target)
        exported = unescape_markdown(target.read_text(encoding="utf-8"))
        plan = Store(
            Settings(seeds_dir=tmp_path / "seeds", vectorstore_dir=tmp_path / "vectorstore", data_dir=tmp_path / "data")
        ).plan(conversation_id(page))
        assert plan is not None
        action = plan.actions[0]
        assert action.title == title and action.title in exported
        assert action.evidence and all(c.quote.strip() in exported for c in action.evidence)

        ask(page, "Draft the whole plan for Durham")
        page.get_by_text("it is on the Plan page").wait_for()
        wait_idle(page)
        page.get_by_role("link", name="Plan").click()
        page.get_by_test_id("stDataFrame").first.wait_for()
        wait_idle(page)
        page.get_by_text("A1. ").first.click()  # open the first action's detail
        wait_idle(page)
        screenshot(page, "plan.png")
        page.get_by_role("link", name="Reports").click()
        page.get_by_text("Full text").first.wait_for()
        wait_idle(page)
        screenshot(page, "reports.png")
        page.get_by_role("tab", name="Full text").click()  # drawn when opened
        page.get_by_text("¶1 ", exact=False).first.wait_for()


def conversation_id(page) -> str:
    return parse_qs(urlsplit(page.url).query)["c"][0]
