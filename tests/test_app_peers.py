"""Good practice from peers on the Plan page: same region, same type, chosen councils."""

from __future__ import annotations

from app_helpers import new_app


def _draft(app_settings, mode: str, names: list[str] | None = None):
    at = new_app().switch_page("pages/plan.py").run()
    at.selectbox[0].set_value("gloucestershire/partnerships-and-communities")
    at.radio(key="plan-peers-mode").set_value(mode)
    if names is not None:
        at.multiselect(key="plan-peers-names").set_value(names)
    next(b for b in at.button if b.label == "Draft the plan").click()
    at.run()
    assert not at.exception
    return at


def _plan(app_settings, at):
    from assistant.store import Store

    return Store(app_settings).plan(at.session_state["conversation_id"])


def test_same_region_leaves_out_other_regions(app_settings):
    at = _draft(app_settings, "region")
    plan = _plan(app_settings, at)
    assert plan.actions and not any(gp for a in plan.actions for gp in a.good_practice)
    assert "Good practice from councils in the South West only." in plan.notes
    assert any("councils in the South West" in c.value for c in at.caption)


def test_chosen_councils(app_settings):
    plan = _plan(app_settings, _draft(app_settings, "list", ["County Durham"]))
    assert {gp.authority for a in plan.actions for gp in a.good_practice} == {"County Durham"}
    assert "Good practice from County Durham only." in plan.notes


def test_chosen_with_no_council_is_a_clear_error(app_settings):
    at = _draft(app_settings, "list", [])
    assert any("choose at least one council" in e.value for e in at.error)
