"""Evidence units: every sentence of every passage, with its kind, themes, mechanism signal and neighbours.

A unit is one sentence of a passage (the split ``index.unit_texts`` embeds), so
its quote is always a whole sentence and never a clause cut before a "but"
whose other half is a shortfall. Its id is ``<passage id>/sNN``. Each unit has

- a kind: ``shortfall`` (a clause names a gap), ``mitigation`` (the council
  has recognised the gap or work is under way), ``outcome`` (points back and
  names a result: "This meant ..."), ``context`` (background, topic or
  self-praise) or ``practice`` (a mechanism or a strength);
- soft theme weights (several themes may apply; the sentence's own cues count
  most, its sub-heading and passage less);
- a mechanism signal in [0, 1]: it names a concrete arrangement (a meeting, a
  role, access to a system, a funding arrangement, a named board or network);
- its neighbours (the sentences before and after in the passage).

Units are classified from the cue files (``prompts/finding_cues.yaml``,
``prompts/evidence_cues.yaml``); their vectors come from the index, which
embeds each sentence once per report content and derives passage vectors from
them. ``EvidenceBase`` keeps both per report and builds the matrices good
practice and chat retrieval rank against.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, TypeAdapter, field_validator

from .datafiles import DataFileError, load_yaml
from .findings import Cues, load_cues
from .index import unit_texts
from .models import Passage, Report
from .themes import Taxonomy, tokens
from .units_cache import FOLDER as UNITS_FOLDER
from .units_cache import units_cache

if TYPE_CHECKING:  # pragma: no cover
    from .index import Index

EVIDENCE_CUES_FILE = "evidence_cues.yaml"
UnitKind = Literal["shortfall", "practice", "mitigation", "context", "outcome"]
KINDS: tuple[UnitKind, ...] = ("shortfall", "practice", "mitigation", "context", "outcome")
#: Weight of the sub-heading's and the passage's themes beside the sentence's own.
SUBHEADING_WEIGHT = 0.3
PASSAGE_WEIGHT = 0.2
#: Reports whose units are kept in memory besides those in pools (bounded for a 1,400-report corpus).
UNITS_CACHE = 64
#: Units a pool keeps made (as objects) after they are read, at most.
MADE_UNITS = 4096
#: A pool of at least this many reports of the corpus is cut from the corpus-wide pool.
POOL_FROM_CORPUS = 32
#: Units held by cached pools at most (75 MB of 384-d vectors per 50,000 units), the oldest dropped first.
POOL_ROWS = 120_000
_STRAIGHT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


class EvidenceCuesError(DataFileError):
    """The evidence cue file is missing or malformed."""


class EvidenceCues(BaseModel):
    """The validated ``prompts/evidence_cues.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    outcome: list[str] = Field(default_factory=list)
    praise: list[str] = Field(default_factory=list)
    mechanism: list[str] = Field(min_length=1)
    mechanism_saturation: int = Field(default=2, ge=1, le=10)

    _outcome: list[re.Pattern[str]] = PrivateAttr(default_factory=list)
    _praise: list[re.Pattern[str]] = PrivateAttr(default_factory=list)
    _mechanism: list[re.Pattern[str]] = PrivateAttr(default_factory=list)

    @field_validator("outcome", "praise", "mechanism")
    @classmethod
    def _regexes(cls, patterns: list[str]) -> list[str]:
        for i, p in enumerate(patterns):
            try:
                re.compile(p)
            except re.error as err:
                raise ValueError(f"pattern {i + 1} {p!r} is not a valid regular expression: {err}") from None
        return patterns

    def model_post_init(self, context: object) -> None:
        self._outcome = [re.compile(p, re.IGNORECASE) for p in self.outcome]
        self._praise = [re.compile(p, re.IGNORECASE) for p in self.praise]
        # Mechanism patterns with capitals (named boards) stay case-sensitive.
        self._mechanism = [re.compile(p) if re.search(r"\[A-Z\]", p) else re.compile(p, re.I) for p in self.mechanism]

    def is_outcome(self, text: str) -> bool:
        return any(p.search(text) for p in self._outcome)

    def is_praise(self, text: str) -> bool:
        return any(p.search(text) for p in self._praise)

    def mechanism_of(self, text: str) -> float:
        hits = sum(1 for p in self._mechanism if p.search(text))
        return min(1.0, hits / self.mechanism_saturation)


def load_evidence_cues(prompts_dir: Path | str) -> EvidenceCues:
    return load_yaml(Path(prompts_dir) / EVIDENCE_CUES_FILE, EvidenceCues, EvidenceCuesError)


class EvidenceUnit(BaseModel):
    """One sentence of a passage, classified."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="<passage id>/sNN")
    passage_id: str
    report_id: str
    authority: str
    quality_statement: str
    section: str
    position: int = Field(description="0-based sentence number in the passage")
    text: str = Field(description="the sentence, verbatim")
    kind: UnitKind
    themes: dict[str, float] = Field(default_factory=dict, description="soft theme weights, summing to 1")
    mechanism: float = Field(default=0.0, ge=0, le=1)
    praise: bool = False
    recognised: bool = Field(default=False, description="says the council knows of a gap or work is under way")
    mixed: bool = Field(default=False, description="a shortfall sentence that also holds practice")
    prev_id: str | None = None
    next_id: str | None = None


_UNITS = TypeAdapter(list[EvidenceUnit])  # how a report's units are kept on disk
_WHERE = {"report_id", "authority", "quality_statement", "section"}


def unit_id(passage_id: str, position: int) -> str:
    return f"{passage_id}/s{position + 1:02d}"


def classify(sentence: str, cues: Cues, ecues: EvidenceCues) -> tuple[UnitKind, bool, bool, bool]:
    """(kind, praise, recognised, mixed) of one sentence."""
    text = sentence.translate(_STRAIGHT).strip()
    recognised = cues.is_recognised(text)
    kinds = []
    for c0, c1 in cues.clauses(text):
        clause = text[c0:c1]
        kind = cues.kind(clause)
        if kind == "shortfall" and cues.recognition_only(clause):
            kind = None  # "had recognised this was an area of development": a signal, not a gap
        kinds.append(kind)
    praise = ecues.is_praise(text)
    if "shortfall" in kinds:
        return "shortfall", praise, recognised, "strength" in kinds
    if recognised:
        return "mitigation", praise, True, False
    if ecues.is_outcome(text):
        return "outcome", praise, False, False
    if praise:
        return "context", True, False, False
    if "strength" in kinds or ecues.mechanism_of(text) > 0:
        return "practice", False, False, False
    return "context", False, False, False


def _normalised(weights: dict[str, float]) -> dict[str, float]:
    total = sum(weights.values())
    return {k: round(v / total, 4) for k, v in sorted(weights.items(), key=lambda kv: -kv[1])} if total else {}


def passage_units(passage: Passage, taxonomy: Taxonomy, cues: Cues, ecues: EvidenceCues) -> list[EvidenceUnit]:
    """The units of one passage, in order."""
    texts = unit_texts(passage)
    around = taxonomy.scores(passage.subheading or "")
    whole = taxonomy.scores(passage.text)
    out: list[EvidenceUnit] = []
    previous: dict[str, float] = {}
    where = passage.model_dump(include=_WHERE)  # the report and section a unit stands in, as its passage's
    for i, text in enumerate(texts):
        kind, praise, recognised, mixed = classify(text, cues, ecues)
        own = taxonomy.scores(text)
        if not own and previous:
            own = {k: v * 0.8 for k, v in previous.items()}  # "This ...": goes on with the sentence before
        weights: dict[str, float] = dict(own)
        for source, w in ((around, SUBHEADING_WEIGHT), (whole, PASSAGE_WEIGHT)):
            total = sum(source.values()) or 1.0
            for tid, s in source.items():
                weights[tid] = weights.get(tid, 0.0) + w * s / total * max(1.0, sum(own.values()))
        previous = own or previous
        out.append(
            EvidenceUnit(
                id=unit_id(passage.id, i),
                passage_id=passage.id,
                **where,
                position=i,
                text=text,
                kind=kind,
                themes=_normalised(weights),
                mechanism=0.0 if kind in ("context", "outcome") and praise else ecues.mechanism_of(text),
                praise=praise,
                recognised=recognised,
                mixed=mixed,
                prev_id=unit_id(passage.id, i - 1) if i else None,
                next_id=unit_id(passage.id, i + 1) if i + 1 < len(texts) else None,
            )
        )
    return out


def report_units(report: Report, taxonomy: Taxonomy, cues: Cues, ecues: EvidenceCues) -> list[EvidenceUnit]:
    """Every unit of a report, passage by passage (the order of its unit vectors)."""
    return [u for p in report.passages for u in passage_units(p, taxonomy, cues, ecues)]


# --------------------------------------------------------------------------- the pool


class UnitRows(Sequence[EvidenceUnit]):
    """A pool's units kept as their JSON (a few hundred bytes each, against about 2 KB as objects),
    made into ``EvidenceUnit`` objects when one is read."""

    __slots__ = ("rows", "_made")

    def __init__(self, rows: tuple[bytes, ...]):
        self.rows = rows
        self._made: dict[int, EvidenceUnit] = {}  # the units read lately (rankings read the same top ones)

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, i: int) -> EvidenceUnit: ...

    @overload
    def __getitem__(self, i: slice) -> list[EvidenceUnit]: ...

    def __getitem__(self, i: int | slice) -> EvidenceUnit | list[EvidenceUnit]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self.rows)))]
        found = self._made.get(i)
        if found is None:
            found = EvidenceUnit.model_validate_json(self.rows[i])
            if len(self._made) >= MADE_UNITS:
                self._made.clear()
            self._made[i] = found
        return found


@dataclass(frozen=True)
class Pool:
    """Units of many reports as arrays, for ranking by matrix products.

    ``units`` are made on access (``UnitRows``); ``ids``, ``texts`` and ``report_ids`` are the
    columns ranking reads. ``vectors`` is (n, d) float32 of unit vectors (or None without an
    index); ``themes`` is (n, t) float32 of theme weights in ``theme_ids`` order.
    """

    units: UnitRows
    ids: tuple[str, ...]
    texts: tuple[str, ...]
    report_ids: tuple[str, ...]
    vectors: np.ndarray | None
    themes: np.ndarray
    theme_ids: tuple[str, ...]
    mechanism: np.ndarray
    scores: np.ndarray
    authorities: np.ndarray
    cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def words(self) -> tuple[frozenset[str], ...]:
        """Each unit's content words (lexical similarity without an index), made once per pool."""
        return self.column("words", lambda pool: tuple(content_words(t) for t in pool.texts))

    def column(self, key: Hashable, make: Callable[[Pool], Any]) -> Any:
        """A per-unit array or tuple made by ``make(pool)`` once per pool; a pool cut from another
        (``select``) takes its rows of the other's, so the corpus-wide pool makes it once for all."""
        found = self.cache.get(key)
        if found is None:
            parent = self.cache.get("parent")
            if parent is None:
                found = make(self)
            else:
                whole, rows = parent
                found = whole.column(key, make)
                found = found[rows] if isinstance(found, np.ndarray) else tuple(found[int(i)] for i in rows)
            self.cache[key] = found
        return found

    def select(self, rows: np.ndarray) -> Pool:
        """The pool of the units at ``rows`` (in that order)."""
        pick = [int(i) for i in rows]
        return Pool(
            units=UnitRows(tuple(self.units.rows[i] for i in pick)),
            ids=tuple(self.ids[i] for i in pick),
            texts=tuple(self.texts[i] for i in pick),
            report_ids=tuple(self.report_ids[i] for i in pick),
            vectors=self.vectors[rows] if self.vectors is not None else None,
            themes=self.themes[rows],
            theme_ids=self.theme_ids,
            mechanism=self.mechanism[rows],
            scores=self.scores[rows],
            authorities=self.authorities[rows],
            cache={"parent": (self, rows)},
        )


def _stacked(sources: list[tuple[np.ndarray, list[int]]]) -> np.ndarray:
    """The kept rows of each report's vectors in one float32 matrix, filled in place (no temporary copies)."""
    out = np.empty((sum(len(keep) for _, keep in sources), sources[0][0].shape[1]), dtype=np.float32)
    start = 0
    for vecs, keep in sources:
        out[start : start + len(keep)] = vecs[keep]
        start += len(keep)
    return out


def content_words(text: str) -> frozenset[str]:
    return frozenset(t for t in tokens(text) if len(t) > 3)


class EvidenceBase:
    """Units and their vectors per report, cached by report content; pools cached by corpus.

    ``index`` may be None (then there are no vectors and similarity is lexical).
    Thread-safe: one is shared by every chat session of an ``Assistant``.
    """

    def __init__(self, taxonomy: Taxonomy, prompts_dir: Path | str, index: Index | None = None):
        self.taxonomy = taxonomy
        self.cues = load_cues(prompts_dir)
        self.ecues = load_evidence_cues(prompts_dir)
        self.index = index
        self._units: dict[tuple[str, str], tuple[EvidenceUnit, ...]] = {}
        self._pools: dict[tuple, Pool] = {}
        #: The corpus (set by the ``Assistant`` on each reload): big pools are cut from its pool.
        self.corpus: tuple[Report, ...] = ()
        self._lock = threading.RLock()
        self._theme_ids = tuple([*taxonomy.ids, taxonomy.fallback.id])
        # Classified units kept on disk beside the index (none without one).
        folder = getattr(index, "dir", None)
        self.saved = (
            units_cache(Path(folder) / UNITS_FOLDER, _UNITS, taxonomy, self.cues, self.ecues) if folder else None
        )

    @property
    def theme_ids(self) -> tuple[str, ...]:
        return self._theme_ids

    def units(self, report: Report) -> tuple[EvidenceUnit, ...]:
        key = (report.id, report.content_hash)
        found = self._units.get(key)
        if found is None:
            saved = self.saved.get(report) if self.saved is not None else None
            found = tuple(saved if saved is not None else report_units(report, self.taxonomy, self.cues, self.ecues))
            if saved is None and self.saved is not None:
                self.saved.put(report, list(found))
            with self._lock:
                if len(self._units) >= UNITS_CACHE:  # pools keep what they need; the rest is cheap to redo
                    self._units.pop(next(iter(self._units)))
                self._units[key] = found
        return found

    def saved_units(self, report: Report) -> bool:
        """Whether the report's classified units are kept on disk."""
        return self.saved is not None and self.saved.has(report)

    def vectors(self, report: Report) -> np.ndarray | None:
        """(units, d) float32 unit vectors of ``report``, or None without an index."""
        if self.index is None:
            return None
        return self.index.unit_vectors(report)

    def theme_row(self, weights: dict[str, float]) -> np.ndarray:
        row = np.zeros(len(self._theme_ids), dtype=np.float32)
        for i, tid in enumerate(self._theme_ids):
            row[i] = weights.get(tid, 0.0)
        return row

    def pool(self, reports: Sequence[Report], kinds: Sequence[str], *, key_findings_only: bool = True) -> Pool:
        """The units of ``kinds`` in ``reports`` as arrays (built once per reports and kinds).

        A pool of many reports of the corpus (``corpus``, set by the ``Assistant``) is cut from the
        corpus-wide pool, so each plan's "every other report" costs a selection, not a rebuild."""
        key = (tuple((r.id, r.content_hash) for r in reports), tuple(kinds), key_findings_only)
        found = self._pools.get(key)
        if found is not None:
            return found
        whole = tuple((r.id, r.content_hash) for r in self.corpus)
        if len(reports) >= POOL_FROM_CORPUS and key[0] != whole and set(key[0]) <= set(whole):
            base = self.pool(self.corpus, kinds, key_findings_only=key_findings_only)
            wanted = {rid for rid, _ in key[0]}
            order = {rid: i for i, (rid, _) in enumerate(key[0])}
            rows = np.array([i for i, rid in enumerate(base.report_ids) if rid in wanted], dtype=np.int64)
            # A pool lists reports in the order asked; the corpus order is kept when it is the same.
            rows = rows[np.argsort([order[base.report_ids[i]] for i in rows], kind="stable")]
            found = base.select(rows)
        else:
            found = self._build_pool(reports, set(kinds), key_findings_only)
        with self._lock:
            # The oldest first, the corpus-wide pools last (every big pool is cut from them).
            old = sorted(self._pools, key=lambda k: k[0] == whole)
            while old and sum(len(p.ids) for p in self._pools.values()) + len(found.ids) > POOL_ROWS:
                self._pools.pop(old.pop(0))
            self._pools[key] = found
        return found

    def _build_pool(self, reports: Sequence[Report], wanted: set[str], key_findings_only: bool) -> Pool:
        """A pool made from each report's units in turn; only columns are kept (no unit objects)."""
        cols: dict[str, list] = {k: [] for k in ("rows", "ids", "texts", "report_ids", "themes", "mech", "who")}
        sources: list[tuple[np.ndarray, list[int]]] = []  # (report's unit vectors, rows kept): copied once, below
        scores: list[int] = []
        have_vectors = self.index is not None
        dump = EvidenceUnit.__pydantic_serializer__.to_json
        for report in reports:
            all_units = self.units(report)
            keep = [
                i
                for i, u in enumerate(all_units)
                if u.kind in wanted and (not key_findings_only or u.section == "key_findings")
            ]
            if not keep:
                continue
            vecs = self.vectors(report) if have_vectors else None
            if vecs is None or len(vecs) != len(all_units):
                have_vectors = False
            else:
                sources.append((vecs, keep))
            for u in (all_units[i] for i in keep):
                cols["rows"].append(dump(u))
                cols["ids"].append(u.id)
                cols["texts"].append(u.text)
                cols["report_ids"].append(sys.intern(u.report_id))  # one string per report, not per unit
                cols["mech"].append(u.mechanism)
                cols["who"].append(sys.intern(u.authority.casefold()))
            cols["themes"].append(np.vstack([self.theme_row(all_units[i].themes) for i in keep]))
            scores += [report.score or 0] * len(keep)
        matrix = _stacked(sources) if have_vectors and sources else None
        n = len(cols["ids"])
        return Pool(
            units=UnitRows(tuple(cols["rows"])),
            ids=tuple(cols["ids"]),
            texts=tuple(cols["texts"]),
            report_ids=tuple(cols["report_ids"]),
            vectors=matrix if matrix is not None and len(matrix) == n else None,
            themes=np.vstack(cols["themes"]) if n else np.zeros((0, len(self._theme_ids)), np.float32),
            theme_ids=self._theme_ids,
            mechanism=np.array(cols["mech"], dtype=np.float32),
            scores=np.array(scores, dtype=np.float32),
            authorities=np.array(cols["who"], dtype=object),
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray | None:
        """Query vectors for ``texts`` (None without an index; the index remembers recent ones)."""
        if self.index is None or not texts:
            return None
        return self.index.embed_queries(list(texts))

    def units_for_quote(self, report: Report, passage_id: str, quote: str) -> list[int]:
        """Positions (in ``units(report)``) of the sentences a quote from ``passage_id`` overlaps."""
        units = self.units(report)
        folded = " ".join(quote.split()).casefold()
        hits = [
            i
            for i, u in enumerate(units)
            if u.passage_id == passage_id
            and (" ".join(u.text.split()).casefold() in folded or folded in " ".join(u.text.split()).casefold())
        ]
        return hits
