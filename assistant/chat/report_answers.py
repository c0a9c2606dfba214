"""Questions about one report: its shortfalls or strengths, what it says about a theme, what to do first.

Each handler works out which report is meant (``Request.one_report``, which may ask), then quotes its
findings by theme; when the report names nothing on the topic it says so and quotes the nearest passages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..evidence import EvidenceUnit
from ..models import ChatTurn, Report
from ..text import escape_markdown, fold
from .questions import ANSWER_MIN_SCORE as RELATED_MIN_SCORE
from .questions import nearest
from .retrieval import sentences, unit_citation

if TYPE_CHECKING:  # pragma: no cover
    from .request import Request


def shortfalls(r: Request) -> ChatTurn:
    return _findings(r, "shortfall")


def strengths(r: Request) -> ChatTurn:
    return _findings(r, "strength")


def _findings(r: Request, kind: str) -> ChatTurn:
    """The report's findings of ``kind`` by theme; for shortfalls, the drafted actions that answer them."""
    report = r.one_report()
    theme = r.entities.theme(r.message)
    findings = r.findings(report, kind, theme)
    word = "shortfalls" if kind == "shortfall" else "strengths"
    topic = f" on {escape_markdown(r.md.theme(theme))}" if theme else ""
    related = _related(r, report, kind, theme) if theme else []
    if not findings and not related:
        return nearest(r, f"The report for {r.md.report(report)} names no {word}{topic}.", report)
    lines = [f"**{len(findings)} {word}**{topic} in the report for {r.md.report(report)}, by theme:"]
    lines += r.md.grouped(findings)
    if related:  # the same topic in findings labelled with another theme
        lines += ["", f"**Also on this, by meaning** ({word} in other themes)"]
        lines += [f"- {r.cites.quote(unit_citation(u))}" for u in related]
    if kind == "strength":
        return r.reply("strengths", "\n".join(lines), report_id=report.id)
    ids = {f.id for f in findings}
    actions = [a for a in r.a.plan(report, engine=r.chat.engine_name).actions if ids & set(a.shortfall_ids)]
    if actions:
        lines += [
            "",
            f"I drafted {len(actions)} actions for these shortfalls: use **Add to plan** to keep one, "
            "or ask me to *draft actions for …* to see them in full.",
        ]
    return r.reply("shortfalls", "\n".join(lines), report_id=report.id, actions=actions)


#: Unit kinds that count as a finding of each kind.
_UNIT_KINDS = {"shortfall": ("shortfall",), "strength": ("practice", "outcome")}
#: A related sentence must score at least this share of the best sentence for the question.
RELATED_SHARE = 0.8


def _related(r: Request, report: Report, kind: str, theme: str) -> list[EvidenceUnit]:
    """Up to three sentences of ``kind`` nearest the question by meaning that the theme's findings do not
    already quote (findings carry one theme label; a topic often spans two)."""
    ranked = sentences(r, r.message, report=report, k=8, theme=theme)
    bar = max([RELATED_MIN_SCORE] + [RELATED_SHARE * score for score, _ in ranked[:1]])
    quoted = {fold(c.quote) for f in r.a.findings(report).findings if f.theme == theme for c in f.citations}
    fresh = [
        u
        for score, u in ranked
        if u.kind in _UNIT_KINDS[kind]
        and score >= bar
        and not any(fold(u.text) in q or q in fold(u.text) for q in quoted)
    ]
    return fresh[:3]


def about(r: Request) -> ChatTurn:
    """What the report says about a theme: its strengths and shortfalls there, then related sentences."""
    report = r.one_report()
    theme = r.entities.theme(r.message) or r.a.taxonomy.fallback.id
    label = r.md.theme(theme)
    findings = [f for f in r.a.findings(report).findings if f.theme == theme]
    lines = [f"What the report for {r.md.report(report)} says about **{escape_markdown(label)}**:"]
    for kind, title in (("strength", "Strengths"), ("shortfall", "Shortfalls")):
        mine = [f for f in findings if f.kind == kind]
        if mine:
            lines += ["", f"**{title}**"] + [r.md.finding(f) for f in mine]
    cited = {fold(c.quote) for c in r.cites.items}
    related = [
        u
        for _, u in sentences(r, r.message, report=report, k=6, theme=theme)
        if not any(fold(u.text) in q or q in fold(u.text) for q in cited)
    ]
    if related:
        lines += ["", "**Related evidence**"]
        lines += [f"- {r.cites.quote(unit_citation(u))}" for u in related[:3]]
    if len(lines) == 1:
        return nearest(r, f"The report for {r.md.report(report)} does not discuss {escape_markdown(label)}.", report)
    return r.reply("about", "\n".join(lines), report_id=report.id)


def prioritise(r: Request) -> ChatTurn:
    """Shortfalls ranked by the plan's priority (impact on people and risk), with the reason."""
    report = r.one_report()
    plan = r.a.plan(report, engine=r.chat.engine_name)
    lines = [f"**What to prioritise first in {r.md.report(report)}** (highest impact on people and risk first):"]
    for a in plan.actions[:5]:
        why = "High priority: " if a.priority == "High" else f"{a.priority} priority: "
        quote = r.cites.quote(a.evidence[0]) if a.evidence else ""
        lines.append(f"- **{escape_markdown(a.title)}**. {why}{quote}")
    return r.reply("prioritise", "\n".join(lines), report_id=report.id, actions=plan.actions[:5])
