"""Questions across councils: who does best on a topic, who scored what, who scored higher and why, side by side.

They read every loaded report (the peers' only when the message names peers, with a "peers used" line),
or those of the quality statement the message names.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..models import ChatTurn, Report
from ..text import escape_markdown, fold
from . import peer_answers
from .intents import _TWO_SIDES
from .questions import nearest
from .retrieval import unit_citation, units_by_report

if TYPE_CHECKING:  # pragma: no cover
    from .request import Request

#: Most reports quoted in a list across councils (the rest are listed without a quote).
MAX_CITED_ROWS = 10
#: Practice sentences quoted for the council ranked first by "which council is best at X" (the rest get two).
BEST_QUOTES = 3


def all_reports(r: Request) -> list[Report]:
    """Every report (the peers' only when the message names peers), or those of the statement it names."""
    reports = r.a.reports() if r.peers is None else peer_answers.peer_reports(r, r.peers)
    named = [x for x in reports if fold(x.quality_statement).lower() in r.text]
    return named or reports


def _peers_head(r: Request, reports: list[Report]) -> list[str]:
    """The "peers used" line when the message names peers (nothing otherwise)."""
    return [] if r.peers is None else [peer_answers.peers_used(r, r.peers, reports), ""]


def best(r: Request) -> ChatTurn:
    """ "Which council is best at X": reports ranked by their practice on X (less their shortfalls on it),
    then by score; each quoted. "Who does it better" leaves out the council the conversation is about."""
    theme = r.entities.theme(r.message)
    topic = escape_markdown(r.md.theme(theme)) if theme else "this"
    reports = all_reports(r)
    if not reports and r.peers is not None:
        return peer_answers.no_peers(r, r.peers, "best")
    if re.search(r"\bbetter\b", r.text) and r.context.authority and not r.named:
        reports = [x for x in reports if x.authority != r.context.authority] or reports
    ranked = []
    by_report = units_by_report(r.a, r.message, reports, k=BEST_QUOTES, theme=theme)
    for x in reports:
        practice = by_report.get(x.id, [])
        gaps = r.findings(x, "shortfall", theme) if theme else []
        weight = sum(score for score, _ in practice[:2]) - 0.3 * len(gaps)
        ranked.append((weight, x.score or 0, x, practice, gaps))
    ranked.sort(key=lambda row: (-row[0], -row[1], row[2].authority))
    lines = _peers_head(r, reports) + [
        f"**Which council does best on {topic}** (by its practice on it, less its shortfalls, then its score):"
    ]
    for n, (_, _, x, practice, gaps) in enumerate(ranked[:5]):
        lines += ["", f"**{r.md.report(x)}**"]
        lines += [f"- {r.cites.quote(unit_citation(u))}" for _, u in practice[: BEST_QUOTES if n == 0 else 2]]
        if gaps:
            lines.append(f"- but {len(gaps)} shortfall(s) on it, e.g. {r.cites.quote(gaps[0].citations[0])}")
    return r.reply("best", "\n".join(lines))


def who_scored(r: Request) -> ChatTurn:
    """ "Which councils scored 4 on partnerships and communities": the reports with that score (of the
    statement named, among the peers when named), each with the finding that best shows why."""
    words = {"one": 1, "two": 2, "three": 3, "four": 4}
    m = re.search(r"\b([1-4]|one|two|three|four)\b", r.text)
    wanted = int(words.get(m.group(1), m.group(1))) if m else None
    pool = all_reports(r)
    if not pool and r.peers is not None:
        return peer_answers.no_peers(r, r.peers, "who_scored")
    statements = sorted({x.quality_statement for x in pool})
    on = f" on {escape_markdown(statements[0])}" if len(statements) == 1 else ""
    found = sorted((x for x in pool if x.score == wanted), key=lambda x: (x.authority, x.quality_statement))
    head = _peers_head(r, pool)
    if not found:
        return r.reply(
            "who_scored", "\n".join(head + [f"None of the {len(pool):,} reports loaded{on} has a score of {wanted}."])
        )
    kind = "strength" if (wanted or 0) >= 3 else "shortfall"
    lines = head + [f"**{len(found):,} of the {len(pool):,} reports{on} scored {wanted}:**"]
    for n, x in enumerate(found):
        line = f"- {r.md.report(x)}: {escape_markdown(x.label or '')}"
        shown = next((f for f in r.a.findings(x).findings if f.kind == kind and f.citations), None)
        if shown is not None and n < MAX_CITED_ROWS:
            line += f". {kind.capitalize()}: {r.cites.quote(shown.citations[0])}"
        lines.append(line)
    return r.reply("who_scored", "\n".join(lines))


def score(r: Request) -> ChatTurn:
    """The score of the report meant, or of every report when none is meant."""
    reports = [r.one_report()] if r.named or r.context.authority else all_reports(r)
    lines = [f"- {r.md.report(x)}: {escape_markdown(x.label or 'no score given')}" for x in reports]
    return r.reply("score", "\n".join(lines))


def higher(r: Request) -> ChatTurn:
    """ "Which scored higher and why": both scores, then the strengths and shortfalls that explain it."""
    names = r.named or list(r.entities.authorities)
    theme = r.entities.theme(r.message)
    reports = [r.entities.reports_of(n, r.message)[0] for n in names[:4]]
    if len(reports) < 2:
        return compare(r)
    reports.sort(key=lambda x: -(x.score or 0))
    top, low = reports[0], reports[-1]
    if (top.score or 0) == (low.score or 0):
        head = f"{r.md.report(top)} and {r.md.report(low)} have the same score."
    else:
        head = (
            f"**{escape_markdown(top.authority)} scored higher**: {top.score} against {low.score} "
            f"for {escape_markdown(low.authority)}."
        )
    lines = [head, "", "Why, from the reports:", "", f"**{r.md.report(top)}: strengths**"]
    lines += [r.md.finding(f) for f in r.findings(top, "strength", theme)[:3]]
    gaps = r.findings(low, "shortfall", theme)
    lines += ["", f"**{r.md.report(low)}: shortfalls**"] + [r.md.finding(f) for f in gaps[:3]]
    top_gaps = r.findings(top, "shortfall")
    lines += [
        "",
        f"{escape_markdown(top.authority)} still has {len(top_gaps)} shortfall(s); "
        f"{escape_markdown(low.authority)} has {len(gaps)}.",
    ]
    return r.reply("higher", "\n".join(lines))


def compare(r: Request) -> ChatTurn:
    """The named authorities (or all, when few) side by side: their strengths and shortfalls on the topic."""
    names = r.named
    if len(names) < 2:
        if len(r.entities.authorities) < 2:
            return r.reply(
                "compare",
                "Only one authority's report is loaded, so there is nothing to compare with. "
                "Add another report on the Reports page.",
                error=True,
            )
        if len(r.entities.authorities) > 4 and not _TWO_SIDES.search(r.text):
            r.context.pending = None
            names_list = ", ".join(escape_markdown(a) for a in r.entities.authorities)
            return r.reply("clarify", f"Which authorities should I compare? The reports cover: {names_list}.")
        names = list(r.entities.authorities)
    reports = [r.entities.reports_of(n, r.message)[0] for n in names]
    theme = r.entities.theme(r.message)
    topic = f" on {escape_markdown(r.md.theme(theme))}" if theme else ""
    header = "| | " + " | ".join(r.md.report(x) for x in reports) + " |"
    rows = [header, "|---" * (len(reports) + 1) + "|"]
    any_cited = False
    for kind, title in (("strength", "Strengths"), ("shortfall", "Shortfalls")):
        cells = []
        for x in reports:
            found = r.findings(x, kind, theme)
            any_cited |= bool(found)
            cells.append("<br>".join(r.md.cell(f) for f in found[:4]) or "—")
        rows.append(f"| **{title}** | " + " | ".join(cells) + " |")
    if not any_cited:
        return nearest(r, f"None of the reports names a strength or shortfall{topic}.", None)
    return r.reply("compare", f"**Side by side{topic}**\n\n" + "\n".join(rows))
