"""The theme taxonomy (``prompts/themes.yaml``): tagging text and chat queries with themes.

Matching works on normalised word tokens: the words of ``text.words`` folded by
``text.fold_word`` (hyphens and apostrophes inside words dropped, "co-production"
-> "coproduction", a possessive dropped, "people's" -> "people", and a light
plural fold, "agreements" -> "agreement"). A cue matches a run of whole tokens, or the run glued into one
token ("out of hours" matches "out-of-hours"), and a one-word cue also matches
two words written apart ("coproduction" matches "co production"). Cues written in capitals are
acronyms and match only in capitals ("IT" never matches "it"). A cue weighs
one point per word; a theme scores the sum of its distinct matched cues.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from .datafiles import DataFileError, load_yaml, parse_yaml
from .text import fold, terms

THEMES_FILE = "themes.yaml"
#: In ``best``, each context item weighs this much of the one before it.
CONTEXT_WEIGHT = 0.5
#: Synonyms and labels weigh this much more than cues when matching a user's words.
SYNONYM_WEIGHT = 2.0

_ACRONYM = re.compile(r"^[A-Z][A-Z0-9]+$")


class TaxonomyError(DataFileError):
    """The taxonomy file is missing or malformed; the message says where and why."""


def tokens(text: str) -> list[str]:
    """Normalised word tokens of ``text`` (see the module docstring)."""
    return terms(text)


class Theme(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    description: str = Field(min_length=1)
    cues: list[str] = Field(default_factory=list)
    synonyms: list[str] = Field(default_factory=list)
    related: list[str] = Field(default_factory=list, description="themes whose practice also answers this one")
    practice: list[str] = Field(
        default_factory=list, description="mechanisms that answer a gap on this theme (for good practice)"
    )


@dataclass(frozen=True)
class _Cue:
    theme: str
    tokens: tuple[str, ...]
    weight: float


class _Matcher:
    """Finds cue phrases in text: token runs indexed by first token, acronyms by regex."""

    def __init__(self, entries: Iterable[tuple[str, str, float]], ignore: Sequence[str] = ()):
        self._index: dict[str, list[_Cue]] = {}
        self._acronyms: list[tuple[re.Pattern[str], _Cue]] = []
        self._ignore: dict[str, list[tuple[str, ...]]] = {}
        for p in ignore:
            toks = tuple(tokens(p))
            if toks:
                self._ignore.setdefault(toks[0], []).append(toks)
        for theme, phrase, scale in entries:
            toks = tuple(tokens(phrase))
            if not toks:
                continue
            cue = _Cue(theme, toks, scale * len(toks))
            if _ACRONYM.match(phrase.strip()):
                pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(phrase.strip())}s?(?![A-Za-z0-9])")
                self._acronyms.append((pattern, cue))
                continue
            self._index.setdefault(toks[0], []).append(cue)
            if len(toks) > 1:  # the glued form: "out of hours" ~ "out-of-hours"
                self._index.setdefault("".join(toks), []).append(_Cue(theme, ("".join(toks),), cue.weight))

    def _clean(self, folded: str) -> list[str]:
        toks = terms(folded)
        for i, tok in enumerate(toks):
            for phrase in self._ignore.get(tok, ()):
                if tuple(toks[i : i + len(phrase)]) == phrase:
                    toks[i : i + len(phrase)] = [""] * len(phrase)
        return toks

    def scores(self, text: str) -> dict[str, float]:
        """Theme id -> sum of the weights of its distinct cues found in ``text``."""
        if not text:
            return {}
        folded = fold(text)
        toks = self._clean(folded)
        found: list[tuple[_Cue, int, int]] = []
        for i, tok in enumerate(toks):
            for cue in self._index.get(tok, ()):
                n = len(cue.tokens)
                if n == 1 or tuple(toks[i : i + n]) == cue.tokens:
                    found.append((cue, i, i + n))
            if i + 1 < len(toks) and toks[i] and toks[i + 1]:  # "co production" ~ "coproduction"
                found += [(cue, i, i + 2) for cue in self._index.get(toks[i] + toks[i + 1], ()) if len(cue.tokens) == 1]
        # Longest first: a cue inside (or on the same words as) a kept cue of its theme does not count again,
        # so "market" in "provider market" adds nothing to it.
        found.sort(key=lambda f: (f[1] - f[2], -f[0].weight, f[1]))
        spans: list[tuple[str, int, int]] = []
        kept: dict[tuple[str, tuple[str, ...]], float] = {}
        for cue, start, end in found:
            if any(t == cue.theme and s <= start and end <= e for t, s, e in spans):
                continue
            spans.append((cue.theme, start, end))
            kept[(cue.theme, cue.tokens)] = max(kept.get((cue.theme, cue.tokens), 0.0), cue.weight)
        for pattern, cue in self._acronyms:
            if pattern.search(folded):
                kept[(cue.theme, cue.tokens)] = cue.weight
        out: dict[str, float] = {}
        for (theme, _), weight in kept.items():
            out[theme] = out.get(theme, 0.0) + weight
        return out


class Taxonomy(BaseModel):
    """The validated taxonomy. Build with ``load_taxonomy``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    ignore: list[str] = Field(default_factory=list, description="phrases removed before tagging")
    fallback: Theme
    themes: list[Theme] = Field(min_length=1)
    source: Path | None = Field(default=None, exclude=True, description="the file it was loaded from")

    _by_id: dict[str, Theme] = PrivateAttr(default_factory=dict)
    _order: dict[str, int] = PrivateAttr(default_factory=dict)
    _cues: _Matcher = PrivateAttr()  # set in model_post_init
    _words: _Matcher = PrivateAttr()
    _cue_tokens: dict[str, frozenset[str]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Taxonomy:
        ids = [t.id for t in self.themes] + [self.fallback.id]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"theme ids must be unique; repeated: {', '.join(dupes)}")
        empty = [t.id for t in self.themes if not any(tokens(c) for c in t.cues)]
        if empty:
            raise ValueError(f"every theme needs at least one cue; none for: {', '.join(empty)}")
        return self

    def model_post_init(self, context: object) -> None:
        self._by_id = {t.id: t for t in [*self.themes, self.fallback]}
        self._order = {t.id: i for i, t in enumerate(self.themes)}
        self._cue_tokens = {t.id: frozenset(tok for c in t.cues for tok in tokens(c)) for t in self._by_id.values()}
        self._cues = _Matcher(((t.id, c, 1.0) for t in self.themes for c in t.cues), self.ignore)
        self._words = _Matcher(
            [(t.id, c, 1.0) for t in self.themes for c in t.cues]
            + [(t.id, s, SYNONYM_WEIGHT) for t in self.themes for s in [*t.synonyms, t.label]]
        )

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def theme(self, theme_id: str) -> Theme:
        """The theme with this id (the fallback included); ``KeyError`` listing the ids otherwise."""
        try:
            return self._by_id[theme_id]
        except KeyError:
            raise KeyError(f"unknown theme {theme_id!r}; known: {', '.join(self._by_id)}") from None

    def cue_tokens(self, theme_id: str) -> frozenset[str]:
        """Every word of the theme's cues (normalised), e.g. to compare clauses beyond their theme."""
        return self._cue_tokens.get(theme_id, frozenset())

    def label(self, theme_id: str | None) -> str:
        """Display label of a theme; an id this taxonomy does not know (e.g. from a model or an
        older plan) is shown readably rather than failing, and no theme at all is "General"."""
        if not theme_id:
            return "General"
        theme = self._by_id.get(theme_id)
        return theme.label if theme else re.sub(r"[_-]+", " ", theme_id).strip().capitalize()

    def scores(self, text: str) -> dict[str, float]:
        """Raw cue weights per theme for ``text`` (themes with no cue are absent)."""
        return self._cues.scores(text)

    def _ranked(self, scores: dict[str, float]) -> list[tuple[str, float]]:
        return sorted(scores.items(), key=lambda kv: (-kv[1], self._order.get(kv[0], len(self._order))))

    def tag(self, text: str) -> list[tuple[str, float]]:
        """Themes of ``text``, best first, each with its share of the cue weight (sums to 1)."""
        scores = self.scores(text)
        total = sum(scores.values())
        return [(tid, round(s / total, 4)) for tid, s in self._ranked(scores)]

    def best(self, text: str, context: str | Sequence[str | None] | None = None) -> str:
        """The one theme for ``text``; ``context`` only breaks ties and fills gaps.

        Themes rank by their cue weight in ``text``; among equals, by their
        weight in ``context``: a string or, nearest first, several (the
        sentence, the sub-heading, the passage), each weighing half the one
        before. Returns the fallback id only when nothing matches a cue.
        """
        items = [context] if isinstance(context, str) else list(context or [])
        return self.choose(self.scores(text), [self.scores(item or "") for item in items])

    def choose(self, own: Mapping[str, float], context: Sequence[Mapping[str, float]] = ()) -> str:
        """``best`` on scores already computed (``scores(text)`` and the context items' scores)."""
        around: dict[str, float] = {}
        weight = 1.0
        for item in context:
            weight *= CONTEXT_WEIGHT
            for tid, s in item.items():
                around[tid] = around.get(tid, 0.0) + weight * s
        candidates = own or around
        if not candidates:
            return self.fallback.id
        return min(
            candidates,
            key=lambda tid: (-own.get(tid, 0.0), -around.get(tid, 0.0), self._order.get(tid, len(self._order))),
        )

    def match(self, user_words: str) -> str | None:
        """The theme a user's words ask about ("involving people" -> co-production), or None."""
        ranked = self._ranked(self._words.scores(user_words))
        return ranked[0][0] if ranked else None


def parse_taxonomy(text: str, source: Path | None = None) -> Taxonomy:
    """Validate taxonomy YAML text; ``TaxonomyError`` naming the file and the problem.

    ``source`` is the file the text came from (kept as ``Taxonomy.source``).
    """
    return parse_yaml(text, Taxonomy, source or THEMES_FILE, TaxonomyError, extra={"source": source})


def load_taxonomy(prompts_dir: Path | str) -> Taxonomy:
    """Load and validate ``<prompts_dir>/themes.yaml`` (cached until the file changes)."""
    path = Path(prompts_dir) / THEMES_FILE
    return load_yaml(path, Taxonomy, TaxonomyError, extra={"source": path.resolve()})
