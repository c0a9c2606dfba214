"""Workshop exports: the workshop record (Markdown and DOCX with the results chart) and the facilitator pack.

Everything a participant or facilitator typed is escaped with
``export.escape_markdown`` wherever it is rendered (here and in the pages), so
no one can inject links, images, HTML or Streamlit directives into other
people's screens or into the exported record.
"""

from __future__ import annotations

from docx import Document

from .. import docx_parts
from ..charts import Bar, to_png, votes_chart
from ..docx_parts import table as _table
from ..docx_parts import xml_safe as _x
from ..export import to_markdown
from ..models import ActionPlan, Citation
from ..text import escape_markdown
from .domain import AgendaItem, Candidate, WorkshopSnapshot, format_join_code


def candidate_label(c: Candidate) -> str:
    """A candidate as a chart label: promoted ideas are marked as such."""
    return f"Idea: {c.action.title}" if c.source == "idea" else c.action.title


def vote_bars(ws: WorkshopSnapshot, candidates: list[Candidate] | None = None) -> list[Bar]:
    """Chart bars for these candidates (default: the whole workshop's), most votes first, ties in agenda order."""
    items = {it.id: f"{it.position + 1}. {it.title}" for it in ws.items}
    order = {it.id: it.position for it in ws.items}
    pool = ws.candidates() if candidates is None else candidates
    ranked = sorted(pool, key=lambda c: (-c.votes, order.get(c.item_id, 0), c.id or 0))
    return [Bar(label=candidate_label(c), votes=c.votes, group=items.get(c.item_id, "")) for c in ranked]


def results_table(ws: WorkshopSnapshot) -> list[str]:
    """The ranked results as a Markdown table (the text alternative of the results chart)."""
    bars = vote_bars(ws)
    out = ["## Results: dot votes per candidate action", ""]
    if not bars:
        return [*out, "_No candidate actions._", ""]
    out += ["| Rank | Action | Agenda item | Dots |", "| --- | --- | --- | --- |"]
    out += [
        f"| {n} | {escape_markdown(b.label)} | {escape_markdown(b.group)} | {b.votes} |"
        for n, b in enumerate(bars, start=1)
    ]
    return [*out, "", f"{ws.total_votes()} dot(s) placed in all.", ""]


def _minutes(item: AgendaItem) -> str:
    return f"{item.time_box_min} min"


def _citation(c: Citation) -> str:
    mark = "verified" if c.verified else "NOT verified"
    return f"> \u201c{escape_markdown(c.quote)}\u201d  \n> \u2014 `{c.passage_id}` ({mark})"


def _evidence(item: AgendaItem) -> list[str]:
    out = []
    if item.summary:
        out += [f"**Shortfall:** {escape_markdown(item.summary)}", ""]
    if item.evidence:
        out += ["**Evidence**", ""]
        for c in item.evidence:
            out += [_citation(c), ""]
    if item.good_practice:
        out += ["**Good practice elsewhere**", ""]
        for g in item.good_practice:
            refs = ", ".join(f"`{c.passage_id}`" for c in g.citations)
            line = f"- {escape_markdown(g.authority)}: {escape_markdown(g.summary)}"
            out.append(f"{line} ({refs})" if refs else line)
        out.append("")
    return out


def _prompts(item: AgendaItem) -> list[str]:
    if not item.prompts:
        return []
    return ["**Discussion prompts**", "", *[f"{n}. {escape_markdown(p)}" for n, p in enumerate(item.prompts, 1)], ""]


def _header(ws: WorkshopSnapshot, kind: str) -> list[str]:
    score = f", score {ws.score}" if ws.score is not None else ""
    return [
        f"# {escape_markdown(ws.title)}: {kind}",
        "",
        f"- **Date:** {ws.date.isoformat()}",
        f"- **Report:** {escape_markdown(ws.authority)}, {escape_markdown(ws.quality_statement)}{score} "
        f"(`{ws.report_id}`)",
    ]


def _agenda_table(ws: WorkshopSnapshot) -> list[str]:
    rows = ["| # | Item | Time box |", "| --- | --- | --- |"]
    rows += [f"| {i} | {escape_markdown(it.title)} | {_minutes(it)} |" for i, it in enumerate(ws.items, 1)]
    total = sum(it.time_box_min for it in ws.items)
    return ["## Agenda", "", *rows, "", f"Total: {total} minutes.", ""]


def facilitator_pack_markdown(ws: WorkshopSnapshot) -> str:
    """For printing: agenda with time boxes, then an evidence sheet and prompts per item."""
    out = _header(ws, "facilitator pack")
    out += [
        f"- **Expected participants:** {ws.expected_participants}",
        f"- **Dots per participant:** {ws.dots_per_participant}",
        f"- **Join code:** {format_join_code(ws.join_code)}",
        "",
    ]
    out += _agenda_table(ws)
    if ws.total_votes():
        out += results_table(ws)
    for i, it in enumerate(ws.items, 1):
        out += [f"## {i}. {escape_markdown(it.title)} ({_minutes(it)})", ""]
        out += _evidence(it) + _prompts(it)
        if it.candidates:
            out += ["**Candidate actions**", ""]
            out += [f"- {escape_markdown(c.action.title)}: {escape_markdown(c.action.action)}" for c in it.candidates]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def record_markdown(ws: WorkshopSnapshot, *, anonymise: bool | None = None, plan: ActionPlan | None = None) -> str:
    """The workshop record: agenda, evidence, contributions, votes, agreed actions; then the updated plan.

    Contributions are attributed by display name, or as "Participant N" when
    ``anonymise`` (default: the workshop's own setting).
    """
    authors = ws.author_labels(anonymise)
    out = _header(ws, "workshop record")
    out += [
        f"- **Participants:** {len(ws.participants)} joined ({ws.expected_participants} expected)",
        f"- **Dots:** {ws.total_votes()} placed of {ws.dots_per_participant * len(ws.participants)} "
        f"({ws.dots_per_participant} each)",
        "",
    ]
    out += _agenda_table(ws)
    for i, it in enumerate(ws.items, 1):
        out += [f"## {i}. {escape_markdown(it.title)}", ""]
        out += _evidence(it) + _prompts(it)
        ideas = it.open_ideas()
        out += ["**Contributions**", ""]
        if not ideas:
            out.append("_None._")
        for idea in ideas:
            extra = f" (+{len(idea.merged)} similar)" if idea.merged else ""
            author = escape_markdown(authors.get(idea.participant_id, "?"))
            out.append(f"- {escape_markdown(idea.text)} \u2014 {author}{extra}")
        out += ["", "**Votes on candidate actions**", ""]
        if not it.candidates:
            out.append("_No candidate actions._")
        for c in sorted(it.candidates, key=lambda c: -c.votes):
            tick = " \u2014 **agreed**" if c.accepted else ""
            out.append(f"- {c.votes} dot(s): {escape_markdown(c.action.title)}{tick}")
        out.append("")
    out += results_table(ws)
    agreed = [c for c in ws.ranked_candidates() if c.accepted]
    out += ["## Agreed actions (ranked by votes)", ""]
    if agreed:
        out += ["| Rank | Action | Owner | Timescale | Dots |", "| --- | --- | --- | --- | --- |"]
        out += [
            f"| {n} | {escape_markdown(c.action.title)} | {escape_markdown(c.action.owner)} | "
            f"{escape_markdown(c.action.timescale)} | {c.votes} |"
            for n, c in enumerate(agreed, 1)
        ]
    else:
        out.append("_No actions agreed yet._")
    out.append("")
    if plan is not None:
        out += ["---", "", "# Updated improvement plan", "", to_markdown(plan)]
    return "\n".join(out).rstrip() + "\n"


def record_docx(ws: WorkshopSnapshot, *, anonymise: bool | None = None) -> bytes:
    """The workshop record as a Word document: agenda, contributions, the results chart and table, agreed actions."""
    authors = ws.author_labels(anonymise)
    doc = Document()
    doc.add_heading(_x(f"{ws.title}: workshop record"), level=0)
    score = f", score {ws.score}" if ws.score is not None else ""
    doc.add_paragraph(_x(f"{ws.date.isoformat()} · {ws.authority}, {ws.quality_statement}{score} ({ws.report_id})"))
    doc.add_paragraph(
        f"{len(ws.participants)} participant(s) joined ({ws.expected_participants} expected); "
        f"{ws.total_votes()} dot(s) placed of {ws.dots_per_participant * len(ws.participants)}."
    )
    doc.add_heading("Agenda", level=1)
    _table(doc, ["#", "Item", "Time box"], [[str(n), it.title, _minutes(it)] for n, it in enumerate(ws.items, 1)])
    bars = vote_bars(ws)
    doc.add_heading("Results: dot votes per candidate action", level=1)
    if bars:
        chart = votes_chart(bars, title="Dot votes per candidate action")
        docx_parts.chart_with_table(
            doc,
            to_png(chart, width=640),
            "The same results as a table:",
            ["Rank", "Action", "Agenda item", "Dots"],
            [[str(n), b.label, b.group, str(b.votes)] for n, b in enumerate(bars, start=1)],
        )
    else:
        doc.add_paragraph("No candidate actions.")
    for i, it in enumerate(ws.items, 1):
        doc.add_heading(_x(f"{i}. {it.title}"), level=1)
        if it.summary:
            doc.add_paragraph(_x(f"Shortfall: {it.summary}"))
        for c in it.evidence:
            mark = "verified" if c.verified else "NOT verified"
            doc.add_paragraph(_x(f"\u201c{c.quote}\u201d \u2014 {c.passage_id} ({mark})"), style="Intense Quote")
        ideas = it.open_ideas()
        doc.add_paragraph("Contributions", style="Heading 3")
        if not ideas:
            doc.add_paragraph("None.")
        for idea in ideas:
            extra = f" (+{len(idea.merged)} similar)" if idea.merged else ""
            author = authors.get(idea.participant_id, "?")
            doc.add_paragraph(_x(f"{idea.text} \u2014 {author}{extra}"), style="List Bullet")
    agreed = [c for c in ws.ranked_candidates() if c.accepted]
    doc.add_heading("Agreed actions (ranked by votes)", level=1)
    if agreed:
        _table(
            doc,
            ["Rank", "Action", "Owner", "Timescale", "Dots"],
            [
                [str(n), c.action.title, c.action.owner, c.action.timescale, str(c.votes)]
                for n, c in enumerate(agreed, 1)
            ],
        )
    else:
        doc.add_paragraph("No actions agreed yet.")
    return docx_parts.to_bytes(doc)
