"""The Plan page in AppTest: table edits, the per-action form, removal, versions, exports."""

from __future__ import annotations

from app_helpers import ask, button, conversation_id, new_app, store


def _with_plan(app_settings):
    at = new_app()
    ask(at, "Draft the whole plan for Durham")
    cid = conversation_id(at)
    return at.switch_page("pages/plan.py").run(), cid


def test_table_edits_are_saved_as_a_new_version(app_settings):
    at, cid = _with_plan(app_settings)
    editor = at.data_editor[0]
    before = store(app_settings).plan(cid)
    at.session_state[editor.key] = {
        "edited_rows": {0: {"rag": "Amber", "owner": "Head of Commissioning"}, 1: {"priority": "High"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    after = store(app_settings).plan(cid)
    assert (after.actions[0].rag, after.actions[0].owner, after.actions[1].priority) == (
        "Amber",
        "Head of Commissioning",
        "High",
    )
    assert after.actions[2:] == before.actions[2:]
    assert at.data_editor[0].value["rag"].tolist()[0] == "Amber"
    assert store(app_settings).plan_versions(cid)[0].summary.startswith("A1 owner")


def test_action_form_edit_remove_and_restore(app_settings):
    at, cid = _with_plan(app_settings)
    before = store(app_settings).plan(cid)
    version = store(app_settings).plan_versions(cid)[0].version
    at.text_input(key=f"timescale-{version}-A2").set_value("By March 2027")
    at.text_area(key=f"measures-{version}-A2").set_value("Caseloads reported monthly\nStaff survey at 12 months")
    at.selectbox(key=f"rag-{version}-A2").set_value("Green")
    next(b for b in at.button if b.label == "Save changes" and b.form_id.endswith(f"edit-{version}-A2")).click()
    at.run()
    assert not at.exception
    edited = store(app_settings).plan(cid).action("A2")
    assert (edited.timescale, edited.rag, edited.measures) == (
        "By March 2027",
        "Green",
        ["Caseloads reported monthly", "Staff survey at 12 months"],
    )

    version = store(app_settings).plan_versions(cid)[0].version
    at.text_input(key=f"owner-{version}-A1").set_value("   ")
    next(b for b in at.button if b.label == "Save changes" and b.form_id.endswith(f"edit-{version}-A1")).click()
    at.run()
    assert any("needs what will be done, an owner and a timescale" in e.value for e in at.error)

    button(at, "Remove A1").click().run()
    assert not at.exception
    plan = store(app_settings).plan(cid)
    assert len(plan.actions) == len(before.actions) - 1 and plan.actions[0].title == before.actions[1].title
    assert plan.actions[0].id == "A1"

    oldest = min(v.version for v in store(app_settings).plan_versions(cid))
    button_restore = next(b for b in at.button if b.key == f"restore-{oldest}")
    button_restore.click().run()
    assert store(app_settings).plan(cid) == before


def test_exports_are_offered(app_settings):
    at, _ = _with_plan(app_settings)
    labels = [b.label for b in at.download_button]
    assert labels == ["Markdown", "CSV", "Word (DOCX)"]


def test_no_plan_yet_offers_to_draft_one(app_settings):
    at = new_app().switch_page("pages/plan.py").run()
    assert not at.exception
    assert any("No plan yet" in i.value for i in at.info)
    at.selectbox[0].set_value("gloucestershire/partnerships-and-communities")
    next(b for b in at.button if b.label == "Draft the plan").click()
    at.run()
    assert not at.exception
    cid = conversation_id(at)
    assert store(app_settings).plan(cid).authority == "Gloucestershire"
    assert at.query_params["c"] == [cid] or at.query_params["c"] == cid


def test_workstreams_timeline_and_governance_are_shown(app_settings):
    at, cid = _with_plan(app_settings)
    assert not at.exception
    plan = store(app_settings).plan(cid)
    assert plan.workstreams
    assert any(s.value == "Plan on a page" for s in at.subheader)
    assert any(s.value == "Timeline" for s in at.subheader)
    labels = [e.label for e in at.expander]
    assert all(any(label.startswith(f"{w.id}.") for label in labels) for w in plan.workstreams)
    assert "Governance" in labels
    assert any("**Milestones**" in m.value for m in at.markdown)
    table = at.dataframe[0].value
    assert list(table["Workstream"]) == [f"{w.id}. {w.title}" for w in plan.workstreams]


def test_timeline_frames_hold_every_action_and_milestone(app_settings):
    from assistant.app.plan_timeline import timeline_chart, timeline_frames

    at, cid = _with_plan(app_settings)
    plan = store(app_settings).plan(cid)
    bars, points = timeline_frames(plan)
    assert len(bars) == len(plan.actions) and len(points) == sum(len(a.milestones) for a in plan.actions)
    assert (bars["end"] > bars["start"]).all()
    chart = timeline_chart(plan)
    assert chart is not None
    spec = chart.to_dict()
    assert len(spec["layer"]) == 2
