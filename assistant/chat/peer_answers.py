"""Questions limited to peers ("councils like us"): good practice and score comparisons from the peers' reports.

A message that names peers ("other London boroughs", "councils in our region", "county councils",
"councils like us"; words in ``prompts/peer_phrases.yaml``) is answered from the loaded reports of
those councils only. The asker's own council comes from the message or from the conversation's
report. Every answer says which peers were used, and says plainly when no loaded report is a peer
(with the count of reports loaded). Each function takes the ``Request`` being answered: its entities,
citations and finding rendering.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import ChatTurn, Intent, Report
from ..peers import PeerSelection
from ..text import escape_markdown
from . import learning
from .retrieval import unit_citation, units_search

if TYPE_CHECKING:  # pragma: no cover
    from .request import Request

#: Most peer councils named in the "peers used" line before "and N more".
MAX_NAMED_PEERS = 8
#: Most peer reports listed in a score table.
MAX_SCORE_ROWS = 12


def peer_reports(r: Request, peers: PeerSelection) -> list[Report]:
    """The loaded reports of the peers, leaving out the asker's own council."""
    return [x for x in r.a.reports() if peers.admits(x.authority) and x.authority != r.own]


def peers_used(r: Request, peers: PeerSelection, found: list[Report]) -> str:
    """ "Peers: London boroughs: 3 of the 40 reports loaded (Barnet, Camden, Hackney)." """
    total = len(r.a.reports())
    councils = list(dict.fromkeys(x.authority for x in found))
    named = ", ".join(escape_markdown(c) for c in councils[:MAX_NAMED_PEERS])
    more = f" and {len(councils) - MAX_NAMED_PEERS} more" if len(councils) > MAX_NAMED_PEERS else ""
    return (
        f"*Peers used: {escape_markdown(peers.describe())}: {len(found):,} of the {total:,} reports loaded "
        f"({named}{more}).*"
    )


def no_peers(r: Request, peers: PeerSelection, intent: Intent) -> ChatTurn:
    """The plain answer when no loaded report is a peer."""
    total = len(r.a.reports())
    councils = len({x.authority for x in r.a.reports()})
    mine = f" other than {escape_markdown(r.own)}" if r.own and peers.admits(r.own) else ""
    return r.reply(
        intent,
        f"None of the {total:,} reports loaded (from {councils:,} council(s)) is from "
        f"{escape_markdown(peers.describe())}"
        f"{mine}, so I have no peer to answer from. Load their reports on the Reports page, "
        "or ask again without naming peers to use every report.",
    )


def own_reports(r: Request) -> list[Report]:
    """The asker's reports: the conversation's report, or those of the statement the message names."""
    if r.own is None:
        return []
    mine = r.entities.reports_of(r.own, r.message)
    chosen = [x for x in mine if x.id == r.context.report_id]
    return chosen or mine


def peer_practice(r: Request, peers: PeerSelection) -> ChatTurn:
    """What the peers do about a topic: their practice that answers the asker's gaps, or on the topic."""
    found = peer_reports(r, peers)
    if not found:
        return no_peers(r, peers, "learn")
    theme = r.entities.theme(r.message)
    topic = f" about {escape_markdown(r.md.theme(theme))}" if theme else ""
    head = f"**What {escape_markdown(peers.describe())} do{topic}**"
    lines = [head, "", peers_used(r, peers, found)]
    mine = own_reports(r)
    learner = max(mine, key=lambda x: len(r.findings(x, "shortfall", theme))) if mine else None
    gaps = r.findings(learner, "shortfall", theme) if learner else []
    borrow: list[str] = []
    if learner is not None and gaps:
        same = [x for x in found if x.quality_statement == learner.quality_statement] or found
        lines += ["", f"{r.md.report(learner)} has {len(gaps)} gap(s) here; the peers' practice that answers them:"]
        borrow = learning.borrow(r, learner, same, theme, gaps)
        r.context.authority, r.context.report_id = learner.authority, learner.id
    if not borrow:
        hits = units_search(r, r.message, found, kinds=("practice",), k=5, theme=theme)
        for who in dict.fromkeys(u.authority for _, u in hits):
            borrow += [f"**{escape_markdown(who)}**"]
            borrow += [f"- {r.cites.quote(unit_citation(u))}" for _, u in hits if u.authority == who]
    if borrow:
        lines += ["", *borrow]
    else:
        lines += ["", f"The peers' reports show no comparable practice{topic}."]
    return r.reply("learn", "\n".join(lines), report_id=learner.id if learner else None)


def peer_scores(r: Request, peers: PeerSelection) -> ChatTurn:
    """ "How does our score compare with our region": the scores side by side, then the cited strengths
    and shortfalls that explain the difference."""
    mine = own_reports(r)
    found = peer_reports(r, peers)
    if not found:
        turn = no_peers(r, peers, "compare")
        if mine:
            scores = "; ".join(f"{r.md.report(x)}" for x in mine[:3])
            turn = turn.model_copy(update={"reply": f"Your score: {scores}.\n\n{turn.reply}"})
        return turn
    theme = r.entities.theme(r.message)
    lines = [peers_used(r, peers, found)]
    if not mine:
        lines += ["", "| Council | Quality statement | Score |", "|---|---|---|"]
        for x in sorted(found, key=lambda x: (-(x.score or 0), x.authority))[:MAX_SCORE_ROWS]:
            lines.append(
                f"| {escape_markdown(x.authority)} | {escape_markdown(x.quality_statement)} | {x.score or '—'} |"
            )
        return r.reply("compare", "\n".join(lines))
    for own in mine[:3]:
        same = sorted(
            (x for x in found if x.quality_statement == own.quality_statement),
            key=lambda x: (-(x.score or 0), x.authority),
        )
        lines += ["", f"**{escape_markdown(own.quality_statement)}**"]
        if not same:
            lines.append(f"No peer's report loaded covers {escape_markdown(own.quality_statement)}.")
            continue
        lines += _score_table(own, same)
        lines += _explain(r, own, same, theme)
    r.context.authority = mine[0].authority
    if len(mine) == 1:
        r.context.report_id = mine[0].id
    return r.reply("compare", "\n".join(lines), report_id=mine[0].id if len(mine) == 1 else None)


def _score_table(own: Report, same: list[Report]) -> list[str]:
    scores = [x.score for x in same if x.score]
    rows = [
        "| Council | Score |",
        "|---|---|",
        f"| **{escape_markdown(own.authority)}** (you) | **{own.score or '—'}** |",
    ]
    rows += [f"| {escape_markdown(x.authority)} | {x.score or '—'} |" for x in same[:MAX_SCORE_ROWS]]
    if len(same) > MAX_SCORE_ROWS:
        rows.append(f"| … and {len(same) - MAX_SCORE_ROWS} more | |")
    if scores and own.score:
        higher = sum(1 for s in scores if s > own.score)
        lower = sum(1 for s in scores if s < own.score)
        mean = sum(scores) / len(scores)
        rows += [
            "",
            f"{escape_markdown(own.authority)} scored {own.score}; the peers average {mean:.1f} "
            f"({higher} scored higher, {lower} lower, {len(scores) - higher - lower} the same).",
        ]
    return rows


def _explain(r: Request, own: Report, same: list[Report], theme: str | None) -> list[str]:
    """The strengths of the best-scoring peer above us and our shortfalls (or the reverse when we lead)."""
    above = [x for x in same if (x.score or 0) > (own.score or 0)]
    below = [x for x in same if (x.score or 0) < (own.score or 0)]
    lines: list[str] = []
    if above:
        best = above[0]
        lines += ["", f"Why {escape_markdown(best.authority)} scored higher, from the reports:"]
        lines += ["", f"*{r.md.report(best)}: strengths*"]
        lines += [r.md.finding(f) for f in r.findings(best, "strength", theme)[:2]]
        lines += ["", f"*{r.md.report(own)}: shortfalls*"]
        lines += [r.md.finding(f) for f in r.findings(own, "shortfall", theme)[:2]]
    elif below:
        low = below[-1]
        lines += ["", f"Why {escape_markdown(own.authority)} scored higher than {escape_markdown(low.authority)}:"]
        lines += ["", f"*{r.md.report(own)}: strengths*"]
        lines += [r.md.finding(f) for f in r.findings(own, "strength", theme)[:2]]
        lines += ["", f"*{r.md.report(low)}: shortfalls*"]
        lines += [r.md.finding(f) for f in r.findings(low, "shortfall", theme)[:2]]
    return lines
