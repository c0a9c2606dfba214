"""The national view in a real headless Chromium at 1,377 sections: the score overview, a click on a cell
opening that report, the Reports page filtered, and which of the region's councils did well asked in the
chat. Screenshots: overview.png, reports-national.png, who-scored.png.

The server runs through ``scale_app.py`` (index left empty, see scale_helpers.py).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from browser_helpers import CHROMIUM, ask, browser_page, running_app, screenshot
from scale_helpers import generate_corpus

from assistant.settings import PROJECT_ROOT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing (the project's setup installs it)"),
]


def wait_idle(page) -> None:
    page.wait_for_timeout(300)
    page.get_by_test_id("stStatusWidget").wait_for(state="detached", timeout=120_000)


def pick(page, label: str, option: str) -> None:
    """Choose ``option`` in the multiselect or selectbox labelled ``label``."""
    page.get_by_label(label, exact=True).first.click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    wait_idle(page)


def test_overview_click_through_and_reports_filters_at_scale(tmp_path: Path):
    generate_corpus(tmp_path / "seeds")
    launcher = [sys.executable, str(PROJECT_ROOT / "tests" / "scale_app.py")]
    with running_app(tmp_path, launcher=launcher) as (url, _proc, _), browser_page() as page:
        page.goto(url)
        page.get_by_test_id("stChatInputTextArea").wait_for(timeout=240_000)
        page.get_by_text("1,377 reports from 153 councils loaded").wait_for()

        page.get_by_role("link", name="Score overview").click()
        chart = page.get_by_test_id("stVegaLiteChart")
        chart.wait_for()
        wait_idle(page)
        pick(page, "Region", "North West")
        wait_idle(page)
        page.get_by_text("216 reports from 24 councils").wait_for()
        # The chart is redrawn with the North West only (London's first borough gone).
        chart.locator('[aria-label*="authority: Barking and Dagenham;"]').first.wait_for(state="detached")
        wait_idle(page)
        page.wait_for_timeout(1000)  # let Vega finish drawing
        screenshot(page, "overview.png")

        # Each cell is an SVG mark whose accessible label names its council, statement and score.
        cell = chart.locator('[aria-label*="authority: Bolton;"][aria-label*="statement: Safeguarding;"]').first
        cell.click()
        page.get_by_text("Full text").first.wait_for()
        wait_idle(page)
        assert "reports" in page.url
        page.locator("p", has_text=re.compile(r"Bolton\s*·\s*Safeguarding\s*·\s*score")).first.wait_for()

        pick(page, "Sort by", "council type")
        pick(page, "Region", "North West")
        pick(page, "Score", "2")
        page.get_by_text("124 of 1,377 reports match the filters").wait_for()
        wait_idle(page)
        page.wait_for_timeout(1000)
        screenshot(page, "reports-national.png")

        # a regional adviser asks who did well: answered from the region's reports, each with a cited strength
        page.get_by_role("link", name="Chat").click()
        page.get_by_test_id("stChatInputTextArea").wait_for()
        wait_idle(page)
        ask(page, "Which councils in the North West scored 3 on safeguarding?")
        page.get_by_text("Peers used: councils in the North West").wait_for(timeout=120_000)
        page.get_by_text(re.compile(r"\d+ of the 24 reports on Safeguarding scored 3")).wait_for()
        wait_idle(page)
        assert page.get_by_text("Strength: “").count() >= 1
        assert page.get_by_role("button", name=re.compile(r"^\[1\] ")).count() == 1, "the answer cites its quotes"
        screenshot(page, "who-scored.png")
