"""Good practice by meaning on the seed reports: the failures issue 10 names, each checked."""

from __future__ import annotations

import pytest
from local_settings import seeded_assistant

from assistant.good_practice import GoodPracticeFinder, Weights, related_themes
from assistant.playbook import theme_label
from assistant.service import Assistant
from assistant.text import fold


@pytest.fixture(scope="module")
def assistant(tmp_path_factory) -> Assistant:
    return seeded_assistant(tmp_path_factory.mktemp("gp"))


def _report(assistant, name):
    return next(r for r in assistant.reports() if name in r.authority)


def _plan(assistant, name):
    return assistant.plan(_report(assistant, name))


def _cited(action):
    return [c for gp in action.good_practice for c in gp.citations]


def _actions_quoting(plan, phrase):
    return [a for a in plan.actions if any(phrase in fold(c.quote) for c in a.evidence)]


def test_tokenistic_coproduction_gets_district_networks_or_partnership_boards(assistant):
    plan = _plan(assistant, "Durham")
    [action, *_] = _actions_quoting(plan, "Co-production was not routine")
    quotes = " ".join(c.quote for c in _cited(action))
    assert "Know Your Patch" in quotes or "partnership boards" in quotes, quotes


def test_data_sharing_cites_the_mechanism_not_the_outcome(assistant):
    plan = _plan(assistant, "Gloucestershire")
    actions = _actions_quoting(plan, "Recording systems were often incompatible")
    quotes = [c.quote for a in actions for c in _cited(a)]
    assert any(q.startswith("Read only access to information systems") for q in quotes), quotes
    all_quotes = [c.quote for a in plan.actions for c in _cited(a)]
    assert not any(q.startswith("Access to this information meant") for q in all_quotes)


def test_never_a_clause_cut_before_a_but_never_self_praise_always_whole_sentences(assistant):
    for name in ("Durham", "Gloucestershire"):
        plan = _plan(assistant, name)
        for a in plan.actions:
            for c in _cited(a):
                assert "proud" not in c.quote
                assert not c.quote.rstrip().endswith(",")
                assert "co-production work had only developed recently" not in c.quote
                other = assistant.passage(c.passage_id)
                assert c.quote in other.sentence_texts(), c.quote


def test_recognised_gap_is_a_signal_not_shortfall_evidence(assistant):
    durham = _report(assistant, "Durham")
    findings = assistant.findings(durham).findings
    quotes = [c.quote for f in findings if f.kind == "shortfall" for c in f.citations]
    assert not any("had recognised this was an area of development" in q for q in quotes)
    [tokenistic] = [f for f in findings if any("tokenistic" in c.quote for c in f.citations)]
    assert tokenistic.recognised
    plan = assistant.plan(durham)
    assert not any("had recognised this" in c.quote for a in plan.actions for c in a.evidence)


def test_one_quote_is_not_reused_for_every_action_when_another_fits(assistant):
    plan = _plan(assistant, "Gloucestershire")
    data = [a for a in plan.actions if a.theme == "data_sharing"]
    firsts = [_cited(a)[0].quote for a in data if _cited(a)]
    assert len(firsts) <= 1 or len(set(firsts)) > 1 or len(data) == 1


def test_nothing_comparable_is_said_plainly(assistant):
    durham = _report(assistant, "Durham")
    finder = GoodPracticeFinder(
        durham,
        assistant.others(durham),
        assistant.playbook,
        assistant.taxonomy,
        assistant.evidence,
        weights=Weights(threshold=5.0),
    )
    shortfall = next(f for f in assistant.findings(durham).findings if f.kind == "shortfall")
    found, note = finder.for_action(shortfall.citations, shortfall.summary, shortfall.theme)
    label = theme_label(assistant.taxonomy, assistant.playbook, shortfall.theme)
    assert found == [] and note == assistant.playbook.message("no_good_practice", theme=label)


def test_own_authority_is_never_its_own_good_practice(assistant):
    for name in ("Durham", "Gloucestershire"):
        plan = _plan(assistant, name)
        assert all(gp.authority != plan.authority for a in plan.actions for gp in a.good_practice)


def test_related_themes_are_read_both_ways(assistant):
    related = related_themes(assistant.taxonomy, "coproduction")
    assert "community_provision" in related
    assert "coproduction" in related_themes(assistant.taxonomy, "community_provision")


def test_without_an_index_similarity_is_lexical_and_still_cites_practice(assistant):
    durham = _report(assistant, "Durham")
    finder = GoodPracticeFinder(durham, assistant.others(durham), assistant.playbook, assistant.taxonomy)
    assert finder.pool.vectors is None
    shortfall = next(f for f in assistant.findings(durham).findings if f.theme == "data_sharing")
    found, _ = finder.for_action(shortfall.citations, shortfall.summary, shortfall.theme)
    assert all(c.verified for gp in found for c in gp.citations)
