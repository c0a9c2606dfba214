"""main.py routing: the pages, the join link for workshop participants, and no leak of keys."""

from __future__ import annotations

import pytest
from app_helpers import MAIN, TIMEOUT, new_app
from streamlit.testing.v1 import AppTest

PAGES = MAIN.parent / "pages"


def test_pages_are_routed_and_each_renders(app_settings):
    at = new_app()
    pages = {p["page_name"]: p["url_pathname"] for p in at._registered_pages.values()}
    assert pages["Chat"] == "" and pages["Plan"] == "plan" and pages["Reports"] == "reports"
    if (PAGES / "workshop.py").is_file():
        assert pages["Workshop"] == "workshop"
    if (PAGES / "join.py").is_file():
        assert pages["Join a workshop"] == "join"
    for page in ("pages/plan.py", "pages/reports.py"):
        assert not at.switch_page(page).run().exception


def test_join_code_in_the_url_opens_only_the_participant_page(app_settings):
    if not (PAGES / "join.py").is_file():
        pytest.skip("the workshop's join page is not in this checkout")
    at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT)
    at.query_params["join"] = "ABC-123"
    at.run()
    assert not at.exception
    assert not at.sidebar.children, "participants see neither conversations nor the corpus"
    assert "ABC-123" in [t.value for t in at.text_input]


def test_the_key_is_never_shown(app_settings, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value-123")
    at = new_app()
    assert not at.exception
    shown = [
        e.value for kind in (at.markdown, at.caption, at.info, at.warning, at.error, at.sidebar.caption) for e in kind
    ]
    assert shown and not any("sk-secret-value-123" in v for v in shown)
    assert at.sidebar.radio(key="engine-radio").options == ["builtin", "openai"]


def test_a_configuration_problem_is_a_clear_message(app_settings, monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_PROMPTS_DIR", str(tmp_path / "no-prompts"))
    at = new_app()
    assert not at.exception
    assert any("could not start" in e.value and "themes.yaml" in e.value for e in at.error)
