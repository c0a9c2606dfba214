"""Chat refinement: a RAG change with a progress note ("mark action 3 green: the dashboard is live")."""

from __future__ import annotations

import pytest
from plan_helpers import playbook, taxonomy

from assistant.models import Action, ActionPlan
from assistant.refine import apply_instruction


def _action(plan: ActionPlan, action_id: str) -> Action:
    found = plan.action(action_id)
    assert found is not None
    return found


def _plan() -> ActionPlan:
    return ActionPlan(
        authority="Testshire",
        quality_statement="Partnerships",
        score=2,
        report_id="t/p",
        actions=[
            Action(id=f"A{n}", title=f"Action {n}", theme="t", action="Do.", owner="Head", timescale="6 months")
            for n in range(1, 4)
        ],
    )


@pytest.mark.parametrize(
    ("instruction", "rag", "note"),
    [
        ("mark action 3 green: the dashboard is live", "Green", "The dashboard is live"),
        ("Mark A3 amber because recruitment slipped.", "Amber", "Recruitment slipped"),
        ("set action 3 to red - funding withdrawn", "Red", "Funding withdrawn"),
        ("mark action 3 complete; signed off by the board", "Complete", "Signed off by the board"),
        ("mark action 3 in progress: recruitment under way", "In progress", "Recruitment under way"),
    ],
)
def test_rag_change_with_a_progress_note(instruction, rag, note):
    new, changes = apply_instruction(_plan(), instruction, taxonomy(), playbook())
    assert _action(new, "A3").rag == rag
    assert [(c.field, c.action_id) for c in changes] == [("rag", "A3"), ("progress", "A3")]
    assert changes[1].new == note


def test_rag_change_without_a_note_has_no_progress_change():
    new, changes = apply_instruction(_plan(), "mark action 2 amber", taxonomy(), playbook())
    assert _action(new, "A2").rag == "Amber" and [c.field for c in changes] == ["rag"]


def test_a_note_does_not_hide_other_edits():
    # an owner edit is not a RAG change: the text after the dash is part of the owner, not a progress note
    new, changes = apply_instruction(
        _plan(), "make action 1 owned by the Head of Green - Spaces", taxonomy(), playbook()
    )
    assert _action(new, "A1").owner == "Head of Green - Spaces" and [c.field for c in changes] == ["owner"]
