"""Plan progress in AppTest: chat and the Plan page record dated updates; the chart and the progress report."""

from __future__ import annotations

import datetime as dt

from app_helpers import ask, button, conversation_id, new_app, store, texts

from assistant.db import engine_for
from assistant.progress import ProgressStore


def _with_plan():
    at = new_app()
    ask(at, "Draft the whole plan for Durham")
    return at, conversation_id(at)


def test_chat_mark_green_with_a_note_records_a_dated_update(app_settings):
    at, cid = _with_plan()
    ask(at, "mark action 3 green: the dashboard is live")
    assert store(app_settings).plan(cid).action("A3").rag == "Green"
    updates = ProgressStore(engine_for(app_settings)).updates(cid)
    assert [(u.action_id, u.rag, u.note, u.on) for u in updates] == [
        ("A3", "Green", "The dashboard is live", dt.date.today())
    ]
    assert "A3 progress note: “The dashboard is live”" in texts(at)


def test_plan_page_records_updates_charts_them_and_produces_a_report(app_settings):
    at, cid = _with_plan()
    at = at.switch_page("pages/plan.py").run()
    assert not at.exception
    assert any("No dated updates yet" in c.value for c in at.caption)

    at.selectbox(key="progress-action").set_value("A2")
    at.selectbox(key="progress-rag").set_value("Amber")
    at.date_input(key="progress-date").set_value(dt.date(2026, 3, 31))
    at.text_input(key="progress-note").set_value("Recruitment has started")
    button(at, "Record the update").click().run()
    assert not at.exception
    assert store(app_settings).plan(cid).action("A2").rag == "Amber"
    updates = ProgressStore(engine_for(app_settings)).updates(cid)
    assert [(u.action_id, u.previous_rag, u.rag, u.note, u.on) for u in updates] == [
        ("A2", "Not started", "Amber", "Recruitment has started", dt.date(2026, 3, 31))
    ]
    rag_charts = [c for c in at.get("vega_lite_chart") if "Actions per RAG status" in c.proto.spec]
    assert len(rag_charts) == 1  # RAG over time (beside the plan's own timeline)
    table = next(d.value for d in at.dataframe if "Date" in d.value.columns)  # the chart's table alternative
    assert table.loc[0, "Date"] == "2026-03-31" and table.loc[0, "Amber"] == 1

    # a note with no RAG change records the note only; nothing chosen and nothing written is refused
    at.text_input(key="progress-note").set_value("Interviews next week")
    button(at, "Record the update").click().run()
    assert [u.note for u in ProgressStore(engine_for(app_settings)).updates(cid)][-1] == "Interviews next week"
    button(at, "Record the update").click().run()
    assert any("Choose a RAG status or write a progress note" in e.value for e in at.error)

    button(at, "Produce a progress report").click().run()
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert "Progress report (Markdown)" in labels and "Progress report (Word)" in labels
    assert any("Latest report" in c.value and "2 update(s), the first report" in c.value for c in at.caption)
