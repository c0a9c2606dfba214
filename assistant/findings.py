"""Shortfalls and strengths of a report, found clause by clause in its key findings.

Each key-findings sentence is cut into clauses at contrast markers ("However,",
", but", "although" ...). A clause holding a shortfall cue that no mitigation
pattern covers is a shortfall ("there were gaps in ...", "not always", "felt
tokenistic"); otherwise a clause holding a strength cue is a strength. The
quote is the clause in the inspectors' own words (the whole sentence when the
clause is too short to stand alone), checked with ``citations.verify``.
Clauses on one theme that say the same thing are merged, keeping every
citation: by shared topic words, and, when sentence vectors are given
(``embed``), by meaning: a clause joins a group of its own kind and theme in the
same or a neighbouring passage when its cosine similarity to every member
reaches ``merge_similarity`` ("Recording systems were often incompatible" and
"information sharing could be a challenge"). All wording lives in
``prompts/finding_cues.yaml``; the result is deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from .citations import verify
from .datafiles import DataFileError, check_patterns, load_yaml, parse_yaml
from .models import Citation, Finding, FindingKind, Passage, Report, ReportFindings
from .settings import PROJECT_ROOT
from .text import sentence_spans
from .themes import Taxonomy, tokens

CUES_FILE = "finding_cues.yaml"

# One character for one character, so offsets in the straightened text are offsets in the original.
_STRAIGHT = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
        "\u202f": " ",
    }
)
_TRAILING = " \t\n,;:"


class CuesError(DataFileError):
    """The cue lexicon is missing or malformed; the message says where and why."""


def _compile(patterns: list[str]) -> list[re.Pattern[str]]:
    return [re.compile(p, re.IGNORECASE) for p in patterns]


def _any(patterns: list[str]) -> re.Pattern[str]:
    """One regex matching where any of ``patterns`` matches."""
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


_LEADING_WORDS = re.compile(r"(?:\\b)?([a-zA-Z][a-zA-Z' -]*)")


def _literal(pattern: str) -> str | None:
    """Lower-cased words every match of ``pattern`` starts with (a cheap pre-check), if any."""
    depth, escaped = 0, False
    for ch in pattern:  # a top-level alternation has no common start
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "|" and depth == 0:
            return None
    m = _LEADING_WORDS.match(pattern)
    if not m:
        return None
    words = m.group(1)
    if pattern[m.end() : m.end() + 1] in ("?", "*", "{"):
        words = words[:-1]  # the last character is optional
    return words.lower() if len(words.strip()) >= 3 else None


def _prechecked(patterns: list[str]) -> list[tuple[str | None, re.Pattern[str]]]:
    return [(_literal(p), re.compile(p, re.IGNORECASE)) for p in patterns]


def _matches(patterns: list[tuple[str | None, re.Pattern[str]]], text: str) -> Iterator[re.Match[str]]:
    low = text.lower()
    for words, pattern in patterns:
        if words is None or words in low:
            yield from pattern.finditer(text)


class Cues(BaseModel):
    """The validated cue lexicon (``prompts/finding_cues.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    contrast_markers: list[str] = Field(min_length=1)
    concessive_openers: list[str] = Field(default_factory=list)
    parenthetical: str = Field(
        default=r"\s*(?:such as|including)\b", description="matched right after a comma: an aside"
    )
    shortfall: list[str] = Field(min_length=1)
    mitigation: list[str] = Field(default_factory=list)
    recognised: list[str] = Field(
        default_factory=list, description="the council knows of the gap or work is under way: a signal, not a gap"
    )
    strength: list[str] = Field(min_length=1)
    connectives: list[str] = Field(default_factory=list)
    frames: list[str] = Field(default_factory=list)
    stopwords: list[str] = Field(default_factory=list)
    min_quote_words: int = Field(default=6, ge=1, le=40)
    summary_words: int = Field(default=20, ge=5, le=60)
    merge_overlap: float = Field(default=0.5, gt=0, le=1)
    merge_overlap_near: float = Field(default=0.2, gt=0, le=1)
    merge_similarity: float = Field(default=0.53, gt=0, le=1)

    _contrast: re.Pattern[str] = PrivateAttr()  # set in model_post_init
    _openers: list[re.Pattern[str]] = PrivateAttr(default_factory=list)
    _aside: re.Pattern[str] = PrivateAttr()
    _shortfall: list[tuple[str | None, re.Pattern[str]]] = PrivateAttr(default_factory=list)
    _mitigation: list[tuple[str | None, re.Pattern[str]]] = PrivateAttr(default_factory=list)
    _strength: list[tuple[str | None, re.Pattern[str]]] = PrivateAttr(default_factory=list)
    _recognised: list[re.Pattern[str]] = PrivateAttr(default_factory=list)
    _trims: list[re.Pattern[str]] = PrivateAttr(default_factory=list)
    _stop: frozenset[str] = PrivateAttr(default=frozenset())

    @field_validator(
        "contrast_markers",
        "concessive_openers",
        "parenthetical",
        "shortfall",
        "mitigation",
        "recognised",
        "strength",
        "connectives",
        "frames",
    )
    @classmethod
    def _regexes(cls, patterns: list[str] | str) -> list[str] | str:
        check_patterns(patterns)
        return patterns

    def model_post_init(self, context: object) -> None:
        self._contrast = _any(self.contrast_markers)
        self._openers = _compile(self.concessive_openers)
        self._aside = re.compile(self.parenthetical, re.IGNORECASE)
        self._shortfall = _prechecked(self.shortfall)
        self._mitigation = _prechecked(self.mitigation)
        self._strength = _prechecked(self.strength)
        self._recognised = _compile(self.recognised)
        self._trims = _compile(self.connectives + self.frames)
        self._stop = frozenset(t for w in self.stopwords for t in tokens(w))

    # ------------------------------------------------------------------ clauses

    def clauses(self, sentence: str) -> list[tuple[int, int]]:
        """Clause offsets within ``sentence``: cut at contrast markers and after a concessive opener."""
        text = sentence.translate(_STRAIGHT)
        cuts = {0, *(m.start() for m in self._contrast.finditer(text))}
        if any(p.match(text) for p in self._openers):
            comma = next((m.end() for m in re.finditer(",", text) if not self._aside.match(text, m.end())), None)
            if comma:
                cuts.add(comma)
        bounds = sorted(cuts) + [len(text)]
        spans = []
        for s, e in pairwise(bounds):
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1] in _TRAILING:
                e -= 1
            if e > s:
                spans.append((s, e))
        return spans

    def kind(self, clause: str) -> FindingKind | None:
        """``shortfall`` when an unmitigated shortfall cue occurs, else ``strength`` on a strength cue."""
        text = clause.translate(_STRAIGHT)
        covered: list[tuple[int, int]] | None = None
        for m in _matches(self._shortfall, text):
            if covered is None:
                covered = [c.span() for c in _matches(self._mitigation, text)]
            if not any(s < m.end() and m.start() < e for s, e in covered):
                return "shortfall"
        return "strength" if next(_matches(self._strength, text), None) else None

    def is_recognised(self, text: str) -> bool:
        """The text says the council has recognised a gap, or that work on it is under way."""
        straight = text.translate(_STRAIGHT)
        return any(p.search(straight) for p in self._recognised)

    def recognition_only(self, clause: str) -> bool:
        """The clause reports that the council knows of a gap ("had recognised this was an area of
        development"), rather than naming one: the recognition comes before any shortfall cue."""
        text = clause.translate(_STRAIGHT)
        starts = [m.start() for p in self._recognised for m in [p.search(text)] if m]
        if not starts:
            return False
        first_gap = min((m.start() for m in _matches(self._shortfall, text)), default=len(text))
        return min(starts) < first_gap

    def summary(self, clause: str) -> str:
        """A one-line summary: leading connectives and reporting frames dropped, capitalised, shortened."""
        text = clause.strip()
        changed = True
        while changed:
            changed = False
            for pattern in self._trims:
                m = pattern.match(text.translate(_STRAIGHT))
                if m and m.end() > 0 and len(text[m.end() :].split()) >= 3:
                    text, changed = text[m.end() :], True
        text = text.strip(" ,;:.")
        words = text.split()
        if len(words) > self.summary_words + 4:
            cut = words[: self.summary_words]
            while cut and (cut[-1].lower().strip(",;:") in self._stop or cut[-1][-1] in ",;:"):
                cut.pop()
            text = " ".join(cut).rstrip(",;:") + " …"
        return text[:1].upper() + text[1:]

    def content(self, text: str, drop: frozenset[str] = frozenset()) -> frozenset[str]:
        """Topic words of ``text`` for comparing clauses: no stopwords, none of ``drop``."""
        return frozenset(t for t in tokens(text) if len(t) > 2 and t not in self._stop and t not in drop)


def parse_cues(text: str, source: Path | str = CUES_FILE) -> Cues:
    return parse_yaml(text, Cues, source, CuesError)


def load_cues(prompts_dir: Path | str) -> Cues:
    """Load and validate ``<prompts_dir>/finding_cues.yaml`` (cached until the file changes)."""
    return load_yaml(Path(prompts_dir) / CUES_FILE, Cues, CuesError)


# ---------------------------------------------------------------------- extraction


@dataclass(frozen=True)
class Clause:
    """One classified clause of a key-findings passage."""

    passage: Passage
    sentence: int
    text: str
    quote: str
    kind: FindingKind
    theme: str
    on_theme: bool = False
    topic: frozenset[str] = frozenset()
    recognised: bool = False
    context: tuple[str, ...] = ()


@dataclass
class _Group:
    kind: FindingKind
    theme: str
    members: list[Clause] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


def _sentences(passage: Passage) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in passage.sentences] or sentence_spans(passage.text)


def passage_clauses(passage: Passage, taxonomy: Taxonomy, cues: Cues) -> list[Clause]:
    """The shortfall and strength clauses of one passage, in order, each with its theme."""
    out: list[Clause] = []
    around = [taxonomy.scores(passage.subheading or ""), taxonomy.scores(passage.text)]
    for index, (s0, s1) in enumerate(_sentences(passage)):
        sentence = passage.text[s0:s1]
        spans = [(sentence[c0:c1], cues.kind(sentence[c0:c1])) for c0, c1 in cues.clauses(sentence)]
        if not any(kind for _, kind in spans):
            continue
        in_sentence = taxonomy.scores(sentence)
        recognised = cues.is_recognised(sentence)
        for text, kind in spans:
            if kind is None:
                continue
            if kind == "shortfall" and cues.recognition_only(text):
                # "The council had recognised this was an area of development": never shortfall evidence,
                # but the shortfall before it is marked as recognised.
                if out and out[-1].kind == "shortfall":
                    quote = text if len(text.split()) >= cues.min_quote_words else sentence
                    out[-1] = replace(out[-1], recognised=True, context=(*out[-1].context, quote))
                continue
            quote = text if len(text.split()) >= cues.min_quote_words else sentence
            own = taxonomy.scores(text)
            theme = taxonomy.choose(own, [in_sentence, *around])
            on_theme = own.get(theme, 0.0) > 0
            prev = out[-1] if out else None
            if not on_theme and prev and prev.kind == kind and index - prev.sentence <= 1:
                theme = prev.theme  # "This ...", "It ...": a clause naming no theme goes on with the last one
            topic = cues.content(text, taxonomy.cue_tokens(theme))
            out.append(Clause(passage, index, text, quote, kind, theme, on_theme, topic, recognised))
    return out


def _near(a: Clause, b: Clause) -> bool:
    return a.passage.subheading == b.passage.subheading and abs(a.passage.position - b.passage.position) <= 1


def _same_thing(group: _Group, clause: Clause, cues: Cues) -> bool:
    """Same theme and kind, and either the next sentence of the same passage or shared topic words.

    Topic words leave out the theme's own cue words, so two clauses merge for
    what they say beyond the theme, not merely for sharing it.
    """
    if group.kind != clause.kind or group.theme != clause.theme:
        return False
    last = group.members[-1]
    if last.passage.id == clause.passage.id and clause.sentence - last.sentence <= 1:
        return True
    for member in group.members:
        if not clause.topic or not member.topic:
            continue
        overlap = len(clause.topic & member.topic) / min(len(clause.topic), len(member.topic))
        if overlap >= (cues.merge_overlap_near if _near(member, clause) else cues.merge_overlap):
            return True
    return False


def _same_meaning(group: _Group, clause: Clause, vector: np.ndarray, vectors: np.ndarray, cues: Cues) -> bool:
    """Same kind and theme, a neighbouring passage, and close in meaning to every member (complete linkage)."""
    if group.kind != clause.kind or group.theme != clause.theme:
        return False
    if not all(_near(m, clause) for m in group.members):
        return False
    return bool(np.min(vectors[group.rows] @ vector) >= cues.merge_similarity)


def _merge(clauses: list[Clause], cues: Cues, vectors: np.ndarray | None = None) -> list[_Group]:
    groups: list[_Group] = []
    for row, clause in enumerate(clauses):
        target = next((g for g in reversed(groups) if _same_thing(g, clause, cues)), None)
        if target is None and vectors is not None:
            v = vectors[row]
            target = next((g for g in reversed(groups) if _same_meaning(g, clause, v, vectors, cues)), None)
        if target is None:
            target = _Group(clause.kind, clause.theme)
            groups.append(target)
        target.members.append(clause)
        target.rows.append(row)
    return groups


def _unit_vectors(
    clauses: list[Clause], embed: Callable[[Sequence[str]], np.ndarray | None] | None
) -> np.ndarray | None:
    """Normalised sentence vectors of the clauses, or None (no embedder, or it gave nothing usable)."""
    if embed is None or not clauses:
        return None
    found = embed([c.text for c in clauses])
    if found is None or len(found) != len(clauses):
        return None
    vectors = np.asarray(found, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _citations(group: _Group) -> tuple[list[Citation], int]:
    """The group's verified citations (one per distinct quote) and how many quotes failed verification."""
    out: list[Citation] = []
    failed = 0
    for member in group.members:
        checked = verify(
            Citation(passage_id=member.passage.id, quote=member.quote), {member.passage.id: member.passage}
        )
        if checked is None or not checked.verified:
            failed += 1
        elif all(c.quote != checked.quote for c in out):
            out.append(checked)
    return out, failed


def _context(group: _Group) -> list[Citation]:
    """The group's sentences saying the council has recognised the gap, verified (context, not evidence)."""
    out: list[Citation] = []
    for member in group.members:
        for quote in member.context:
            checked = verify(Citation(passage_id=member.passage.id, quote=quote), {member.passage.id: member.passage})
            if checked is not None and checked.verified and checked not in out:
                out.append(checked)
    return out


def find_findings(
    report: Report,
    taxonomy: Taxonomy,
    cues: Cues | None = None,
    *,
    embed: Callable[[Sequence[str]], np.ndarray | None] | None = None,
) -> ReportFindings:
    """Every shortfall and strength in the report's key findings, with verified verbatim quotes.

    ``cues`` defaults to the lexicon next to the taxonomy file (else the project's ``prompts/``).
    ``embed`` (texts -> sentence vectors) also groups near-duplicate clauses by meaning; without it
    (or when it fails) grouping is by shared words only.
    """
    if not isinstance(report, Report) or not isinstance(taxonomy, Taxonomy):
        raise TypeError(
            f"find_findings needs a Report and a Taxonomy, got {type(report).__name__} and {type(taxonomy).__name__}"
        )
    if cues is None:
        cues = load_cues(taxonomy.source.parent if taxonomy.source else PROJECT_ROOT / "prompts")
    result = ReportFindings(
        report_id=report.id, authority=report.authority, quality_statement=report.quality_statement, score=report.score
    )
    passages = report.key_findings()
    if not passages:
        result.notes.append(
            f"{report.authority}: the report has no key findings, so no shortfalls or strengths were found."
        )
        return result
    clauses = [c for p in passages for c in passage_clauses(p, taxonomy, cues)]
    by_kind: dict[str, list[Finding]] = {"shortfall": [], "strength": []}
    dropped = 0
    for group in _merge(clauses, cues, _unit_vectors(clauses, embed)):
        citations, failed = _citations(group)
        dropped += failed
        if not citations:
            continue
        found = by_kind[group.kind]
        lead = next((m for m in group.members if m.on_theme), group.members[0])
        found.append(
            Finding(
                id=f"{report.id}/{'s' if group.kind == 'shortfall' else 'g'}{len(found) + 1:02d}",
                report_id=report.id,
                kind=group.kind,
                theme=group.theme,
                summary=cues.summary(lead.quote),
                citations=citations,
                recognised=any(m.recognised for m in group.members),
                context=_context(group),
            )
        )
    result.findings = by_kind["shortfall"] + by_kind["strength"]
    if not by_kind["shortfall"]:
        result.notes.append(f"{report.authority}: no shortfall wording found in the key findings.")
    if dropped:
        result.notes.append(f"{dropped} quote(s) could not be verified against their passage and were left out.")
    return result
