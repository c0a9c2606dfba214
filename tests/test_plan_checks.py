"""Plan quality checks on crafted plans, the Mermaid timeline's syntax, and the JSON contract."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from plan_helpers import playbook, seed_reports, taxonomy

from assistant.export import gantt
from assistant.findings import find_findings
from assistant.models import Action, ActionPlan, Citation, GoodPractice
from assistant.plan_checks import check_plan, summarise
from assistant.planner import draft_plan


@pytest.fixture(scope="module")
def plans():
    tax, pb = taxonomy(), playbook()
    corpus = [(r, find_findings(r, tax)) for r in seed_reports()]
    return [
        draft_plan(r, rf, [o for o in corpus if o[0].id != r.id], pb, tax, start=date(2027, 1, 4)) for r, rf in corpus
    ]


def _action(n: int, **update) -> Action:
    base = Action(
        id=f"A{n}",
        title=f"Distinct title number {n}",
        theme="data_sharing",
        evidence=[Citation(passage_id="x/y/p01", quote=f"Records were not shared in case {n}.", verified=True)],
        action=f"Agree record access number {n} with partners.",
        owner="Head of Digital and Data (Adult Social Care)",
        timescale="6 months",
        measures=[f"Share of staff with access, cohort {n}"],
    )
    return base.model_copy(update=update)


def _plan(*actions: Action) -> ActionPlan:
    return ActionPlan(
        authority="Northshire", quality_statement="Partnerships", score=2, report_id="x/y", actions=list(actions)
    )


def test_a_clean_crafted_plan_has_no_defects():
    assert check_plan(_plan(_action(1), _action(2))) == []


@pytest.mark.parametrize(
    ("check", "actions"),
    [
        ("circular_measure", [_action(1, measures=["Follow-up review confirms the shortfall is resolved"])]),
        ("circular_measure", [_action(1, measures=["Records were not shared in case 1"])]),
        ("repeated_lead_in", [_action(n, action=f"Agree in response to the gap, part {n}.") for n in range(1, 5)]),
        ("title_repeats_word", [_action(1, title="Performance framework for performance reporting")]),
        (
            "good_practice_reused",
            [
                _action(
                    n,
                    good_practice=[
                        GoodPractice(
                            authority="Eastshire",
                            summary=f"In Eastshire, view {n}.",
                            citations=[Citation(passage_id="e/y/p02", quote="Staff had read only access.")],
                        )
                    ],
                )
                for n in (1, 2)
            ],
        ),
        (
            "mitigation_as_evidence",
            [
                _action(
                    1,
                    evidence=[
                        Citation(passage_id="x/y/p01", quote="Gaps were being addressed, and work was underway.")
                    ],
                )
            ],
        ),
        ("tool_words", [_action(1, no_good_practice_note="No other report in the corpus shows good practice.")]),
    ],
)
def test_each_defect_kind_is_caught(check, actions):
    found = summarise(check_plan(_plan(*actions)))
    assert found[check] >= 1
    assert sum(found.values()) == found[check], found


def test_both_seed_plans_have_no_defects(plans):
    for plan in plans:
        assert check_plan(plan) == [], plan.authority


_GANTT_LINE = re.compile(
    r"^(gantt|    title [^:;#]+|    dateFormat YYYY-MM-DD|    axisFormat [%a-zA-Z ]+|    section [^:;#]+|"
    r"    [^:;#]+ :(milestone, )?[a-z][a-z0-9]*, \d{4}-\d{2}-\d{2}, (\d{4}-\d{2}-\d{2}|0d))$"
)


def test_the_mermaid_gantt_block_is_valid_syntax(plans):
    for plan in plans:
        lines = gantt(plan)
        assert lines[0] == "```mermaid" and lines[-1] == "```" and lines[1] == "gantt"
        for line in lines[1:-1]:
            assert _GANTT_LINE.match(line), line
        ids = re.findall(r":(?:milestone, )?([a-z0-9]+),", "\n".join(lines))
        assert len(ids) == len(set(ids)), "task ids are unique"
        sections = [line for line in lines if line.startswith("    section ")]
        assert len(sections) == len(plan.workstreams)
        for line in lines:
            if m := re.search(r", (\d{4}-\d{2}-\d{2}), (\d{4}-\d{2}-\d{2})$", line):
                assert m.group(1) < m.group(2), line


def test_the_json_contract_keeps_every_old_field(plans):
    data = json.loads(plans[0].model_dump_json())
    for field in ("authority", "quality_statement", "score", "report_id", "engine", "actions", "notes"):
        assert field in data
    for action in data["actions"]:
        for field in (
            "id",
            "title",
            "theme",
            "shortfall_ids",
            "evidence",
            "action",
            "owner",
            "timescale",
            "measures",
            "rag",
            "priority",
            "good_practice",
            "no_good_practice_note",
        ):
            assert field in action
        assert all(isinstance(m, str) for m in action["measures"]) and action["evidence"][0]["quote"]
    for field in ("workstreams", "governance", "start_date", "lead_member", "summary"):
        assert data[field]
    # an old plan (no new fields) still loads
    old = {k: v for k, v in data.items() if k not in {"workstreams", "governance", "start_date", "summary"}}
    old["actions"] = [
        {k: v for k, v in a.items() if k not in {"milestones", "measure_details", "workstream"}}
        for a in data["actions"]
    ]
    assert ActionPlan.model_validate(old).actions
