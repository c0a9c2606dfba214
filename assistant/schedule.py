"""Dates for a plan: a start date turns timescales into dated milestones and measure targets.

``reschedule`` moves every milestone, target and workstream span when the start
date changes (``plan --start-date``, "set the start date to 1 April").
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from .models import Action, ActionPlan, MeasureDetail, Milestone
from .plan_config import PlanConfig

_MONTHS = re.compile(r"(\d{1,2})\s*months?\b", re.I)
_WEEKS = re.compile(r"(\d{1,2})\s*weeks?\b", re.I)


def add_months(start: date, months: int) -> date:
    """``start`` plus whole months, the day clipped to the month's length."""
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def months_of(timescale: str) -> int | None:
    """Months in a timescale such as "6 months" or "12 weeks" (rounded up); ``None`` when it names none."""
    if m := _MONTHS.search(timescale):
        return max(1, int(m.group(1)))
    if m := _WEEKS.search(timescale):
        return max(1, -(-int(m.group(1)) // 4))
    return None


def milestones(
    action: Action, start: date, config: PlanConfig, deliverable: str | None, baseline_needed: bool
) -> list[Milestone]:
    """Dated steps for an action of ``action.months`` months from ``start``."""
    months = action.months or months_of(action.timescale) or 6
    steps = config.milestones
    out: list[Milestone] = []
    if baseline_needed:
        out.append(Milestone(title=steps.baseline, due=add_months(start, config.measures.baseline_months)))
    middle = steps.halfway.format(deliverable=deliverable) if deliverable else steps.halfway_default
    if months >= 3:
        out.append(Milestone(title=middle, due=add_months(start, max(1, months // 2))))
    out.append(Milestone(title=steps.done, due=add_months(start, months)))
    out.append(Milestone(title=steps.review, due=add_months(start, months + steps.review_months_after)))
    for m in out:
        m.action_id = action.id
    return sorted(out, key=lambda m: m.due)


def reschedule(plan: ActionPlan, start: date, config: PlanConfig) -> ActionPlan:
    """A copy of ``plan`` dated from ``start``: milestones, measure targets and workstream spans move."""
    plan = plan.model_copy(deep=True)
    old = plan.start_date
    plan.start_date = start
    for action in plan.actions:
        for m in action.milestones:
            m.due = _shift(m.due, old, start)
        for measure in action.measure_details:
            if measure.target_date is not None:
                measure.target_date = _shift(measure.target_date, old, start)
            measure.baseline = _shift_text(measure.baseline, old, start)
        if action.measure_details:
            action.measures = [m.line() for m in action.measure_details]
    span_workstreams(plan)
    return plan


def span_workstreams(plan: ActionPlan) -> None:
    """Each workstream runs from the plan start to its last milestone."""
    for w in plan.workstreams:
        dues = [m.due for a in plan.actions if a.id in w.action_ids for m in a.milestones]
        w.start = plan.start_date
        w.end = max(dues) if dues else plan.start_date


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _shift(d: date, old: date | None, new: date) -> date:
    if old is None:
        return d
    return add_months(new, _months_between(old, d))


def _shift_text(text: str, old: date | None, new: date) -> str:
    """Dates written in a baseline ("... by 2 February 2027") moved with the plan."""
    if old is None:
        return text

    def move(m: re.Match) -> str:
        try:
            d = date(int(m.group(3)), list(calendar.month_name).index(m.group(2)), int(m.group(1)))
        except ValueError:
            return m.group(0)
        moved = _shift(d, old, new)
        return f"{moved.day} {moved:%B %Y}"

    names = "|".join(calendar.month_name[1:])
    return re.sub(rf"\b(\d{{1,2}}) ({names}) (\d{{4}})\b", move, text)


def measure_target(start: date, months: int, config: PlanConfig) -> date:
    return add_months(start, months + config.measures.target_months_after)


def baseline_text(source: str, start: date, config: PlanConfig) -> str:
    when = add_months(start, config.measures.baseline_months)
    return config.measures.baseline_to_set.format(source=source, date=f"{when.day} {when:%B %Y}")


def people_outcome(i_statement: str, start: date, months: int, config: PlanConfig, variant: int = 0) -> MeasureDetail:
    """The outcome for people of an action: the I-statement asked in a survey (``variant``: which wording)."""
    m = config.measures
    template = m.people_outcome[variant % len(m.people_outcome)]
    return MeasureDetail(
        what=template.format(i_statement=i_statement.rstrip(".")),
        baseline=baseline_text(m.people_outcome_source, start, config),
        target=m.people_outcome_target,
        target_date=measure_target(start, months, config),
        people_outcome=True,
        i_statement=i_statement,
    )
