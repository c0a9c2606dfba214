"""Plans and findings out: Markdown (cabinet paper), CSV (council trackers) and DOCX.

Report and user text is untrusted: in Markdown it is escaped (Markdown
punctuation backslash-escaped, ``< > &`` HTML-escaped, newlines folded), in
CSV cells that a spreadsheet would run as a formula are defused. A quote that
is not verified is always labelled "(unverified)".
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from datetime import date

from docx import Document

from .models import Action, ActionPlan, Citation, Passage, ReportFindings
from .reports import SCORE_LABELS
from .text import escape_markdown

UNVERIFIED = "(unverified)"
SECTION_NAMES = {
    "what_people_expect": "What people expect",
    "commitment": "The local authority commitment",
    "key_findings": "Key findings",
}
CSV_COLUMNS = [
    "id",
    "title",
    "theme",
    "shortfall_ids",
    "action",
    "owner",
    "timescale",
    "measures",
    "rag",
    "priority",
    "evidence",
    "good_practice",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --------------------------------------------------------------------------- escaping


def csv_cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP: prefix with a quote)."""
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def score_line(score: int | None) -> str:
    if score is None:
        return "not scored"
    label = SCORE_LABELS.get(score)
    return f"{score} – {label}" if label else str(score)


def engine_name(engine: str) -> str:
    return "the built-in engine" if engine == "builtin" else engine


def theme_name(theme: str, taxonomy=None) -> str:
    """A theme's label from the taxonomy when given, else its id made readable."""
    return taxonomy.label(theme) if taxonomy is not None else theme.replace("_", " ").capitalize()


def _date(today: date | None) -> str:
    d = today or date.today()
    return f"{d.day} {d:%B %Y}"


class _Sources:
    """Numbers cited passages in order of first use: the footnotes of an export."""

    def __init__(self, passages: Mapping[str, Passage] | None):
        self.passages = passages or {}
        self.ids: list[str] = []

    def number(self, passage_id: str) -> int:
        if passage_id not in self.ids:
            self.ids.append(passage_id)
        return self.ids.index(passage_id) + 1

    def describe(self, passage_id: str) -> str:
        """ "Passage <id> — authority, statement, section › sub-heading" (never a bare id, which
        Markdown would read as a link definition)."""
        p = self.passages.get(passage_id)
        if p is None:
            return f"Passage {passage_id}"
        where = SECTION_NAMES.get(p.section, p.section)
        if p.subheading:
            where = f"{where} › {p.subheading}"
        return f"Passage {passage_id} — {p.authority}, {p.quality_statement}, {where}"


def _quote_text(citation: Citation) -> str:
    return citation.quote.strip()


# --------------------------------------------------------------------------- Markdown


def to_markdown(
    plan: ActionPlan,
    passages: Mapping[str, Passage] | None = None,
    *,
    taxonomy=None,
    today: date | None = None,
) -> str:
    """The plan as Markdown a leader can paste into a cabinet paper, with footnoted sources."""
    sources = _Sources(passages)
    esc = escape_markdown
    out = [
        f"# Improvement plan: {esc(plan.authority)} — {esc(plan.quality_statement)}",
        "",
        f"**CQC score:** {esc(score_line(plan.score))}  ",
        f"**Drafted by** {esc(engine_name(plan.engine))} on {_date(today)}"
        + (f" ({plan.usage.total_tokens} tokens)" if plan.usage else "")
        + ". Every action is a draft for leaders to edit.",
        "",
    ]
    if plan.notes:
        out += ["## Notes", ""] + [f"- {esc(n)}" for n in plan.notes] + [""]
    if not plan.actions:
        out += ["No actions: the plan is empty.", ""]
    else:
        out += _summary_table(plan.actions)
        out += ["## Actions", ""]
        for action in plan.actions:
            out += _action_markdown(action, sources, taxonomy)
    if sources.ids:
        out += ["## Sources", ""]
        for n, pid in enumerate(sources.ids, start=1):
            out += [f"[^{n}]: {esc(sources.describe(pid))}", ""]
    return "\n".join(out).rstrip() + "\n"


def _summary_table(actions: list[Action]) -> list[str]:
    esc = escape_markdown
    rows = ["## Summary", "", "| ID | Action | Owner | Timescale | Priority | RAG |", "|" + " --- |" * 6]
    for a in actions:
        cells = [a.id, a.title, a.owner, a.timescale, a.priority, a.rag]
        rows.append("| " + " | ".join(esc(c) for c in cells) + " |")
    return rows + [""]


def _cite_md(citation: Citation, sources: _Sources) -> str:
    flag = f" {UNVERIFIED}" if not citation.verified else ""
    return f"“{escape_markdown(_quote_text(citation))}”{flag} [^{sources.number(citation.passage_id)}]"


def _blockquote(paragraphs: list[str], indent: str = "") -> list[str]:
    """One blockquote, a paragraph per item (an empty quoted line between them)."""
    lines: list[str] = []
    for i, text in enumerate(paragraphs):
        lines += ([f"{indent}>"] if i else []) + [f"{indent}> {text}"]
    return lines


def _action_markdown(a: Action, sources: _Sources, taxonomy) -> list[str]:
    esc = escape_markdown
    lines = [f"### {esc(a.id)}. {esc(a.title)}", ""]
    lines += [f"**Shortfall it answers** ({esc(theme_name(a.theme, taxonomy))}):", ""]
    if a.evidence:
        lines += _blockquote([_cite_md(c, sources) for c in a.evidence]) + [""]
    else:
        lines += ["*No report evidence is cited for this action.*", ""]
    lines += [
        f"**What will be done:** {esc(a.action)}",
        "",
        f"**Owner:** {esc(a.owner)} · **Timescale:** {esc(a.timescale)} · "
        f"**Priority:** {esc(a.priority)} · **RAG:** {esc(a.rag)}",
        "",
        "**Measures of success:**",
        "",
    ]
    lines += [f"- {esc(m)}" for m in a.measures] or ["- *None set yet.*"]
    lines += ["", "**Good practice from other authorities:**", ""]
    if a.good_practice:
        for gp in a.good_practice:
            named = gp.authority in gp.summary
            lines.append(f"- {esc(gp.summary)}" if named else f"- **{esc(gp.authority)}:** {esc(gp.summary)}")
            lines += _blockquote([_cite_md(c, sources) for c in gp.citations], indent="  ")
    else:
        lines.append(f"- *{esc(a.no_good_practice_note or 'None cited.')}*")
    return lines + [""]


# --------------------------------------------------------------------------- CSV


def _cite_plain(citation: Citation) -> str:
    flag = f" {UNVERIFIED}" if not citation.verified else ""
    return f"“{_quote_text(citation)}”{flag} [{citation.passage_id}]"


def csv_row(a: Action) -> list[str]:
    good = [
        f"{gp.authority}: {gp.summary} " + " ".join(f"[{c.passage_id}]" for c in gp.citations) for gp in a.good_practice
    ] or ([a.no_good_practice_note] if a.no_good_practice_note else [])
    return [
        a.id,
        a.title,
        a.theme,
        "; ".join(a.shortfall_ids),
        a.action,
        a.owner,
        a.timescale,
        "; ".join(a.measures),
        a.rag,
        a.priority,
        " | ".join(_cite_plain(c) for c in a.evidence),
        " | ".join(g.strip() for g in good),
    ]


def to_csv(plan: ActionPlan) -> str:
    """One row per action for council trackers; formula-like cells defused."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for a in plan.actions:
        writer.writerow([csv_cell(cell) for cell in csv_row(a)])
    return buf.getvalue()


# --------------------------------------------------------------------------- DOCX


def _x(text: str) -> str:
    """Text python-docx can store (XML forbids most control characters)."""
    return _XML_INVALID.sub("", text)


def to_docx(
    plan: ActionPlan,
    passages: Mapping[str, Passage] | None = None,
    *,
    taxonomy=None,
    today: date | None = None,
) -> bytes:
    """The plan as a Word document: heading, summary table, one section per action, sources."""
    sources = _Sources(passages)
    doc = Document()
    doc.add_heading(_x(f"Improvement plan: {plan.authority} — {plan.quality_statement}"), level=0)
    doc.add_paragraph(_x(f"CQC score: {score_line(plan.score)}"))
    doc.add_paragraph(
        _x(f"Drafted by {engine_name(plan.engine)} on {_date(today)}. Every action is a draft for leaders to edit.")
    )
    if plan.notes:
        doc.add_heading("Notes", level=1)
        for note in plan.notes:
            doc.add_paragraph(_x(note), style="List Bullet")
    if not plan.actions:
        doc.add_paragraph("No actions: the plan is empty.")
    else:
        doc.add_heading("Summary", level=1)
        header = ["ID", "Action", "Owner", "Timescale", "Priority", "RAG"]
        table = doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header):
            cell.text = text
        for a in plan.actions:
            for cell, text in zip(table.add_row().cells, [a.id, a.title, a.owner, a.timescale, a.priority, a.rag]):
                cell.text = _x(text)
        doc.add_heading("Actions", level=1)
        for a in plan.actions:
            _action_docx(doc, a, sources, taxonomy)
    if sources.ids:
        doc.add_heading("Sources", level=1)
        for n, pid in enumerate(sources.ids, start=1):
            doc.add_paragraph(_x(f"[{n}] {sources.describe(pid)}"))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _cite_docx(citation: Citation, sources: _Sources) -> str:
    flag = f" {UNVERIFIED}" if not citation.verified else ""
    return _x(f"“{_quote_text(citation)}”{flag} [{sources.number(citation.passage_id)}]")


def _labelled(doc, label: str, text: str) -> None:
    p = doc.add_paragraph()
    p.add_run(label).bold = True
    p.add_run(_x(text))


def _action_docx(doc, a: Action, sources: _Sources, taxonomy) -> None:
    doc.add_heading(_x(f"{a.id}. {a.title}"), level=2)
    doc.add_paragraph().add_run(_x(f"Shortfall it answers ({theme_name(a.theme, taxonomy)}):")).bold = True
    for c in a.evidence:
        doc.add_paragraph(_cite_docx(c, sources), style="Quote")
    _labelled(doc, "What will be done: ", a.action)
    _labelled(doc, "Owner: ", f"{a.owner}. Timescale: {a.timescale}. Priority: {a.priority}. RAG: {a.rag}.")
    doc.add_paragraph().add_run("Measures of success:").bold = True
    for m in a.measures:
        doc.add_paragraph(_x(m), style="List Bullet")
    doc.add_paragraph().add_run("Good practice from other authorities:").bold = True
    for gp in a.good_practice:
        _labelled(doc, f"{gp.authority}: ", gp.summary)
        for c in gp.citations:
            doc.add_paragraph(_cite_docx(c, sources), style="Quote")
    if not a.good_practice:
        doc.add_paragraph(_x(a.no_good_practice_note or "None cited."))


# --------------------------------------------------------------------------- findings


def findings_to_markdown(results: Iterable[ReportFindings], taxonomy=None) -> str:
    """Shortfalls and strengths of each report, grouped by theme, each quote with its passage id."""
    esc = escape_markdown
    out: list[str] = []
    for rf in results:
        out += [f"## {esc(rf.authority)} — {esc(rf.quality_statement)} (score: {esc(score_line(rf.score))})", ""]
        out += [f"- *{esc(n)}*" for n in rf.notes] + ([""] if rf.notes else [])
        for kind, heading in (("shortfall", "Shortfalls"), ("strength", "Strengths")):
            items = [f for f in rf.findings if f.kind == kind]
            out += [f"### {heading} ({len(items)})", ""]
            if not items:
                out += ["None found.", ""]
                continue
            themes = list(dict.fromkeys(f.theme for f in items))
            for theme in themes:
                out += [f"**{esc(theme_name(theme, taxonomy))}**", ""]
                for f in (f for f in items if f.theme == theme):
                    out.append(f"- {esc(f.summary)} ({esc(f.id)})")
                    for c in f.citations:
                        flag = f" {UNVERIFIED}" if not c.verified else ""
                        out.append(f"  > “{esc(_quote_text(c))}”{flag} — {esc(c.passage_id)}")
                out.append("")
    return "\n".join(out).rstrip() + "\n"
