"""Plan refinement in words: edits, removals, additions and clear errors (hand-built plan)."""

from __future__ import annotations

import pytest

from assistant.models import Action, ActionPlan
from assistant.playbook import load_playbook
from assistant.refine import RefineError, apply_instruction, looks_like_edit
from assistant.settings import PROJECT_ROOT
from assistant.themes import load_taxonomy

PROMPTS = PROJECT_ROOT / "prompts"


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(PROMPTS)


@pytest.fixture(scope="module")
def playbook():
    return load_playbook(PROMPTS)


def _plan() -> ActionPlan:
    def action(i: int, theme: str, title: str) -> Action:
        return Action(
            id=f"A{i}",
            title=title,
            theme=theme,
            action=f"{title}.",
            owner="Director of Adult Social Services",
            timescale="12 months",
        )

    return ActionPlan(
        authority="County Durham",
        quality_statement="Partnerships and communities",
        score=3,
        report_id="county-durham/partnerships-and-communities",
        actions=[
            action(1, "data_sharing", "Give staff access to partner records"),
            action(2, "vcs_commissioning", "Longer-term funding for the voluntary sector"),
            action(3, "coproduction", "Make co-production routine"),
            action(4, "mental_health", "Align guidance for the integrated mental health team"),
        ],
    )


@pytest.mark.parametrize(
    "instruction, action_id, field, value",
    [
        ("make action 2 owned by the Head of Commissioning", "A2", "owner", "Head of Commissioning"),
        ("set the timescale of the co-production action to 6 months", "A3", "timescale", "6 months"),
        ("mark action 1 amber", "A1", "rag", "Amber"),
        ("Make A4 high priority", "A4", "priority", "High"),
        (
            "change the owner of the second action to Director of Public Health.",
            "A2",
            "owner",
            "Director of Public Health",
        ),
        ("rename action 1 to Shared care record for all teams", "A1", "title", "Shared care record for all teams"),
        ("set the deadline to March 2027 for action 4", "A4", "timescale", "March 2027"),
    ],
)
def test_refinement_edits_one_field(taxonomy, playbook, instruction, action_id, field, value):
    before = _plan()
    assert looks_like_edit(instruction)
    after, changes = apply_instruction(before, instruction, taxonomy, playbook)
    assert getattr(after.action(action_id), field) == value
    assert changes[0].action_id == action_id and changes[0].new == value
    assert before == _plan(), "the plan passed in is not changed"
    others = [a for a in after.actions if a.id != action_id]
    assert others == [a for a in _plan().actions if a.id != action_id]


def test_remove_renumbers_and_add_appends_with_playbook_defaults(taxonomy, playbook):
    plan, changes = apply_instruction(_plan(), "remove action 2", taxonomy, playbook)
    assert [a.title for a in plan.actions] == [
        "Give staff access to partner records",
        "Make co-production routine",
        "Align guidance for the integrated mental health team",
    ]
    assert [a.id for a in plan.actions] == ["A1", "A2", "A3"] and changes[0].kind == "remove"
    plan, changes = apply_instruction(
        plan, "add an action to publish 'you said, we did' after each consultation", taxonomy, playbook
    )
    added = plan.actions[-1]
    assert added.id == "A4" and changes[0].kind == "add"
    assert added.action == "Publish 'you said, we did' after each consultation."
    assert added.theme == "coproduction"
    assert added.owner in playbook.play("coproduction").owners and added.timescale.endswith("months")
    assert added.evidence == []


@pytest.mark.parametrize(
    "instruction, message",
    [
        ("remove action 9", "no action 9"),
        ("make action 2 purple", "not what to change"),
        ("mark the safeguarding action red", "No action in the plan matches"),
        ('set the owner of action 1 to ""', "empty"),
    ],
)
def test_refinement_errors_say_what_is_wrong(taxonomy, playbook, instruction, message):
    with pytest.raises(RefineError, match=message):
        apply_instruction(_plan(), instruction, taxonomy, playbook)


@pytest.mark.parametrize(
    "message",
    [
        "What are the main shortfalls for Gloucestershire?",
        "Draft actions for Durham's data-sharing gaps",
        "Draft the whole plan for Durham",
        "What can Gloucestershire learn from Durham about hospital discharge?",
    ],
)
def test_questions_are_not_edits(message):
    assert not looks_like_edit(message)
