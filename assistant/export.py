"""Plans and findings out: Markdown (cabinet paper, with a Mermaid timeline), CSV (council trackers) and DOCX.

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
from datetime import date, timedelta

from docx import Document
from docx.shared import Inches
from PIL import Image, ImageDraw, ImageFont

from . import docx_parts
from .docx_parts import labelled as _labelled
from .docx_parts import table as _table
from .docx_parts import xml_safe as _x
from .models import Action, ActionPlan, Citation, Governance, Passage, ReportFindings, Workstream, format_date
from .reports import SCORE_LABELS
from .text import escape_markdown
from .themes import Taxonomy

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
    "workstream",
    "workstream_title",
    "workstream_priority",
    "partner_lead",
    "milestones",
    "baselines",
    "builds_on",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def theme_name(theme: str, taxonomy: Taxonomy | None = None) -> str:
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


def _provenance(plan: ActionPlan, today: date | None) -> str:
    """Who drafted the plan and when: for a footnote or the document's metadata, never the plan body."""
    tokens = f" ({plan.usage.total_tokens} tokens)" if plan.usage else ""
    return (
        f"Drafted by {engine_name(plan.engine)} on {_date(today)}{tokens}; every action is a draft for leaders to edit."
    )


def to_markdown(
    plan: ActionPlan,
    passages: Mapping[str, Passage] | None = None,
    *,
    taxonomy: Taxonomy | None = None,
    today: date | None = None,
) -> str:
    """The plan as Markdown a leader can paste into a cabinet paper, with footnoted sources.

    A workstream plan opens with the plan on a page and a Mermaid ``gantt``
    timeline, then its workstreams, actions and governance; a plan without
    workstreams lists its actions.
    """
    sources = _Sources(passages)
    esc = escape_markdown
    out = [
        f"# Improvement plan: {esc(plan.authority)} — {esc(plan.quality_statement)}",
        "",
        f"**CQC score:** {esc(score_line(plan.score))}  ",
        "**Status:** draft for discussion[^draft]",
        "",
    ]
    if plan.notes:
        out += ["## Notes", ""] + [f"- {esc(n)}" for n in plan.notes] + [""]
    if not plan.actions:
        out += ["No actions: the plan is empty.", ""]
    elif plan.workstreams:
        out += _plan_on_a_page(plan)
        out += ["## Timeline", "", *gantt(plan), ""]
        out += ["## Workstreams", ""]
        for w in plan.workstreams:
            out += _workstream_markdown(plan, w)
            for a in (a for a in plan.actions if a.id in w.action_ids):
                out += _action_markdown(a, sources, taxonomy, level=4)
        loose = [a for a in plan.actions if not any(a.id in w.action_ids for w in plan.workstreams)]
        if loose:
            out += ["### Other actions", ""]
            for a in loose:
                out += _action_markdown(a, sources, taxonomy, level=4)
        if plan.governance:
            out += _governance_markdown(plan.governance)
    else:
        out += _summary_table(plan.actions)
        out += ["## Actions", ""]
        for action in plan.actions:
            out += _action_markdown(action, sources, taxonomy)
    if sources.ids:
        out += ["## Sources", ""]
        for n, pid in enumerate(sources.ids, start=1):
            out += [f"[^{n}]: {esc(sources.describe(pid))}", ""]
    out += [f"[^draft]: {esc(_provenance(plan, today))}", ""]
    return "\n".join(out).rstrip() + "\n"


def _plan_on_a_page(plan: ActionPlan) -> list[str]:
    esc = escape_markdown
    out = ["## Plan on a page", ""]
    out += [f"{esc(line)}" for line in plan.summary] + [""] if plan.summary else []
    out += ["| Workstream | Priority | Why | Lead | Partner lead | Actions | Ends |", "|" + " --- |" * 7]
    for w in plan.workstreams:
        cells = [
            f"{w.id}. {w.title}",
            w.priority,
            w.rationale,
            w.lead,
            w.partner_lead or "—",
            ", ".join(w.action_ids),
            format_date(w.end) if w.end else "—",
        ]
        out.append("| " + " | ".join(esc(c) for c in cells) + " |")
    return out + [""]


def _workstream_markdown(plan: ActionPlan, w: Workstream) -> list[str]:
    esc = escape_markdown
    lines = [f"### {esc(w.id)}. {esc(w.title)}", ""]
    lines += [f"**Priority:** {esc(w.priority)}. {esc(w.rationale)}", ""]
    if w.outcome:
        lines += [f"**What people should notice:** {esc(w.outcome)}", ""]
    lines += [
        f"**Lead:** {esc(w.lead)}" + (f" · **Partner lead:** {esc(w.partner_lead)}" if w.partner_lead else ""),
        "",
    ]
    if w.builds_on:
        lines += [f"**Builds on:** {esc(', '.join(w.builds_on))}", ""]
    if w.dependencies:
        lines += ["**Dependencies:** " + esc("; ".join(w.dependencies)), ""]
    if w.risks:
        lines += ["**Risks:** " + esc("; ".join(w.risks)), ""]
    lines += [f"**Resources:** {esc(w.resources)}", ""]
    return lines


def _governance_markdown(g: Governance) -> list[str]:
    esc = escape_markdown
    lines = ["## Governance", ""]
    lines += [f"- **{label}:** {esc(text)}" for label, text in g.roles()] + ["- **Reporting cadence:**"]
    lines += [f"  - {esc(c)}" for c in g.cadence]
    return lines + [""]


_GANTT_UNSAFE = re.compile(r"[:;#`\"<>{}\[\]\n\r]")


def _gantt_text(text: str, limit: int = 60) -> str:
    """Text Mermaid reads as a task or section name (no colon, semicolon, hash or brackets)."""
    clean = " ".join(_GANTT_UNSAFE.sub(" ", text).split())
    return clean if len(clean) <= limit else clean[: limit - 1].rsplit(" ", 1)[0] + "…"


def gantt(plan: ActionPlan) -> list[str]:
    """The plan's timeline as a fenced Mermaid ``gantt`` block: a section per workstream, a bar per
    action (start to delivery) and its milestones."""
    start = plan.start_date or date.today()
    lines = [
        "```mermaid",
        "gantt",
        f"    title {_gantt_text(f'{plan.authority} improvement plan')}",
        "    dateFormat YYYY-MM-DD",
        "    axisFormat %b %Y",
    ]
    for w in plan.workstreams:
        lines.append(f"    section {_gantt_text(f'{w.id} {w.title}', 40)}")
        for a in (a for a in plan.actions if a.id in w.action_ids):
            dues = sorted(m.due for m in a.milestones)
            end = max([d for d in dues if d > start] or [start + timedelta(days=1)])
            done = next((m.due for m in a.milestones if m.title.lower().startswith("action delivered")), end)
            lines.append(
                f"    {_gantt_text(f'{a.id} {a.title}')} :{a.id.lower()}, {start.isoformat()}, {done.isoformat()}"
            )
            for k, m in enumerate(a.milestones, start=1):
                if m.due == done:
                    continue
                lines.append(
                    f"    {_gantt_text(f'{a.id} {m.title}')} :milestone, {a.id.lower()}m{k}, {m.due.isoformat()}, 0d"
                )
    lines.append("```")
    return lines


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


def _action_markdown(a: Action, sources: _Sources, taxonomy: Taxonomy | None, level: int = 3) -> list[str]:
    esc = escape_markdown
    lines = [f"{'#' * level} {esc(a.id)}. {esc(a.title)}", ""]
    lines += [f"**Shortfall it answers** ({esc(theme_name(a.theme, taxonomy))}):", ""]
    if a.evidence:
        lines += _blockquote([_cite_md(c, sources) for c in a.evidence]) + [""]
    else:
        lines += ["*No report evidence is cited for this action.*", ""]
    if a.context:
        lines += ["**Already in hand** (the report says):", ""]
        lines += _blockquote([_cite_md(c, sources) for c in a.context]) + [""]
    owner = f"**Owner:** {esc(a.owner)}"
    if a.partner_lead:
        owner += f" · **Partner lead:** {esc(a.partner_lead)}"
    lines += [
        f"**What will be done:** {esc(a.action)}",
        "",
        f"{owner} · **Timescale:** {esc(a.timescale)} · **Priority:** {esc(a.priority)} · **RAG:** {esc(a.rag)}",
        "",
    ]
    if a.milestones:
        lines += ["**Milestones:**", ""]
        lines += [f"- {format_date(m.due)}: {esc(m.title)}" for m in a.milestones] + [""]
    lines += ["**Measures of success:**", ""]
    if a.measure_details:
        for m in a.measure_details:
            when = f" by {format_date(m.target_date)}" if m.target_date else ""
            tag = " *(outcome for people)*" if m.people_outcome else ""
            lines.append(f"- {esc(m.what)}{tag} — baseline: {esc(m.baseline)}; target: {esc(m.target)}{when}")
    else:
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


def csv_row(a: Action, plan: ActionPlan | None = None) -> list[str]:
    good = [
        f"{gp.authority}: {gp.summary} " + " ".join(f"[{c.passage_id}]" for c in gp.citations) for gp in a.good_practice
    ] or ([a.no_good_practice_note] if a.no_good_practice_note else [])
    w = plan.workstream(a.workstream) if plan is not None and a.workstream else None
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
        a.workstream or "",
        w.title if w else "",
        w.priority if w else "",
        a.partner_lead or "",
        "; ".join(f"{m.due.isoformat()} {m.title}" for m in a.milestones),
        "; ".join(f"{m.what}: {m.baseline}" for m in a.measure_details),
        "; ".join(a.builds_on),
    ]


def to_csv(plan: ActionPlan) -> str:
    """One row per action for council trackers, with its workstream; formula-like cells defused."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for a in plan.actions:
        writer.writerow([csv_cell(cell) for cell in csv_row(a, plan)])
    return buf.getvalue()


# --------------------------------------------------------------------------- DOCX


def to_docx(
    plan: ActionPlan,
    passages: Mapping[str, Passage] | None = None,
    *,
    taxonomy: Taxonomy | None = None,
    today: date | None = None,
) -> bytes:
    """The plan as a Word document: plan on a page, timeline image, workstreams and actions,
    governance, sources; who drafted it goes in the document's properties."""
    sources = _Sources(passages)
    doc = Document()
    props = doc.core_properties
    props.title = _x(f"Improvement plan: {plan.authority} — {plan.quality_statement}")[:255]
    props.comments = _x(_provenance(plan, today))[:255]
    props.author = "Adult social care improvement team"
    doc.add_heading(_x(f"Improvement plan: {plan.authority} — {plan.quality_statement}"), level=0)
    doc.add_paragraph(_x(f"CQC score: {score_line(plan.score)}. Status: draft for discussion."))
    if plan.notes:
        doc.add_heading("Notes", level=1)
        for note in plan.notes:
            doc.add_paragraph(_x(note), style="List Bullet")
    if not plan.actions:
        doc.add_paragraph("No actions: the plan is empty.")
    elif plan.workstreams:
        _plan_on_a_page_docx(doc, plan)
        _workstreams_docx(doc, plan, sources, taxonomy)
    else:
        doc.add_heading("Summary", level=1)
        _table(
            doc,
            ["ID", "Action", "Owner", "Timescale", "Priority", "RAG"],
            [[a.id, a.title, a.owner, a.timescale, a.priority, a.rag] for a in plan.actions],
        )
        doc.add_heading("Actions", level=1)
        for a in plan.actions:
            _action_docx(doc, a, sources, taxonomy)
    if sources.ids:
        doc.add_heading("Sources", level=1)
        for n, pid in enumerate(sources.ids, start=1):
            doc.add_paragraph(_x(f"[{n}] {sources.describe(pid)}"))
    return docx_parts.to_bytes(doc)


def _plan_on_a_page_docx(doc, plan: ActionPlan) -> None:
    doc.add_heading("Plan on a page", level=1)
    for line in plan.summary:
        doc.add_paragraph(_x(line))
    _table(
        doc,
        ["Workstream", "Priority", "Lead", "Partner lead", "Actions", "Ends"],
        [
            [
                f"{w.id}. {w.title}",
                w.priority,
                w.lead,
                w.partner_lead or "—",
                ", ".join(w.action_ids),
                format_date(w.end) if w.end else "—",
            ]
            for w in plan.workstreams
        ],
    )
    doc.add_heading("Timeline", level=1)
    doc.add_picture(io.BytesIO(timeline_png(plan)), width=Inches(6.5))


def _workstreams_docx(doc, plan: ActionPlan, sources: _Sources, taxonomy: Taxonomy | None) -> None:
    doc.add_heading("Workstreams", level=1)
    for w in plan.workstreams:
        doc.add_heading(_x(f"{w.id}. {w.title}"), level=2)
        _labelled(doc, "Priority: ", f"{w.priority}. {w.rationale}")
        if w.outcome:
            _labelled(doc, "What people should notice: ", w.outcome)
        _labelled(doc, "Lead: ", w.lead + (f"; partner lead: {w.partner_lead}" if w.partner_lead else ""))
        if w.builds_on:
            _labelled(doc, "Builds on: ", ", ".join(w.builds_on))
        if w.dependencies:
            _labelled(doc, "Dependencies: ", "; ".join(w.dependencies))
        if w.risks:
            _labelled(doc, "Risks: ", "; ".join(w.risks))
        _labelled(doc, "Resources: ", w.resources)
        for a in (a for a in plan.actions if a.id in w.action_ids):
            _action_docx(doc, a, sources, taxonomy, level=3)
    if plan.governance:
        g = plan.governance
        doc.add_heading("Governance", level=1)
        for label, text in g.roles():
            _labelled(doc, f"{label}: ", text)
        for c in g.cadence:
            doc.add_paragraph(_x(c), style="List Bullet")


def _cite_docx(citation: Citation, sources: _Sources) -> str:
    flag = f" {UNVERIFIED}" if not citation.verified else ""
    return _x(f"“{_quote_text(citation)}”{flag} [{sources.number(citation.passage_id)}]")


def _action_docx(doc, a: Action, sources: _Sources, taxonomy: Taxonomy | None, level: int = 2) -> None:
    doc.add_heading(_x(f"{a.id}. {a.title}"), level=level)
    doc.add_paragraph().add_run(_x(f"Shortfall it answers ({theme_name(a.theme, taxonomy)}):")).bold = True
    for c in a.evidence:
        doc.add_paragraph(_cite_docx(c, sources), style="Quote")
    if a.context:
        doc.add_paragraph().add_run("Already in hand (the report says):").bold = True
        for c in a.context:
            doc.add_paragraph(_cite_docx(c, sources), style="Quote")
    _labelled(doc, "What will be done: ", a.action)
    partner = f" Partner lead: {a.partner_lead}." if a.partner_lead else ""
    _labelled(doc, "Owner: ", f"{a.owner}.{partner} Timescale: {a.timescale}. Priority: {a.priority}. RAG: {a.rag}.")
    if a.milestones:
        doc.add_paragraph().add_run("Milestones:").bold = True
        for step in a.milestones:
            doc.add_paragraph(_x(f"{format_date(step.due)}: {step.title}"), style="List Bullet")
    doc.add_paragraph().add_run("Measures of success:").bold = True
    for measure in a.measures:
        doc.add_paragraph(_x(measure), style="List Bullet")
    doc.add_paragraph().add_run("Good practice from other authorities:").bold = True
    for gp in a.good_practice:
        _labelled(doc, f"{gp.authority}: ", gp.summary)
        for c in gp.citations:
            doc.add_paragraph(_cite_docx(c, sources), style="Quote")
    if not a.good_practice:
        doc.add_paragraph(_x(a.no_good_practice_note or "None cited."))


# --------------------------------------------------------------------------- timeline image

_PRIORITY_COLOURS = {"High": (192, 57, 43), "Medium": (230, 126, 34), "Low": (39, 174, 96)}


def timeline_png(plan: ActionPlan) -> bytes:
    """The plan's timeline as a PNG: a row per action, grouped by workstream, bars coloured by
    priority, milestones as diamonds, month ticks along the top."""
    start = plan.start_date or date.today()
    rows: list[tuple[str, Action | None, str]] = []
    for w in plan.workstreams:
        rows.append((f"{w.id} {w.title}", None, w.priority))
        rows += [(f"   {a.id} {a.title}", a, w.priority) for a in plan.actions if a.id in w.action_ids]
    dues = [m.due for a in plan.actions for m in a.milestones] or [start + timedelta(days=30)]
    end = max(max(dues), start + timedelta(days=30))
    label_w, chart_w, row_h, top = 330, 620, 22, 34
    width, height = label_w + chart_w + 60, top + row_h * len(rows) + 12
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default()
    span = max(1, (end - start).days)

    def x(d: date) -> int:
        return label_w + int(chart_w * (d - start).days / span)

    month = date(start.year, start.month, 1)
    while month <= end:
        if month >= start:
            draw.line([(x(month), top - 6), (x(month), height - 6)], fill=(225, 225, 225))
            if month.month in (1, 4, 7, 10):
                draw.text((x(month) + 2, 6), f"{month:%b %Y}", fill=(60, 60, 60), font=font)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    for i, (label, action, priority) in enumerate(rows):
        y = top + i * row_h
        short = label if len(label) <= 52 else label[:51] + "…"
        draw.text((6, y + 5), short, fill=(0, 0, 0) if action else (40, 40, 120), font=font)
        if action is None or not action.milestones:
            continue
        done = (
            max(m.due for m in action.milestones if m.title.lower().startswith("action delivered"))
            if any(m.title.lower().startswith("action delivered") for m in action.milestones)
            else max(m.due for m in action.milestones)
        )
        draw.rectangle([x(start), y + 5, max(x(done), x(start) + 2), y + row_h - 5], fill=_PRIORITY_COLOURS[priority])
        for m in action.milestones:
            cx, cy = x(m.due), y + row_h // 2
            draw.polygon([(cx, cy - 6), (cx + 6, cy), (cx, cy + 6), (cx - 6, cy)], fill=(44, 62, 80))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


# --------------------------------------------------------------------------- findings


def findings_to_markdown(results: Iterable[ReportFindings], taxonomy: Taxonomy | None = None) -> str:
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
