"""Every page at national scale (AppTest): 1,377 synthetic sections, 153 councils × 9 statements.

The corpus is generated and parsed once per session; the index is left empty
(see scale_helpers.py): these pages list, filter and chart reports and do not search.
"""

from __future__ import annotations

import pytest
from app_helpers import new_app, run_entrypoint
from scale_helpers import SECTIONS, generate_corpus, without_index
from test_app_overview import heatmap

import assistant.service
from assistant.corpus import Corpus, load_corpus
from assistant.settings import Settings


@pytest.fixture(scope="session")
def scale_corpus(tmp_path_factory) -> tuple[Settings, Corpus]:
    seeds = generate_corpus(tmp_path_factory.mktemp("scale") / "seeds")
    settings = Settings(seeds_dir=seeds, openai_api_key=None, openai_base_url=None)
    return settings, load_corpus(settings)


@pytest.fixture
def scale_app(scale_corpus, app_settings, monkeypatch):
    settings, corpus = scale_corpus
    monkeypatch.setenv("ASSISTANT_SEEDS_DIR", str(settings.seeds_dir))
    monkeypatch.setattr(assistant.service, "load_corpus", lambda s: corpus)
    without_index(monkeypatch.setattr)
    return corpus


def test_the_corpus_is_every_council_and_statement(scale_app):
    assert len(scale_app.reports) == SECTIONS
    assert len({r.authority for r in scale_app.reports}) == 153


def test_chat_page_and_sidebar_at_scale(scale_app):
    at = new_app()
    assert not at.exception
    assert at.chat_input, "the Chat page is usable"
    captions = "\n".join(c.value for c in at.sidebar.caption)
    assert "1,377 reports from 153 councils loaded" in captions
    assert len(at.sidebar.button) < 10, "the sidebar never lists the corpus"
    at.sidebar.text_input(key="sidebar-search").set_value("north")
    run_entrypoint(at)
    found = [b for b in at.sidebar.button if b.key and b.key.startswith("find-")]
    assert len(found) == 8
    assert any("more: refine the search" in c.value for c in at.sidebar.caption)


def test_reports_page_filters_sorts_and_pages_at_scale(scale_app):
    at = new_app().switch_page("pages/reports.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 25, "one page of 25 rows, not 1,377"
    assert any("1,377 of 1,377 reports" in c.value and "page 1 of 56" in c.value for c in at.caption)
    at.multiselect(key="reports-region").set_value(["London"]).run()
    at.multiselect(key="reports-score").set_value([2]).run()
    at.selectbox(key="reports-sort").set_value("authority").run()
    table = at.dataframe[0].value
    london_twos = [r for r in scale_app.reports if r.score == 2 and r.authority in _london()]
    assert set(table["region"]) == {"London"} and set(table["score"]) == {2}
    assert any(f"{len(london_twos):,} of 1,377 reports match" in c.value for c in at.caption)
    at.multiselect(key="reports-score").set_value([]).run()
    at.selectbox(key="reports-page-size").set_value(100).run()
    at.number_input(key="reports-page").set_value(3).run()
    table = at.dataframe[0].value
    # London's 33 councils × 9 statements = 297 rows: the third page of 100 holds 97.
    assert len(table) == 97 and "page 3 of 3" in " ".join(c.value for c in at.caption)
    assert list(table["authority"]) == sorted(table["authority"], key=str.lower)


def _london() -> set[str]:
    from assistant.peers import load_councils

    return {c.name for c in load_councils().in_region("London")}


def test_overview_at_scale(scale_app):
    at = new_app().switch_page("pages/overview.py").run()
    assert not at.exception
    assert not any("Only" in i.value for i in at.info), "no few-reports notice at 1,377"
    frame, spec = heatmap(at)
    assert len(frame) == SECTIONS and frame.authority.nunique() == 153 and frame.statement.nunique() == 9
    at.multiselect(key="overview-type").set_value(["county"]).run()
    at.multiselect(key="overview-statement").set_value(["Safeguarding"]).run()
    frame, _ = heatmap(at)
    assert frame.authority.nunique() == 21 and set(frame.statement) == {"Safeguarding"}
