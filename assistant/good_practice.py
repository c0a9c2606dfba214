"""Good practice from other authorities' reports for a shortfall, cited verbatim.

Shared by both engines: the built-in planner attaches it to actions, the OpenAI
engine gives its quotes to the model as context, the chat answers "what can X learn".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .citations import verify_all
from .models import Citation, Finding, GoodPractice, Report, ReportFindings
from .phrases import excerpt, lower_initial
from .playbook import Playbook, default_playbook, theme_label
from .themes import Taxonomy

#: Most other reports cited as good practice for one action.
GOOD_PRACTICE_LIMIT = 3
#: Strengths (best-scoring reports first) gathered and compared word by word for one theme.
MAX_CANDIDATES = 200
#: Most quotes cited for one authority's good practice.
MAX_GOOD_PRACTICE_QUOTES = 2


@dataclass(frozen=True)
class _Strength:
    """Another authority's strength, with what ranks it: (-score, other statement?) and corpus order."""

    tier: tuple[int, bool]
    order: int
    report: Report
    finding: Finding


def good_practice(
    theme: str,
    report: Report,
    others: Sequence[tuple[Report, ReportFindings]],
    playbook: Playbook | None = None,
    *,
    shortfall: str = "",
    taxonomy: Taxonomy | None = None,
    limit: int = GOOD_PRACTICE_LIMIT,
) -> list[GoodPractice]:
    """Strengths on ``theme`` from other authorities' reports, best first, cited verbatim.

    Prefers higher-scoring reports, then strengths sharing more words with
    ``shortfall`` (the shortfall's text, if any). Each item's summary says in
    one sentence what to borrow. Reports of ``report``'s own authority are skipped.
    """
    playbook = playbook or default_playbook()
    label = theme_label(taxonomy, playbook, theme)
    gap = excerpt(shortfall, playbook.lexicon) if shortfall.strip() else ""
    return StrengthPool(report, others).pick(theme, playbook, label, shortfall, gap, limit=limit)


class StrengthPool:
    """The other authorities' strengths on a theme, gathered once per plan and theme.

    Candidates are ranked by their report's score (higher first), then reports
    of the same quality statement, then word overlap with the shortfall. Reports
    are scanned best-first and only until ``MAX_CANDIDATES`` strengths on the
    theme are found, so a plan costs about the same against 1,400 reports as
    against 20. Remembers which strengths it has offered, so among equally
    relevant strengths a plan spreads its good practice over different ones.
    """

    def __init__(self, report: Report, others: Sequence[tuple[Report, ReportFindings]]):
        self.report = report
        self.offered: Counter = Counter()
        own = report.authority.casefold()
        candidates = [
            ((-(other.score or 0), other.quality_statement != report.quality_statement), order, other, rf)
            for order, (other, rf) in enumerate(others)
            if other.id != report.id and other.authority.casefold() != own
        ]
        self.others = sorted(candidates, key=lambda c: (c[0], c[1]))
        self.by_theme: dict[str, list[_Strength]] = {}

    def candidates(self, theme: str) -> list[_Strength]:
        if theme not in self.by_theme:
            found: list[_Strength] = []
            for tier, order, other, rf in self.others:
                found += [
                    _Strength(tier, order, other, f) for f in rf.findings if f.theme == theme and f.kind == "strength"
                ]
                if len(found) >= MAX_CANDIDATES:
                    break
            self.by_theme[theme] = found
        return self.by_theme[theme]

    def pick(
        self, theme: str, playbook: Playbook, label: str, shortfall: str, gap: str, *, limit: int = GOOD_PRACTICE_LIMIT
    ) -> list[GoodPractice]:
        wanted = playbook.content_words(shortfall)
        per_report: dict[str, list[tuple[int, _Strength]]] = {}
        for s in self.candidates(theme):
            overlap = len(wanted & playbook.content_words(_finding_text(s.finding)))
            per_report.setdefault(s.report.id, []).append((overlap, s))

        def rank(scored: list[tuple[int, _Strength]]) -> tuple:
            first = scored[0][1]
            return first.tier, -max(o for o, _ in scored), first.order

        chosen: list[GoodPractice] = []
        for scored in sorted(per_report.values(), key=rank):
            item = self._borrow(scored, wanted, playbook, label, gap)
            if item is not None:
                chosen.append(item)
                if len(chosen) >= limit:
                    break
        return chosen

    def _borrow(
        self, scored: list[tuple[int, _Strength]], wanted: frozenset[str], playbook: Playbook, label: str, gap: str
    ) -> GoodPractice | None:
        """One report's most relevant strength, its most relevant quotes, and what to borrow.

        Ties go to a strength not yet offered in this plan, then to the better-evidenced one.
        """
        other = scored[0][1].report
        passages = {p.id: p for p in other.passages}
        ranked = sorted(scored, key=lambda c: (-c[0], self.offered[c[1].finding.id] > 0, -len(c[1].finding.citations)))
        for _, candidate in ranked:
            strength = candidate.finding
            cited = [c for c in verify_all(strength.citations, passages) if c.verified]
            if not cited:
                continue
            cited = _most_relevant(cited, wanted, playbook.content_words(strength.summary), playbook)
            self.offered[strength.id] += 1
            clause = lower_initial(excerpt(cited[0].quote, playbook.lexicon, clause=False), other)
            slots = {"other": other.authority, "strength": clause, "authority": self.report.authority, "theme": label}
            summary = (
                playbook.message("good_practice", 0, gap=gap, **slots)
                if gap
                else playbook.message("good_practice_theme", 0, **slots)
            )
            return GoodPractice(authority=other.authority, report_id=other.id, summary=summary, citations=cited)
        return None


def _most_relevant(
    citations: list[Citation], wanted: frozenset[str], about: frozenset[str], playbook: Playbook
) -> list[Citation]:
    """The quotes sharing most words with the shortfall (counted twice) and with the strength's summary."""

    def relevance(c: Citation) -> int:
        words = playbook.content_words(c.quote)
        return 2 * len(words & wanted) + len(words & about)

    return sorted(citations, key=relevance, reverse=True)[:MAX_GOOD_PRACTICE_QUOTES]


def _finding_text(f: Finding) -> str:
    return " ".join([f.summary, *(c.quote for c in f.citations)])
