"""Good practice from other authorities' reports for a shortfall, found by meaning and cited verbatim.

Shared by both engines: the built-in planner attaches it to actions, the OpenAI
engine gives its candidates to the model as context, the chat answers "what can
X learn". Candidates are the *practice* evidence units (``evidence.py``) of
other authorities' reports: whole sentences naming a mechanism or a strength,
never a shortfall sentence (so never a clause cut before a "but" whose other
half is a gap), never an outcome on its own, never self-praise. They are ranked
by a documented mix (``Weights``):

- ``shortfall``: cosine similarity of the unit to the shortfall's own sentences;
- ``lever``: cosine similarity to the drafted action (what the council will do);
- ``words``: the content words the shortfall and the action share with the unit, each
  weighted by its rarity in the pool (IDF), so a name such as "Better Care Fund" or
  "section 75" counts for more than "partners";
- ``theme``: the unit's weight on the shortfall's theme, plus its related
  themes (``related`` in ``prompts/themes.yaml``) at ``related_share``;
- ``practice``: the unit names one of the theme's (or, at the lower
  ``related_practice_share``, a related theme's) ``practice`` mechanisms in
  ``prompts/themes.yaml`` (a partnership board or a community network for
  co-production, read-only record access for data sharing);
- ``mechanism``: the unit names a concrete arrangement (a meeting, a role,
  access to a system, a funding arrangement, a named board or network);
- ``score``: the other report's score (a good or exceptional report first).

The shortfall is its quoted sentences: the stored vector of each whole sentence,
and the quoted words themselves where a quote is a clause ("..., but co-production
had only developed recently": the praise before the "but" is not the gap).
Without an index (no vectors) similarity falls back to shared content words.
A candidate must clear ``Weights.threshold`` plus ``Weights.breadth`` for each
further distinct shortfall sentence the action quotes (a quote beside an action
reads as an answer to every gap it lists, so a broad action needs a surer match);
otherwise the action gets a plain note that the other reports show no comparable
practice. A plan asks for all its actions at once (``for_actions``): every
(action, candidate) pair above the bar is taken best first, so each quote goes
to the action it fits best, and one quote is never cited by two actions. Asked
one action at a time (``for_action``, the chat), a quote already offered loses
``reuse_penalty`` (enough to rule it out). Calibrated on the good-practice gold
(``tests/gold/seeds.yaml``): threshold 0.60-0.66 at breadth 0.06 (0.62-0.67 at 0.05,
0.60-0.64 at 0.07) give the same result; a second quote from the same report (``second_share`` below 1)
adds no recall and costs precision, so one quote a report is cited.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .evidence import EvidenceBase, EvidenceUnit, Pool, content_words
from .models import Citation, GoodPractice, Report, ReportFindings
from .phrases import excerpt, lower_initial, short_words
from .playbook import Playbook, default_playbook, theme_label
from .settings import PROJECT_ROOT
from .text import fold
from .themes import Taxonomy, load_taxonomy

#: Most other reports cited as good practice for one action.
GOOD_PRACTICE_LIMIT = 3
#: The practice is named in at most this many words in the one-sentence summary (the quote is whole).
SUMMARY_WORDS = 16
#: Candidates ranked in full for one action (the rest only need to be beaten).
TOP = 200
#: Most quotes cited from one authority for one action.
MAX_GOOD_PRACTICE_QUOTES = 2
#: "There were …" opening a practice sentence: kept in the one-line summary, which needs its verb.
_THERE_WAS = re.compile(r"(there (?:was|were|is|are))(?: also)? ", re.IGNORECASE)


@dataclass(frozen=True)
class Weights:
    """The ranking mix and the bar a candidate must clear (see the module docstring)."""

    shortfall: float = 0.45
    lever: float = 0.15
    words: float = 0.2
    theme: float = 0.10
    practice: float = 0.30
    mechanism: float = 0.15
    score: float = 0.05
    related_share: float = 0.7
    #: A practice cue of a related theme counts this share of one of the shortfall's own theme.
    related_practice_share: float = 0.25
    #: 1: a quote already offered is effectively out (the planner cites one quote on one action only),
    #: so the next candidate that clears the bar is offered instead.
    reuse_penalty: float = 1.0
    threshold: float = 0.63
    #: The bar rises by this much for each further shortfall sentence an action quotes.
    breadth: float = 0.06
    #: A second quote from the same report must score at least this share of the first
    #: (above 1: one quote per report, which the gold favours over padding).
    second_share: float = 1.01
    #: Lexical similarity (no vectors) is scaled to the range of cosine similarity.
    lexical_scale: float = 1.6


WEIGHTS = Weights()


@dataclass(frozen=True)
class ActionQuery:
    """One drafted action asking for good practice: its shortfall quotes, its text, theme and gap words."""

    evidence: Sequence[Citation]
    text: str
    theme: str
    gap: str = ""


class GoodPracticeFinder:
    """Good practice for the actions of one plan: built once per plan, asked once per action.

    ``others`` are the other reports of the corpus (with their findings, unused
    here but kept for the engines' call shape); reports of ``report``'s own
    authority are skipped. ``evidence`` supplies units and vectors (one shared
    ``EvidenceBase`` per ``Assistant``); without it units are classified here
    and similarity is lexical.
    """

    def __init__(
        self,
        report: Report,
        others: Sequence[tuple[Report, ReportFindings]] | Sequence[Report],
        playbook: Playbook | None = None,
        taxonomy=None,
        evidence: EvidenceBase | None = None,
        *,
        weights: Weights | None = None,
        limit: int = GOOD_PRACTICE_LIMIT,
    ):
        self.report = report
        self.playbook = playbook or default_playbook()
        if evidence is None:
            if taxonomy is None:
                taxonomy = load_taxonomy(PROJECT_ROOT / "prompts")
            prompts = taxonomy.source.parent if getattr(taxonomy, "source", None) else PROJECT_ROOT / "prompts"
            evidence = EvidenceBase(taxonomy, prompts)
        self.evidence = evidence
        self.taxonomy = taxonomy or evidence.taxonomy
        self.weights = weights or WEIGHTS
        self.limit = limit
        own = report.authority.casefold()
        reports = [o[0] if isinstance(o, tuple) else o for o in others]
        self.others = [r for r in reports if r.id != report.id and r.authority.casefold() != own]
        self.by_id = {r.id: r for r in self.others}
        self.pool: Pool = evidence.pool(self.others, ("practice",))
        self.used: Counter[str] = Counter()
        self._penalty = np.zeros(len(self.pool.units), dtype=np.float32)
        self._position = {uid: i for i, uid in enumerate(self.pool.ids)}
        self._practice: dict[str, np.ndarray] = {}
        self._own_units = evidence.units(report)
        self._own_vectors = evidence.vectors(report) if self.pool.vectors is not None else None

    def prepare(self, action_texts: Sequence[str]) -> None:
        """Embed the plan's drafted actions in one batch before asking action by action (faster)."""
        if self.pool.vectors is not None:
            self.evidence.embed([t for t in action_texts if t.strip()])

    # ------------------------------------------------------------------ ranking

    def rank(self, shortfall_quotes: Sequence[Citation], action_text: str, theme: str) -> list[tuple[float, int]]:
        """(score, pool position) of every candidate, best first (only those above zero)."""
        pool, w = self.pool, self.weights
        n = len(pool.units)
        if not n:
            return []
        short_text = " ".join(c.quote for c in shortfall_quotes)
        sim_short, sim_lever = self._similarities(shortfall_quotes, short_text, action_text)
        affinity = pool.themes @ self._theme_vector(theme)
        quality = (np.clip(pool.scores, 1, 4) - 2.0) / 2.0
        hits = self._practice_hits(theme)
        total = (
            w.shortfall * sim_short
            + w.lever * sim_lever
            + w.words * self._shared_words(f"{short_text} {action_text}")
            + w.theme * np.clip(affinity, 0, 1)
            + w.practice * hits
            + w.mechanism * pool.mechanism
            + w.score * quality
        )
        # Practice to borrow names an arrangement.
        total = np.where(pool.mechanism > 0, total, 0.0)
        if self.used:
            total = total - w.reuse_penalty * self._penalty
        top = np.argpartition(-total, min(TOP, n - 1))[:TOP] if n > TOP else np.arange(n)
        order = top[np.argsort(-total[top], kind="stable")]
        return [(float(total[i]), int(i)) for i in order if total[i] > 0]

    def _shared_words(self, text: str) -> np.ndarray:
        """IDF-weighted cosine of the query's content words with each candidate's (names such as "Better Care
        Fund" or "section 75" shared by a shortfall and a practice count for more than common words)."""
        postings, idf, norms = _word_index(self.pool)
        out = np.zeros(len(self.pool.units), dtype=np.float32)
        wanted = [w for w in {_stem(w) for w in content_words(text)} if w in postings]
        if not wanted:
            return out
        for word in wanted:
            out[postings[word]] += idf[word] ** 2
        query_norm = float(np.sqrt(sum(idf[w] ** 2 for w in wanted)))
        return out / np.maximum(norms * query_norm, 1e-12)

    def _practice_hits(self, theme: str) -> np.ndarray:
        if theme not in self._practice:
            self._practice[theme] = practice_hits(self.pool, self.taxonomy, theme, self.weights.related_practice_share)
        return self._practice[theme]

    def _theme_vector(self, theme: str) -> np.ndarray:
        vec = np.zeros(len(self.pool.theme_ids), dtype=np.float32)
        related = related_themes(self.taxonomy, theme)
        for i, tid in enumerate(self.pool.theme_ids):
            if tid == theme:
                vec[i] = 1.0
            elif tid in related:
                vec[i] = self.weights.related_share
        return vec

    def _similarities(
        self, quotes: Sequence[Citation], short_text: str, action_text: str
    ) -> tuple[np.ndarray, np.ndarray]:
        pool = self.pool
        if pool.vectors is not None and self._own_vectors is not None:
            query = self._query_vectors(quotes, short_text).mean(axis=0)
            query = query / max(float(np.linalg.norm(query)), 1e-12)
            lever = self.evidence.embed([action_text]) if action_text.strip() else None
            both = pool.vectors @ np.stack([query, lever[0] if lever is not None else np.zeros_like(query)], axis=1)
            return both[:, 0], both[:, 1]
        wanted, lever_words = content_words(short_text), content_words(action_text)
        scale = self.weights.lexical_scale
        sim_short = np.array([_overlap(wanted, words) * scale for words in pool.words], dtype=np.float32)
        sim_lever = np.array([_overlap(lever_words, words) * scale for words in pool.words], dtype=np.float32)
        return sim_short, sim_lever

    def _query_vectors(self, quotes: Sequence[Citation], short_text: str) -> np.ndarray:
        """The shortfall as unit vectors, one a sentence: the stored vectors of the whole sentences it quotes,
        and the quoted words themselves where a quote is a clause (the rest of that sentence may be praise)."""
        assert self._own_vectors is not None
        rows: list[int] = []
        clauses: list[str] = []
        for c in quotes:
            found = self.evidence.units_for_quote(self.report, c.passage_id, c.quote)
            folded = " ".join(c.quote.split()).casefold()
            whole = [i for i in found if " ".join(self._own_units[i].text.split()).casefold() in folded]
            if whole:
                rows += whole
            elif c.quote.strip():
                clauses.append(c.quote)
        parts = [self._own_vectors[sorted(set(rows))]] if rows else []
        if clauses or not rows:
            embedded = self.evidence.embed(clauses or [short_text])
            if embedded is not None:
                parts.append(embedded)
        if not parts:
            return np.zeros((1, self.pool.vectors.shape[1] if self.pool.vectors is not None else 1), np.float32)
        stacked = np.vstack(parts).astype(np.float32)
        return stacked / np.maximum(np.linalg.norm(stacked, axis=1, keepdims=True), 1e-12)

    # ------------------------------------------------------------------ choosing

    def for_action(
        self, evidence: Sequence[Citation], action_text: str, theme: str, *, gap: str = ""
    ) -> tuple[list[GoodPractice], str | None]:
        """Good practice for one action, and the plain "no comparable practice" note when there is none."""
        label = theme_label(self.taxonomy, self.playbook, theme)
        ranked = [
            (s, i) for s, i in self.rank(evidence, action_text, theme) if s >= self._threshold(evidence, action_text)
        ]
        per_report: dict[str, list[tuple[float, EvidenceUnit]]] = {}
        for score, i in ranked:
            unit = self.pool.units[i]
            per_report.setdefault(unit.report_id, []).append((score, unit))
        chosen: list[GoodPractice] = []
        for report_id, scored in per_report.items():
            if len(chosen) >= self.limit:
                break
            other = self.by_id[report_id]
            best = scored[0][0]
            units = [scored[0][1]] + [u for s, u in scored[1:] if s >= best * self.weights.second_share]
            units = units[:MAX_GOOD_PRACTICE_QUOTES]
            for u in units:
                self.used[u.id] += 1
                self._penalty[self._position[u.id]] += 1
            chosen.append(self._item(other, units, label, gap or _gap_of(evidence, self.playbook)))
        if chosen:
            return chosen, None
        return [], self.playbook.message("no_good_practice", theme=label)

    def for_actions(self, queries: Sequence[ActionQuery]) -> list[tuple[list[GoodPractice], str | None]]:
        """Good practice for every action of a plan at once: each quote goes to the action it fits best.

        Every (action, candidate) pair that clears the bar is taken best first, so a quote that answers
        two actions is offered to the one it scores higher for and the other gets its next candidate
        (asking action by action would give it to whichever came first in the plan).
        """
        pairs: list[tuple[float, int, int]] = []
        for n, q in enumerate(queries):
            bar = self._threshold(q.evidence, q.text)
            pairs += [(score, n, i) for score, i in self.rank(q.evidence, q.text, q.theme) if score >= bar]
        pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
        taken: set[int] = set()
        picked: list[dict[str, list[tuple[float, EvidenceUnit]]]] = [{} for _ in queries]
        for score, n, i in pairs:
            if i not in taken and self._accept(picked[n], score, self.pool.units[i]):
                taken.add(i)
        out = []
        for q, per_report in zip(queries, picked, strict=True):
            out.append(self._chosen(q.evidence, q.theme, q.gap, per_report))
        return out

    def _accept(
        self, per_report: dict[str, list[tuple[float, EvidenceUnit]]], score: float, unit: EvidenceUnit
    ) -> bool:
        """Add ``unit`` to one action's picks when its report has room (a second quote must score near the first)."""
        got = per_report.get(unit.report_id)
        if got is None:
            if len(per_report) >= self.limit:
                return False
            per_report[unit.report_id] = [(score, unit)]
            return True
        if len(got) < MAX_GOOD_PRACTICE_QUOTES and score >= got[0][0] * self.weights.second_share:
            got.append((score, unit))
            return True
        return False

    def _chosen(
        self,
        evidence: Sequence[Citation],
        theme: str,
        gap: str,
        per_report: dict[str, list[tuple[float, EvidenceUnit]]],
    ) -> tuple[list[GoodPractice], str | None]:
        """The picked quotes as good practice items (best report first), marked as used; or the plain note."""
        label = theme_label(self.taxonomy, self.playbook, theme)
        chosen: list[GoodPractice] = []
        for report_id, scored in sorted(per_report.items(), key=lambda kv: -kv[1][0][0]):
            units = [u for _, u in scored]
            for u in units:
                self.used[u.id] += 1
                self._penalty[self._position[u.id]] += 1
            chosen.append(self._item(self.by_id[report_id], units, label, gap or _gap_of(evidence, self.playbook)))
        if chosen:
            return chosen, None
        return [], self.playbook.message("no_good_practice", theme=label)

    def _threshold(self, evidence: Sequence[Citation], action_text: str) -> float:
        """The bar, scaled to the weights that can score when there is no shortfall or action text to compare."""
        w = self.weights
        quoted = len({" ".join(c.quote.split()).casefold() for c in evidence if c.quote.strip()})
        if quoted or action_text.strip():
            # A quote beside an action reads as an answer to every gap it quotes: the more it quotes, the surer.
            return w.threshold + w.breadth * max(0, quoted - 1)
        rest = w.theme + w.practice + w.mechanism + w.score
        return w.threshold * rest / (rest + w.shortfall + w.lever + w.words)

    def _item(self, other: Report, units: list[EvidenceUnit], label: str, gap: str) -> GoodPractice:
        citations = [Citation(passage_id=u.passage_id, quote=u.text, verified=True) for u in units]
        clause = excerpt(units[0].text, self.playbook.lexicon, clause=False).rstrip(".")
        there = _THERE_WAS.match(fold(units[0].text).strip())
        if there and not clause.lower().startswith(there.group(1).lower()):
            clause = (
                f"{there.group(1)} {clause}"  # "In X, there were section 75 agreements …", not "In X, section 75 …"
            )
        clause = lower_initial(short_words(clause, SUMMARY_WORDS), other)
        gap = short_words(gap, SUMMARY_WORDS)
        who, here = other.authority, self.report.authority
        summary = (
            self.playbook.message("good_practice", 0, other=who, strength=clause, authority=here, theme=label, gap=gap)
            if gap
            else self.playbook.message(
                "good_practice_theme", 0, other=who, strength=clause, authority=here, theme=label
            )
        )
        return GoodPractice(authority=other.authority, report_id=other.id, summary=summary, citations=citations)


def _word_index(pool: Pool) -> tuple[dict[str, np.ndarray], dict[str, float], np.ndarray]:
    """(word -> positions of the units holding it, word -> IDF, each unit's IDF norm), kept on the pool."""
    found = pool.cache.get("word_index")
    if found is not None:
        return found
    positions: dict[str, array[int]] = {}
    for i, words in enumerate(pool.words):
        for word in {_stem(w) for w in words}:
            positions.setdefault(word, array("l")).append(i)
    n = max(len(pool.units), 1)
    postings = {
        w: np.frombuffer(p, dtype=np.int64) if p.itemsize == 8 else np.array(p, np.int64) for w, p in positions.items()
    }
    idf = {w: float(np.log((1 + n) / (1 + len(p))) + 1.0) for w, p in postings.items()}
    squares = np.zeros(len(pool.units), dtype=np.float64)
    for w, p in postings.items():
        squares[p] += idf[w] ** 2
    index = (postings, idf, np.sqrt(squares).astype(np.float32))
    pool.cache["word_index"] = index
    return index


def _stem(word: str) -> str:
    """A light stem for shared words: "commissioned", "commissioning" and "commission" meet, "community"
    and "communication" do not."""
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    if word.endswith("ion") and len(word) >= 7:
        word = word[:-3]
    return word


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / (len(a) * len(b)) ** 0.5


def _gap_of(evidence: Sequence[Citation], playbook: Playbook) -> str:
    return excerpt(evidence[0].quote, playbook.lexicon) if evidence else ""


def practice_hits(pool: Pool, taxonomy, theme: str, related_share: float = WEIGHTS.related_share) -> np.ndarray:
    """1 where a unit names a ``practice`` cue of ``theme``, ``related_share`` for a related theme's, else 0.

    Remembered on the pool (pools are immutable and shared across chat sessions)."""
    return pool.column(("practice", theme, related_share), lambda p: _practice_hits(p, taxonomy, theme, related_share))


def _practice_hits(pool: Pool, taxonomy, theme: str, related_share: float) -> np.ndarray:
    own = _practice_cues(taxonomy, [theme])
    near = _practice_cues(taxonomy, related_themes(taxonomy, theme)) - own
    hits = np.zeros(len(pool.units), dtype=np.float32)
    for i, text in enumerate(pool.texts):
        low = fold(text).lower()
        if any(c in low for c in own):
            hits[i] = 1.0
        elif any(c in low for c in near):
            hits[i] = related_share
    return hits


def _practice_cues(taxonomy, themes) -> frozenset[str]:
    out: set[str] = set()
    for tid in themes:
        try:
            out.update(fold(c).lower() for c in taxonomy.theme(tid).practice)
        except (KeyError, AttributeError):
            continue
    return frozenset(out)


def related_themes(taxonomy, theme: str) -> frozenset[str]:
    """The themes ``prompts/themes.yaml`` relates to ``theme`` (both directions)."""
    if taxonomy is None:
        return frozenset()
    out: set[str] = set()
    for t in getattr(taxonomy, "themes", []):
        related = getattr(t, "related", [])
        if t.id == theme:
            out.update(related)
        elif theme in related:
            out.add(t.id)
    return frozenset(out)


def good_practice(
    theme: str,
    report: Report,
    others: Sequence[tuple[Report, ReportFindings]],
    playbook: Playbook | None = None,
    *,
    shortfall: str = "",
    taxonomy: Taxonomy | None = None,
    limit: int = GOOD_PRACTICE_LIMIT,
    evidence: EvidenceBase | None = None,
    citations: Sequence[Citation] = (),
) -> list[GoodPractice]:
    """Good practice on ``theme`` for a shortfall (its ``citations`` or its text) from the other reports.

    The one-call form of ``GoodPracticeFinder`` for the chat and the OpenAI engine.
    """
    finder = GoodPracticeFinder(report, others, playbook, taxonomy, evidence, limit=limit)
    quotes = list(citations) or ([Citation(passage_id="", quote=shortfall)] if shortfall.strip() else [])
    found, _ = finder.for_action(quotes, shortfall, theme)
    return found
