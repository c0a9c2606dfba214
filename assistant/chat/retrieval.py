"""Sentence-level retrieval for the chat: the evidence sentences nearest a question, by meaning and words.

``sentences`` ranks the sentences of the index's best passages (hybrid dense + BM25) by meaning, shared
words and theme, quoting a sentence that refers back together with the one that names its subject.
``units_search`` finds the sentences of given reports that name an arrangement (good practice) nearest
a query; ``units_by_report`` does it for each of many reports in one pass over one pool ("who is best").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..evidence import EvidenceUnit, Pool, content_words
from ..good_practice import practice_hits
from ..models import Citation, Report
from .words import ChatWords

if TYPE_CHECKING:  # pragma: no cover
    from ..service import Assistant
    from .request import Request

#: Letters a word is cut to for matching shared words ("overseen" and "oversight", "agreement(s)").
STEM = 5


def _stems(words: frozenset[str]) -> frozenset[str]:
    return frozenset(w[:STEM] for w in words)


def unit_citation(unit: EvidenceUnit) -> Citation:
    """The citation quoting an evidence sentence."""
    return Citation(passage_id=unit.passage_id, quote=unit.text)


#: A unit must score above this to be quoted by a units search (similarity plus theme weights).
MIN_UNIT_SCORE = 0.25


def units_search(
    r: Request, query: str, reports: list[Report], *, kinds=("practice",), k: int = 3, theme: str | None = None
) -> list[tuple[float, EvidenceUnit]]:
    """The ``k`` units of ``reports`` of ``kinds`` naming an arrangement, nearest ``query`` by meaning and theme."""
    pool = r.a.evidence.pool(reports, kinds)
    if not pool.units:
        return []
    return best_units(unit_scores(r.a, pool, query, theme), np.arange(len(pool.ids)), pool, k)


def unit_scores(a: Assistant, pool: Pool, query: str, theme: str | None) -> np.ndarray:
    """Each unit's score for ``query``: similarity by meaning, plus its weight on ``theme`` and the theme's
    practice cues; zero for a unit that names no arrangement."""
    qv = a.evidence.embed([query])
    score = pool.vectors @ qv[0] if pool.vectors is not None and qv is not None else np.zeros(len(pool.units))
    if theme and theme in pool.theme_ids:
        idx = list(pool.theme_ids).index(theme)
        score = score + 0.3 * pool.themes[:, idx] + 0.2 * practice_hits(pool, a.taxonomy, theme)
    return np.where(pool.mechanism > 0, score, 0.0)


def best_units(scores: np.ndarray, rows: np.ndarray, pool: Pool, k: int) -> list[tuple[float, EvidenceUnit]]:
    """The ``k`` best of ``rows`` (pool positions) above ``MIN_UNIT_SCORE``, best first."""
    order = rows[np.argsort(-scores[rows], kind="stable")[:k]]
    return [(float(scores[i]), pool.units[i]) for i in order if scores[i] > MIN_UNIT_SCORE]


def units_by_report(
    a: Assistant, query: str, reports: list[Report], *, kinds=("practice",), k: int = 3, theme: str | None = None
) -> dict[str, list[tuple[float, EvidenceUnit]]]:
    """Each report's ``k`` best units of ``kinds`` for ``query`` (as a units search of that report alone),
    ranked in one pass over one pool of all ``reports``: "who is best" asks it of every report loaded."""
    pool = a.evidence.pool(reports, kinds)
    if not pool.units:
        return {}
    rows = pool.cache.get("rows_by_report")
    if rows is None:
        ids = np.array(pool.report_ids, dtype=object)
        cuts = np.flatnonzero(ids[1:] != ids[:-1]) + 1  # a report's units are contiguous in its pool
        rows = {str(ids[c[0]]): c for c in np.split(np.arange(len(ids)), cuts)}
        pool.cache["rows_by_report"] = rows
    scores = unit_scores(a, pool, query, theme)
    return {rid: best_units(scores, found, pool, k) for rid, found in rows.items()}


def sentences(
    r: Request,
    query: str,
    *,
    authority: str | None = None,
    report: Report | None = None,
    k: int = 5,
    theme: str | None = None,
) -> list[tuple[float, EvidenceUnit]]:
    """Hybrid sentence retrieval: the index's best passages (dense + BM25), then their sentences
    ranked by meaning (unit vectors), shared words and theme; at most two per passage. A sentence that
    refers back ("gaps in oversight of these agreements") is also matched by the sentence before it,
    which names its subject ("There were section 75 agreements ...")."""
    ev = r.a.evidence
    hits = r.a.search(query, k=12, authority=report.authority if report else authority)
    if report is not None:
        hits = [h for h in hits if h.passage.report_id == report.id]
    reports = {x.id: x for x in r.a.reports()}
    # The authority is a filter, not a topic: its name would draw sentences that merely mention it.
    topic = r.entities.strip_authorities(query)
    qv = ev.embed([topic if topic.strip() else query])
    asked = _stems(content_words(topic))
    words = r.chat.words()
    scored: list[tuple[float, EvidenceUnit]] = []
    antecedent: dict[str, EvidenceUnit] = {}  # a sentence that refers back -> the sentence before it
    for rank, h in enumerate(hits):
        x = reports.get(h.passage.report_id)
        if x is None:
            continue
        units = ev.units(x)
        vectors = ev.vectors(x)
        for i, u in enumerate(units):
            if u.passage_id != h.passage.id:
                continue
            sim = float(vectors[i] @ qv[0]) if vectors is not None and qv is not None else 0.0
            shared = content_words(u.text)
            j = _antecedent(words, units, i)
            if j is not None:
                shared |= content_words(units[j].text)
                antecedent[u.id] = units[j]
                if vectors is not None and qv is not None:
                    sim = max(sim, (sim + float(vectors[j] @ qv[0])) / 2)
            lexical = len(asked & _stems(shared)) / max(1, len(asked))
            score = sim + 0.3 * lexical + 0.1 * (u.themes.get(theme, 0.0) if theme else 0.0) - 0.01 * rank
            scored.append((score, u))
    scored.sort(key=lambda x: -x[0])
    return _best_per_passage(scored, antecedent, k)


def _best_per_passage(
    scored: list[tuple[float, EvidenceUnit]], antecedent: dict[str, EvidenceUnit], k: int
) -> list[tuple[float, EvidenceUnit]]:
    """The first ``k`` of ``scored`` (best first), at most two per passage, each sentence that refers back
    preceded by the sentence it refers to."""
    out: list[tuple[float, EvidenceUnit]] = []
    per_passage: dict[str, int] = {}
    for score, u in scored:
        if per_passage.get(u.passage_id, 0) >= 2 or any(u.id == o.id for _, o in out):
            continue
        per_passage[u.passage_id] = per_passage.get(u.passage_id, 0) + 1
        before = antecedent.get(u.id)
        if before is not None and not any(before.id == o.id for _, o in out):
            out.append((score, before))  # quoted with the sentence that refers back to it, just before it
        out.append((score, u))
        if len(out) >= k:
            break
    return out


def _antecedent(words: ChatWords, units: tuple[EvidenceUnit, ...], i: int) -> int | None:
    """The earlier sentence that names the subject of ``units[i]`` when it refers back: the nearest one of
    the same section naming the noun it points to ("these agreements"), or the one before in its paragraph."""
    refers, noun = words.refers_back(units[i].text)
    if not refers:
        return None
    if noun is None:
        return i - 1 if i and units[i - 1].passage_id == units[i].passage_id else None
    earlier = [j for j in range(i - 1, max(-1, i - 1 - words.lookback), -1) if units[j].section == units[i].section]
    named = [j for j in earlier if noun in content_words(units[j].text)]  # the same word first, then its stem
    stem = noun.rstrip("s")[:STEM]
    named += [j for j in earlier if any(w[:STEM] == stem for w in content_words(units[j].text))]
    return named[0] if named else None
