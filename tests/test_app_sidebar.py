"""The sidebar at any corpus size: the conversation's report and a search box, never the whole corpus."""

from __future__ import annotations

from app_helpers import ask, new_app, run_entrypoint


def _captions(at) -> str:
    return "\n".join(c.value for c in at.sidebar.caption)


def test_sidebar_lists_no_reports_until_searched(app_settings):
    at = new_app()
    assert not at.exception
    assert "2 reports from 2 councils loaded" in _captions(at)
    assert not [b for b in at.sidebar.button if b.key and b.key.startswith("find-")]
    search = at.sidebar.text_input(key="sidebar-search")
    search.set_value("glouc")
    run_entrypoint(at)  # AppTest reruns only the page; the sidebar is main.py's
    found = [b for b in at.sidebar.button if b.key and b.key.startswith("find-")]
    assert [b.label for b in found] == ["Gloucestershire · Partnerships and communities"]
    at.sidebar.text_input(key="sidebar-search").set_value("atlantis")
    run_entrypoint(at)
    assert "No report matches" in _captions(at)


def test_search_result_opens_the_report(app_settings):
    at = new_app()
    at.sidebar.text_input(key="sidebar-search").set_value("durham partnerships")
    run_entrypoint(at)
    at.sidebar.button(key="find-county-durham/partnerships-and-communities").click()
    run_entrypoint(at)
    assert not at.exception
    assert at.selectbox(key="report-choice").value == "county-durham/partnerships-and-communities"
    assert any("County Durham" in m.value and "score 3" in m.value for m in at.markdown)


def test_sidebar_shows_the_conversations_report(app_settings):
    at = new_app()
    assert "This conversation" not in _captions(at)
    ask(at, "What are the main shortfalls for Gloucestershire?")
    run_entrypoint(at)
    assert "This conversation: **Gloucestershire** · Partnerships and communities" in _captions(at)
