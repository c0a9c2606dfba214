"""Exports: Markdown parsed back, hostile text escaped, CSV and DOCX read back."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date

import pytest
from docx import Document
from markdown_it import MarkdownIt
from plan_helpers import playbook, seed_reports, taxonomy

from assistant.export import CSV_COLUMNS, findings_to_markdown, to_csv, to_docx, to_markdown
from assistant.findings import find_findings
from assistant.models import Action, ActionPlan, Citation, GoodPractice
from assistant.planner import draft_plan
from assistant.text import escape_markdown, fold

HOSTILE = "Fix | the *board* # now <script>alert('x')</script> `rm -rf` [click](http://evil) _u_ & more"


@pytest.fixture(scope="module")
def seeded():
    tax, pb = taxonomy(), playbook()
    corpus = [(r, find_findings(r, tax)) for r in seed_reports()]
    durham, durham_findings = next((r, rf) for r, rf in corpus if "Durham" in r.authority)
    plan = draft_plan(durham, durham_findings, [o for o in corpus if o[0].id != durham.id], pb, tax)
    passages = {p.id: p for r, _ in corpus for p in r.passages}
    return plan, passages, tax, [rf for _, rf in corpus]


def hostile_plan() -> ActionPlan:
    quote = Citation(passage_id="x/y/p01", quote=HOSTILE, verified=True)
    unverified = Citation(passage_id="x/y/p02", quote="A quote nobody could find.", verified=False)
    action = Action(
        id="A1",
        title=HOSTILE,
        theme="data_sharing",
        shortfall_ids=["x/y/s01"],
        evidence=[quote, unverified],
        action='=HYPERLINK("http://evil") ' + HOSTILE,
        owner="@owner | boss",
        timescale="-3 months",
        measures=["+1 measure", "Second | measure"],
        priority="High",
        good_practice=[
            GoodPractice(
                authority="Other | Council",
                report_id="o/y",
                summary="Borrow *this*.",
                citations=[Citation(passage_id="o/y/p03", quote="They did it well.", verified=True)],
            )
        ],
    )
    second = Action(
        id="A2",
        title="Plain action",
        theme="coproduction",
        action="Do the plain thing.",
        owner="Head of Service",
        timescale="6 months",
        measures=["Done"],
        no_good_practice_note="No other report in the corpus shows good practice on co-production.",
    )
    return ActionPlan(
        authority="Hostile <b>Borough</b>",
        quality_statement="Safeguarding",
        score=2,
        report_id="x/y",
        actions=[action, second],
        notes=["Note with | pipe and # hash"],
    )


def render(markdown: str) -> tuple[str, list]:
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    return md.render(markdown), md.parse(markdown)


def plain(rendered: str) -> str:
    return fold(html.unescape(re.sub(r"<[^>]+>", " ", rendered)))


def table_rows(tokens) -> list[list[str]]:
    rows: list[list[str]] = []
    row: list[str] = []
    cell: str | None = None
    for t in tokens:
        if t.type == "tr_open":
            row = []
        elif t.type in ("th_open", "td_open"):
            cell = ""
        elif t.type == "inline" and cell is not None:
            cell = t.content
        elif t.type in ("th_close", "td_close"):
            row.append(cell or "")
            cell = None
        elif t.type == "tr_close":
            rows.append(row)
    return rows


# --------------------------------------------------------------------------- Markdown


def test_markdown_holds_every_action_quote_and_source(seeded):
    plan, passages, tax, _ = seeded
    text = to_markdown(plan, passages, taxonomy=tax, today=date(2026, 1, 5))
    rendered, tokens = render(text)
    body = plain(rendered)
    assert f"Improvement plan: {plan.authority}" in body and "5 January 2026" in body
    assert fold("3 – Evidence shows a good standard") in body
    rows = table_rows(tokens)
    assert len(rows) == len(plan.workstreams) + 1 and all(len(r) == 7 for r in rows)  # the plan on a page
    for a in plan.actions:
        assert f"{a.id}. {fold(a.title)}" in body
        assert fold(a.action) in body and fold(a.owner) in body
        for m in a.measure_details:
            assert fold(m.what) in body and fold(m.baseline) in body
        for c in a.evidence + [c for gp in a.good_practice for c in gp.citations]:
            assert fold(c.quote) in body
        for gp in a.good_practice:
            assert fold(gp.summary) in body
        if a.no_good_practice_note:
            assert fold(a.no_good_practice_note) in body
    # every footnote used is defined once, in the Sources list, with the passage it points to
    used = set(re.findall(r"\[\^(\d+)\](?!:)", text))
    defined = re.findall(r"^\[\^(\d+)\]: (.+)$", text, re.M)
    assert used == {n for n, _ in defined}
    cited = {
        c.passage_id for a in plan.actions for c in a.evidence + [c for gp in a.good_practice for c in gp.citations]
    }
    assert len(defined) == len(cited)
    for _, line in defined:
        assert any(pid in line and passages[pid].authority in line for pid in cited)


def test_hostile_text_is_escaped_and_the_table_keeps_its_columns():
    text = to_markdown(hostile_plan(), today=date(2026, 1, 5))
    rendered, tokens = render(text)
    assert "<script>" not in rendered and "<b>" not in rendered
    assert "href=" not in rendered and "<code>" not in rendered
    assert "<em>board</em>" not in rendered and "<em>u</em>" not in rendered and "<strong>this</strong>" not in rendered
    rows = table_rows(tokens)
    assert len(rows) == 3 and all(len(r) == 6 for r in rows)
    body = plain(rendered)
    assert fold(HOSTILE) in body and "Hostile <b>Borough</b>" in body
    assert "Note with | pipe and # hash" in body
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert not any(h.startswith("now") for h in headings)  # "# now" did not become a heading


def test_unverified_quotes_are_labelled_never_shown_as_verified():
    text = to_markdown(hostile_plan())
    line = next(ln for ln in text.splitlines() if "A quote nobody could find" in ln)
    assert "(unverified)" in line
    verified_line = next(ln for ln in text.splitlines() if "They did it well" in ln)
    assert "(unverified)" not in verified_line


def test_empty_plan_says_so():
    plan = ActionPlan(
        authority="Northshire",
        quality_statement="Safeguarding",
        score=4,
        report_id="n/s",
        notes=["The report names no shortfalls, so the plan has no actions."],
    )
    text = to_markdown(plan)
    assert "no shortfalls" in text and "| ID |" not in text and "## Sources" not in text


def test_escape_markdown_folds_lines_and_defuses_line_starts():
    assert escape_markdown("a\n# b\n\n- c") == "a \\# b - c"
    assert escape_markdown("1. first") == "1\\. first"
    assert escape_markdown("- item") == "\\- item"
    assert escape_markdown("x < y & z > w") == "x &lt; y &amp; z &gt; w"


# --------------------------------------------------------------------------- CSV


def test_csv_has_one_row_per_action_and_defuses_formulas(seeded):
    plan = hostile_plan()
    rows = list(csv.reader(io.StringIO(to_csv(plan))))
    assert rows[0] == CSV_COLUMNS and len(rows) == 1 + len(plan.actions)
    first = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    assert first["action"].startswith("'=HYPERLINK")
    assert first["owner"] == "'@owner | boss" and first["timescale"] == "'-3 months"
    assert first["measures"] == "'+1 measure; Second | measure"
    assert "(unverified) [x/y/p02]" in first["evidence"] and "[x/y/p01]" in first["evidence"]
    assert first["good_practice"].startswith("Other | Council: Borrow *this*.")
    assert "[o/y/p03]" in first["good_practice"]
    second = dict(zip(CSV_COLUMNS, rows[2], strict=True))
    assert second["good_practice"].startswith("No other report")

    real, *_ = seeded
    real_rows = list(csv.DictReader(io.StringIO(to_csv(real))))
    assert [r["id"] for r in real_rows] == [a.id for a in real.actions]
    for row, a in zip(real_rows, real.actions, strict=True):
        assert row["shortfall_ids"] == "; ".join(a.shortfall_ids) and row["rag"] == a.rag
        assert row["workstream"] == a.workstream and row["workstream_title"] == real.workstream(a.workstream).title
        assert all(c.quote in row["evidence"] for c in a.evidence)


# --------------------------------------------------------------------------- DOCX


def test_docx_opens_with_summary_table_actions_and_sources(seeded):
    plan, passages, tax, _ = seeded
    doc = Document(io.BytesIO(to_docx(plan, passages, taxonomy=tax)))
    text = "\n".join(p.text for p in doc.paragraphs)
    table = doc.tables[0]
    assert len(table.rows) == len(plan.workstreams) + 1
    assert [c.text for c in table.rows[0].cells][:2] == ["Workstream", "Priority"]
    for row, w in zip(table.rows[1:], plan.workstreams, strict=True):
        assert [c.text for c in row.cells][:3] == [f"{w.id}. {w.title}", w.priority, w.lead]
    assert len(doc.inline_shapes) == 1  # the timeline image
    assert "built-in engine" in doc.core_properties.comments and "built-in engine" not in text
    assert "Governance" in text and plan.governance.lead_member in text
    for a in plan.actions:
        assert f"{a.id}. {a.title}" in text and a.action in text
        assert all(c.quote in text for c in a.evidence)
    assert "Sources" in text and next(iter(passages.values())).authority in text


def test_docx_survives_control_characters_and_labels_unverified_quotes():
    plan = hostile_plan()
    plan.actions[0].title += "\x07bell\x00"
    doc = Document(io.BytesIO(to_docx(plan)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "A quote nobody could find.” (unverified)" in text and "bell" in text


# --------------------------------------------------------------------------- findings


def test_findings_markdown_lists_every_finding_with_its_quotes(seeded):
    *_, tax, results = seeded
    text = findings_to_markdown(results, tax)
    body = plain(render(text)[0])
    for rf in results:
        assert rf.authority in body
        for f in rf.findings:
            assert f.id in body and all(fold(c.quote) in body for c in f.citations)
