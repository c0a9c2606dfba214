"""Browser end-to-end: a facilitator and a participant in two headless Chromium contexts.

Starts ``streamlit run assistant/app/main.py`` on a free port with temp data
folders; the participant joins, adds an idea (with markup that must stay
inert) and votes; the facilitator sees it live and moves on; the participant
follows and, after a reload, is still in.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_helpers import CHROMIUM, launch_chromium, running_app
from workshop_helpers import draft

from assistant.db import engine_for
from assistant.workshop.domain import format_join_code
from assistant.workshop.store import WorkshopStore

pytestmark = pytest.mark.browser

WAIT_MS = 90_000
#: The first page of the main app builds the search index: slow on a busy 2-core machine.
FIRST_LOAD_MS = 240_000


@pytest.fixture
def server(settings, tmp_path: Path):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    with running_app(tmp_path) as (url, _proc, _):  # the settings fixture's folders under tmp_path
        yield url


def test_facilitator_and_participant_in_two_browsers(server, settings):
    from playwright.sync_api import expect, sync_playwright

    store = WorkshopStore(engine_for(settings))
    created = store.create(draft(dots=2))
    items = store.facilitate(created.facilitator_token).snapshot().items
    code = format_join_code(created.join_code)

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            fac = browser.new_context().new_page()
            par = browser.new_context().new_page()
            fac.set_default_timeout(WAIT_MS)
            par.set_default_timeout(WAIT_MS)
            expect.set_options(timeout=WAIT_MS)

            # the facilitator's secret link shows the participants' link; the participant follows it
            fac.goto(f"{server}/workshop?facilitator={created.facilitator_token}")
            join_link = fac.locator("code", has_text="?join=").inner_text(timeout=FIRST_LOAD_MS).strip()
            assert join_link == f"{server}/?join={code}"
            expect(fac.get_by_text("0 of 25")).to_be_visible()

            # participant joins with a name that tries to inject HTML
            par.goto(join_link)
            par.get_by_role("textbox", name="Display name").fill("<img src=x onerror=window.pwned=1>Sam")
            par.get_by_role("button", name="Join the workshop").click()
            expect(par.get_by_text(f"Item 1 of {len(items)}")).to_be_visible()
            assert "p=" in par.url
            expect(par.get_by_text("<img src=x onerror=window.pwned=1>Sam", exact=False)).to_be_visible()

            idea_box = par.get_by_role("textbox", name="Add an idea or comment")
            idea_box.fill("Weekly huddle <b>now</b> **please**")
            par.get_by_role("button", name="Send").click()
            expect(par.get_by_role("listitem").filter(has_text="Weekly huddle <b>now</b> **please**")).to_be_visible()
            expect(idea_box).to_have_value("")  # sent, so the box is cleared
            par.get_by_role("button", name="Add a dot").first.click()
            expect(par.get_by_text("Your dots here: 1")).to_be_visible()

            # the facilitator sees the participant, the idea and the dot live, as plain text
            expect(fac.get_by_text("1 of 25")).to_be_visible()
            expect(fac.get_by_text("Weekly huddle <b>now</b> **please**", exact=False)).to_be_visible()
            expect(fac.get_by_text(items[0].candidates[0].action.title).first).to_be_visible()
            assert fac.locator("b", has_text="now").count() == 0
            assert par.evaluate("window.pwned") is None and fac.evaluate("window.pwned") is None

            # a second dot arrives live (fragment polling), then the facilitator moves on
            par.get_by_role("button", name="Add a dot").first.click()
            expect(par.get_by_role("button", name="Add a dot").first).to_be_disabled()
            expect(fac.get_by_text("2 on this item", exact=False)).to_be_visible()
            fac.get_by_role("button", name="Next").click()
            expect(par.get_by_text(f"Item 2 of {len(items)}")).to_be_visible()

            # a reload rejoins where the participant was
            par.reload()
            expect(par.get_by_text(f"Item 2 of {len(items)}")).to_be_visible()
            expect(par.get_by_label("Display name")).to_have_count(0)
        finally:
            browser.close()

    snap = store.facilitate(created.facilitator_token).snapshot()
    assert snap.current_position == 1 and snap.total_votes() == 2
    assert [i.text for i in snap.items[0].ideas] == ["Weekly huddle <b>now</b> **please**"]
