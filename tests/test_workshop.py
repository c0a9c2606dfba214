"""Workshop domain and store: editing, joining, ideas, dots, tokens, escaping, exports, restart."""

from __future__ import annotations

import datetime as dt

import pytest
from workshop_helpers import PLAN, draft

from assistant.db import engine_for
from assistant.models import Action
from assistant.workshop.domain import (
    JOIN_ALPHABET,
    JOIN_CODE_LENGTH,
    MAX_CONTRIBUTION_CHARS,
    MAX_NAME_CHARS,
    AccessDenied,
    DotsExhausted,
    WorkshopError,
    accept_into_plan,
    normalise_join_code,
)
from assistant.workshop.export import facilitator_pack_markdown, record_markdown
from assistant.workshop.store import WorkshopStore


@pytest.fixture
def store(settings) -> WorkshopStore:
    return WorkshopStore(engine_for(settings))


@pytest.fixture
def created(store):
    return store.create(draft())


@pytest.fixture
def fac(store, created):
    return store.facilitate(created.facilitator_token)


# ---------------------------------------------------------------- codes and tokens


def test_join_code_is_unguessable_and_tokens_are_checked(store, created):
    assert len(created.join_code) == JOIN_CODE_LENGTH and set(created.join_code) <= set(JOIN_ALPHABET)
    assert store.create(draft()).join_code != created.join_code
    assert len(created.facilitator_token) >= 40
    with pytest.raises(AccessDenied, match="facilitator link is not valid"):
        store.facilitate(created.join_code)  # the join code is not the facilitator's key
    with pytest.raises(AccessDenied):
        store.facilitate("")
    with pytest.raises(AccessDenied, match="participant link"):
        store.participant(created.facilitator_token)


def test_join_code_normalisation_and_errors(store, created):
    code = created.join_code
    messy = f" {code[:5].lower()}-{code[5:]} "
    assert normalise_join_code(messy) == code
    participant, token = store.join(messy, "Sam")
    assert store.participant(token).id == participant.id
    with pytest.raises(AccessDenied, match="not a join code"):
        store.join("ABC", "Sam")
    with pytest.raises(AccessDenied, match="No workshop has that join code"):
        store.join("".join(reversed(code)) if code[::-1] != code else "A" * JOIN_CODE_LENGTH, "Sam")


def test_closing_the_code_stops_new_joins_but_not_existing_participants(store, created, fac):
    p, token = store.join(created.join_code, "Early bird")
    fac.set_joining(False)
    with pytest.raises(AccessDenied, match="closed the join code"):
        store.join(created.join_code, "Latecomer")
    item = fac.snapshot().items[0]
    assert store.participant(token).add_idea(item.id, "still here") > 0
    fac.set_joining(True)
    store.join(created.join_code, "Latecomer")
    assert [x.display_name for x in fac.snapshot().participants] == ["Early bird", "Latecomer"]


def test_handles_cannot_touch_another_workshop(store, created, fac):
    other = store.create(draft())
    other_item = store.facilitate(other.facilitator_token).snapshot().items[0]
    p, _ = store.join(created.join_code, "Sam")
    with pytest.raises(WorkshopError, match="no agenda item"):
        fac.drop_item(other_item.id)
    with pytest.raises(WorkshopError, match="no agenda item"):
        p.add_idea(other_item.id, "sneaky")
    with pytest.raises(WorkshopError, match="no candidate action"):
        p.vote(other_item.candidates[0].id)


# ---------------------------------------------------------------- input limits


def test_names_and_ideas_are_limited_and_cleaned(store, created, fac):
    with pytest.raises(WorkshopError, match="display name is empty"):
        store.join(created.join_code, "   ")
    with pytest.raises(WorkshopError, match=f"limit is {MAX_NAME_CHARS}"):
        store.join(created.join_code, "x" * (MAX_NAME_CHARS + 1))
    with pytest.raises(WorkshopError, match="Unknown role"):
        store.join(created.join_code, "Sam", role="Admin")
    p, _ = store.join(created.join_code, "  Sam\u202e  \n Jones ", role="Carer")
    item = fac.snapshot().items[0]
    with pytest.raises(WorkshopError, match=f"1001 characters long; the limit is {MAX_CONTRIBUTION_CHARS}"):
        p.add_idea(item.id, "y" * (MAX_CONTRIBUTION_CHARS + 1))
    with pytest.raises(WorkshopError, match="Your idea is empty"):
        p.add_idea(item.id, "\x00 \n ")
    p.add_idea(item.id, "z" * MAX_CONTRIBUTION_CHARS)
    snap = fac.snapshot()
    assert snap.participants[0].display_name == "Sam Jones" and snap.participants[0].role == "Carer"
    assert len(snap.items[0].ideas[0].text) == MAX_CONTRIBUTION_CHARS


# ---------------------------------------------------------------- agenda editing


def test_edit_reorder_drop_and_add_items(fac):
    ids = [i.id for i in fac.snapshot().items]
    fac.edit_item(ids[0], title="Sharing records", time_box_min=25, prompts=["One?", " ", "Two?"])
    fac.move(ids[2], -2)
    snap = fac.snapshot()
    assert [i.id for i in snap.items] == [ids[2], ids[0], ids[1]]
    assert snap.items[1].title == "Sharing records" and snap.items[1].time_box_min == 25
    assert snap.items[1].prompts == ["One?", "Two?"]
    new = fac.add_item("Any other business", summary="Open floor", time_box_min=10)
    fac.drop_item(ids[1])
    snap = fac.snapshot()
    assert [i.id for i in snap.items] == [ids[2], ids[0], new]
    assert [i.position for i in snap.items] == [0, 1, 2]
    with pytest.raises(WorkshopError, match="every agenda item exactly once"):
        fac.reorder([ids[0]])
    with pytest.raises(WorkshopError, match="between 1 and 240"):
        fac.edit_item(new, time_box_min=0)
    with pytest.raises(WorkshopError, match="item title is empty"):
        fac.add_item(" ")


def test_navigation_and_version(store, created, fac):
    p, _ = store.join(created.join_code, "Sam")
    pos0, v0 = p.position()
    fac.step(+1)
    fac.step(+1)
    fac.step(+1)  # stops at the last item
    assert p.position()[0] == 2 and p.position()[1] > v0 and pos0 == 0
    fac.step(-1)
    assert fac.snapshot().current_item().position == 1
    fac.go_to(0)
    with pytest.raises(WorkshopError, match="no agenda item at position 9"):
        fac.go_to(8)
    # reordering keeps the same item current
    ids = [i.id for i in fac.snapshot().items]
    fac.reorder(list(reversed(ids)))
    assert fac.snapshot().current_item().id == ids[0]


def test_timer(fac):
    item = fac.snapshot().items[0]
    fac.start_timer(item.id, now=1000.0)
    fac.pause_timer(item.id, now=1060.0)
    it = fac.snapshot().items[0]
    assert not it.timer_running and it.remaining_s() == item.time_box_min * 60 - 60
    fac.start_timer(item.id, now=2000.0)
    it = fac.snapshot().items[0]
    assert it.timer_running and it.remaining_s(now=2030.0) == item.time_box_min * 60 - 90
    fac.reset_timer(item.id)
    assert fac.snapshot().items[0].remaining_s() == item.time_box_min * 60


# ---------------------------------------------------------------- dots


def test_dots_limit_and_take_back(store, created, fac):
    p, _ = store.join(created.join_code, "Sam")
    cands = fac.snapshot().candidates()
    assert p.vote(cands[0].id) == 2
    assert p.vote(cands[0].id) == 1  # several dots on one action are allowed
    assert p.vote(cands[1].id) == 0
    with pytest.raises(DotsExhausted, match="used all 3 of your dots"):
        p.vote(cands[2].id)
    assert p.unvote(cands[0].id) == 1
    with pytest.raises(WorkshopError, match="no dot on that action"):
        p.unvote(cands[2].id)
    assert p.vote(cands[2].id) == 0
    assert p.my_votes() == {cands[0].id: 1, cands[1].id: 1, cands[2].id: 1}
    assert [c.votes for c in fac.snapshot().candidates()][:3] == [1, 1, 1]
    assert p.info().dots_used == 3


def test_dots_setting(store, created, fac):
    p, _ = store.join(created.join_code, "Sam")
    cand = fac.snapshot().candidates()[0]
    p.vote(cand.id)
    p.vote(cand.id)
    with pytest.raises(WorkshopError, match="cannot go below"):
        fac.update(dots_per_participant=1)
    fac.update(dots_per_participant=5)
    assert p.vote(cand.id) == 2
    with pytest.raises(WorkshopError, match="between 1 and 20"):
        fac.update(dots_per_participant=21)


def test_dropping_an_item_gives_dots_back(store, created, fac):
    p, _ = store.join(created.join_code, "Sam")
    item = fac.snapshot().items[0]
    p.vote(item.candidates[0].id)
    p.add_idea(item.id, "an idea")
    fac.drop_item(item.id)
    assert p.info().dots_used == 0 and fac.snapshot().total_votes() == 0


def test_ended_workshop_refuses_ideas_and_votes(store, created, fac):
    p, _ = store.join(created.join_code, "Sam")
    item = fac.snapshot().items[0]
    fac.end()
    with pytest.raises(WorkshopError, match="has ended"):
        p.add_idea(item.id, "late")
    with pytest.raises(WorkshopError, match="has ended"):
        p.vote(item.candidates[0].id)
    with pytest.raises(AccessDenied):
        store.join(created.join_code, "New")


# ---------------------------------------------------------------- ideas


def test_merge_and_promote_ideas(store, created, fac):
    a, _ = store.join(created.join_code, "Ann")
    b, _ = store.join(created.join_code, "Bo")
    item = fac.snapshot().items[0]
    i1 = a.add_idea(item.id, "Give hospital social workers read access to the shared record")
    i2 = b.add_idea(item.id, "Read access to health records for social workers")
    i3 = b.add_idea(item.id, "Same again")
    fac.merge_ideas(i2, i3)
    fac.merge_ideas(i1, i2)  # i3 follows i2 into i1
    ideas = fac.snapshot().items[0]
    assert [i.id for i in ideas.open_ideas()] == [i1]
    assert sorted(ideas.open_ideas()[0].merged) == [i2, i3]
    with pytest.raises(WorkshopError, match="already been merged"):
        fac.merge_ideas(i1, i3)
    with pytest.raises(WorkshopError, match="merged into another"):
        fac.promote_idea(i2)
    cid = fac.promote_idea(i1, owner="Head of IT")
    with pytest.raises(WorkshopError, match="already a candidate"):
        fac.promote_idea(i1)
    cand = next(c for c in fac.snapshot().candidates() if c.id == cid)
    assert cand.source == "idea" and cand.action.owner == "Head of IT"
    assert cand.action.shortfall_ids == item.shortfall_ids and cand.action.evidence == item.evidence
    assert a.vote(cid) == 2
    other = fac.snapshot().items[1]
    j = a.add_idea(other.id, "elsewhere")
    with pytest.raises(WorkshopError, match="same agenda item"):
        fac.merge_ideas(i1, j)


# ---------------------------------------------------------------- into the plan


def _vote_and_accept(store, created, fac):
    ann, _ = store.join(created.join_code, "Ann")
    bo, _ = store.join(created.join_code, "Bo")
    snap = fac.snapshot()
    a1, a2, a3 = (it.candidates[0] for it in snap.items)
    idea = ann.add_idea(snap.items[0].id, "Weekly joint huddle with the hospital team")
    promoted = fac.promote_idea(idea, title="Joint huddle", owner="Hospital team manager", timescale="1 month")
    for voter in (ann, bo):
        voter.vote(a2.id)
        voter.vote(promoted)
    bo.vote(a1.id)
    fac.edit_candidate(a2.id, owner="Head of Engagement")
    fac.set_accepted([a2.id, promoted, a1.id])
    return a1, a2, a3


def test_accept_into_plan_ranks_by_votes(store, created, fac):
    a1, a2, a3 = _vote_and_accept(store, created, fac)
    plan = accept_into_plan(fac.snapshot(), PLAN)
    titles = [a.title for a in plan.actions]
    # accepted, by votes (ties in agenda order); then A4 (not on the agenda); A3 was discussed, not accepted
    assert titles == ["Joint huddle", "Co-production charter", "Shared care record access", "Workforce plan"]
    assert [a.id for a in plan.actions] == ["A1", "A2", "A3", "A4"]
    assert plan.actions[1].owner == "Head of Engagement"
    assert [a.priority for a in plan.actions[:3]] == ["High", "Medium", "Low"]
    assert any("Tell people when workers change" in n for n in plan.notes)
    assert any("3 action(s) accepted" in n and "5 dot vote(s)" in n for n in plan.notes)
    assert PLAN.actions[0].id == "A1" and len(PLAN.actions) == 4  # input untouched


def test_record_and_pack_exports(store, created, fac):
    _vote_and_accept(store, created, fac)
    p, _ = store.join(created.join_code, "<b>Mallory</b>")
    p.add_idea(fac.snapshot().items[1].id, "[click](http://evil) **now**")
    snap = fac.snapshot()
    record = record_markdown(snap, plan=accept_into_plan(snap, PLAN))
    assert "## Agreed actions (ranked by votes)" in record
    assert "| 1 | Joint huddle | Hospital team manager | 1 month | 2 |" in record
    assert "Weekly joint huddle with the hospital team \u2014 Ann" in record
    assert "<b>" not in record and "[click](" not in record and "\\[click\\]" in record
    assert "# Updated improvement plan" in record and "Workforce plan" in record
    anon = record_markdown(snap, anonymise=True)
    assert "Ann" not in anon and "Mallory" not in anon and "Participant 1" in anon
    pack = facilitator_pack_markdown(snap)
    assert "| 1 | Data and information sharing" in pack and "min |" in pack
    assert "a lack of integrated information systems caused delays" in pack and "(verified)" in pack
    assert "(NOT verified)" in pack and "**Discussion prompts**" in pack
    assert "Mallory" not in pack


# ---------------------------------------------------------------- persistence


def test_restart_loses_nothing(settings, tmp_path):
    first = WorkshopStore(engine_for(settings))
    created = first.create(draft())
    p, token = first.join(created.join_code, "Sam")
    snap = first.facilitate(created.facilitator_token).snapshot()
    item_id, cand_id = snap.items[0].id, snap.items[0].candidates[0].id
    assert item_id is not None and cand_id is not None
    p.add_idea(item_id, "persist me")
    p.vote(cand_id)
    first.facilitate(created.facilitator_token).step(1)
    first.engine.dispose()

    from sqlalchemy import create_engine

    fresh = WorkshopStore(create_engine(settings.database))  # a new engine: as after a server restart
    again = fresh.participant(token)
    snap2 = fresh.facilitate(created.facilitator_token).snapshot()
    assert snap2.model_dump() == fresh.facilitate(created.facilitator_token).snapshot().model_dump()
    assert again.id == p.id and again.my_votes() == {snap.items[0].candidates[0].id: 1}
    assert snap2.items[0].ideas[0].text == "persist me" and snap2.current_position == 1
    assert snap2.base_plan == PLAN and snap2.date == dt.date(2026, 12, 1)
    assert (tmp_path / "data" / "assistant.db").exists()


def test_added_candidate(fac):
    item = fac.snapshot().items[2]
    cid = fac.add_candidate(item.id, Action(id="X", title="New", theme="t", action="Do it", owner="o", timescale="t"))
    assert fac.snapshot().item(item.id).candidates[-1].id == cid


def test_database_constraints_guard_dots_and_length(store, created):
    """Even code that bypassed the checks could not store a double dot or an over-long idea."""
    from sqlalchemy.exc import IntegrityError

    from assistant.workshop.tables import ContributionRow, VoteRow

    p, _ = store.join(created.join_code, "Sam")
    snap = store.facilitate(created.facilitator_token).snapshot()
    cand, item = snap.candidates()[0].id, snap.items[0].id
    p.vote(cand)
    rows = [
        VoteRow(workshop_id=snap.id, participant_id=p.id, candidate_id=cand, slot=1),  # slot taken
        VoteRow(workshop_id=snap.id, participant_id=p.id, candidate_id=cand, slot=21),  # past MAX_DOTS
        ContributionRow(workshop_id=snap.id, item_id=item, participant_id=p.id, text="x" * 1001),
    ]
    for row in rows:
        with pytest.raises(IntegrityError), store.transaction() as s:
            s.add(row)
    assert p.info().dots_used == 1


def test_update_settings(fac):
    fac.update(title="  Renamed\n workshop ", date=dt.date(2027, 1, 5), expected_participants=40, anonymise=True)
    snap = fac.snapshot()
    assert (snap.title, snap.date, snap.expected_participants, snap.anonymise) == (
        "Renamed workshop",
        dt.date(2027, 1, 5),
        40,
        True,
    )
    with pytest.raises(WorkshopError, match="between 1 and 1000"):
        fac.update(expected_participants=0)
    with pytest.raises(WorkshopError, match="title is empty"):
        fac.update(title=" ")
    assert fac.snapshot().title == "Renamed workshop"
