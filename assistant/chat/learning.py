"""Learning from other councils: "what can A learn from B about X" answered with B's practice for A's gaps.

Who learns from whom is read from the sentence ("A learn from B", "B teach A", "A learn from others");
the practice is found by meaning with ``good_practice.GoodPracticeFinder``, the same finder the plans use.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..good_practice import GoodPracticeFinder
from ..models import ChatTurn, Finding, Report
from ..text import escape_markdown
from .request import Clarify
from .retrieval import unit_citation, units_search

if TYPE_CHECKING:  # pragma: no cover
    from .request import Request


def learn(r: Request) -> ChatTurn:
    """What the learner can borrow from the other report(s): their practice that answers its gaps."""
    learner, sources = _learner_and_sources(r)
    theme = r.entities.theme(r.message)
    topic = f" about {escape_markdown(r.md.theme(theme))}" if theme else ""
    names = _sources_named(sources)
    head = f"**What {escape_markdown(learner.authority)} can learn from {names}{topic}**"
    gaps = r.findings(learner, "shortfall", theme)
    lines = [head]
    if gaps:
        lines += ["", f"{r.md.report(learner)} has {len(gaps)} gap(s) here; practice that answers them:"]
    lent = borrow(r, learner, sources, theme, gaps)
    if lent:
        lines += ["", "**What to borrow**"] + lent
    else:
        lines += ["", f"The report(s) of {names} show no comparable practice{topic}."]
    r.context.authority = learner.authority
    r.context.report_id = learner.id
    return r.reply("learn", "\n".join(lines), report_id=learner.id)


#: Source councils named in the answer's heading at most; more are counted ("152 other councils").
NAMED_SOURCES = 3


def _sources_named(sources: list[Report]) -> str:
    """The source councils for the heading: named when few, counted when many (each quote names its own)."""
    if len(sources) <= NAMED_SOURCES:
        return ", ".join(escape_markdown(x.authority) for x in sources)
    return f"{len(sources):,} other councils"


def borrow(r: Request, learner: Report, sources: list[Report], theme: str | None, gaps: list[Finding]) -> list[str]:
    """Good practice (by meaning) from ``sources`` for each of the learner's gaps (or the theme)."""
    others = [(x, r.a.findings(x, engine="builtin")) for x in sources]
    finder = GoodPracticeFinder(learner, others, r.a.playbook, r.a.taxonomy, r.a.evidence)
    lines: list[str] = []
    seen: set[str] = set()
    targets = gaps[:4] or []
    for gap in targets:
        found, _ = finder.for_action(gap.citations, gap.summary, gap.theme)
        for gp in found:
            new = [c for c in gp.citations if c.quote not in seen]
            if not new:
                continue
            seen.update(c.quote for c in new)
            quotes = " ".join(r.cites.quote(c) for c in new)
            lines.append(f"- {escape_markdown(gp.authority)}, for “{escape_markdown(gap.summary)}”: {quotes}")
    if not targets and theme:
        hits = units_search(r, r.message, sources, kinds=("practice",), k=4, theme=theme)
        lines += [f"- {escape_markdown(u.authority)}: {r.cites.quote(unit_citation(u))}" for _, u in hits]
    return lines


def _learner_and_sources(r: Request) -> tuple[Report, list[Report]]:
    """Who learns from whom, read from the sentence: "A learn from B", "B teach A", "A learn from others"."""
    text = r.message
    teach = re.search(r"\bteach", r.text)
    m = re.search(r"\bfrom\b", text, flags=re.I)
    before, after = (text[: m.start()], text[m.end() :]) if m else (text, "")
    if teach:
        source_names = r.named[:1]
        learner_names = [a for a in r.named if a not in source_names]
    else:
        source_names = r.entities.authorities_in(after)
        learner_names = [a for a in r.entities.authorities_in(before) if a not in source_names]
    here = r.context.authority
    if not learner_names and here in r.entities.authorities and here not in source_names:
        learner_names = [here]
    if not learner_names and len(r.entities.authorities) == 2 and source_names:
        learner_names = [a for a in r.entities.authorities if a not in source_names]
    if not learner_names:
        raise Clarify(r.ask_authority())
    learner = r.entities.reports_of(learner_names[0], r.message)[0]
    if not source_names:  # "from others", "from other councils", or no source named
        source_names = [a for a in r.entities.authorities if a != learner.authority]
    sources = [_report_like(r, a, learner) for a in source_names]
    return learner, sources


def _report_like(r: Request, authority: str, learner: Report) -> Report:
    """The source authority's report on the learner's quality statement when it has one."""
    reports = r.entities.reports_of(authority, r.message)
    same = [x for x in reports if x.quality_statement == learner.quality_statement]
    return (same or reports)[0]
