"""The action playbook: per-theme levers, owners, timescales and measures.

Loaded from ``prompts/playbook.yaml`` and validated: every template may use
only the slots its place allows, every lever's owner must be one of its theme's
typical owners, and a ``default`` theme covers theme ids the playbook does not
know. The ``lexicon`` section holds the word lists the built-in planner and
answerer use (stopwords, connectives, nouns that name arrangements, partners,
severity cues), so no wording lives in code.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .datafiles import DataFileError, load_yaml, parse_yaml
from .models import Priority
from .phrases import lower_initial
from .settings import PROJECT_ROOT
from .text import terms
from .themes import Taxonomy

PLAYBOOK_FILE = "playbook.yaml"

#: Slots an action lever's templates may use.
ACTION_SLOTS = frozenset({"authority", "statement", "theme", "partner", "specific", "gap"})
#: Slots of the other templates, by message name.
MESSAGE_SLOTS = {
    "good_practice": frozenset({"other", "strength", "authority", "gap", "theme"}),
    "good_practice_theme": frozenset({"other", "strength", "authority", "theme"}),
    "no_good_practice": frozenset({"theme"}),
    "no_shortfalls": frozenset({"authority", "statement"}),
    "no_evidence": frozenset({"finding", "summary"}),
    "merged": frozenset({"kept", "merged"}),
}


class PlaybookError(DataFileError):
    """The playbook file is missing or malformed; the message says where and why."""


def template_slots(template: str) -> set[str]:
    """The ``{slot}`` names a template uses; positional or formatted fields are refused."""
    slots: set[str] = set()
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"template field {{{name}}} must be a plain named slot, in: {template!r}")
        slots.add(name)
    return slots


def check_template(template: str, allowed: frozenset[str], where: str) -> str:
    unknown = template_slots(template) - allowed
    if unknown:
        raise ValueError(
            f"{where}: unknown slot(s) {', '.join(sorted('{' + s + '}' for s in unknown))}; "
            f"allowed: {', '.join(sorted('{' + s + '}' for s in allowed))}"
        )
    return template


class Lever(BaseModel):
    """One kind of action: what will be done, by whom, by when, and how success shows."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    action: str
    owner: str | None = Field(default=None, description="a council role (one of the theme's owners)")
    partner_lead: str | None = Field(default=None, description="the partner's lead beside the council owner")
    creates: list[str] = Field(
        default_factory=list, description="what the action sets up; not proposed when the report says it exists"
    )
    extends: list[str] = Field(
        default_factory=list, description="kinds of existing work this lever builds on (e.g. 'shared care record')"
    )
    months: int = Field(ge=1, le=36)
    measures: list[str] = Field(min_length=1)
    cues: list[str] = Field(default_factory=list, description="words in a finding that make this lever apt")

    @model_validator(mode="after")
    def _templates(self) -> Lever:
        for field in ("title", "action"):
            check_template(getattr(self, field), ACTION_SLOTS, f"lever {self.id!r} {field}")
        for i, measure in enumerate(self.measures, start=1):
            check_template(measure, ACTION_SLOTS, f"lever {self.id!r} measure {i}")
        return self


class ThemePlay(BaseModel):
    """The playbook entry of one theme."""

    model_config = ConfigDict(extra="forbid")

    label: str
    subject: str = Field(description="what {specific} says when a finding names nothing specific")
    partner: str = Field(description="the usual partner for {partner}")
    priority: Priority = "Medium"
    owners: list[str] = Field(min_length=1, description="council roles")
    partner_lead: str | None = Field(default=None, description="the usual partner lead, when a partner is needed")
    levers: list[Lever] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> ThemePlay:
        ids = [lever.id for lever in self.levers]
        if len(ids) != len(set(ids)):
            raise ValueError(f"theme {self.label!r}: lever ids must be unique, got {ids}")
        for lever in self.levers:
            if lever.owner is not None and lever.owner not in self.owners:
                raise ValueError(
                    f"lever {lever.id!r}: owner {lever.owner!r} is not one of the theme's owners {self.owners}"
                )
        return self

    def owner_of(self, lever: Lever) -> str:
        return lever.owner or self.owners[0]

    def partner_lead_of(self, lever: Lever) -> str | None:
        return lever.partner_lead or self.partner_lead


class PriorityRules(BaseModel):
    """How an action's priority is scored: report score, severity cues and the theme's hint."""

    model_config = ConfigDict(extra="forbid")

    score_points: dict[int, int]
    unscored_points: int = 1
    severe_points: int = 1
    mild_points: int = -1
    theme_points: dict[Priority, int]
    high_at: int
    medium_at: int

    @model_validator(mode="after")
    def _ordered(self) -> PriorityRules:
        if self.medium_at > self.high_at:
            raise ValueError("priority: medium_at must not exceed high_at")
        return self

    def priority(self, score: int | None, severity: int, theme_priority: Priority) -> Priority:
        points = self.score_points.get(score, self.unscored_points) if score is not None else self.unscored_points
        points += self.severe_points if severity > 0 else self.mild_points if severity < 0 else 0
        points += self.theme_points.get(theme_priority, 0)
        return "High" if points >= self.high_at else "Medium" if points >= self.medium_at else "Low"


class Lexicon(BaseModel):
    """Word lists for clause clean-up, specifics, partners, severity and relevance."""

    model_config = ConfigDict(extra="forbid")

    stopwords: frozenset[str]
    question_words: list[str] = Field(default_factory=list, description="chat words that ask, not say what about")
    connectives: list[str] = Field(description="leading phrases removed from a clause (longest first)")
    reporting: frozenset[str] = Field(description="reporting words: a lead-in up to 'that'/'how' after one is removed")
    contrasts: list[str] = Field(default_factory=list, description="a gap starts after one of these")
    clause_breaks: list[str] = Field(description="where a long clause is cut")
    demonstratives: frozenset[str] = Field(description="words that point back to something named earlier")
    head_nouns: frozenset[str] = Field(description="nouns that name arrangements, teams, groups or systems")
    partners: dict[str, str] = Field(description="cue phrase -> partner named in actions")
    severe: list[str]
    mild: list[str]
    gap_words: int = Field(ge=4, le=40, description="longest gap excerpt, in words")

    @field_validator(
        "stopwords",
        "question_words",
        "connectives",
        "reporting",
        "contrasts",
        "clause_breaks",
        "demonstratives",
        "head_nouns",
        "severe",
        "mild",
    )
    @classmethod
    def _lower(cls, values):
        return type(values)(v.lower() for v in values)


class Playbook(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    messages: dict[str, str | list[str]] = Field(description="a template, or alternatives used in turn")
    closing_measure: str | None = Field(default=None, description="unused: measures restating the gap are circular")
    priority: PriorityRules
    lexicon: Lexicon
    themes: dict[str, ThemePlay]

    @model_validator(mode="after")
    def _complete(self) -> Playbook:
        if "default" not in self.themes:
            raise ValueError("themes must include a 'default' entry for unknown theme ids")
        missing = set(MESSAGE_SLOTS) - set(self.messages)
        if missing:
            raise ValueError(f"messages missing: {', '.join(sorted(missing))}")
        for name, templates in self.messages.items():
            if name not in MESSAGE_SLOTS:
                raise ValueError(f"unknown message {name!r}; known: {', '.join(sorted(MESSAGE_SLOTS))}")
            if isinstance(templates, list) and not templates:
                raise ValueError(f"message {name!r}: give at least one alternative")
            for template in [templates] if isinstance(templates, str) else templates:
                check_template(template, MESSAGE_SLOTS[name], f"message {name!r}")
        return self

    def play(self, theme_id: str) -> ThemePlay:
        """The entry for a theme, or the ``default`` entry when the playbook does not know it."""
        return self.themes.get(theme_id) or self.themes["default"]

    def message(self, name: str, variant: int = 0, **slots: str) -> str:
        """A message filled with ``slots``; ``variant`` picks among its alternatives in turn."""
        return self.alternatives(name)[variant % len(self.alternatives(name))].format(**slots)

    def alternatives(self, name: str) -> list[str]:
        templates = self.messages[name]
        return [templates] if isinstance(templates, str) else templates

    def revary(self, name: str, text: str, variant: int) -> str:
        """``text`` (rendered from the first alternative of ``name``) re-rendered with another one.

        Text that the first alternative did not produce is returned unchanged.
        """
        first, *_ = self.alternatives(name)
        slots = _unfill(first, text)
        if slots is None:
            return text
        try:
            return self.message(name, variant, **slots)
        except KeyError:
            return text

    def content_words(self, text: str) -> frozenset[str]:
        """The folded words (``text.terms``) of ``text`` without stopwords or one-letter words."""
        return _content_words(text, self.lexicon.stopwords)

    def key(self, theme_id: str) -> str:
        """The playbook entry name used for a theme id (``default`` when unknown)."""
        return theme_id if theme_id in self.themes else "default"

    def missing_themes(self, theme_ids: list[str]) -> list[str]:
        """Theme ids with no entry of their own (they fall back to ``default``)."""
        return [t for t in theme_ids if t not in self.themes]


def _unfill(template: str, text: str) -> dict[str, str] | None:
    """The slot values that made ``text`` from ``template``, or ``None`` when it did not."""
    pattern, unique = _template_pattern(template)
    m = pattern.fullmatch(text)
    return None if m is None else dict(zip(unique, m.groups(), strict=True))


@lru_cache(maxsize=256)
def _template_pattern(template: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    pattern, names = "", []
    for literal, name, _, _ in string.Formatter().parse(template):
        pattern += re.escape(literal)
        if name is not None:
            pattern += "(.+?)" if name not in names else "(?:.+?)"
            names.append(name)
    return re.compile(pattern, re.S), tuple(dict.fromkeys(names))


@lru_cache(maxsize=200_000)
def _content_words(text: str, stop: frozenset[str]) -> frozenset[str]:
    return frozenset(terms(text, stop, min_length=2))


def load_playbook(prompts_dir: Path | str) -> Playbook:
    """Read and validate ``<prompts_dir>/playbook.yaml`` (cached until the file changes).

    Raises ``PlaybookError`` saying what is wrong.
    """
    return load_yaml(Path(prompts_dir) / PLAYBOOK_FILE, Playbook, PlaybookError)


def parse_playbook(text: str, source: Path | str = PLAYBOOK_FILE) -> Playbook:
    """Validate playbook YAML text; ``PlaybookError`` naming the source and the problem."""
    return parse_yaml(text, Playbook, source, PlaybookError)


def default_playbook() -> Playbook:
    """The project's own playbook (for callers that were not handed one)."""
    return load_playbook(PROJECT_ROOT / "prompts")


def theme_label(taxonomy: Taxonomy | None, playbook: Playbook, theme_id: str) -> str:
    """The theme's label for use inside a sentence ("data and information sharing")."""
    if taxonomy is not None and theme_id in taxonomy.ids:
        label = taxonomy.label(theme_id)
    else:
        label = playbook.play(theme_id).label
    return lower_initial(label)
