"""Councils like us: the 153 councils' region and type, and peer selections that limit other reports.

The reference data is ``assistant/data/councils.csv`` (source named in its
header); how council names are written around it ("Durham County Council",
"London Borough of Barnet") is ``assistant/data/council_names.yaml``. A
``PeerSelection`` is a region, a council type, both, or a chosen list of
councils; ``admits(authority)`` tells whether a report's authority is one of
them, matching the name tolerantly. The words that name peers in a question
("other London boroughs", "councils in the North East", "our region") are
``prompts/peer_phrases.yaml``.

    councils = load_councils()
    peers = peer_selection("region", councils, own="Gloucestershire")
    others = [r for r in reports if peers.admits(r.authority)]
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field

from .datafiles import DataFileError, load_yaml
from .text import fold

DATA_DIR = Path(__file__).parent / "data"
COUNCILS_FILE = DATA_DIR / "councils.csv"
NAMES_FILE = DATA_DIR / "council_names.yaml"
PHRASES_FILE = "peer_phrases.yaml"

Region = Literal[
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
]
CouncilType = Literal["county", "metropolitan borough", "unitary", "London borough"]
REGIONS: tuple[str, ...] = get_args(Region)
COUNCIL_TYPES: tuple[str, ...] = get_args(CouncilType)
#: How a type is named in the plural, for describing a selection.
TYPE_PLURALS: dict[str, str] = {
    "county": "county councils",
    "metropolitan borough": "metropolitan boroughs",
    "unitary": "unitary councils",
    "London borough": "London boroughs",
}

T = TypeVar("T")


class PeerError(ValueError):
    """A peer selection that cannot be made (unknown council, region or type); the message says why."""


def name_key(text: str) -> str:
    """Fold a council name for comparison: lower case, "&" as "and", punctuation as spaces."""
    text = fold(text).lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


class Council(BaseModel):
    """One council with adult social care duties."""

    model_config = ConfigDict(frozen=True)

    name: str
    region: Region
    type: CouncilType
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class _NameAffixes(BaseModel):
    prefixes: list[str]
    suffixes: list[str]


@lru_cache(maxsize=1)
def _affixes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    data = yaml.safe_load(NAMES_FILE.read_text(encoding="utf-8"))
    affixes = _NameAffixes.model_validate(data)
    by_length = lambda words: tuple(sorted((name_key(w) for w in words), key=len, reverse=True))  # noqa: E731
    return by_length(affixes.prefixes), by_length(affixes.suffixes)


@lru_cache(maxsize=8192)
def name_variants(name: str) -> tuple[str, ...]:
    """The folded name, then with council-name prefixes and suffixes stripped one at a time."""
    prefixes, suffixes = _affixes()
    key = name_key(name)
    out = [key]
    changed = True
    while changed and key:
        changed = False
        for p in prefixes:
            if key.startswith(p + " ") and len(key) > len(p) + 1:
                key, changed = key[len(p) + 1 :], True
                break
        for s in suffixes:
            if key.endswith(" " + s) and len(key) > len(s) + 1:
                key, changed = key[: -len(s) - 1], True
                break
        if changed:
            out.append(key)
    return tuple(out)


class Councils:
    """The reference data: every council, looked up by any way its name is written."""

    def __init__(self, councils: Iterable[Council]):
        self.all: tuple[Council, ...] = tuple(councils)
        self._by_key: dict[str, Council] = {}
        self._pattern: re.Pattern[str] | None = None
        for council in self.all:
            for n in council.names:
                self._by_key.setdefault(name_key(n), council)

    def __len__(self) -> int:
        return len(self.all)

    def __iter__(self):
        return iter(self.all)

    def match(self, name: str) -> Council | None:
        """The council a name means ("County Durham", "Durham", "Gloucestershire County Council"), or None."""
        for key in name_variants(name):
            if key in self._by_key:
                return self._by_key[key]
        return None

    def get(self, name: str) -> Council:
        """Like ``match`` but raises ``PeerError`` naming the unknown council."""
        council = self.match(name)
        if council is None:
            raise PeerError(
                f"{name!r} is not one of the {len(self.all)} English councils with adult social care duties"
            )
        return council

    def names_pattern(self) -> re.Pattern[str]:
        """Every folded name and alias, longest first, as one whole-word pattern."""
        if self._pattern is None:
            keys = sorted({name_key(n) for c in self.all for n in c.names}, key=len, reverse=True)
            self._pattern = re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(k) for k in keys) + r")(?![a-z0-9])")
        return self._pattern

    def in_region(self, region: str) -> list[Council]:
        return [c for c in self.all if c.region == region]

    def of_type(self, council_type: str) -> list[Council]:
        return [c for c in self.all if c.type == council_type]


def _read_councils(path: Path) -> list[Council]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    out = []
    for n, row in enumerate(csv.DictReader(lines), 2):
        try:
            aliases = tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip())
            out.append(
                Council.model_validate(
                    {"name": row["name"].strip(), "region": row["region"], "type": row["type"], "aliases": aliases}
                )
            )
        except (KeyError, ValueError, AttributeError) as exc:
            raise DataFileError(f"{path}: row {n} is malformed: {exc}") from None
    return out


@lru_cache(maxsize=4)
def load_councils(path: Path = COUNCILS_FILE) -> Councils:
    """The councils in the reference file (read once per process)."""
    return Councils(_read_councils(path))


def match_region(text: str) -> str | None:
    """The region a name means ("North East", "yorkshire and the humber"), or None."""
    key = name_key(text)
    return next((r for r in REGIONS if name_key(r) == key), None)


def match_type(text: str) -> str | None:
    """The council type a name means ("county", "metropolitan", "London boroughs"), or None."""
    key = name_key(text).removesuffix("s")
    for t in COUNCIL_TYPES:
        if key in (name_key(t), name_key(TYPE_PLURALS[t]).removesuffix("s"), name_key(t).split()[0]):
            return t
    return None


class PeerSelection(BaseModel):
    """Which other councils count as peers: a region, a type, both, or a chosen list."""

    model_config = ConfigDict(frozen=True)

    region: Region | None = None
    council_type: CouncilType | None = None
    names: tuple[str, ...] = Field(default=(), description="chosen councils (official names)")
    member_keys: frozenset[str] = Field(default=frozenset(), description="folded names and aliases of the peers")

    @classmethod
    def build(
        cls,
        councils: Councils,
        *,
        region: str | None = None,
        council_type: str | None = None,
        names: Sequence[str] = (),
    ) -> PeerSelection:
        """A selection from a region and/or type, or from council names (each must be known)."""
        if region is not None and region not in REGIONS:
            raise PeerError(f"unknown region {region!r}; regions: {', '.join(REGIONS)}")
        if council_type is not None and council_type not in COUNCIL_TYPES:
            raise PeerError(f"unknown council type {council_type!r}; types: {', '.join(COUNCIL_TYPES)}")
        chosen = tuple(dict.fromkeys(councils.get(n).name for n in names))
        if not (region or council_type or chosen):
            raise PeerError("a peer selection needs a region, a council type or at least one council")
        members = [
            c
            for c in councils
            if (c.name in chosen if chosen else True)
            and (region is None or c.region == region)
            and (council_type is None or c.type == council_type)
        ]
        keys = frozenset(name_key(n) for c in members for n in c.names)
        return cls(region=region, council_type=council_type, names=chosen, member_keys=keys)  # type: ignore[arg-type]

    def admits(self, authority: str) -> bool:
        """Whether a report's authority is one of the peers (name matched tolerantly)."""
        return any(key in self.member_keys for key in name_variants(authority))

    def filter(self, items: Iterable[T], authority: Callable[[T], str]) -> list[T]:
        """The items whose authority is a peer."""
        return [item for item in items if self.admits(authority(item))]

    def describe(self) -> str:
        """Plain words: "London boroughs", "councils in the North East", "unitary councils in the South West"."""
        if self.names:
            return _join(list(self.names))
        kind = TYPE_PLURALS[self.council_type] if self.council_type else "councils"
        if self.region is None:
            return kind
        if self.council_type == "London borough" and self.region == "London":
            return kind
        where = self.region if self.region in ("London", "Yorkshire and The Humber") else f"the {self.region}"
        return f"{kind} in {where}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def peer_selection(spec: str, councils: Councils, *, own: str | None = None) -> PeerSelection:
    """A selection from a short spec: ``region`` / ``type`` (the own council's), a region or type name,
    or ``NAME,NAME`` (councils, matched tolerantly). Raises ``PeerError`` with the reason."""
    spec = spec.strip()
    if not spec:
        raise PeerError("empty peer selection: give region, type or a list of councils")
    word = name_key(spec)
    if word in ("region", "type", "both"):
        if own is None:
            raise PeerError(f"--peers {spec} needs the report's council")
        mine = councils.match(own)
        if mine is None:
            raise PeerError(f"{own!r} is not in the council reference data, so its {word} is unknown")
        return PeerSelection.build(
            councils,
            region=mine.region if word in ("region", "both") else None,
            council_type=mine.type if word in ("type", "both") else None,
        )
    if (region := match_region(spec)) is not None:
        return PeerSelection.build(councils, region=region)
    if "," not in spec and (council_type := match_type(spec)) is not None:
        return PeerSelection.build(councils, council_type=council_type)
    return PeerSelection.build(councils, names=[n.strip() for n in spec.split(",") if n.strip()])


# ---------------------------------------------------------------------- peers named in a question


class PeerPhrases(BaseModel):
    types: dict[CouncilType, list[str]]
    regions: dict[Region, list[str]] = Field(default_factory=dict)
    own_region: list[str] = Field(default_factory=list)
    own_type: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)


def load_peer_phrases(prompts_dir: Path) -> PeerPhrases:
    return load_yaml(prompts_dir / PHRASES_FILE, PeerPhrases)


@lru_cache(maxsize=2048)
def _phrase(phrase: str) -> re.Pattern[str]:
    """A phrase as a whole-words pattern over ``name_key`` text (made once: every chat message asks)."""
    return re.compile(rf"(?<![a-z0-9]){re.escape(name_key(phrase))}(?![a-z0-9])")


def _has(text: str, phrase: str) -> bool:
    return _phrase(phrase).search(text) is not None


def peer_selection_from_text(
    text: str, councils: Councils, *, own: str | None = None, phrases: PeerPhrases | None = None
) -> PeerSelection | None:
    """The peers a question names, if any: "other London boroughs", "councils in the North East",
    "county councils", "unitary councils in the South West", "our region" (needs ``own``, the council
    the conversation is about). None when the question names no peers or ``own`` is needed but unknown."""
    if phrases is None:
        from .settings import Settings

        phrases = load_peer_phrases(Settings().prompts_dir)
    key = f" {name_key(text)} "
    for phrase in phrases.ignore:
        key = key.replace(f" {name_key(phrase)} ", " ")
    council_type = next((t for t, words in phrases.types.items() if any(_has(key, w) for w in words)), None)
    # Council names hold region words ("North East Lincolnshire", "West Sussex"): remove them first.
    bare = councils.names_pattern().sub(" ", key)
    region = next(
        (r for r in REGIONS if any(_has(bare, w) for w in [r, *phrases.regions.get(r, [])])),  # type: ignore[call-overload]
        None,
    )
    if council_type == "London borough" and region == "London":
        region = None
    wants_region = any(_has(key, w) for w in phrases.own_region)
    wants_type = any(_has(key, w) for w in phrases.own_type)
    if wants_region or wants_type:
        mine = councils.match(own) if own else None
        if mine is None:
            return None
        region = region or (mine.region if wants_region else None)
        council_type = council_type or (mine.type if wants_type else None)
    if region is None and council_type is None:
        return None
    return PeerSelection.build(councils, region=region, council_type=council_type)


def names_own_peers(text: str, phrases: PeerPhrases) -> bool:
    """Whether the question names peers relative to the asker ("our region", "councils like us"),
    which needs the council the conversation is about."""
    key = f" {name_key(text)} "
    return any(_has(key, w) for w in [*phrases.own_region, *phrases.own_type])
