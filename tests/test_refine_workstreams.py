"""Refinements on the workstream plan: a workstream's priority, lead and title; the start date."""

from __future__ import annotations

from datetime import date

import pytest
from plan_helpers import playbook, seed_reports, taxonomy

from assistant.findings import find_findings
from assistant.planner import draft_plan
from assistant.refine import RefineError, apply_instruction, looks_like_edit, parse_day

START = date(2027, 1, 4)


@pytest.fixture(scope="module")
def tools():
    return taxonomy(), playbook()


@pytest.fixture(scope="module")
def plan(tools):
    tax, pb = tools
    corpus = [(r, find_findings(r, tax)) for r in seed_reports()]
    glos, rf = next(x for x in corpus if "Glouc" in x[0].authority)
    return draft_plan(glos, rf, [x for x in corpus if x[0] is not glos], pb, tax, start=START)


def test_move_a_named_workstream_to_high_changes_it_and_its_actions(plan, tools):
    instruction = "move the workforce workstream to high"
    assert looks_like_edit(instruction)
    new, [change] = apply_instruction(plan, instruction, *tools)
    w = next(w for w in new.workstreams if "workforce" in w.themes)
    assert w.priority == "High" and change.field == "priority" and change.old == "Medium"
    assert all((a := new.action(i)) is not None and a.priority == "High" for i in w.action_ids)
    assert "set by the plan's leads" in w.rationale
    assert next(x for x in plan.workstreams if x.id == w.id).priority == "Medium"  # the original is untouched


def test_set_the_start_date_moves_every_milestone(plan, tools):
    new, [change] = apply_instruction(plan, "set the start date to 1 April 2027", *tools)
    assert new.start_date == date(2027, 4, 1) and change.field == "start_date"
    old_dues = [m.due for a in plan.actions for m in a.milestones]
    new_dues = [m.due for a in new.actions for m in a.milestones]
    assert all((n.year - o.year) * 12 + n.month - o.month == 3 for o, n in zip(old_dues, new_dues, strict=True))


def test_workstream_lead_and_rename_by_number(plan, tools):
    new, _ = apply_instruction(plan, "make workstream 2 led by the Head of Commissioning", *tools)
    assert new.workstreams[1].lead == "Head of Commissioning"
    new, _ = apply_instruction(plan, "rename workstream 1 to Home First and reablement", *tools)
    assert new.workstreams[0].title == "Home First and reablement"


def test_unknown_workstreams_and_dates_are_explained(plan, tools):
    with pytest.raises(RefineError, match="no workstream 9"):
        apply_instruction(plan, "set workstream 9 to low", *tools)
    with pytest.raises(RefineError, match="not a date"):
        apply_instruction(plan, "set the start date to someday", *tools)


def test_parse_day_reads_council_dates():
    today = date(2026, 12, 2)
    assert parse_day("1 April", today) == date(2027, 4, 1)
    assert parse_day("April 1st 2028", today) == date(2028, 4, 1)
    assert parse_day("2027-06-30", today) == date(2027, 6, 30)
    assert parse_day("25 December", today) == date(2026, 12, 25)
