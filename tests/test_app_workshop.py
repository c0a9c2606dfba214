"""The workshop pages under Streamlit's AppTest: facilitator and participant flows."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from workshop_helpers import REPORT, draft

from assistant.db import engine_for
from assistant.settings import PROJECT_ROOT
from assistant.store import Store
from assistant.workshop.domain import format_join_code
from assistant.workshop.store import WorkshopStore

PAGES = PROJECT_ROOT / "assistant" / "app" / "pages"


@pytest.fixture
def env(settings, monkeypatch):
    """Point the app's own Settings() at the temp folders."""
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ASSISTANT_SEEDS_DIR", str(settings.seeds_dir))
    monkeypatch.setenv("ASSISTANT_VECTORSTORE_DIR", str(settings.vectorstore_dir))
    return settings


@pytest.fixture
def store(env) -> WorkshopStore:
    return WorkshopStore(engine_for(env))


@pytest.fixture
def created(store):
    return store.create(draft(dots=2))


def page(name: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [h.value for h in at.header] + [t.value for t in at.title]
    return "\n".join(parts + [c.value for c in at.caption])


# ---------------------------------------------------------------- participant


def test_participant_joins_adds_ideas_votes_and_rejoins(store, created):
    fac = store.facilitate(created.facilitator_token)
    at = page("join", join=format_join_code(created.join_code))
    assert at.text_input[0].value == format_join_code(created.join_code)
    at.text_input[1].input("<b>Sam</b> **x**")
    at.form_submit_button[0].click().run()
    assert not at.exception and not at.error
    token = at.query_params["p"]
    snap = fac.snapshot()
    assert snap.participants[0].display_name == "<b>Sam</b> **x**"
    shown = texts(at)
    assert "&lt;b&gt;Sam&lt;/b&gt; \\*\\*x\\*\\*" in shown and "<b>Sam" not in shown  # escaped
    assert f"Item 1 of {len(snap.items)}" in shown and "Discussion prompts" in shown

    at.text_area[0].input("Share the record with [us](http://x)")
    at.form_submit_button[0].click().run()
    assert fac.snapshot().items[0].ideas[0].text == "Share the record with [us](http://x)"
    assert "\\[us\\](http://x)" in texts(at)

    cand = snap.items[0].candidates[0].id
    at.button(key=f"vote-{cand}").click().run()
    at.button(key=f"vote-{cand}").click().run()
    assert fac.snapshot().items[0].candidates[0].votes == 2
    assert at.button(key=f"vote-{cand}").disabled  # no dots left
    at.button(key=f"unvote-{cand}").click().run()
    assert fac.snapshot().items[0].candidates[0].votes == 1

    fac.step(+1)
    again = page("join", join=format_join_code(created.join_code), p=token)  # a reload: same person
    assert not again.exception and not again.text_input
    assert f"Item 2 of {len(snap.items)}" in texts(again) and "Sam" in texts(again)


def test_participant_errors(store, created):
    at = page("join", join="WRONG-CODE1")
    at.text_input[1].input("Sam")
    at.form_submit_button[0].click().run()
    assert "No workshop has that join code" in at.error[0].value or "not a join code" in at.error[0].value
    bad = page("join", p="not-a-token")
    assert "participant link is not valid" in bad.error[0].value and "p" not in bad.query_params
    store.facilitate(created.facilitator_token).set_joining(False)
    closed = page("join", join=created.join_code)
    closed.text_input[1].input("Late")
    closed.form_submit_button[0].click().run()
    assert "closed the join code" in closed.error[0].value
    ok = page("join", join=created.join_code)
    ok.text_input[1].input("x" * 41)
    ok.form_submit_button[0].click().run()
    assert ok.error and not ok.query_params.get("p")


def test_idea_over_the_limit_is_refused_with_a_message_and_kept(store, created):
    _, token = store.join(created.join_code, "Sam")
    at = page("join", p=token)
    at.text_area[0].input("x" * 1001)
    at.form_submit_button[0].click().run()
    assert "1001 characters long; the limit is 1000" in at.error[0].value
    assert at.text_area[0].value == "x" * 1001  # the text is kept for editing
    assert not store.facilitate(created.facilitator_token).snapshot().items[0].ideas
    at.text_area[0].input("x" * 1000)
    at.form_submit_button[0].click().run()
    assert not at.error and at.text_area[0].value == ""
    assert len(store.facilitate(created.facilitator_token).snapshot().items[0].ideas) == 1


# ---------------------------------------------------------------- facilitator


def test_facilitator_needs_the_secret_token(created):
    at = page("workshop", facilitator=created.join_code)
    assert "facilitator link is not valid" in at.error[0].value
    assert not at.tabs


def test_facilitator_runs_the_workshop_and_accepts_into_plan(env, store, created):
    ann, _ = store.join(created.join_code, "Ann")
    bo, _ = store.join(created.join_code, "<script>Bo</script>")
    fac = store.facilitate(created.facilitator_token)
    item = fac.snapshot().items[0]
    i1 = ann.add_idea(item.id, "Joint huddle with the hospital team")
    i2 = bo.add_idea(item.id, "Daily huddle with hospital")
    ann.vote(item.candidates[0].id)

    at = page("workshop", facilitator=created.facilitator_token)
    assert not at.exception
    shown = texts(at)
    assert "Joint huddle with the hospital team" in shown and "&lt;script&gt;Bo&lt;/script&gt;" in shown
    assert any(m.value.startswith(format_join_code(created.join_code)) for m in at.metric)
    assert "2 of 25" in [m.value for m in at.metric]

    next(b for b in at.button if b.label == "Next").click().run()
    assert fac.snapshot().current_position == 1
    next(b for b in at.button if b.label == "Previous").click().run()
    next(b for b in at.button if b.label == "Start timer").click().run()
    assert fac.snapshot().items[0].timer_running

    at.selectbox(key=f"merge-keep-{item.id}").select(i1)
    at.selectbox(key=f"merge-dup-{item.id}").select(i2)
    next(b for b in at.form_submit_button if b.label == "Merge").click().run()
    assert fac.snapshot().items[0].open_ideas()[0].merged == [i2]

    at.selectbox(key=f"promote-idea-{item.id}").select(i1)
    at.text_input(key=f"promote-owner-{item.id}").input("Hospital team manager")
    next(b for b in at.form_submit_button if b.label == "Promote").click().run()
    promoted = next(c for c in fac.snapshot().candidates() if c.source == "idea")
    assert promoted.action.owner == "Hospital team manager"

    bo.vote(promoted.id)
    bo.vote(promoted.id)
    at.run()
    at.multiselect[0].set_value([promoted.id, item.candidates[0].id])
    next(b for b in at.form_submit_button if b.label.startswith("Save agreed")).click().run()
    assert {c.id for c in fac.snapshot().candidates() if c.accepted} == {promoted.id, item.candidates[0].id}
    next(b for b in at.button if b.label.startswith("Accept 2 action")).click().run()
    assert not at.exception
    cid = fac.snapshot().conversation_id
    plan = Store(env).plan(cid)
    assert (
        plan is not None
        and plan.report_id == REPORT
        and [a.title for a in plan.actions][:2]
        == [
            promoted.action.title,
            item.candidates[0].action.title,
        ]
    )
    assert at.query_params["c"] == cid
    record = next(d for d in at.get("download_button") if "record" in d.proto.label)
    assert record is not None


def test_facilitator_edits_the_agenda_and_settings(store, created):
    fac = store.facilitate(created.facilitator_token)
    items = fac.snapshot().items
    at = page("workshop", facilitator=created.facilitator_token)
    at.button(key=f"down-{items[0].id}").click().run()
    assert [i.id for i in fac.snapshot().items][:2] == [items[1].id, items[0].id]
    at.button(key=f"drop-{items[2].id}").click().run()
    assert len(fac.snapshot().items) == len(items) - 1
    at.text_input(key="add-title").input("Any other business")
    at.number_input(key="add-minutes").set_value(10)
    next(b for b in at.form_submit_button if b.label == "Add item").click().run()
    assert fac.snapshot().items[-1].title == "Any other business"
    next(b for b in at.button if b.label == "Close the join code").click().run()
    assert not fac.snapshot().joining_open
    next(b for b in at.button if b.label == "End the workshop").click().run()
    assert fac.snapshot().ended and at.warning


def test_create_a_workshop_from_a_seed_report(env, store):
    at = page("workshop")
    assert at.selectbox[0].options and not at.exception
    at.text_input[0].input("Durham partnerships workshop")
    at.selectbox[0].select_index(next(i for i, o in enumerate(at.selectbox[0].options) if "Durham" in o))
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    token = at.query_params["facilitator"]
    snap = store.facilitate(token).snapshot()
    assert snap.title == "Durham partnerships workshop" and snap.authority == "County Durham"
    assert snap.items and all(it.prompts and it.evidence for it in snap.items)
    assert snap.base_plan is not None and any(it.candidates for it in snap.items)


def test_create_from_the_current_conversations_plan(env, store):
    from assistant.models import Action, ActionPlan

    chats = Store(env)
    cid = chats.create_conversation().id
    mine = ActionPlan(
        authority="County Durham",
        quality_statement="Partnerships and communities",
        score=3,
        report_id="county-durham/partnerships-and-communities",
        actions=[
            Action(
                id="A1",
                title="Co-production board",
                theme="coproduction",
                action="Set up a board.",
                owner="Head of Engagement",
                timescale="3 months",
            )
        ],
    )
    chats.save_plan(cid, mine, summary="test")
    at = AppTest.from_file(str(PAGES / "workshop.py"), default_timeout=60)
    at.session_state["conversation_id"] = cid
    at.run()
    assert at.checkbox[0].value  # offered by default when the conversation has a plan
    at.selectbox[0].select_index(next(i for i, o in enumerate(at.selectbox[0].options) if "Durham" in o))
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    snap = store.facilitate(at.query_params["facilitator"]).snapshot()
    assert snap.conversation_id == cid and snap.base_plan == mine
    assert [c.action.title for c in snap.candidates()] == ["Co-production board"]
