"""How a plan is shaped: workstreams, priority by impact, phrasing, measures, governance.

Loaded from ``prompts/plan.yaml`` (and the initiative cues from
``prompts/initiatives.yaml``) and validated, so a council can change the
wording, the baseline sources or the governance route without touching code.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .datafiles import DataFileError, load_yaml
from .models import Governance, Priority
from .settings import PROJECT_ROOT

PLAN_FILE = "plan.yaml"
INITIATIVES_FILE = "initiatives.yaml"


class PlanConfigError(DataFileError):
    """``prompts/plan.yaml`` or ``prompts/initiatives.yaml`` is missing or malformed."""


class Family(BaseModel):
    """A kind of workstream: the themes it gathers and what it is for."""

    model_config = ConfigDict(extra="forbid")

    title: str
    themes: list[str]
    cues: list[str]
    near: list[str] = Field(default_factory=list)
    merged_titles: dict[str, str] = Field(
        default_factory=dict, description="title when merged with another workstream (by its id)"
    )
    outcome: str
    risks: list[str] = Field(default_factory=list)
    dependencies: list[str] = Field(default_factory=list)


class Impact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points: int
    cues: list[str]
    reason: str


class PriorityConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score_points: dict[int, int]
    unscored_points: int
    high_at: int
    medium_at: int
    impacts: dict[str, Impact]
    no_impact_reason: str
    recognised_reason: str
    score_reason: str

    def level(self, points: int) -> Priority:
        return "High" if points >= self.high_at else "Medium" if points >= self.medium_at else "Low"


class Language(BaseModel):
    model_config = ConfigDict(extra="forbid")

    builds_on: list[str] = Field(min_length=1)
    rationale: list[str] = Field(min_length=1)
    summary_intro: str
    summary_lead: str
    summary_builds_on: str
    summary_outcome: str
    no_good_practice: list[str] = Field(min_length=1)
    resources: str


class BaselineSource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cues: list[str]
    source: str


class MeasuresConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    baseline_sources: list[BaselineSource]
    default_source: str
    deliverable_cues: list[str]
    baseline_known: str
    baseline_to_set: str
    baseline_months: int = Field(ge=0, le=12)
    target_months_after: int = Field(ge=0, le=24)
    people_outcome: list[str] = Field(min_length=1)
    people_outcome_source: str
    people_outcome_target: str

    def source_for(self, text: str) -> str:
        lowered = text.lower()
        return next((b.source for b in self.baseline_sources if any(c in lowered for c in b.cues)), self.default_source)

    def is_deliverable(self, text: str) -> bool:
        lowered = f" {text.lower()} "
        return any(f" {c} " in lowered or f" {c}," in lowered for c in self.deliverable_cues)


class MilestonesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    baseline: str
    halfway: str
    halfway_default: str
    done: str
    review: str
    review_months_after: int = Field(ge=1, le=24)


class GovernanceConfig(Governance):
    """The plan's governance as ``prompts/plan.yaml`` sets it (``{joint}`` in the board's line is filled per plan);
    every field, the cadence included, must be given."""

    model_config = ConfigDict(extra="forbid")

    cadence: list[str]


class InitiativeCues(BaseModel):
    """``prompts/initiatives.yaml``: how work the report names is recognised."""

    model_config = ConfigDict(extra="forbid")

    version: int
    in_progress: list[str]
    recognised: list[str]
    mitigation: list[str]
    programme_nouns: list[str]
    known_programmes: list[str]
    not_programmes: list[str]
    exists_cues: dict[str, list[str]]
    generic: list[str] = Field(default_factory=list)


class PlanConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    theme_weight: int
    max_workstreams: dict[int, int]
    max_workstreams_unscored: int
    max_actions_per_workstream: dict[int, int]
    workstreams: dict[str, Family]
    priority: PriorityConfig
    language: Language
    measures: MeasuresConfig
    milestones: MilestonesConfig
    governance: GovernanceConfig
    tool_words: list[str]
    circular: list[str]
    max_lead_in_repeats: int = Field(ge=1)
    lead_in_words: int = Field(ge=1, le=6)

    @model_validator(mode="after")
    def _default(self) -> PlanConfig:
        if "default" not in self.workstreams:
            raise ValueError("workstreams must include a 'default' entry")
        for name, family in self.workstreams.items():
            unknown = [n for n in family.near if n not in self.workstreams]
            if unknown:
                raise ValueError(f"workstream {name!r}: near names unknown workstreams {unknown}")
        return self

    def family_of_theme(self, theme: str) -> str:
        return next((k for k, f in self.workstreams.items() if theme in f.themes), "default")

    def workstream_limit(self, score: int | None) -> int:
        return (
            self.max_workstreams.get(score, self.max_workstreams_unscored) if score else self.max_workstreams_unscored
        )

    def action_limit(self, score: int | None) -> int:
        return self.max_actions_per_workstream.get(score or 2, 3)


def load_plan_config(prompts_dir: Path | str | None = None) -> PlanConfig:
    """``prompts/plan.yaml``, validated (cached until the file changes)."""
    return load_yaml(Path(prompts_dir or PROJECT_ROOT / "prompts") / PLAN_FILE, PlanConfig, PlanConfigError)


def load_initiative_cues(prompts_dir: Path | str | None = None) -> InitiativeCues:
    """``prompts/initiatives.yaml``, validated (cached until the file changes)."""
    return load_yaml(Path(prompts_dir or PROJECT_ROOT / "prompts") / INITIATIVES_FILE, InitiativeCues, PlanConfigError)
