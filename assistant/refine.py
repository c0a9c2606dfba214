"""Plan refinement in words: "make action 2 owned by ...", "remove action 4", "add an action to ...".

A deterministic parser: ``apply_instruction`` edits a copy of the plan and
says what changed (``PlanChange``), or raises ``RefineError`` explaining what
it could not understand.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import TypeVar

from .entities import WORD
from .models import RAG, Action, ActionPlan, PlanChange, Priority, Workstream, format_date
from .plan_config import load_plan_config
from .playbook import Playbook
from .schedule import reschedule
from .text import fold
from .themes import Taxonomy

_T = TypeVar("_T", Action, Workstream)


class RefineError(ValueError):
    """An instruction the deterministic parser cannot apply; the message says why."""


_EDIT_START = re.compile(
    r"^\s*(?:please\s+|can you\s+|could you\s+)?(make|set|change|update|remove|delete|drop|mark|assign|rename|"
    r"give|move|flag|prioriti[sz]e|deprioriti[sz]e|add\s+(?:an?\s+|another\s+)?(?:new\s+)?(?:action|measure))\b",
    re.I,
)
_ACTION_REF = re.compile(r"\baction\s*#?\s*(\d+)\b|\bA(\d+)\b", re.I)
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
_RAG_WORDS: dict[str, RAG] = {
    "not started": "Not started",
    "in progress": "In progress",
    "green": "Green",
    "amber": "Amber",
    "red": "Red",
    "completed": "Complete",
    "complete": "Complete",
    "done": "Complete",
}
_TAIL_REF = re.compile(r"\s+(?:for|of|on|in)\s+(?:action\s*#?\s*\d+|a\d+|the\s+[\w' -]+?\s+action)\s*$", re.I)
_ADD_ACTION = re.compile(
    r"^\s*(?:please\s+)?add\s+(?:an?\s+|another\s+)?(?:new\s+)?action\s*(?:to\s+|that\s+|for\s+|:|-)?\s*(?P<v>.+)$",
    re.I | re.S,
)
_ADD_MEASURE = re.compile(
    r"^\s*(?:please\s+)?add\s+(?:an?\s+|another\s+)?measure\s*(?:of\s+success\s*)?:?\s*(?P<v>.+?)\s+"
    r"(?:to|for)\s+(?P<ref>action\s*#?\s*\d+|a\d+|the\s+[\w' -]+?\s+action)\s*\.?\s*$",
    re.I | re.S,
)


_START_DATE = re.compile(
    r"\b(?:start(?:\s+date)?|begin(?:ning)?)\b(?:\s+of\s+the\s+plan)?\s*(?:to|as|on|is|=|:)\s+(?P<v>.+?)\s*\.?\s*$",
    re.I,
)
_PRIORITIES: dict[str, Priority] = {"high": "High", "medium": "Medium", "low": "Low"}
_WORKSTREAM_REF = re.compile(r"\bworkstream\s*#?\s*(\d+)\b|\bW(\d+)\b", re.I)
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m} | {
    m.lower(): i for i, m in enumerate(calendar.month_abbr) if m
}


def looks_like_edit(message: str) -> bool:
    """True when the message is an instruction to change the plan rather than a question."""
    if _ADD_ACTION.match(message) or _ADD_MEASURE.match(message):
        return True
    if _EDIT_START.match(message) and _START_DATE.search(message):
        return True
    return bool(_EDIT_START.match(message)) and bool(
        _ACTION_REF.search(message)
        or _WORKSTREAM_REF.search(message)
        or re.search(r"\baction\b|\bactions\b|\bworkstreams?\b", message, re.I)
    )


def parse_day(text: str, today: date | None = None) -> date:
    """A date in words: "1 April", "1 April 2027", "April 1st", "2027-04-01" (no year: the next one)."""
    today = today or date.today()
    text = text.strip().rstrip(".").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    m = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?(?:,?\s+(\d{4}))?", text, re.I) or re.fullmatch(
        r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?", text, re.I
    )
    if m is None:
        raise RefineError(f"“{text}” is not a date I can read; say for example *1 April 2027* or *2027-04-01*.")
    a, b, year = m.groups()
    day, month = (a, b) if a.isdigit() else (b, a)
    if month.lower() not in _MONTHS:
        raise RefineError(f"“{month}” is not a month.")
    try:
        found = date(int(year) if year else today.year, _MONTHS[month.lower()], int(day))
    except ValueError as err:
        raise RefineError(f"“{text}” is not a date: {err}.") from None
    if not year and found < today:
        found = found.replace(year=today.year + 1)
    return found


def apply_instruction(
    plan: ActionPlan, instruction: str, taxonomy: Taxonomy, playbook: Playbook
) -> tuple[ActionPlan, list[PlanChange]]:
    """Apply one plain-English edit to a copy of ``plan``. Raises ``RefineError`` when it cannot."""
    plan = plan.model_copy(deep=True)
    text = instruction.strip()
    if _EDIT_START.match(text) and (m := _START_DATE.search(text)):
        return _set_start(plan, m.group("v"))
    if _WORKSTREAM_REF.search(text) or re.search(r"\bworkstream\b", text, re.I):
        return plan, [_edit_workstream(plan, text, taxonomy)]
    if m := _ADD_ACTION.match(text):
        return plan, [_add_user_action(plan, m.group("v"), taxonomy, playbook)]
    if m := _ADD_MEASURE.match(text):
        action = _target(plan, m.group("ref"), taxonomy)
        measure = _clean_value(m.group("v"))
        action.measures.append(measure)
        return plan, [_added(action, "measures", measure, f"added the measure “{measure}” to {action.id}.")]
    text, note = _split_progress_note(text)
    lower = fold(text).lower()
    action = _target(plan, text, taxonomy)
    if re.match(r"^\s*(?:please\s+)?(remove|delete|drop)\b", lower):
        return plan, [_remove(plan, action)]
    return plan, _edit_action(action, text, lower, note)


def _added(action: Action, field: str, value: str, summary: str) -> PlanChange:
    """A change that adds ``value`` to the action's ``field`` (a measure, a progress note)."""
    return PlanChange(kind="update", action_id=action.id, field=field, new=value, summary=summary)


def _remove(plan: ActionPlan, action: Action) -> PlanChange:
    """Remove ``action`` and renumber the rest."""
    plan.actions.remove(action)
    old_id = action.id
    plan.renumber()
    renumbered = (
        f" The remaining {len(plan.actions)} actions are renumbered A1–A{len(plan.actions)}." if plan.actions else ""
    )
    return PlanChange(
        kind="remove", action_id=old_id, old=action.title, summary=f"removed {old_id} “{action.title}”.{renumbered}"
    )


def _edit_action(action: Action, text: str, lower: str, note: str) -> list[PlanChange]:
    """The first field edit the instruction asks for (with its progress note), or a ``RefineError``."""
    for field, value in _edits(text, lower):
        old = getattr(action, field)
        setattr(action, field, value)
        return [
            PlanChange(
                kind="update",
                action_id=action.id,
                field=field,
                old=str(old),
                new=str(value),
                summary=f"{action.id} {_FIELD_NAMES[field]}: {old} → {value}.",
            ),
            *_progress_note(action, note),
        ]
    raise RefineError(
        "I understood which action you mean but not what to change. Try: *make action 2 owned by the Head of "
        "Commissioning*, *set the timescale of action 1 to 6 months*, *mark action 1 amber*, *make action 3 high "
        "priority*, *rename action 2 to …*, *remove action 4*, or *add an action to …*."
    )


_FIELD_NAMES = {
    "owner": "owner",
    "timescale": "timescale",
    "rag": "RAG status",
    "priority": "priority",
    "title": "title",
}


def _edits(text: str, lower: str) -> Iterator[tuple[str, str]]:
    """(field, value) pairs the instruction asks for, most specific first."""
    if (
        m := re.search(r"\bowned by\s+(?P<v>.+)$", text, re.I)
        or re.search(r"\bowner\b.*?\b(?:to|is|as|be|=|:)\s+(?P<v>.+)$", text, re.I)
        or re.search(r"\bassign\w*\b.*?\bto\s+(?P<v>.+)$", text, re.I)
    ):
        yield "owner", _clean_value(m.group("v"), drop_article=True)
    elif m := re.search(
        r"\b(?:timescale|deadline|time ?frame|due date|target date)\b.*?\b(?:to|is|as|be|=|:)\s+(?P<v>.+)$", text, re.I
    ) or re.search(r"\bdue\s+(?P<v>(?:in|by|within)\s+.+)$", text, re.I):
        yield "timescale", _clean_value(m.group("v"))
    elif m := re.search(r"\brename\b.*?\bto\s+(?P<v>.+)$|\btitle\b.*?\bto\s+(?P<v2>.+)$", text, re.I):
        yield "title", _clean_value(m.group("v") or m.group("v2"))
    elif m := re.search(r"\b(high|medium|low)(?:\s+|-)priority\b|\bpriority\b.*?\b(high|medium|low)\b", lower):
        yield "priority", (m.group(1) or m.group(2)).capitalize()
    elif re.match(r"^\s*(?:please\s+)?prioriti[sz]e\b", lower):
        yield "priority", "High"
    elif re.match(r"^\s*(?:please\s+)?deprioriti[sz]e\b", lower):
        yield "priority", "Low"
    elif m := re.search(r"\b(not started|in progress|green|amber|red|completed|complete|done)\b", lower):
        yield "rag", _RAG_WORDS[m.group(1)]


_PROGRESS_NOTE = re.compile(
    r"^(?P<edit>.*?\b(?:not started|in progress|green|amber|red|completed|complete|done))\s*"
    r"(?:[:;–—]|\s-\s|,?\s+(?:because|as|since)\b)\s*(?P<note>\S.*)$",
    re.I | re.S,
)


def _split_progress_note(text: str) -> tuple[str, str]:
    """Split "mark action 3 green: the dashboard is live" into the edit and the progress note."""
    m = _PROGRESS_NOTE.match(text)
    edit = m.group("edit") if m else ""
    if not m or not _EDIT_START.match(edit) or next(_edits(edit, fold(edit).lower()), ("",))[0] != "rag":
        return text, ""  # only a RAG change takes a note ("owned by the Head of Green - Spaces" is an owner)
    return edit, _clean_value(m.group("note"))


def _progress_note(action: Action, note: str) -> list[PlanChange]:
    """A dated progress note goes with a RAG change (``progress.record_plan_change`` stores it)."""
    return [_added(action, "progress", note, f"{action.id} progress note: “{note}”.")] if note else []


def _clean_value(value: str, drop_article: bool = False) -> str:
    value = _TAIL_REF.sub("", value.strip()).strip().rstrip(".!;,").strip().strip("\"'“”‘’").strip()
    if drop_article:
        value = re.sub(r"^the\s+", "", value, flags=re.I)
    if not value:
        raise RefineError("The new value is empty.")
    if len(value) > 300:
        raise RefineError("That value is too long for a plan field (300 characters at most).")
    return value[0].upper() + value[1:]


def _target(plan: ActionPlan, text: str, taxonomy: Taxonomy) -> Action:
    """The action an instruction refers to: by number, ordinal, or theme/title words."""
    if not plan.actions:
        raise RefineError("The plan has no actions yet.")
    ids = ", ".join(a.id for a in plan.actions)
    if action := _numbered(_ACTION_REF, text, plan.action, "action", ids):
        return action
    lower = fold(text).lower()
    if m := re.search(r"\b(" + "|".join(_ORDINALS) + r"|last)\s+action\b", lower):
        word = m.group(1)
        return plan.actions[-1] if word == "last" else _nth(plan, _ORDINALS[word], ids)
    m = re.search(r"((?:[\w'-]+\s+){1,4})action\b", lower)
    if m:
        words = re.split(r"\b(?:the|of|for|on|to|set|make|mark|change|remove|delete|drop|rename|give)\b", m.group(1))[
            -1
        ].strip()
        if words:
            return _by_words(plan, words, taxonomy, ids)
    raise RefineError(
        f"Which action? Say *action 2* (the plan has {ids}) or name its theme, e.g. *the co-production action*."
    )


def _numbered(ref: re.Pattern[str], text: str, lookup: Callable[[str], _T | None], noun: str, ids: str) -> _T | None:
    """The action (A2) or workstream (W2) that ``text`` names by number, None when it names none by number."""
    if not (m := ref.search(text)):
        return None
    n = int(m.group(1) or m.group(2))
    found = lookup(f"{noun[0].upper()}{n}")
    if found is None:
        raise RefineError(f"There is no {noun} {n}; the plan has {ids}.")
    return found


def _nth(plan: ActionPlan, n: int, ids: str) -> Action:
    if n > len(plan.actions):
        raise RefineError(f"There is no action {n}; the plan has {ids}.")
    return plan.actions[n - 1]


def _by_words(plan: ActionPlan, words: str, taxonomy: Taxonomy, ids: str) -> Action:
    theme = taxonomy.match(words)
    matches = [a for a in plan.actions if theme and a.theme == theme]
    if not matches:
        wanted = set(WORD.findall(words))
        matches = [
            a for a in plan.actions if wanted and wanted <= set(WORD.findall(fold(a.title + " " + a.action).lower()))
        ]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise RefineError(f"No action in the plan matches “{words}”; the plan has {ids}.")
    listed = "; ".join(f"{a.id} {a.title}" for a in matches)
    raise RefineError(f"Several actions match “{words}”: {listed}. Say which by number.")


def _add_user_action(plan: ActionPlan, text: str, taxonomy: Taxonomy, playbook: Playbook) -> PlanChange:
    what = _clean_value(text)
    theme = taxonomy.match(what) or taxonomy.fallback.id
    play = playbook.play(theme)
    months = sorted(lever.months for lever in play.levers)[len(play.levers) // 2]
    title = what if len(what) <= 80 else what[:77].rsplit(" ", 1)[0] + "…"
    action = Action(
        id=f"A{len(plan.actions) + 1}",
        title=title,
        theme=theme,
        action=what.rstrip(".") + ".",
        owner=play.owners[0],
        timescale=f"{months} months",
        priority=play.priority,
        no_good_practice_note="Added in conversation: no report evidence cited yet.",
    )
    plan.actions.append(action)
    plan.renumber()
    return PlanChange(
        kind="add",
        action_id=action.id,
        new=action.title,
        summary=f"added {action.id} “{action.title}” (owner {action.owner}, {action.timescale}: "
        "suggested from the playbook; change them if needed).",
    )


# --------------------------------------------------------------------------- the plan's start and workstreams


def _set_start(plan: ActionPlan, value: str) -> tuple[ActionPlan, list[PlanChange]]:
    start = parse_day(_clean_value(value))
    old = plan.start_date
    new = reschedule(plan, start, load_plan_config())
    was = format_date(old) if old else "not set"
    return new, [
        PlanChange(
            kind="update",
            field="start_date",
            old=old.isoformat() if old else None,
            new=start.isoformat(),
            summary=f"plan start date: {was} → {format_date(start)}; milestones and targets moved with it.",
        )
    ]


def _workstream_target(plan: ActionPlan, text: str, taxonomy: Taxonomy) -> Workstream:
    if not plan.workstreams:
        raise RefineError("This plan has no workstreams; refer to an action instead (e.g. *action 2*).")
    ids = ", ".join(f"{w.id} {w.title}" for w in plan.workstreams)
    if w := _numbered(_WORKSTREAM_REF, text, plan.workstream, "workstream", ids):
        return w
    m = re.search(r"((?:[\w'-]+\s+){1,4})workstream\b", fold(text).lower())
    words = ""
    if m:
        words = re.split(r"\b(?:the|of|for|on|to|set|make|mark|change|move|rename|give)\b", m.group(1))[-1].strip()
    if not words:
        raise RefineError(f"Which workstream? Say *workstream 2* or name it; the plan has {ids}.")
    theme = taxonomy.match(words)
    wanted = set(WORD.findall(words))
    matches = [w for w in plan.workstreams if theme and theme in w.themes] or [
        w for w in plan.workstreams if wanted and wanted <= set(WORD.findall(fold(w.title).lower()))
    ]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise RefineError(f"No workstream matches “{words}”; the plan has {ids}.")
    raise RefineError(f"Several workstreams match “{words}”: {'; '.join(w.id + ' ' + w.title for w in matches)}.")


def _edit_workstream(plan: ActionPlan, text: str, taxonomy: Taxonomy) -> PlanChange:
    """Priority, lead or title of a workstream; a priority change applies to its actions too."""
    w = _workstream_target(plan, text, taxonomy)
    lower = fold(text).lower()
    if m := re.search(r"\b(high|medium|low)\b", lower):
        old = w.priority
        priority: Priority = _PRIORITIES[m.group(1)]
        new = w.priority = priority
        w.rationale = f"{new}: set by the plan's leads (was {old}). {w.rationale}".strip()
        for a in plan.actions:
            if a.id in w.action_ids:
                a.priority = priority
        return PlanChange(
            kind="update", field="priority", old=old, new=new, summary=f"{w.id} “{w.title}” priority: {old} → {new}."
        )
    if m := re.search(r"\b(?:led by|lead(?:er)?\b.*?\b(?:to|is|as|be))\s+(?P<v>.+)$", text, re.I):
        was, w.lead = w.lead, _clean_value(m.group("v"), drop_article=True)
        return PlanChange(kind="update", field="lead", old=was, new=w.lead, summary=f"{w.id} lead: {was} → {w.lead}.")
    if m := re.search(r"\brename\b.*?\bto\s+(?P<v>.+)$|\btitle\b.*?\bto\s+(?P<v2>.+)$", text, re.I):
        was, w.title = w.title, _clean_value(m.group("v") or m.group("v2"))
        return PlanChange(
            kind="update", field="title", old=was, new=w.title, summary=f"{w.id} renamed: {was} → {w.title}."
        )
    raise RefineError(
        f"I understood you mean {w.id} “{w.title}” but not what to change. Try: *move the {w.title.lower()} "
        "workstream to high*, *make workstream 1 led by the Head of Commissioning*, *rename workstream 2 to …*."
    )
