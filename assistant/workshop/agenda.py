"""The workshop agenda: one item per theme of a report's shortfalls, with evidence and prompts.

Discussion prompts are templates in ``prompts/workshop_prompts.yaml``
(``load_workshop_prompts``); ``build_agenda`` fills them for each item.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from ..citations import verify_all
from ..datafiles import DataFileError, load_yaml
from ..models import ActionPlan, Passage, ReportFindings
from .domain import AgendaItem, Candidate, shorten

_PLACEHOLDERS = {"authority", "statement", "theme", "shortfall", "quote", "count"}
_GP_PLACEHOLDERS = _PLACEHOLDERS | {"good_practice_authority", "good_practice"}


class TimeBox(BaseModel):
    base_minutes: int = Field(ge=1, le=240)
    per_shortfall_minutes: int = Field(ge=0, le=120)
    max_minutes: int = Field(ge=1, le=240)

    def minutes(self, shortfalls: int) -> int:
        return min(self.max_minutes, self.base_minutes + self.per_shortfall_minutes * max(0, shortfalls - 1))


class WorkshopPromptsError(DataFileError):
    """``prompts/workshop_prompts.yaml`` is missing or malformed."""


class WorkshopPrompts(BaseModel):
    """prompts/workshop_prompts.yaml: discussion prompt templates per theme."""

    time_box: TimeBox
    prompts_per_item: int = Field(default=3, ge=2, le=6)
    default: list[str] = Field(min_length=2)
    good_practice: list[str] = Field(default_factory=list)
    themes: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_placeholders(self) -> WorkshopPrompts:
        groups = [("default", self.default, _PLACEHOLDERS), ("good_practice", self.good_practice, _GP_PLACEHOLDERS)]
        groups += [(f"themes.{k}", v, _PLACEHOLDERS) for k, v in self.themes.items()]
        for where, templates, allowed in groups:
            for t in templates:
                unknown = _template_fields(t) - allowed
                if unknown:
                    raise ValueError(f"{where} prompt uses unknown placeholder(s) {sorted(unknown)}: {t!r}")
        return self

    def render(self, theme: str, context: Mapping[str, str], with_good_practice: bool) -> list[str]:
        """Fill ``prompts_per_item`` prompts: the theme's, then the default ones, then good practice."""
        pool = list(dict.fromkeys(self.themes.get(theme, []) + self.default))
        room = self.prompts_per_item - (1 if with_good_practice and self.good_practice else 0)
        chosen = pool[:room] + (self.good_practice[:1] if with_good_practice else [])
        return [t.format_map(context) for t in chosen]


def _template_fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def load_workshop_prompts(prompts_dir: Path) -> WorkshopPrompts:
    """Load and check ``workshop_prompts.yaml`` (cached until it changes; unknown placeholders are an error)."""
    return load_yaml(Path(prompts_dir) / "workshop_prompts.yaml", WorkshopPrompts, WorkshopPromptsError)


def _humanise(theme_id: str) -> str:
    return re.sub(r"[_-]+", " ", theme_id).strip().capitalize() or "Other"


def _dedupe(items: list, key) -> list:
    seen, out = set(), []
    for it in items:
        k = key(it)
        if k not in seen:
            seen.add(k)
            out.append(it)
    return out


def build_agenda(
    findings: ReportFindings,
    plan: ActionPlan | None,
    passages: Mapping[str, Passage],
    prompts: WorkshopPrompts,
    theme_labels: Mapping[str, str] | None = None,
) -> list[AgendaItem]:
    """One agenda item per theme of the report's shortfalls, in report order.

    Each item carries the shortfalls' verified evidence, the plan's draft
    actions for those shortfalls as candidates, their good practice and
    discussion prompts filled from the prompt templates.
    """
    labels = dict(theme_labels or {})
    groups: dict[str, list] = {}
    for f in findings.findings:
        if f.kind == "shortfall":
            groups.setdefault(f.theme, []).append(f)
    unused = list(plan.actions) if plan else []
    items = []
    for position, (theme, shortfalls) in enumerate(groups.items()):
        ids = {f.id for f in shortfalls}
        actions = [a for a in unused if ids & set(a.shortfall_ids) or (not a.shortfall_ids and a.theme == theme)]
        unused = [a for a in unused if a not in actions]
        evidence = verify_all([c for f in shortfalls for c in f.citations], passages)
        evidence = _dedupe(evidence, lambda c: (c.passage_id, c.quote))
        gp = _dedupe([g for a in actions for g in a.good_practice], lambda g: (g.authority, g.summary))
        label = labels.get(theme) or _humanise(theme)
        quote = next((c.quote for c in evidence if c.verified), shortfalls[0].summary)
        context = {
            "authority": findings.authority,
            "statement": findings.quality_statement,
            "theme": label,
            "shortfall": shortfalls[0].summary,
            "quote": shorten(quote).rstrip(" ."),
            "count": str(len(shortfalls)),
            "good_practice_authority": gp[0].authority if gp else "",
            "good_practice": gp[0].summary if gp else "",
        }
        items.append(
            AgendaItem(
                position=position,
                title=label if len(shortfalls) > 1 else f"{label}: {shorten(shortfalls[0].summary, 90)}",
                theme=theme,
                summary=" ".join(f.summary for f in shortfalls),
                shortfall_ids=[f.id for f in shortfalls],
                time_box_min=prompts.time_box.minutes(len(shortfalls)),
                evidence=evidence,
                good_practice=gp,
                prompts=prompts.render(theme, context, with_good_practice=bool(gp)),
                candidates=[Candidate(action=a.model_copy(deep=True)) for a in actions],
            )
        )
    return items
