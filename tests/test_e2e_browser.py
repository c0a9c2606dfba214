"""End to end in a real headless Chromium: ask, add an action to the plan, export, check the file.

Starts ``streamlit run assistant/app/main.py`` on temp folders and a free
port. Screenshots go to ``test-output/`` (and to ``docs/screenshots/`` when
``DOCS_SCREENSHOTS=1``).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from assistant.settings import PROJECT_ROOT, Settings
from assistant.store import Store

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
OUTPUT = PROJECT_ROOT / "test-output"
DOCS = PROJECT_ROOT / "docs" / "screenshots"
STARTUP_TIMEOUT = 120

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing (the project's setup installs it)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = STARTUP_TIMEOUT) -> float:
    """Seconds until ``/_stcore/health`` answers ok."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}: {proc.stdout.read()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"streamlit did not answer {url}/_stcore/health within {timeout}s")


@contextmanager
def running_app(root: Path, env_extra: dict[str, str] | None = None):
    """A streamlit server on temp folders under ``root``; yields (url, process, seconds to health)."""
    seeds = root / "seeds"
    if not seeds.exists():
        shutil.copytree(PROJECT_ROOT / "seeds", seeds)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ASSISTANT_", "CHROMA_"))}
    env.update(ASSISTANT_SEEDS_DIR=str(seeds), ASSISTANT_VECTORSTORE_DIR=str(root / "vectorstore"),
               ASSISTANT_DATA_DIR=str(root / "data"), **(env_extra or {}))
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "assistant/app/main.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        yield url, proc, wait_healthy(url, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(accept_downloads=True, viewport={"width": 1400, "height": 1100})
            page.set_default_timeout(60_000)
            yield page
        finally:
            browser.close()


def ask(page, message: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(message)
    box.press("Enter")


def wait_idle(page) -> None:
    """Until the script has finished running (the running indicator is gone)."""
    page.wait_for_timeout(300)
    page.get_by_test_id("stStatusWidget").wait_for(state="detached", timeout=60_000)


def screenshot(page, name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / name), full_page=True)
    if os.environ.get("DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(OUTPUT / name, DOCS / name)


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
        plan = Store(Settings(seeds_dir=tmp_path / "seeds", vectorstore_dir=tmp_path / "vectorstore",
                              data_dir=tmp_path / "data")).plan(conversation_id(page))
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


def conversation_id(page) -> str:
    return parse_qs(urlsplit(page.url).query)["c"][0]
