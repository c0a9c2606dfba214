"""Plan progress over time: dated updates, RAG over time, the progress report (Markdown and DOCX)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from docx import Document

from assistant.db import engine_for
from assistant.models import RAG, Action, ActionPlan, PlanChange
from assistant.progress import (
    ProgressError,
    ProgressStore,
    rag_over_time,
    record_plan_change,
    report_docx,
    report_markdown,
    updates_between,
)

DAY = dt.date(2026, 1, 10)


def plan(*rags: RAG) -> ActionPlan:
    return ActionPlan(
        authority="Testshire",
        quality_statement="Partnerships and communities",
        score=2,
        report_id="testshire/partnerships",
        actions=[
            Action(
                id=f"A{n}",
                title=f"Action number {n}",
                theme="t",
                action="Do it.",
                owner="Head",
                timescale="6 months",
                rag=rag,
            )
            for n, rag in enumerate(rags, start=1)
        ],
    )


@pytest.fixture
def store(settings) -> ProgressStore:
    return ProgressStore(engine_for(settings))


def test_updates_are_dated_kept_and_survive_a_new_store(store, settings):
    p = plan("Not started", "Amber")
    store.record("c1", p.actions[0], "Green", "  The dashboard\nis live ", previous_rag="Not started", on=DAY)
    store.record("c1", p.actions[1], "Red", on=DAY + dt.timedelta(days=5))
    store.record("other", p.actions[1], "Green", on=DAY)
    again = ProgressStore(engine_for(settings)).updates("c1")  # a restart: a new store on the same database
    assert [(u.action_id, u.rag, u.previous_rag, u.note, u.on) for u in again] == [
        ("A1", "Green", "Not started", "The dashboard is live", DAY),
        ("A2", "Red", None, "", DAY + dt.timedelta(days=5)),
    ]
    assert all(u.created.tzinfo is not None for u in again)


def test_bad_updates_are_refused_with_a_clear_message(store):
    action = plan("Amber").actions[0]
    with pytest.raises(ProgressError, match="Unknown RAG status 'Purple'"):
        store.record("c1", action, "Purple")
    with pytest.raises(ProgressError, match="limit is 1000"):
        store.record("c1", action, "Green", "x" * 1001)
    assert store.updates("c1") == []


def test_updates_between_plans_find_rag_changes_and_notes():
    old, new = plan("Amber", "Red", "Green"), plan("Green", "Red", "Green")
    note = PlanChange(kind="update", action_id="A3", field="progress", new="Still on track", summary="")
    found = [(a.id, rag, was, n) for a, rag, was, n in updates_between(old, new, [note])]
    assert found == [("A1", "Green", "Amber", ""), ("A3", "Green", "Green", "Still on track")]
    assert updates_between(old, old) == []
    assert updates_between(old, None) == []


def test_record_plan_change_skips_a_different_plan(store):
    other = plan("Green").model_copy(update={"report_id": "elsewhere/x"})
    assert record_plan_change(store, "c1", plan("Red"), other) == []
    assert [u.rag for u in record_plan_change(store, "c1", plan("Red"), plan("Amber"))] == ["Amber"]


def test_rag_over_time_carries_each_status_until_it_changes(store):
    p = plan("Green", "Amber", "Not started")  # the current plan
    store.record("c", p.actions[0], "Amber", previous_rag="Not started", on=DAY)
    store.record("c", p.actions[1], "Amber", previous_rag="Red", on=DAY)
    store.record("c", p.actions[0], "Green", previous_rag="Amber", on=DAY + dt.timedelta(days=30))
    counts = {(c.date, c.rag): c.actions for c in rag_over_time(p, store.updates("c"))}
    assert counts == {
        (DAY, "Amber"): 2,
        (DAY, "Not started"): 1,
        (DAY + dt.timedelta(days=30), "Green"): 1,
        (DAY + dt.timedelta(days=30), "Amber"): 1,
        (DAY + dt.timedelta(days=30), "Not started"): 1,
    }
    assert rag_over_time(p, []) == []


def test_a_report_lists_only_what_changed_since_the_previous_one(store):
    p = plan("Green", "Amber")
    store.record("c", p.actions[0], "Green", "The dashboard is live", previous_rag="Amber", on=DAY)
    first = store.produce_report("c")
    assert first.since is None and [u.action_id for u in first.updates] == ["A1"]
    store.record("c", p.actions[1], "Amber", "Recruitment | slipped *again*", previous_rag="Red", on=DAY)
    second = store.produce_report("c")
    assert second.since == first.created and [u.action_id for u in second.updates] == ["A2"]
    assert [r.id for r in store.reports("c")] == [second.id, first.id]

    md = report_markdown(p, second, store.updates("c"))
    assert "# Progress report: Testshire, Partnerships and communities" in md
    assert f"Changes since the previous report of {first.created.date().isoformat()}" in md
    assert "## What changed (1 update(s))" in md
    assert "Red → Amber" in md and "Recruitment \\| slipped \\*again\\*" in md  # escaped for a table cell
    assert "Amber → Green" not in md.split("## Every action")[0]  # A1 changed before the previous report
    assert "| A1 | Action number 1 | Head | 6 months | Green |" in md and "The dashboard is live (2026-01-10)" in md
    assert "| Date | Complete | Green | In progress | Amber | Red | Not started |" in md


def test_the_docx_report_has_the_chart_and_its_table(store):
    p = plan("Green", "Red")
    store.record("c", p.actions[0], "Green", "Live", previous_rag="Amber", on=DAY)
    report = store.produce_report("c")
    data = report_docx(p, report, store.updates("c"))
    doc = Document(io.BytesIO(data))
    text = "\n".join(par.text for par in doc.paragraphs)
    assert "Progress report: Testshire" in text and "RAG over time" in text
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "A1 Action number 1" in cells and "Amber → Green" in cells and "Live" in cells
    images = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("word/media/")]
    assert len(images) == 1
    assert zipfile.ZipFile(io.BytesIO(data)).read(images[0])[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.postgres
def test_updates_and_reports_on_postgres(pg_settings):
    p = plan("Amber")
    ProgressStore(engine_for(pg_settings)).record("c", p.actions[0], "Green", "Live", previous_rag="Amber", on=DAY)
    again = ProgressStore(engine_for(pg_settings))
    report = again.produce_report("c")
    assert [(u.rag, u.note, u.on) for u in report.updates] == [("Green", "Live", DAY)]
    assert again.reports("c")[0].id == report.id
