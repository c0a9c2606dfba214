"""The built-in planner: workstreams sized to the score, built on what exists, measured, owned, dated."""

from __future__ import annotations

from datetime import date

import pytest
from plan_helpers import finding, findings_of, make_report, playbook, seed, seed_reports, taxonomy

from assistant.citations import quote_in_passage
from assistant.findings import find_findings
from assistant.good_practice import good_practice
from assistant.models import Citation
from assistant.phrases import excerpt
from assistant.plan_checks import check_plan
from assistant.plan_config import load_plan_config
from assistant.planner import draft_plan, structure_plan
from assistant.schedule import add_months, reschedule
from assistant.text import fold

START = date(2027, 1, 4)


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
        (report, rf, draft_plan(report, rf, [o for o in corpus if o[0].id != report.id], pb, tax, start=START))
        for report, rf in corpus
    ]


def _plan(plans, part):
    return next(p for r, _, p in plans if part in r.authority)


def test_every_evidenced_shortfall_is_answered_by_the_action_citing_it(plans):
    for report, rf, plan in plans:
        passages = {p.id: p for p in report.passages}
        answered = {i for a in plan.actions for i in a.shortfall_ids}
        assert answered == {f.id for f in rf.findings if f.kind == "shortfall"}, report.id
        for a in plan.actions:
            assert a.evidence and all(c.verified for c in a.evidence)
            assert all(quote_in_passage(c.quote, passages[c.passage_id].text) for c in a.evidence)
            assert {c.passage_id for c in a.evidence} <= {
                c.passage_id for f in rf.findings if f.id in a.shortfall_ids for c in f.citations
            }


def test_workstreams_are_sized_to_the_score_and_hold_one_to_three_actions(plans):
    config = load_plan_config()
    for report, rf, plan in plans:
        assert 1 <= len(plan.workstreams) <= config.workstream_limit(report.score), report.id
        shortfalls = [f for f in rf.findings if f.kind == "shortfall"]
        assert len(plan.actions) < len(shortfalls), "never one action per shortfall"
        ids = [i for w in plan.workstreams for i in w.action_ids]
        assert sorted(ids) == sorted(a.id for a in plan.actions) and len(ids) == len(set(ids))
        for w in plan.workstreams:
            assert 1 <= len(w.action_ids) <= config.action_limit(report.score)
            assert w.rationale and w.lead and w.risks and w.dependencies and w.resources
            assert all(plan.action(i).workstream == w.id for i in w.action_ids)
    assert len(_plan(plans, "Durham").workstreams) <= 5


def test_every_action_has_a_council_owner_dated_milestones_and_a_people_outcome(plans, pb):
    for report, _, plan in plans:
        assert plan.start_date == START and plan.lead_member and plan.governance is not None
        for a in plan.actions:
            assert a.owner in pb.play(a.theme).owners and "ICB" not in a.owner
            assert a.milestones and all(m.due > START for m in a.milestones)
            assert any(m.people_outcome and m.i_statement == report.i_statements[0] for m in a.measure_details)
            assert all(m.baseline and m.target and m.target_date for m in a.measure_details)
            assert a.measures == [m.line() for m in a.measure_details]
            assert "in response to" not in a.action


def test_priority_follows_impact_and_rises_when_the_council_recognised_the_gap(plans):
    durham = _plan(plans, "Durham")
    coproduction = next(w for w in durham.workstreams if "coproduction" in w.themes)
    assert coproduction.recognised and coproduction.priority == "High"
    assert "recognised" in coproduction.rationale
    glos = _plan(plans, "Gloucestershire")
    waiting = next(w for w in glos.workstreams if "integration_governance" in w.themes)
    assert waiting.priority == "High" and "waiting" in waiting.rationale
    ranks = [{"High": 0, "Medium": 1, "Low": 2}[w.priority] for w in glos.workstreams]
    assert ranks == sorted(ranks)


def test_actions_build_on_work_the_report_names_and_never_recreate_it(plans):
    glos = _plan(plans, "Gloucestershire")
    names = {i.name for i in glos.initiatives}
    assert {"Joining Up Your Information", "Home First"} <= names
    assert any(a.builds_on and a.builds_on[0] in a.action for a in glos.actions)
    assert any(a.rag == "In progress" for a in glos.actions), "the report credits work under way"
    assert not any("trusted-assessor" in a.action or "trusted assessor" in a.action.lower() for a in glos.actions)
    assert not any("lived-experience partnership board" in a.action.lower() for a in glos.actions)


def test_mitigation_is_kept_as_context_not_shortfall_evidence(plans):
    durham = _plan(plans, "Durham")
    quotes = [c.quote for a in durham.actions for c in a.evidence]
    context = [c.quote for a in durham.actions for c in a.context]
    assert not any("had recognised" in q for q in quotes)
    assert any("had recognised" in q for q in context)


def test_seed_plans_pass_every_quality_check(plans):
    for report, _, plan in plans:
        assert check_plan(plan) == [], report.id


def test_good_practice_only_from_other_authorities_as_whole_practice_sentences(plans, corpus):
    by_id = {r.id: (r, rf) for r, rf in corpus}
    cited_any = False
    for report, _, plan in plans:
        for a in plan.actions:
            assert bool(a.good_practice) != bool(a.no_good_practice_note), a.id
            for gp in a.good_practice:
                other, _ = by_id[gp.report_id]
                assert gp.report_id != report.id and gp.authority == other.authority != report.authority
                assert gp.citations and all(c.verified for c in gp.citations)
                sentences = {s for p in other.passages for s in p.sentence_texts()}
                assert {c.quote for c in gp.citations} <= sentences  # whole sentences, never a cut clause
                assert other.authority in gp.summary
                cited_any = True
    assert cited_any


def test_plans_are_deterministic(corpus, pb, tax):
    report, rf = corpus[0]
    others = corpus[1:]
    assert draft_plan(report, rf, others, pb, tax, start=START) == draft_plan(report, rf, others, pb, tax, start=START)


def test_the_start_date_moves_milestones_targets_and_baseline_dates(plans):
    plan = _plan(plans, "Durham")
    moved = reschedule(plan, date(2027, 4, 1), load_plan_config())
    a, b = plan.actions[0], moved.actions[0]
    assert moved.start_date == date(2027, 4, 1)
    assert [m.due for m in b.milestones] == [
        add_months(date(2027, 4, 1), (m.due.year - 2027) * 12 + m.due.month - 1) for m in a.milestones
    ]
    assert "1 June 2027" in b.measure_details[0].baseline and b.measures != a.measures
    assert moved.workstreams[0].end > plan.workstreams[0].end


def test_a_plan_for_an_unknown_report_shape_still_gets_workstreams(pb, tax):
    report = make_report(
        "Northshire",
        "Safeguarding",
        1,
        [
            "There was a backlog of safeguarding enquiries in the multi-agency safeguarding hub, "
            "which put people at risk of harm.",
            "Carers told us they could not get a break and respite was hard to find.",
        ],
    )
    a = finding(report, "shortfall", 1, "safeguarding", "There was a backlog of safeguarding enquiries")
    b = finding(report, "shortfall", 2, "carers", "respite was hard to find")
    plan = draft_plan(report, findings_of(report, a, b), [], pb, tax, start=START)
    assert len(plan.workstreams) == 2
    safeguarding = next(w for w in plan.workstreams if "safeguarding" in w.themes)
    assert safeguarding.priority == "High"
    assert all(x.no_good_practice_note for x in plan.actions)
    assert check_plan(plan) == []


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
            "People who draw on care co-chaired the commissioning board and shaped every consultation.",
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
                    "People who draw on care co-chaired",
                ),
            ),
        ),
    ]
    found = good_practice("coproduction", report, others, pb, shortfall=report.passages[0].text, taxonomy=tax)
    assert [gp.authority for gp in found] == ["Westshire", "Eastshire"]
    top = found[0]
    assert top.report_id == best.id and top.citations[0].verified
    assert "people who draw on care co-chaired the commissioning board" in top.summary
    assert "Westshire" in top.summary  # the gap itself is quoted beside the action, not repeated here
    assert top.summary.count(". ") == 0 and top.summary.endswith(".")
    # without a shortfall the sentence still says what to borrow, on the theme
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


def test_structure_plan_workstreams_list_their_own_actions_after_reordering():
    """A model's actions regrouped and renumbered: each workstream's action ids are the actions in it."""
    for report in seed_reports():
        tx, pb = taxonomy(), playbook()
        built = draft_plan(report, find_findings(report, tx), [], pb, tx, start=date(2027, 1, 1))
        drafted = built.model_copy(deep=True)
        drafted.workstreams, drafted.actions = [], list(reversed(drafted.actions))
        titles = [next(w.title for w in built.workstreams if w.id == a.workstream) for a in drafted.actions]
        for n, a in enumerate(drafted.actions, start=1):
            a.id, a.workstream = f"A{n}", None
        plan = structure_plan(drafted, report, pb, tx, workstream_titles=titles, start=date(2027, 1, 1))
        assert len(plan.workstreams) > 1
        for w in plan.workstreams:
            assert w.action_ids == [a.id for a in plan.actions if a.workstream == w.id]
