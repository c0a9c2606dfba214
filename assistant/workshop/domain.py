"""Workshop domain: the views pages and exports render, input checks, and the plan after a workshop.

A facilitator turns a report's shortfalls into an agenda (``agenda``),
creates the workshop in the ``store`` and runs it; participants add
ideas and place dots. This module holds what those stages share: the typed
views (``WorkshopSnapshot``, ``AgendaItem``, ``Candidate``, ``Idea``...), the
errors whose messages are meant for the user, the input checks and join codes,
and ``accept_into_plan``, which turns the accepted candidates into the updated
improvement plan.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from typing import Literal

from pydantic import BaseModel, Field

from ..models import Action, ActionPlan, Citation, GoodPractice, ReportRef

#: Join codes: no 0/O, 1/I/L, so they can be read out and typed.
JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 10
MAX_CONTRIBUTION_CHARS = 1000
MAX_NAME_CHARS = 40
MAX_TITLE_CHARS = 200
MAX_DOTS = 20
MAX_PROMPT_CHARS = 500
MAX_SUMMARY_CHARS = 5000
ROLES = (
    "Staff",
    "Health partner",
    "Voluntary and community sector partner",
    "Person who draws on care",
    "Carer",
    "Other",
)
CandidateSource = Literal["draft", "idea", "facilitator"]
TO_BE_AGREED = "To be agreed"


class WorkshopError(ValueError):
    """Bad input or a refused action; the message is meant for the user."""


class AccessDenied(WorkshopError):
    """A token or join code that does not open anything."""


class DotsExhausted(WorkshopError):
    """The participant has used all their dots."""


# --------------------------------------------------------------------------- views


class Idea(BaseModel):
    """A participant's idea or comment on an agenda item."""

    id: int
    item_id: int
    participant_id: int
    author: str
    text: str
    created_at: float
    merged_into: int | None = None
    merged: list[int] = Field(default_factory=list, description="ids of duplicates merged into this")
    candidate_id: int | None = Field(default=None, description="set once promoted to a candidate action")


class Candidate(BaseModel):
    """A candidate action participants can vote on: a draft action or a promoted idea."""

    id: int | None = None
    item_id: int | None = None
    source: CandidateSource = "draft"
    idea_id: int | None = None
    action: Action
    votes: int = 0
    accepted: bool = False

    @property
    def stored_id(self) -> int:
        """The id of a candidate read from the store (drafts have none)."""
        if self.id is None:
            raise WorkshopError("This candidate action is not saved yet.")
        return self.id


class AgendaItem(BaseModel):
    """One agenda item: a theme or merged shortfall, its evidence, prompts and candidates."""

    id: int | None = None
    position: int = 0
    title: str
    theme: str = ""
    summary: str = ""
    shortfall_ids: list[str] = Field(default_factory=list)
    time_box_min: int = Field(default=15, ge=1, le=240)
    evidence: list[Citation] = Field(default_factory=list)
    good_practice: list[GoodPractice] = Field(default_factory=list)
    prompts: list[str] = Field(default_factory=list)
    candidates: list[Candidate] = Field(default_factory=list)
    ideas: list[Idea] = Field(default_factory=list)
    timer_started_at: float | None = None
    timer_elapsed_s: float = 0.0

    def remaining_s(self, now: float | None = None) -> float:
        """Seconds left in the time box (negative when over time)."""
        running = (now or time.time()) - self.timer_started_at if self.timer_started_at else 0.0
        return self.time_box_min * 60 - self.timer_elapsed_s - running

    @property
    def stored_id(self) -> int:
        """The id of an item read from the store (drafts have none)."""
        if self.id is None:
            raise WorkshopError("This agenda item is not saved yet.")
        return self.id

    @property
    def timer_running(self) -> bool:
        return self.timer_started_at is not None

    def open_ideas(self) -> list[Idea]:
        """Ideas not merged into another, in the order they arrived."""
        return [i for i in self.ideas if i.merged_into is None]


class ParticipantInfo(BaseModel):
    id: int
    display_name: str
    role: str | None = None
    dots_used: int = 0


class WorkshopSnapshot(BaseModel):
    """Everything about one workshop at one moment (what pages and exports render)."""

    id: str
    title: str
    date: dt.date
    expected_participants: int
    dots_per_participant: int
    report_id: str
    authority: str
    quality_statement: str
    score: int | None = None
    join_code: str
    joining_open: bool
    ended: bool
    anonymise: bool
    current_position: int
    version: int
    items: list[AgendaItem] = Field(default_factory=list)
    participants: list[ParticipantInfo] = Field(default_factory=list)
    base_plan: ActionPlan | None = None
    conversation_id: str | None = Field(default=None, description="the chat conversation whose plan it updates")

    def report_ref(self) -> ReportRef:
        """The report this workshop is about, as a plan or findings would name it."""
        return ReportRef(
            report_id=self.report_id,
            authority=self.authority,
            quality_statement=self.quality_statement,
            score=self.score,
        )

    def current_item(self) -> AgendaItem | None:
        return self.items[self.current_position] if 0 <= self.current_position < len(self.items) else None

    def item(self, item_id: int) -> AgendaItem:
        for it in self.items:
            if it.id == item_id:
                return it
        raise WorkshopError(f"There is no agenda item {item_id} in this workshop.")

    def candidates(self) -> list[Candidate]:
        return [c for it in self.items for c in it.candidates]

    def ranked_candidates(self) -> list[Candidate]:
        """All candidates, most votes first (ties in agenda order)."""
        order = {it.id: it.position for it in self.items}
        return sorted(self.candidates(), key=lambda c: (-c.votes, order.get(c.item_id, 0), c.id or 0))

    def total_votes(self) -> int:
        return sum(c.votes for c in self.candidates())

    def author_labels(self, anonymise: bool | None = None) -> dict[int, str]:
        """Display name per participant id, or "Participant N" in join order when anonymised."""
        anon = self.anonymise if anonymise is None else anonymise
        return {
            p.id: (f"Participant {n}" if anon else p.display_name)
            for n, p in enumerate(sorted(self.participants, key=lambda p: p.id), start=1)
        }


class WorkshopDraft(BaseModel):
    """What the facilitator fills in before the workshop exists."""

    title: str = Field(min_length=1, max_length=MAX_TITLE_CHARS)
    date: dt.date
    expected_participants: int = Field(default=20, ge=1, le=1000)
    dots_per_participant: int = Field(default=3, ge=1, le=MAX_DOTS)
    report_id: str
    authority: str
    quality_statement: str
    score: int | None = None
    items: list[AgendaItem] = Field(default_factory=list)
    base_plan: ActionPlan | None = None
    conversation_id: str | None = None


class CreatedWorkshop(BaseModel):
    """The result of ``create``: the facilitator token is shown once and never stored in clear."""

    workshop_id: str
    join_code: str
    facilitator_token: str


# --------------------------------------------------------------------------- input checks


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str, limit: int, what: str, *, single_line: bool = False) -> str:
    """Strip control characters and outer spaces; refuse empty or over-long text."""
    text = _CONTROL.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    text = re.sub(r"\s+", " ", text) if single_line else re.sub(r"\n{3,}", "\n\n", text)
    text = text.strip()
    if not text:
        raise WorkshopError(f"{what} is empty.")
    if len(text) > limit:
        raise WorkshopError(f"{what} is {len(text)} characters long; the limit is {limit}.")
    return text


def normalise_join_code(code: str) -> str:
    """Upper-case, without spaces or dashes; raise if it cannot be a join code."""
    norm = re.sub(r"[\s-]", "", code or "").upper()
    if len(norm) != JOIN_CODE_LENGTH or any(c not in JOIN_ALPHABET for c in norm):
        raise AccessDenied(
            f"That is not a join code: codes have {JOIN_CODE_LENGTH} letters and digits, like "
            f"{format_join_code('ABCDE23456')}."
        )
    return norm


def format_join_code(code: str) -> str:
    """``ABCDE-23456``: easier to read out."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def shorten(text: str, limit: int = 180) -> str:
    """Single-spaced, cut at a word boundary to at most ``limit`` characters (plus an ellipsis)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


# --------------------------------------------------------------------------- into the plan


def _priority(rank: int, total: int, votes: int) -> str:
    if votes == 0:
        return "Low"
    return "High" if rank < max(1, round(total / 3)) else "Medium" if rank < max(1, round(2 * total / 3)) else "Low"


def accept_into_plan(workshop: WorkshopSnapshot, plan: ActionPlan) -> ActionPlan:
    """The plan after the workshop: accepted candidates first, ranked by votes.

    Draft actions that were on the agenda but not accepted leave the plan (with
    a note); plan actions the workshop did not discuss stay, after the accepted
    ones. Actions are renumbered A1, A2, ...
    """
    accepted = [c for c in workshop.ranked_candidates() if c.accepted]
    discussed = {c.action.id for c in workshop.candidates() if c.source == "draft"}
    ranked = [
        c.action.model_copy(update={"priority": _priority(rank, len(accepted), c.votes)}, deep=True)
        for rank, c in enumerate(accepted)
    ]
    accepted_ids = {c.action.id for c in accepted if c.source == "draft"}
    dropped = [a for a in plan.actions if a.id in discussed and a.id not in accepted_ids]
    kept = [a.model_copy(deep=True) for a in plan.actions if a.id not in discussed]
    notes = [
        f'Workshop "{workshop.title}" ({workshop.date.isoformat()}): {len(ranked)} action(s) accepted, '
        f"ranked by {workshop.total_votes()} dot vote(s) from {len(workshop.participants)} participant(s)."
    ]
    notes += [f"Not prioritised at the workshop, removed: {a.id} {a.title}" for a in dropped]
    new = plan.model_copy(update={"actions": ranked + kept, "notes": plan.notes + notes}, deep=True)
    new.renumber()
    return new
