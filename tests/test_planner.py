"""The built-in planner: SMART, specific, non-duplicated actions and honest good practice."""

from __future__ import annotations

import re
from itertools import combinations

import pytest
import yaml
from plan_helpers import (
    PROMPTS,
    finding,
    findings_of,
    make_report,
    playbook,
    seed,
    seed_reports,
    taxonomy,
)

from assistant.citations import quote_in_passage
from assistant.findings import find_findings
from assistant.good_practice import good_practice
from assistant.models import Citation
from assistant.phrases import excerpt
from assistant.planner import DUPLICATE_JACCARD, draft_plan, jaccard
from assistant.playbook import parse_playbook
from assistant.text import fold

TIMESCALE = re.compile(r"^\d+ months$")
RANK = {"High": 0, "Medium": 1, "Low": 2}


@pytest.fixture(scope="module")
def tax():
    return taxonomy()


@pytest.fixture(scope="module")
def pb():
    return playbook()


@pytest.fixture(scope="module")
def corpus(tax):
    return [(r, find_findings(r, tax)) for r in seed_reports()]


@pytest.fixture(scope="module")
def plans(corpus, pb, tax):
    return [
        (report, rf, draft_plan(report, rf, [o for o in corpus if o[0].id != report.id], pb, tax))
        for report, rf in corpus
    ]


def _words_run(quote: str, text: str, n: int = 4) -> bool:
    """Some run of ``n`` consecutive words of ``quote`` occurs in ``text``."""
    words = fold(quote).lower().rstrip(".").split()
    haystack = fold(text).lower()
    return any(" ".join(words[i : i + n]) in haystack for i in range(max(1, len(words) - n + 1)))


# --------------------------------------------------------------------------- seeds, end to end


def test_every_evidenced_shortfall_is_answered(plans):
    for report, rf, plan in plans:
        evidenced = {f.id for f in rf.findings if f.kind == "shortfall" and any(c.verified for c in f.citations)}
        answered = {sid for a in plan.actions for sid in a.shortfall_ids}
        assert evidenced and evidenced <= answered, report.id
        assert answered <= {f.id for f in rf.findings if f.kind == "shortfall"}
        assert plan.engine == "builtin" and plan.report_id == report.id


def test_actions_are_smart_and_specific_to_their_finding(plans, pb):
    for report, _, plan in plans:
        passages = {p.id: p for p in report.passages}
        assert [a.id for a in plan.actions] == [f"A{i}" for i in range(1, len(plan.actions) + 1)]
        for a in plan.actions:
            assert a.owner in pb.play(a.theme).owners
            assert TIMESCALE.match(a.timescale)
            assert a.measures and all(m.strip() for m in a.measures)
            assert a.rag == "Not started" and a.priority in RANK
            assert a.evidence and all(c.verified for c in a.evidence)
            assert all(quote_in_passage(c.quote, passages[c.passage_id].text) for c in a.evidence)
            # a reader can tell which shortfall it answers: the inspectors' words are in the action
            assert any(_words_run(c.quote, a.action) for c in a.evidence), a.action
            assert any(_words_run(c.quote, " ".join(a.measures)) for c in a.evidence), a.measures


def test_actions_are_ordered_by_priority_then_document_order(plans):
    for _, _, plan in plans:
        ranks = [RANK[a.priority] for a in plan.actions]
        assert ranks == sorted(ranks)


def test_no_two_actions_say_the_same_thing(plans, pb):
    for _, _, plan in plans:
        assert len({a.title.lower() for a in plan.actions}) == len(plan.actions)
        for a, b in combinations(plan.actions, 2):
            assert jaccard(pb.content_words(a.action), pb.content_words(b.action)) < DUPLICATE_JACCARD


def test_good_practice_only_from_other_authorities_on_the_same_theme(plans, corpus):
    by_id = {r.id: (r, rf) for r, rf in corpus}
    cited_any = False
    for report, _, plan in plans:
        for a in plan.actions:
            assert bool(a.good_practice) != bool(a.no_good_practice_note), a.id
            for gp in a.good_practice:
                other, other_findings = by_id[gp.report_id]
                assert gp.report_id != report.id and gp.authority == other.authority != report.authority
                strengths = {
                    (c.passage_id, c.quote)
                    for f in other_findings.findings
                    if f.kind == "strength" and f.theme == a.theme
                    for c in f.citations
                }
                assert gp.citations and all(c.verified for c in gp.citations)
                assert {(c.passage_id, c.quote) for c in gp.citations} <= strengths
                assert other.authority in gp.summary
                cited_any = True
    assert cited_any


def test_plans_are_deterministic(corpus, pb, tax):
    report, rf = corpus[0]
    others = corpus[1:]
    assert draft_plan(report, rf, others, pb, tax) == draft_plan(report, rf, others, pb, tax)


# --------------------------------------------------------------------------- hand-built cases


def test_the_finding_specifics_are_woven_in(pb, tax):
    glos = seed("Gloucestershire")
    rf = findings_of(
        glos,
        finding(
            glos,
            "shortfall",
            1,
            "integration_governance",
            "However, there were gaps in strategic oversight of these agreements",
        ),
    )
    action = draft_plan(glos, rf, [], pb, tax).actions[0]
    # "these agreements" is resolved to what the report named in the paragraph before
    assert "section 75 agreements" in action.action
    assert "gaps in strategic oversight of these agreements" in action.action
    assert "section 75 agreements" in action.title


def test_shortfalls_sharing_a_theme_get_different_levers_and_their_own_words(pb, tax):
    report = make_report(
        "Northshire",
        "Partnerships and communities",
        2,
        [
            "Recording systems were often incompatible and did not share data easily between partners.",
            "There was a lack of data to show the impact of the falls prevention service.",
        ],
    )
    rf = findings_of(
        report,
        finding(report, "shortfall", 1, "data_sharing", "Recording systems were often incompatible"),
        finding(report, "shortfall", 2, "data_sharing", "There was a lack of data to show the impact"),
    )
    a, b = draft_plan(report, rf, [], pb, tax).actions
    assert a.title != b.title and a.owner != b.owner
    assert jaccard(pb.content_words(a.action), pb.content_words(b.action)) < 0.5
    assert "Recording systems were often incompatible" in (a.action + b.action)
    assert "a lack of data to show the impact" in (a.action + b.action)


def test_a_finding_naming_distinct_gaps_gets_an_action_for_each(pb, tax):
    tendering = "Some organisations felt the tendering process was difficult, especially for smaller organisations."
    funding = "Funding often had to be applied for every year or two, affecting the organisations' sustainability."
    report = make_report("Northshire", "Partnerships and communities", 3, [f"{tendering} {funding}"])
    merged = finding(report, "shortfall", 1, "vcs_commissioning", funding, tendering)
    actions = draft_plan(report, findings_of(report, merged), [], pb, tax).actions
    assert len(actions) == 2 and all(a.shortfall_ids == [merged.id] for a in actions)
    assert len({a.title for a in actions}) == 2 and len({a.owner for a in actions}) == 2
    quotes = [[c.quote for c in a.evidence] for a in actions]
    assert sorted(q for qs in quotes for q in qs) == sorted(c.quote for c in merged.citations)  # each quote once
    tendering = next(a for a in actions if any("tendering" in c.quote for c in a.evidence))
    assert "tendering" in tendering.action.lower() and "every year or two" not in tendering.action


def test_near_identical_actions_are_merged_keeping_both_shortfalls(tax):
    data = yaml.safe_load((PROMPTS / "playbook.yaml").read_text(encoding="utf-8"))
    data["themes"]["data_sharing"]["levers"] = data["themes"]["data_sharing"]["levers"][:1]
    one_lever = parse_playbook(yaml.safe_dump(data, allow_unicode=True))
    report = make_report(
        "Northshire",
        "Partnerships and communities",
        2,
        [
            "Recording systems were often incompatible and did not share data easily between partners.",
            "In the north, recording systems were often incompatible and did not share data easily with partners.",
        ],
    )
    first = finding(
        report,
        "shortfall",
        1,
        "data_sharing",
        "Recording systems were often incompatible and did not share data easily between partners.",
    )
    second = finding(
        report,
        "shortfall",
        2,
        "data_sharing",
        "recording systems were often incompatible and did not share data easily with partners",
    )
    plan = draft_plan(report, findings_of(report, first, second), [], one_lever, tax)
    assert len(plan.actions) == 1
    assert plan.actions[0].shortfall_ids == [first.id, second.id]
    assert {c.passage_id for c in plan.actions[0].evidence} == {f"{report.id}/p01", f"{report.id}/p02"}
    assert any("merged" in n for n in plan.notes)


def test_no_good_practice_note_when_no_other_authority_shows_it(pb, tax):
    report = make_report(
        "Northshire",
        "Partnerships and communities",
        2,
        [
            "Co-production was not routine and to some felt tokenistic.",
        ],
    )
    other = make_report(
        "Southshire",
        "Partnerships and communities",
        4,
        [
            "Staff had read only access to the shared care record, which meant needs were known sooner.",
        ],
    )
    same_authority = make_report(
        "Northshire",
        "Safeguarding",
        4,
        [
            "People who draw on care co-produced the strategy as equal partners.",
        ],
    )
    others = [
        (other, findings_of(other, finding(other, "strength", 1, "data_sharing", "Staff had read only access"))),
        (
            same_authority,
            findings_of(
                same_authority,
                finding(same_authority, "strength", 1, "coproduction", "co-produced the strategy as equal partners"),
            ),
        ),
    ]
    rf = findings_of(report, finding(report, "shortfall", 1, "coproduction", "Co-production was not routine"))
    action = draft_plan(report, rf, others, pb, tax).actions[0]
    assert action.good_practice == []
    label = tax.label("coproduction").lower()
    assert action.no_good_practice_note == f"No other report in the corpus shows good practice on {label}."


def test_good_practice_prefers_higher_scores_and_says_what_to_borrow(pb, tax):
    report = make_report(
        "Northshire",
        "Partnerships and communities",
        2,
        [
            "However, consultation was an afterthought and co-production was not routine.",
        ],
    )
    good = make_report(
        "Eastshire",
        "Partnerships and communities",
        3,
        [
            "People who draw on care co-chaired the commissioning board and shaped every consultation.",
        ],
    )
    best = make_report(
        "Westshire",
        "Partnerships and communities",
        4,
        [
            "We heard that a lived experience panel co-produced each strategy before decisions were made.",
        ],
    )
    others = [
        (good, findings_of(good, finding(good, "strength", 1, "coproduction", "People who draw on care co-chaired"))),
        (
            best,
            findings_of(
                best,
                finding(
                    best,
                    "strength",
                    1,
                    "coproduction",
                    "a lived experience panel co-produced each strategy before decisions were made",
                ),
            ),
        ),
    ]
    found = good_practice("coproduction", report, others, pb, shortfall=report.passages[0].text, taxonomy=tax)
    assert [gp.authority for gp in found] == ["Westshire", "Eastshire"]
    top = found[0]
    assert top.report_id == best.id and top.citations[0].verified
    assert "a lived experience panel co-produced each strategy" in top.summary
    assert "consultation was an afterthought" in top.summary and "Northshire" in top.summary
    assert top.summary.count(". ") == 0 and top.summary.endswith(".")
    # without a shortfall the sentence still says what to borrow, on the theme
    assert "co-production" in good_practice("coproduction", report, others, pb, taxonomy=tax)[0].summary.lower()
    assert good_practice("coproduction", report, others, pb, limit=1)[0].authority == "Westshire"


def test_report_with_no_shortfalls_gets_an_empty_plan_with_a_note(pb, tax):
    report = make_report("Northshire", "Safeguarding", 4, ["Safeguarding enquiries were timely and personal."])
    rf = findings_of(report, finding(report, "strength", 1, "safeguarding", "Safeguarding enquiries were timely"))
    plan = draft_plan(report, rf, [], pb, tax)
    assert plan.actions == [] and len(plan.notes) == 1 and "no shortfalls" in plan.notes[0]


def test_a_finding_without_verified_evidence_gets_a_note_not_an_action(pb, tax):
    report = make_report(
        "Northshire",
        "Safeguarding",
        2,
        [
            "There was a backlog of safeguarding enquiries in the multi-agency safeguarding hub.",
        ],
    )
    real = finding(report, "shortfall", 1, "safeguarding", "There was a backlog of safeguarding enquiries")
    invented = real.model_copy(
        update={
            "id": f"{report.id}/s02",
            "citations": [Citation(passage_id=f"{report.id}/p01", quote="Staff were never trained at all, ever.")],
        }
    )
    plan = draft_plan(report, findings_of(report, real, invented), [], pb, tax)
    assert [a.shortfall_ids for a in plan.actions] == [[real.id]]
    assert any(invented.id in n for n in plan.notes)


def test_other_quality_statements_and_unknown_themes_use_their_playbook_entry(pb, tax):
    report = make_report(
        "Northshire",
        "Safeguarding",
        1,
        [
            "There was a backlog of safeguarding enquiries in the multi-agency safeguarding hub "
            "and delays put people at risk.",
            "Something else entirely was not right with the parking permits scheme.",
        ],
    )
    rf = findings_of(
        report,
        finding(report, "shortfall", 1, "safeguarding", "There was a backlog of safeguarding enquiries"),
        finding(report, "shortfall", 2, "no_such_theme", "Something else entirely was not right"),
    )
    plan = draft_plan(report, rf, [], pb, tax)
    safeguarding = next(a for a in plan.actions if a.theme == "safeguarding")
    assert safeguarding.owner in pb.themes["safeguarding"].owners
    assert "multi-agency safeguarding hub" in safeguarding.action
    assert safeguarding.priority == "High"  # score 1 and "delays ... risk"
    other = next(a for a in plan.actions if a.theme == "no_such_theme")
    assert other.owner in pb.themes["default"].owners


def test_priority_follows_the_score_and_the_wording(pb, tax):
    def priority(score: int, text: str) -> str:
        report = make_report("Northshire", "Partnerships and communities", score, [text])
        rf = findings_of(report, finding(report, "shortfall", 1, "community_provision", text))
        return draft_plan(report, rf, [], pb, tax).actions[0].priority

    assert priority(1, "Gaps in community transport left people unable to attend day services.") == "High"
    assert priority(4, "Community transport was not always available in some districts.") == "Low"


def test_findings_for_another_report_are_refused(pb, tax):
    glos, durham = seed("Gloucestershire"), seed("Durham")
    with pytest.raises(ValueError, match="not for report"):
        draft_plan(glos, findings_of(durham), [], pb, tax)


def test_excerpt_keeps_the_inspectors_words_without_the_lead_in(pb):
    lexicon = pb.lexicon
    assert (
        excerpt("However, we heard from staff that information sharing could be a challenge.", lexicon)
        == "information sharing could be a challenge"
    )
    assert (
        excerpt("In other areas we heard about work having started, but the impacts not yet fully realised.", lexicon)
        == "the impacts not yet fully realised"
    )
    assert (
        excerpt(
            "However, there were gaps in strategic oversight of these agreements and this meant "
            "impacts on people were not addressed promptly.",
            lexicon,
        )
        == "gaps in strategic oversight of these agreements"
    )
    for report in seed_reports():
        for p in report.key_findings():
            for sentence in p.sentence_texts():
                cut = excerpt(sentence, lexicon).rstrip("…")
                assert cut and cut in fold(sentence), sentence
                assert len(cut.split()) <= lexicon.gap_words
