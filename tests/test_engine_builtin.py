"""The built-in engine and the engine factory: cited extractive answers, honest when nothing matches."""

from __future__ import annotations

import re

import pytest
from plan_helpers import make_report, playbook, seed, seed_reports, taxonomy

from assistant.citations import quote_in_passage
from assistant.engines import NOT_CONFIGURED, BuiltinEngine, Engine, get_engine
from assistant.engines.answer_stream import collect
from assistant.engines.builtin import NOT_DIRECT, NOTHING_FOUND
from assistant.models import Answer, SearchHit
from assistant.settings import Settings


@pytest.fixture(scope="module")
def engine() -> BuiltinEngine:
    return BuiltinEngine(taxonomy(), playbook())


def hits_for(*passage_ids: str) -> list[SearchHit]:
    passages = {p.id: p for r in seed_reports() for p in r.passages}
    return [SearchHit(passage=passages[pid], score=1.0 / (i + 1)) for i, pid in enumerate(passage_ids)]


def passage_id(report_part: str, phrase: str) -> str:
    return next(p.id for p in seed(report_part).passages if phrase in p.text)


def assert_cited(answer: Answer, hits: list[SearchHit]) -> None:
    """Every marker points at a citation, every citation is verified in a passage it was given."""
    given = {h.passage.id: h.passage for h in hits}
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert markers == set(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        assert c.verified and c.passage_id in given
        assert quote_in_passage(c.quote, given[c.passage_id].text)


def test_answer_quotes_the_relevant_sentence_with_a_citation(engine):
    hits = hits_for(
        passage_id("Durham", "Co-production was not routine"),
        passage_id("Durham", "Better Care Fund in County Durham"),
        passage_id("Gloucestershire", "Know Your Patch"),
    )
    answer = engine.answer("What does Durham say about co-production?", hits)
    assert answer.engine == "builtin" and answer.text.startswith("Here is what the reports say")
    assert_cited(answer, hits)
    assert any("Co-production was not routine and to some felt tokenistic" in c.quote for c in answer.citations)
    assert not any("Better Care Fund" in c.quote for c in answer.citations)  # not relevant to the question


def test_answer_is_honest_when_nothing_is_relevant(engine):
    hits = hits_for(
        passage_id("Durham", "Better Care Fund in County Durham"), passage_id("Gloucestershire", "Know Your Patch")
    )
    answer = engine.answer("What is the weather forecast on Mars?", hits)
    assert answer.text.startswith(NOT_DIRECT)
    assert_cited(answer, hits)
    assert len(answer.citations) == 2


def test_answer_with_no_hits_says_so_and_cites_nothing(engine):
    answer = engine.answer("Anything about transport?", [])
    assert answer.text == NOTHING_FOUND and answer.citations == []


def test_empty_question_is_refused(engine):
    with pytest.raises(ValueError, match="empty"):
        engine.answer("   ", hits_for(passage_id("Durham", "Co-production was not routine")))


def test_hostile_passage_text_is_escaped_in_the_answer(engine):
    report = make_report(
        "Northshire",
        "Safeguarding",
        2,
        [
            "Safeguarding | enquiries were *late* <script>alert(1)</script> and [unsafe](http://evil).",
        ],
    )
    hits = [SearchHit(passage=report.passages[0], score=1.0)]
    answer = engine.answer("Were safeguarding enquiries late?", hits)
    assert "<script>" not in answer.text and "[unsafe]" not in answer.text and "\\[unsafe\\]" in answer.text
    assert "\\|" in answer.text and "\\*late\\*" in answer.text
    assert_cited(answer, hits)


def test_stream_answer_yields_the_text_and_returns_the_answer(engine):
    hits = hits_for(passage_id("Durham", "lack of integrated information systems"))
    chunks, final = collect(engine.stream_answer("information systems delays", hits))
    assert isinstance(final, Answer) and all(isinstance(i, str) for i in chunks)
    assert "".join(chunks) == final.text and len(chunks) > 5
    assert final == engine.answer("information systems delays", hits)


def test_answer_stream_yields_the_text_then_the_answer(engine):
    hits = hits_for(passage_id("Durham", "lack of integrated information systems"))
    items = list(engine.answer_stream("information systems delays", hits))
    final = items[-1]
    assert isinstance(final, Answer) and all(isinstance(i, str) for i in items[:-1])
    assert "".join(str(i) for i in items[:-1]) == final.text and len(items) > 5


def test_findings_and_plan_come_from_the_builtin_stages(engine):
    durham, glos = seed("Durham"), seed("Gloucestershire")
    durham_findings, glos_findings = engine.findings(durham), engine.findings(glos)
    assert durham_findings.report_id == durham.id and durham_findings.findings
    plan = engine.plan(durham, durham_findings, [(glos, glos_findings)])
    assert plan.engine == "builtin" and plan.actions
    assert any(gp.authority == glos.authority for a in plan.actions for gp in a.good_practice)


def test_get_engine_picks_builtin_unless_openai_is_configured(monkeypatch):
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ASSISTANT_ENGINE", "ASSISTANT_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    tax, pb = taxonomy(), playbook()
    builtin = get_engine(Settings(engine="builtin"), tax, pb)
    assert isinstance(builtin, BuiltinEngine) and isinstance(builtin, Engine) and builtin.notice is None

    unconfigured = get_engine(Settings(engine="openai"), tax, pb)
    assert isinstance(unconfigured, BuiltinEngine)
    hits = hits_for(passage_id("Durham", "Co-production was not routine"))
    assert unconfigured.answer("co-production", hits).notes == [NOT_CONFIGURED]

    configured = get_engine(Settings(engine="openai", openai_base_url="http://127.0.0.1:9/v1"), tax, pb)
    from assistant.engines.openai import OpenAIEngine

    assert isinstance(configured, OpenAIEngine) and isinstance(configured, Engine)
    assert isinstance(configured.fallback, BuiltinEngine)
