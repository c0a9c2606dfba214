"""Quality checks on a plan's wording and structure: what a cabinet reader would send back.

Each check returns the defects it finds (``Defect``): circular measures, a
lead-in repeated too often, titles repeating a content word, one good-practice
quote on several actions, mitigation quoted as shortfall evidence, and tool
words in the plan body. ``assistant eval`` counts them with threshold 0. Word
lists live in ``prompts/plan.yaml`` and ``prompts/initiatives.yaml``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from pydantic import BaseModel

from .initiatives import is_mitigation
from .models import ActionPlan
from .plan_config import InitiativeCues, PlanConfig, load_initiative_cues, load_plan_config
from .playbook import Playbook, default_playbook
from .text import fold, words

#: Share of a measure's content words found in its action's evidence that makes it a restatement.
CIRCULAR_OVERLAP = 0.7

CHECKS = (
    "circular_measure",
    "repeated_lead_in",
    "title_repeats_word",
    "good_practice_reused",
    "mitigation_as_evidence",
    "tool_words",
)


class Defect(BaseModel):
    check: str
    where: str
    detail: str


def check_plan(
    plan: ActionPlan,
    config: PlanConfig | None = None,
    cues: InitiativeCues | None = None,
    playbook: Playbook | None = None,
) -> list[Defect]:
    """Every defect of the plan, check by check."""
    config = config or load_plan_config()
    cues = cues or load_initiative_cues()
    playbook = playbook or default_playbook()
    return [
        *circular_measures(plan, config, playbook),
        *repeated_lead_ins(plan, config),
        *titles_repeating_a_word(plan, playbook),
        *good_practice_reused(plan),
        *mitigation_as_evidence(plan, cues),
        *tool_words(plan, config),
    ]


def circular_measures(plan: ActionPlan, config: PlanConfig, playbook: Playbook) -> Iterator[Defect]:
    """A measure that restates the shortfall ("confirms the shortfall ... is resolved") measures nothing."""
    for a in plan.actions:
        quotes = playbook.content_words(" ".join(c.quote for c in a.evidence))
        for m in a.measures:
            lowered = fold(m).lower()
            words = playbook.content_words(m)
            restates = bool(words) and len(words & quotes) / len(words) >= CIRCULAR_OVERLAP
            if restates or any(c in lowered for c in config.circular):
                yield Defect(check="circular_measure", where=a.id, detail=m)


def _body_sentences(plan: ActionPlan) -> Iterator[tuple[str, str]]:
    """(where, text) of the plan's own prose: actions, measures, good-practice lines, rationales, summary."""
    for line in plan.summary:
        yield "summary", line
    for w in plan.workstreams:
        yield w.id, w.title
        yield w.id, w.rationale
    for a in plan.actions:
        yield a.id, a.title
        yield a.id, a.action
        for m in a.measures:
            yield a.id, m
        for gp in a.good_practice:
            yield a.id, gp.summary
        if a.no_good_practice_note:
            yield a.id, a.no_good_practice_note


def repeated_lead_ins(plan: ActionPlan, config: PlanConfig) -> Iterator[Defect]:
    """The same opening words (or a stock phrase like "in response to") more than the allowed times."""
    counts: Counter[str] = Counter()
    for _, text in _body_sentences(plan):
        opening = words(text)
        if len(opening) >= config.lead_in_words:
            counts[" ".join(opening[: config.lead_in_words])] += 1
        counts.update(p for p in ("in response to", "adapt this in") if p in fold(text).lower())
    for lead_in, n in counts.items():
        if n > config.max_lead_in_repeats:
            yield Defect(check="repeated_lead_in", where="plan", detail=f"“{lead_in}” {n} times")


def titles_repeating_a_word(plan: ActionPlan, playbook: Playbook) -> Iterator[Defect]:
    """A title that uses a content word twice ("Performance framework for performance reporting")."""
    from .planner import repeats_a_word

    titles = [(w.id, w.title) for w in plan.workstreams] + [(a.id, a.title) for a in plan.actions]
    for where, title in titles:
        if repeats_a_word(title, playbook):
            yield Defect(check="title_repeats_word", where=where, detail=title)


def good_practice_reused(plan: ActionPlan) -> Iterator[Defect]:
    """The same good-practice quote offered on more than one action."""
    seen: dict[tuple[str, str], str] = {}
    for a in plan.actions:
        for gp in a.good_practice:
            for c in gp.citations:
                key = (c.passage_id, fold(c.quote))
                if key in seen and seen[key] != a.id:
                    yield Defect(check="good_practice_reused", where=a.id, detail=f"also on {seen[key]}: {c.quote}")
                seen.setdefault(key, a.id)


def mitigation_as_evidence(plan: ActionPlan, cues: InitiativeCues) -> Iterator[Defect]:
    """Shortfall evidence that is really about work under way or recognition."""
    for a in plan.actions:
        for c in a.evidence:
            if is_mitigation(c.quote, cues):
                yield Defect(check="mitigation_as_evidence", where=a.id, detail=c.quote)


def tool_words(plan: ActionPlan, config: PlanConfig) -> Iterator[Defect]:
    """Words about the tool ("corpus", "Drafted by the built-in engine") in the plan body."""
    for where, text in _body_sentences(plan):
        lowered = fold(text).lower()
        for word in config.tool_words:
            if re.search(rf"\b{re.escape(word)}", lowered):
                yield Defect(check="tool_words", where=where, detail=f"{word}: {text}")


def summarise(defects: list[Defect]) -> dict[str, int]:
    """Defects per check (every check listed, zero included)."""
    counts = Counter(d.check for d in defects)
    return {name: counts.get(name, 0) for name in CHECKS}
