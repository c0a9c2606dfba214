"""What the browser end-to-end tests and bench/bench_app.py share: the app server and headless Chromium.

``running_app(root)`` starts ``streamlit run assistant/app/main.py`` on
127.0.0.1 and a free port, on the folders ``root/seeds``, ``root/vectorstore``
and ``root/data`` (the layout of the ``settings`` fixture), and waits for
``/_stcore/health``. ``launch_chromium`` starts the Debian Chromium headless.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
OUTPUT = PROJECT_ROOT / "test-output"
DOCS = PROJECT_ROOT / "docs" / "screenshots"
STARTUP_TIMEOUT = 120
#: Environment variables the server must not inherit: it gets its folders from ``running_app`` only.
_LEAKY_PREFIXES = ("OPENAI_", "ASSISTANT_", "CHROMA_")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(log: Path, chars: int = 3000) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-chars:] if log.exists() else ""


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = STARTUP_TIMEOUT) -> float:
    """Seconds until ``/_stcore/health`` answers ok; the server's log tail if it exits first."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}: {_tail(log)}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"streamlit did not answer {url}/_stcore/health within {timeout}s: {_tail(log)}")


@contextmanager
def running_app(
    root: Path, env_extra: dict[str, str] | None = None, launcher: list[str] | None = None
) -> Iterator[tuple[str, subprocess.Popen, float]]:
    """A streamlit server on the folders under ``root``; yields (url, process, seconds to health).

    ``launcher`` replaces ``python -m streamlit`` (e.g. ``[python, "tests/scale_app.py"]``).

    The seed reports are copied to ``root/seeds`` unless it exists; the server
    log goes to ``root/streamlit.log``.
    """
    seeds = root / "seeds"
    if not seeds.exists():
        shutil.copytree(PROJECT_ROOT / "seeds", seeds)
    env = {k: v for k, v in os.environ.items() if not k.startswith(_LEAKY_PREFIXES)}
    env.update(
        ASSISTANT_SEEDS_DIR=str(seeds),
        ASSISTANT_VECTORSTORE_DIR=str(root / "vectorstore"),
        ASSISTANT_DATA_DIR=str(root / "data"),
        **(env_extra or {}),
    )
    port = free_port()
    log = root / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                *(launcher or [sys.executable, "-m", "streamlit"]),
                "run",
                "assistant/app/main.py",
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        yield url, proc, wait_healthy(url, proc, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def launch_chromium(playwright):
    """Headless Debian Chromium through Playwright (no downloaded browser)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@contextmanager
def browser_page():
    """One page in a fresh headless Chromium that accepts downloads; closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(accept_downloads=True, viewport={"width": 1400, "height": 1100})
            page.set_default_timeout(60_000)
            yield page
        finally:
            browser.close()


def ask(page, message: str) -> None:
    """Type a question in the Chat page's input and send it."""
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(message)
    box.press("Enter")


def screenshot(page, name: str) -> None:
    """A full-page screenshot in ``test-output/`` (copied to ``docs/screenshots/`` when DOCS_SCREENSHOTS=1)."""
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / name), full_page=True)
    if os.environ.get("DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(OUTPUT / name, DOCS / name)
