"""Plan progress over time: dated RAG and progress-note updates per action, and the board's progress report.

Leaders update an action's RAG status and add a note ("the dashboard is
live"); each update is dated and kept (``ProgressStore``, tables beside the
chat store on the same database), so the Plan page can chart RAG over time
and a *progress report* can list what changed since the previous report,
ready for a board paper (Markdown and DOCX with the chart).

Updates are recorded by action id and carry the action's title at that time,
so the report still reads correctly after actions are renamed or renumbered.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from docx import Document
from pydantic import BaseModel, Field
from sqlalchemy import Date, DateTime, Engine, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import docx_parts
from .charts import RAG_COLOURS, RagCount, rag_chart, rag_rows, to_png
from .db import Base
from .docx_parts import table
from .docx_parts import xml_safe as _x
from .models import RAG, Action, ActionPlan, PlanChange
from .text import escape_markdown

MAX_NOTE_CHARS = 1000
RAGS: tuple[str, ...] = RAG.__args__  # type: ignore[attr-defined]


class ProgressError(ValueError):
    """A progress update that cannot be recorded; the message is meant for the user."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --------------------------------------------------------------------------- tables


class ProgressUpdateRow(Base):
    __tablename__ = "plan_progress_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(32), index=True)
    action_id: Mapped[str] = mapped_column(String(20))
    action_title: Mapped[str] = mapped_column(String(300))
    rag: Mapped[str] = mapped_column(String(20))
    previous_rag: Mapped[str | None] = mapped_column(String(20), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    on_date: Mapped[dt.date] = mapped_column(Date)
    created: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ProgressReportRow(Base):
    __tablename__ = "plan_progress_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(32), index=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


_TABLES = (ProgressUpdateRow, ProgressReportRow)


# --------------------------------------------------------------------------- views


class ProgressUpdate(BaseModel):
    """One dated update of one action: its RAG status then, what it was before, and a note."""

    id: int | None = None
    action_id: str
    action_title: str
    rag: RAG
    previous_rag: RAG | None = None
    note: str = ""
    on: dt.date
    created: dt.datetime


class ProgressReport(BaseModel):
    """A progress report as produced: what changed between ``since`` (the previous report) and ``created``."""

    id: int
    created: dt.datetime
    since: dt.datetime | None = None
    updates: list[ProgressUpdate] = Field(default_factory=list)


def _aware(when: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _update(row: ProgressUpdateRow) -> ProgressUpdate:
    return ProgressUpdate(
        id=row.id,
        action_id=row.action_id,
        action_title=row.action_title,
        rag=row.rag,  # type: ignore[arg-type]
        previous_rag=row.previous_rag,  # type: ignore[arg-type]
        note=row.note,
        on=row.on_date,
        created=_aware(row.created),
    )


def clean_note(note: str) -> str:
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE_CHARS:
        raise ProgressError(f"The progress note is {len(note)} characters long; the limit is {MAX_NOTE_CHARS}.")
    return note


# --------------------------------------------------------------------------- store


class ProgressStore:
    """Progress updates and produced reports per conversation (a conversation holds one plan)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        Base.metadata.create_all(engine, tables=[Base.metadata.tables[t.__tablename__] for t in _TABLES])

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def record(
        self,
        conversation_id: str,
        action: Action,
        rag: str,
        note: str = "",
        *,
        previous_rag: str | None = None,
        on: dt.date | None = None,
    ) -> ProgressUpdate:
        """Record a dated update of ``action`` (its RAG status now, and an optional note)."""
        if rag not in RAGS:
            raise ProgressError(f"Unknown RAG status {rag!r}; choose one of: {', '.join(RAGS)}.")
        row = ProgressUpdateRow(
            conversation_id=conversation_id,
            action_id=action.id,
            action_title=action.title[:300],
            rag=rag,
            previous_rag=previous_rag if previous_rag in RAGS else None,
            note=clean_note(note),
            on_date=on or dt.date.today(),
        )
        with self._session() as s, s.begin():
            s.add(row)
        return _update(row)

    def updates(self, conversation_id: str) -> list[ProgressUpdate]:
        """Oldest first (by date, then by when it was recorded)."""
        with self._session() as s:
            rows = s.scalars(
                select(ProgressUpdateRow)
                .where(ProgressUpdateRow.conversation_id == conversation_id)
                .order_by(ProgressUpdateRow.on_date, ProgressUpdateRow.id)
            )
            return [_update(r) for r in rows]

    def produce_report(self, conversation_id: str) -> ProgressReport:
        """Mark a progress report as produced now; it covers the updates since the previous one."""
        last = self.reports(conversation_id)
        row = ProgressReportRow(conversation_id=conversation_id, since=last[0].created if last else None)
        with self._session() as s, s.begin():
            s.add(row)
        return self._report(conversation_id, row)

    def reports(self, conversation_id: str) -> list[ProgressReport]:
        """Newest first."""
        with self._session() as s:
            rows = list(
                s.scalars(
                    select(ProgressReportRow)
                    .where(ProgressReportRow.conversation_id == conversation_id)
                    .order_by(ProgressReportRow.id.desc())
                )
            )
        return [self._report(conversation_id, r) for r in rows]

    def _report(self, conversation_id: str, row: ProgressReportRow) -> ProgressReport:
        created = _aware(row.created)
        since = _aware(row.since) if row.since else None
        updates = [
            u for u in self.updates(conversation_id) if u.created <= created and (since is None or u.created > since)
        ]
        return ProgressReport(id=row.id, created=created, since=since, updates=updates)


# --------------------------------------------------------------------------- from plan changes


def updates_between(
    old: ActionPlan | None, new: ActionPlan | None, changes: Sequence[PlanChange] = ()
) -> list[tuple[Action, str, str | None, str]]:
    """(action, RAG now, RAG before, note) for each action whose RAG changed or that got a progress note.

    RAG changes are found by comparing the two plans (so every way of editing
    records them); notes come from ``PlanChange`` entries with ``field="progress"``.
    """
    if new is None:
        return []
    before = {a.id: a.rag for a in old.actions} if old else {}
    notes = {c.action_id: c.new or "" for c in changes if c.field == "progress" and c.action_id}
    out: list[tuple[Action, str, str | None, str]] = []
    for action in new.actions:
        was = before.get(action.id)
        if (was is not None and was != action.rag) or action.id in notes:
            out.append((action, action.rag, was, notes.get(action.id, "")))
    return out


def record_plan_change(
    store: ProgressStore,
    conversation_id: str,
    old: ActionPlan | None,
    new: ActionPlan | None,
    changes: Sequence[PlanChange] = (),
    on: dt.date | None = None,
) -> list[ProgressUpdate]:
    """Record a progress update for every RAG change or progress note between two versions of a plan."""
    if old is not None and new is not None and old.report_id != new.report_id:
        return []  # a different plan, not progress on this one
    return [
        store.record(conversation_id, action, rag, note, previous_rag=was, on=on)
        for action, rag, was, note in updates_between(old, new, changes)
    ]


# --------------------------------------------------------------------------- over time


def rag_over_time(plan: ActionPlan, updates: Sequence[ProgressUpdate]) -> list[RagCount]:
    """Actions of ``plan`` per RAG status on each update date (an action keeps its last status until updated)."""
    ids = {a.id for a in plan.actions}
    mine = [u for u in updates if u.action_id in ids]
    first: dict[str, str] = {}
    for u in mine:
        first.setdefault(u.action_id, u.previous_rag or u.rag)
    status = {a.id: first.get(a.id, a.rag) for a in plan.actions}
    out: list[RagCount] = []
    for day in sorted({u.on for u in mine}):
        for u in mine:
            if u.on == day:
                status[u.action_id] = u.rag
        counts = Counter(status.values())
        out += [RagCount(date=day, rag=rag, actions=counts[rag]) for rag in RAG_COLOURS if counts[rag]]
    return out


def latest_notes(updates: Sequence[ProgressUpdate]) -> dict[str, ProgressUpdate]:
    """The most recent update with a note, per action id."""
    out: dict[str, ProgressUpdate] = {}
    for u in updates:
        if u.note:
            out[u.action_id] = u
    return out


# --------------------------------------------------------------------------- the report


def _when(report: ProgressReport) -> str:
    return report.created.date().isoformat()


def _period(report: ProgressReport) -> str:
    if report.since is None:
        return "This is the first progress report: it lists every update recorded so far."
    return f"Changes since the previous report of {report.since.date().isoformat()}."


def _change(u: ProgressUpdate) -> str:
    return f"{u.previous_rag} → {u.rag}" if u.previous_rag and u.previous_rag != u.rag else u.rag


def _cell(text: str) -> str:
    return escape_markdown(text).replace("\n", " ")


def _status_counts(plan: ActionPlan) -> Counter[str]:
    return Counter(a.rag for a in plan.actions)


def report_markdown(plan: ActionPlan, report: ProgressReport, history: Sequence[ProgressUpdate]) -> str:
    """The progress report for a board paper: summary, what changed, every action's status, RAG over time."""
    counts = _status_counts(plan)
    notes = latest_notes([u for u in history if u.created <= report.created])
    out = [
        f"# Progress report: {escape_markdown(plan.authority)}, {escape_markdown(plan.quality_statement)}",
        "",
        f"- **Date:** {_when(report)}",
        f"- **Actions:** {len(plan.actions)}",
        f"- **Period:** {_period(report)}",
        "",
        "## Status now",
        "",
        "| RAG status | Actions |",
        "| --- | --- |",
        *[f"| {rag} | {counts[rag]} |" for rag in RAG_COLOURS],
        "",
        f"## What changed ({len(report.updates)} update(s))",
        "",
    ]
    if report.updates:
        out += ["| Date | Action | RAG | Note |", "| --- | --- | --- | --- |"]
        out += [
            f"| {u.on.isoformat()} | {u.action_id} {_cell(u.action_title)} | {_change(u)} | {_cell(u.note) or '—'} |"
            for u in report.updates
        ]
    else:
        out.append("_No progress updates since the previous report._")
    out += [
        "",
        "## Every action",
        "",
        "| Id | Action | Owner | Timescale | RAG | Latest note |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for a in plan.actions:
        note = notes.get(a.id)
        latest = f"{_cell(note.note)} ({note.on.isoformat()})" if note else "—"
        out.append(f"| {a.id} | {_cell(a.title)} | {_cell(a.owner)} | {_cell(a.timescale)} | {a.rag} | {latest} |")
    table = rag_rows(rag_over_time(plan, [u for u in history if u.created <= report.created]))
    out += ["", "## RAG over time", ""]
    if table.empty:
        out.append("_No dated updates yet._")
    else:
        out += ["| " + " | ".join(table.columns) + " |", "| " + " | ".join("---" for _ in table.columns) + " |"]
        out += ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(out).rstrip() + "\n"


def report_docx(plan: ActionPlan, report: ProgressReport, history: Sequence[ProgressUpdate]) -> bytes:
    """The progress report as a Word document, with the RAG-over-time chart and its table."""
    counts = _status_counts(plan)
    known = [u for u in history if u.created <= report.created]
    notes = latest_notes(known)
    doc = Document()
    doc.add_heading(_x(f"Progress report: {plan.authority}, {plan.quality_statement}"), level=0)
    doc.add_paragraph(_x(f"Date: {_when(report)}. {len(plan.actions)} actions. {_period(report)}"))
    doc.add_heading("Status now", level=1)
    table(doc, ["RAG status", "Actions"], [[rag, str(counts[rag])] for rag in RAG_COLOURS])
    doc.add_heading(f"What changed ({len(report.updates)} update(s))", level=1)
    if report.updates:
        table(
            doc,
            ["Date", "Action", "RAG", "Note"],
            [[u.on.isoformat(), f"{u.action_id} {u.action_title}", _change(u), u.note or "—"] for u in report.updates],
        )
    else:
        doc.add_paragraph("No progress updates since the previous report.")
    doc.add_heading("Every action", level=1)
    table(
        doc,
        ["Id", "Action", "Owner", "Timescale", "RAG", "Latest note"],
        [
            [a.id, a.title, a.owner, a.timescale, a.rag, notes[a.id].note if a.id in notes else "—"]
            for a in plan.actions
        ],
    )
    counts_over_time = rag_over_time(plan, known)
    doc.add_heading("RAG over time", level=1)
    if counts_over_time:
        over_time = rag_rows(counts_over_time)
        docx_parts.chart_with_table(
            doc,
            to_png(rag_chart(counts_over_time)),
            "The same figures as a table (actions per RAG status on each update date):",
            list(over_time.columns),
            [[str(v) for v in row] for row in over_time.itertuples(index=False)],
        )
    else:
        doc.add_paragraph("No dated updates yet.")
    return docx_parts.to_bytes(doc)
