"""Browser end-to-end for the pictures: the presenter view with its QR code and live votes; plan progress.

Real ``streamlit run`` servers on temp folders, headless Debian Chromium.
Screenshots go to ``test-output/`` (and ``docs/screenshots/`` with
``DOCS_SCREENSHOTS=1``).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_helpers import CHROMIUM, OUTPUT, ask, launch_chromium, running_app, screenshot
from workshop_helpers import draft

from assistant.db import engine_for
from assistant.progress import ProgressStore
from assistant.settings import Settings
from assistant.store import Store
from assistant.workshop.domain import format_join_code
from assistant.workshop.store import WorkshopStore

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing (the project's setup installs it)"),
]

WAIT_MS = 90_000
FIRST_LOAD_MS = 240_000


def _settings(root: Path) -> Settings:
    return Settings(seeds_dir=root / "seeds", vectorstore_dir=root / "vectorstore", data_dir=root / "data")


def _wait_idle(page) -> None:
    page.wait_for_timeout(300)
    page.get_by_test_id("stStatusWidget").wait_for(state="detached", timeout=WAIT_MS)


def _decode_qr(png: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_presenter_view_qr_code_and_live_votes(tmp_path: Path):
    from playwright.sync_api import expect, sync_playwright

    with running_app(tmp_path) as (url, _proc, _):
        store = WorkshopStore(engine_for(_settings(tmp_path)))
        created = store.create(draft(dots=3))
        fac_handle = store.facilitate(created.facilitator_token)
        items = fac_handle.snapshot().items
        code = format_join_code(created.join_code)
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            try:
                fac_ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
                fac = fac_ctx.new_page()
                par = browser.new_context().new_page()
                for p in (fac, par):
                    p.set_default_timeout(WAIT_MS)
                expect.set_options(timeout=WAIT_MS)

                # the facilitator opens the presenter view from their page: a new tab, without the secret
                fac.goto(f"{url}/workshop?facilitator={created.facilitator_token}")
                presenter_link = fac.get_by_role("link", name=re.compile("Open the presenter view"))
                presenter_link.wait_for(timeout=FIRST_LOAD_MS)
                with fac_ctx.expect_page() as opened:
                    presenter_link.click()
                show = opened.value
                show.set_default_timeout(WAIT_MS)
                expect(show.locator("p.join-code")).to_have_text(code)
                assert created.facilitator_token not in show.url
                join_link = f"{url}/?join={code}"
                expect(show.locator("code", has_text="?join=")).to_have_text(join_link)

                # the QR code on the projector decodes to the participants' link
                qr = show.get_by_test_id("stImage").locator("img").first
                expect(qr).to_be_visible()
                assert _decode_qr(qr.screenshot()) == [join_link]

                # a participant scans (follows the link), joins and votes
                par.goto(join_link)
                par.get_by_role("textbox", name="Display name").fill("Sam")
                par.get_by_role("button", name="Join the workshop").click()
                expect(par.get_by_text(f"Item 1 of {len(items)}")).to_be_visible()
                chart = show.get_by_test_id("stVegaLiteChart").first
                title = items[0].candidates[0].action.title
                expect(chart).to_have_attribute("aria-label", re.compile(re.escape(f"{title}: 0")))
                bar_labels = chart.locator("svg g.mark-text.role-mark text")  # the number at each bar's end
                expect(bar_labels).to_have_text(["0"])

                fac.get_by_role("button", name="Start timer").click()
                expect(show.locator("p.timer")).not_to_have_text(f"{items[0].time_box_min}:00")
                expect(par.get_by_text("Time box (running)")).to_be_visible()  # participants see the timer too

                # the dot reaches the projector's chart without a reload (its latency target is
                # measured by bench/bench_present.py, not here: a busy CI machine is no stopwatch)
                vote = par.get_by_role("button", name="Add a dot").first
                vote.click()
                expect(par.get_by_text("Your dots here: 1")).to_be_visible()
                voted = time.perf_counter()  # the dot is in the database: the participant's page says so
                expect(bar_labels).to_have_text(["1"])
                print(f"\nvote to chart in the browser: {time.perf_counter() - voted:.2f}s (informative)")
                expect(show.get_by_text("Dot votes on this item: 1")).to_be_visible()
                par.get_by_role("button", name="Add a dot").first.click()
                expect(bar_labels).to_have_text(["2"])
                _wait_idle(show)
                screenshot(show, "presenter.png")

                # results across the workshop: the ranked chart on the facilitator's Results tab
                fac.bring_to_front()
                fac.get_by_role("button", name="Refresh").click()  # the Results tab is drawn when the page runs
                _wait_idle(fac)
                fac.get_by_role("tab", name="Results and export").click()
                results = fac.get_by_test_id("stVegaLiteChart").filter(has=fac.locator("svg")).last
                expect(results).to_have_attribute("aria-label", re.compile(re.escape(f"{title}: 2")))
                results.scroll_into_view_if_needed()
                _wait_idle(fac)
                fac.screenshot(path=str(OUTPUT / "results-chart.png"))
                screenshot_element(results, "results.png")
            finally:
                browser.close()
    assert fac_handle.snapshot().total_votes() == 2


def screenshot_element(locator, name: str) -> None:
    """A screenshot of one element, saved like ``browser_helpers.screenshot``."""
    import os
    import shutil

    from browser_helpers import DOCS

    OUTPUT.mkdir(exist_ok=True)
    locator.screenshot(path=str(OUTPUT / name))
    if os.environ.get("DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(OUTPUT / name, DOCS / name)


def _record_update(page, action: str, rag: str, note: str) -> None:
    form = page.get_by_test_id("stForm").filter(has_text="Record a progress update")
    for label, value in (("Action", f"{action}. "), ("RAG status", rag)):
        box = form.get_by_role("combobox", name=label)
        box.click()
        box.fill(value)  # the select filters as you type
        box.press("Enter")
    page.get_by_label("Progress note").fill(note)
    page.get_by_role("button", name="Record the update").click()
    _wait_idle(page)


def test_progress_updates_survive_a_restart_and_reach_the_report(tmp_path: Path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            with running_app(tmp_path) as (url, _proc, _):
                page = browser.new_page(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
                page.set_default_timeout(WAIT_MS)
                expect.set_options(timeout=WAIT_MS)
                page.goto(url)
                page.get_by_test_id("stChatInputTextArea").wait_for(timeout=FIRST_LOAD_MS)
                ask(page, "Draft the whole plan for Durham")
                page.get_by_text("it is on the Plan page").first.wait_for()
                _wait_idle(page)
                ask(page, "mark action 3 green: the dashboard is live")
                page.get_by_text("A3 progress note", exact=False).first.wait_for()
                _wait_idle(page)
                cid = parse_qs(urlsplit(page.url).query)["c"][0]
                page.get_by_role("link", name="Plan").click()
                page.get_by_text("Record a progress update").wait_for()
                _record_update(page, "A2", "Amber", "Recruitment has started")
                expect(page.get_by_text(re.compile("Progress on A2 recorded"))).to_be_visible()
                page.close()

            settings = _settings(tmp_path)
            assert [(u.action_id, u.rag) for u in ProgressStore(engine_for(settings)).updates(cid)] == [
                ("A3", "Green"),
                ("A2", "Amber"),
            ]
            # earlier quarters, as a leader would have recorded them, for a chart with history
            plan = Store(settings).plan(cid)
            assert plan is not None
            progress = ProgressStore(engine_for(settings))
            today = dt.date.today()
            for n, action in enumerate(plan.actions[:4]):
                progress.record(cid, action, "Red" if n == 0 else "Amber", on=today - dt.timedelta(days=90))
            progress.record(cid, plan.actions[0], "Amber", on=today - dt.timedelta(days=45))

            with running_app(tmp_path) as (url, _proc, _):  # a restart: a new server on the same database
                page = browser.new_page(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
                page.set_default_timeout(WAIT_MS)
                page.goto(f"{url}/?c={cid}")  # the conversation's link, then its Plan page
                page.get_by_test_id("stChatInputTextArea").wait_for(timeout=FIRST_LOAD_MS)  # the app is up
                _wait_idle(page)
                page.get_by_role("link", name="Plan").click()
                chart = page.locator('[data-testid="stVegaLiteChart"][aria-label^="Actions per RAG status"]')
                chart.wait_for()
                expect(chart).to_have_attribute("aria-label", re.compile(f"{today.isoformat()} Green: 1"))
                page.get_by_text("Every update (7)").click()
                updates = page.get_by_role("listitem")
                expect(
                    updates.filter(has_text="A3 progress").or_(updates.filter(has_text="dashboard is live"))
                ).to_have_count(1)
                expect(updates.filter(has_text="Recruitment has started")).to_have_count(1)
                _wait_idle(page)
                screenshot_element(chart, "rag-over-time.png")

                page.get_by_role("button", name=re.compile(r"Produce a progress report \(7 new")).click()
                download = page.get_by_role("button", name="Progress report (Markdown)")
                download.wait_for()
                with page.expect_download() as info:
                    download.click()
                target = OUTPUT / "e2e-progress-report.md"
                OUTPUT.mkdir(exist_ok=True)
                info.value.save_as(target)
                report = target.read_text(encoding="utf-8")
                assert "The dashboard is live" in report and "Recruitment has started" in report
                assert "## What changed (7 update(s))" in report
                assert "Not started → Amber" in report
                with page.expect_download() as info:
                    page.get_by_role("button", name="Progress report (Word)").click()
                docx = OUTPUT / "e2e-progress-report.docx"
                info.value.save_as(docx)
                assert docx.stat().st_size > 10_000  # with the chart's PNG
        finally:
            browser.close()
