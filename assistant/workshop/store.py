"""Workshop persistence: the store and the facilitator / participant handles (tables in ``tables``).

A facilitator creates a workshop (``WorkshopStore.create``) from an agenda and
gets a join code for participants and a secret facilitator token. Participants
join with the code and a display name and get a participant token (kept in the
page URL, so a reload rejoins). Every facilitator action goes through
``Facilitator`` (obtained only with the token) and every participant action
through ``Participant``. State is persisted through SQLAlchemy on ``db.Base``
(SQLite WAL by default, PostgreSQL when configured) and every operation is one
transaction, so concurrent votes are never lost or double counted: a vote locks
the participant row (``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE``
on SQLite) and takes a numbered dot slot that a unique constraint guards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Literal, TypeVar, cast

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import Base
from ..models import Action, ActionPlan
from .domain import (
    MAX_CONTRIBUTION_CHARS,
    MAX_DOTS,
    MAX_NAME_CHARS,
    MAX_PROMPT_CHARS,
    MAX_SUMMARY_CHARS,
    MAX_TITLE_CHARS,
    ROLES,
    TO_BE_AGREED,
    AccessDenied,
    AgendaItem,
    Candidate,
    CandidateSource,
    CreatedWorkshop,
    DotsExhausted,
    Idea,
    ParticipantInfo,
    WorkshopDraft,
    WorkshopError,
    WorkshopSnapshot,
    clean_text,
    new_join_code,
    normalise_join_code,
    shorten,
)
from .tables import TABLES, CandidateRow, ContributionRow, ItemRow, ParticipantRow, VoteRow, WorkshopRow


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --------------------------------------------------------------------------- store


class WorkshopStore:
    """Creates workshops and hands out facilitator / participant handles after checking tokens."""

    def __init__(self, engine: Engine):
        self.engine = engine
        Base.metadata.create_all(engine, tables=[Base.metadata.tables[t.__tablename__] for t in TABLES])

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def create(self, draft: WorkshopDraft) -> CreatedWorkshop:
        title = clean_text(draft.title, MAX_TITLE_CHARS, "The workshop title", single_line=True)
        token = secrets.token_urlsafe(32)
        workshop_id = uuid.uuid4().hex
        with self.transaction() as s:
            code = new_join_code()
            while s.scalar(select(WorkshopRow.id).where(WorkshopRow.join_code == code)):
                code = new_join_code()  # pragma: no cover - 31**10 codes
            # The draft's other fields (date, numbers, report, conversation) are stored as they are.
            as_is = draft.model_dump(exclude={"title", "items", "base_plan"})
            s.add(
                WorkshopRow(
                    id=workshop_id,
                    title=title,
                    join_code=code,
                    facilitator_token_hash=_hash_token(token),
                    base_plan=draft.base_plan.model_dump(mode="json") if draft.base_plan else None,
                    **as_is,
                )
            )
            s.flush()
            for position, item in enumerate(draft.items):
                _insert_item(s, workshop_id, position, item)
        return CreatedWorkshop(workshop_id=workshop_id, join_code=code, facilitator_token=token)

    def facilitate(self, token: str) -> Facilitator:
        """The facilitator handle for the workshop whose secret token this is."""
        with self.transaction() as s:
            wid = s.scalar(select(WorkshopRow.id).where(WorkshopRow.facilitator_token_hash == _hash_token(token or "")))
        if wid is None:
            raise AccessDenied("This facilitator link is not valid. Use the secret link you were given.")
        return Facilitator(self, wid)

    def join(self, code: str, display_name: str, role: str | None = None) -> tuple[Participant, str]:
        """Join with a code; returns the participant handle and their (secret) token."""
        norm = normalise_join_code(code)
        name = clean_text(display_name, MAX_NAME_CHARS, "Your display name", single_line=True)
        if role is not None and role not in ROLES:
            raise WorkshopError(f"Unknown role {role!r}; choose one of: {', '.join(ROLES)}.")
        token = secrets.token_urlsafe(24)
        with self.transaction() as s:
            w = s.scalar(select(WorkshopRow).where(WorkshopRow.join_code == norm))
            if w is None:
                raise AccessDenied("No workshop has that join code. Check it with the facilitator.")
            if not w.joining_open or w.ended:
                raise AccessDenied(
                    "This workshop is not accepting new participants: the facilitator closed the join code."
                )
            row = ParticipantRow(workshop_id=w.id, token_hash=_hash_token(token), display_name=name, role=role)
            s.add(row)
            s.flush()
            pid = row.id
        return Participant(self, w.id, pid), token

    def participant(self, token: str) -> Participant:
        """Rejoin with a participant token (from the page URL)."""
        with self.transaction() as s:
            row = s.scalar(select(ParticipantRow).where(ParticipantRow.token_hash == _hash_token(token or "")))
        if row is None:
            raise AccessDenied("This participant link is not valid. Join again with the workshop code.")
        return Participant(self, row.workshop_id, row.id)

    def presented(self, code: str) -> WorkshopSnapshot:
        """The workshop for the projector, found by its join code (shown on screen anyway; read-only)."""
        norm = normalise_join_code(code)
        with self.transaction() as s:
            w = s.scalar(select(WorkshopRow).where(WorkshopRow.join_code == norm))
            if w is None:
                raise AccessDenied("No workshop has that join code. Open the presenter view from the facilitator page.")
            return _snapshot(s, w)

    def snapshot(self, workshop_id: str) -> WorkshopSnapshot:
        with self.transaction() as s:
            return _snapshot(s, _workshop(s, workshop_id))


def _insert_item(s: Session, workshop_id: str, position: int, item: AgendaItem) -> int:
    row = ItemRow(
        workshop_id=workshop_id,
        position=position,
        title=clean_text(item.title, MAX_TITLE_CHARS, "The item title", single_line=True),
        theme=item.theme,
        summary=item.summary,
        shortfall_ids=list(item.shortfall_ids),
        time_box_min=item.time_box_min,
        evidence=[c.model_dump(mode="json") for c in item.evidence],
        good_practice=[g.model_dump(mode="json") for g in item.good_practice],
        prompts=_clean_prompts(item.prompts),
    )
    s.add(row)
    s.flush()
    for cand in item.candidates:
        _add_candidate(s, workshop_id, row.id, cand.action, cand.source)
    return row.id


def _add_candidate(
    s: Session, workshop_id: str, item_id: int, action: Action, source: CandidateSource, idea_id: int | None = None
) -> int:
    """Store a candidate action on an item (from an idea when ``idea_id`` is given); returns its id."""
    row = CandidateRow(
        workshop_id=workshop_id, item_id=item_id, source=source, idea_id=idea_id, action=action.model_dump(mode="json")
    )
    s.add(row)
    s.flush()
    return row.id


def _clean_prompts(prompts: list[str]) -> list[str]:
    return [clean_text(p, MAX_PROMPT_CHARS, "A discussion prompt", single_line=True) for p in prompts if p.strip()]


def _summary(text: str) -> str:
    return clean_text(text, MAX_SUMMARY_CHARS, "The item summary") if text.strip() else ""


def _time_box(minutes: int) -> int:
    if not 1 <= minutes <= 240:
        raise WorkshopError("A time box must be between 1 and 240 minutes.")
    return minutes


def _workshop(s: Session, workshop_id: str, *, lock: Literal["share", "update"] | None = None) -> WorkshopRow:
    """The workshop row; on PostgreSQL ``lock`` takes FOR SHARE / FOR UPDATE (SQLite's BEGIN IMMEDIATE covers it)."""
    q = select(WorkshopRow).where(WorkshopRow.id == workshop_id)
    w = s.scalar(q.with_for_update(read=lock == "share") if lock else q)
    if w is None:
        raise WorkshopError("This workshop no longer exists.")
    return w


def _counts(s: Session, column, workshop_id: str) -> dict[int, int]:
    """Dots per value of ``column`` (candidate or participant) in one workshop."""
    query = select(column, func.count()).where(VoteRow.workshop_id == workshop_id).group_by(column)
    return dict(s.execute(query).all())


def _snapshot(s: Session, w: WorkshopRow) -> WorkshopSnapshot:
    items = s.scalars(select(ItemRow).where(ItemRow.workshop_id == w.id).order_by(ItemRow.position)).all()
    people = s.scalars(select(ParticipantRow).where(ParticipantRow.workshop_id == w.id)).all()
    ideas = s.scalars(
        select(ContributionRow).where(ContributionRow.workshop_id == w.id).order_by(ContributionRow.id)
    ).all()
    cands = s.scalars(select(CandidateRow).where(CandidateRow.workshop_id == w.id).order_by(CandidateRow.id)).all()
    votes = _counts(s, VoteRow.candidate_id, w.id)
    used = _counts(s, VoteRow.participant_id, w.id)
    idea_views = _ideas(ideas, {p.id: p.display_name for p in people}, cands)
    candidates = [_candidate(c, votes.get(c.id, 0)) for c in cands]
    return WorkshopSnapshot(
        id=w.id,
        title=w.title,
        date=w.date,
        expected_participants=w.expected_participants,
        dots_per_participant=w.dots_per_participant,
        report_id=w.report_id,
        authority=w.authority,
        quality_statement=w.quality_statement,
        score=w.score,
        join_code=w.join_code,
        joining_open=w.joining_open,
        ended=w.ended,
        anonymise=w.anonymise,
        current_position=w.current_position,
        version=w.version,
        base_plan=ActionPlan.model_validate(w.base_plan) if w.base_plan else None,
        conversation_id=w.conversation_id,
        participants=[
            ParticipantInfo(id=p.id, display_name=p.display_name, role=p.role, dots_used=used.get(p.id, 0))
            for p in people
        ],
        items=[
            _agenda_item(
                it, [c for c in candidates if c.item_id == it.id], [i for i in idea_views if i.item_id == it.id]
            )
            for it in items
        ],
    )


def _ideas(ideas: Sequence[ContributionRow], names: dict[int, str], cands: Sequence[CandidateRow]) -> list[Idea]:
    """Ideas with their author's name, the ideas merged into each, and the candidate each was promoted to."""
    promoted = {c.idea_id: c.id for c in cands if c.idea_id is not None}
    merged: dict[int, list[int]] = {}
    for i in ideas:
        if i.merged_into_id is not None:
            merged.setdefault(i.merged_into_id, []).append(i.id)
    return [
        Idea(
            id=i.id,
            item_id=i.item_id,
            participant_id=i.participant_id,
            author=names.get(i.participant_id, "?"),
            text=i.text,
            created_at=i.created_at,
            merged_into=i.merged_into_id,
            merged=merged.get(i.id, []),
            candidate_id=promoted.get(i.id),
        )
        for i in ideas
    ]


def _candidate(c: CandidateRow, votes: int) -> Candidate:
    return Candidate(
        id=c.id,
        item_id=c.item_id,
        source=cast(CandidateSource, c.source),
        idea_id=c.idea_id,
        action=Action.model_validate(c.action),
        votes=votes,
        accepted=c.accepted,
    )


#: The parts of an ``AgendaItem`` that are rows of their own, not columns of ``ItemRow``.
_ITEM_CHILDREN = ("candidates", "ideas")


def _agenda_item(it: ItemRow, candidates: list[Candidate], ideas: list[Idea]) -> AgendaItem:
    """The stored item as the domain's ``AgendaItem``: every other field is the column of the same name."""
    columns = {name: getattr(it, name) for name in AgendaItem.model_fields if name not in _ITEM_CHILDREN}
    return AgendaItem(**columns, candidates=candidates, ideas=ideas)


_Owned = TypeVar("_Owned", ItemRow, CandidateRow, ContributionRow)
_WHAT: dict[type, str] = {ItemRow: "agenda item", CandidateRow: "candidate action", ContributionRow: "idea"}


class _Handle:
    def __init__(self, store: WorkshopStore, workshop_id: str):
        self.store = store
        self.workshop_id = workshop_id

    def snapshot(self) -> WorkshopSnapshot:
        return self.store.snapshot(self.workshop_id)

    def _owned(self, s: Session, row_type: type[_Owned], row_id: int) -> _Owned:
        """The row of this type and id, refused unless it belongs to this workshop."""
        row = s.get(row_type, row_id)
        if row is None or row.workshop_id != self.workshop_id:
            raise WorkshopError(f"There is no {_WHAT[row_type]} {row_id} in this workshop.")
        return row


class Participant(_Handle):
    """What a participant may do: read the current item, add ideas, place and take back dots."""

    def __init__(self, store: WorkshopStore, workshop_id: str, participant_id: int):
        super().__init__(store, workshop_id)
        self.id = participant_id

    def position(self) -> tuple[int, int]:
        """(current item position, version): changes whenever the facilitator changes something."""
        with self.store.transaction() as s:
            w = _workshop(s, self.workshop_id)
            return w.current_position, w.version

    def _open(self, s: Session) -> WorkshopRow:
        """Lock this participant's row (serialises their votes) and check the workshop is running."""
        s.execute(select(ParticipantRow.id).where(ParticipantRow.id == self.id).with_for_update())
        w = _workshop(s, self.workshop_id, lock="share")  # the facilitator cannot change dots meanwhile
        if w.ended:
            raise WorkshopError("The workshop has ended: ideas and votes are closed.")
        return w

    def add_idea(self, item_id: int, text: str) -> int:
        body = clean_text(text, MAX_CONTRIBUTION_CHARS, "Your idea")
        with self.store.transaction() as s:
            self._open(s)
            self._owned(s, ItemRow, item_id)
            row = ContributionRow(workshop_id=self.workshop_id, item_id=item_id, participant_id=self.id, text=body)
            s.add(row)
            s.flush()
            return row.id

    def vote(self, candidate_id: int) -> int:
        """Place one dot; returns the dots left. Raises ``DotsExhausted`` past the limit."""
        try:
            with self.store.transaction() as s:
                w = self._open(s)
                self._owned(s, CandidateRow, candidate_id)
                used = set(s.scalars(select(VoteRow.slot).where(VoteRow.participant_id == self.id)))
                free = next((n for n in range(1, w.dots_per_participant + 1) if n not in used), None)
                if free is None:
                    raise DotsExhausted(
                        f"You have used all {w.dots_per_participant} of your dots. "
                        "Take one back to vote for something else."
                    )
                s.add(
                    VoteRow(workshop_id=self.workshop_id, participant_id=self.id, candidate_id=candidate_id, slot=free)
                )
                return w.dots_per_participant - len(used) - 1
        except IntegrityError as exc:  # a concurrent vote took the slot: never double count
            raise WorkshopError("Your vote clashed with another one of yours; please try again.") from exc

    def unvote(self, candidate_id: int) -> int:
        """Take back one dot from a candidate; returns the dots left."""
        with self.store.transaction() as s:
            w = self._open(s)
            vote = s.scalar(
                select(VoteRow)
                .where(VoteRow.participant_id == self.id, VoteRow.candidate_id == candidate_id)
                .order_by(VoteRow.slot.desc())
                .limit(1)
            )
            if vote is None:
                raise WorkshopError("You have no dot on that action to take back.")
            s.delete(vote)
            s.flush()
            return w.dots_per_participant - self._dots_used(s)

    def my_votes(self) -> dict[int, int]:
        """Dots per candidate id placed by this participant."""
        with self.store.transaction() as s:
            rows = s.execute(
                select(VoteRow.candidate_id, func.count())
                .where(VoteRow.participant_id == self.id)
                .group_by(VoteRow.candidate_id)
            ).all()
        return dict(rows)

    def _dots_used(self, s: Session) -> int:
        return s.scalar(select(func.count()).select_from(VoteRow).where(VoteRow.participant_id == self.id)) or 0

    def info(self) -> ParticipantInfo:
        with self.store.transaction() as s:
            row = s.get_one(ParticipantRow, self.id)
            return ParticipantInfo(
                id=row.id, display_name=row.display_name, role=row.role, dots_used=self._dots_used(s)
            )


class Facilitator(_Handle):
    """Everything the facilitator may do; obtained only through ``WorkshopStore.facilitate(token)``."""

    @contextmanager
    def _change(self) -> Iterator[tuple[Session, WorkshopRow]]:
        """A transaction that bumps the workshop version so participants' pages refresh."""
        with self.store.transaction() as s:
            w = _workshop(s, self.workshop_id, lock="update")
            yield s, w
            w.version += 1

    # settings -------------------------------------------------------------
    def update(
        self,
        *,
        title: str | None = None,
        date: dt.date | None = None,
        expected_participants: int | None = None,
        dots_per_participant: int | None = None,
        anonymise: bool | None = None,
    ) -> None:
        with self._change() as (s, w):
            if title is not None:
                w.title = clean_text(title, MAX_TITLE_CHARS, "The workshop title", single_line=True)
            if date is not None:
                w.date = date
            if expected_participants is not None:
                if not 1 <= expected_participants <= 1000:
                    raise WorkshopError("Expected participants must be between 1 and 1000.")
                w.expected_participants = expected_participants
            if dots_per_participant is not None:
                self._set_dots(s, w, dots_per_participant)
            if anonymise is not None:
                w.anonymise = anonymise

    def _set_dots(self, s: Session, w: WorkshopRow, dots: int) -> None:
        if not 1 <= dots <= MAX_DOTS:
            raise WorkshopError(f"Dots per participant must be between 1 and {MAX_DOTS}.")
        top = s.scalar(select(func.max(VoteRow.slot)).where(VoteRow.workshop_id == w.id)) or 0
        if dots < top:
            raise WorkshopError(f"Someone has already placed {top} dots; dots per participant cannot go below that.")
        w.dots_per_participant = dots

    def set_joining(self, open_: bool) -> None:
        """Open or close the join code (people already in stay in)."""
        with self._change() as (_, w):
            w.joining_open = open_

    def link_conversation(self, conversation_id: str) -> None:
        """Remember the chat conversation whose plan this workshop updates."""
        with self._change() as (_, w):
            w.conversation_id = conversation_id

    def end(self, ended: bool = True) -> None:
        """End (or reopen) the workshop: ideas and votes stop, the join code closes."""
        with self._change() as (_, w):
            w.ended = ended
            if ended:
                w.joining_open = False

    # agenda -----------------------------------------------------------------
    def _items(self, s: Session) -> list[ItemRow]:
        query = select(ItemRow).where(ItemRow.workshop_id == self.workshop_id).order_by(ItemRow.position)
        return list(s.scalars(query))

    def reorder(self, item_ids: list[int]) -> None:
        """Put the items in this order (it must list every item once)."""
        with self._change() as (s, w):
            items = self._items(s)
            if sorted(item_ids) != sorted(i.id for i in items):
                raise WorkshopError("The new order must list every agenda item exactly once.")
            current = items[w.current_position].id if 0 <= w.current_position < len(items) else None
            by_id = {i.id: i for i in items}
            for position, item_id in enumerate(item_ids):
                by_id[item_id].position = position
            if current is not None:
                w.current_position = item_ids.index(current)

    def move(self, item_id: int, delta: int) -> None:
        """Move an item up (negative) or down (positive) the agenda."""
        with self.store.transaction() as s:
            ids = [i.id for i in self._items(s)]
        if item_id not in ids:
            raise WorkshopError(f"There is no agenda item {item_id} in this workshop.")
        i = ids.index(item_id)
        j = max(0, min(len(ids) - 1, i + delta))
        ids.insert(j, ids.pop(i))
        self.reorder(ids)

    def edit_item(
        self,
        item_id: int,
        *,
        title: str | None = None,
        summary: str | None = None,
        time_box_min: int | None = None,
        prompts: list[str] | None = None,
    ) -> None:
        with self._change() as (s, _):
            row = self._owned(s, ItemRow, item_id)
            if title is not None:
                row.title = clean_text(title, MAX_TITLE_CHARS, "The item title", single_line=True)
            if summary is not None:
                row.summary = _summary(summary)
            if time_box_min is not None:
                row.time_box_min = _time_box(time_box_min)
            if prompts is not None:
                row.prompts = _clean_prompts(prompts)

    def add_item(
        self,
        title: str,
        *,
        summary: str = "",
        time_box_min: int = 15,
        prompts: list[str] | None = None,
        theme: str = "",
    ) -> int:
        """Append a new item to the agenda; returns its id."""
        with self._change() as (s, _):
            item = AgendaItem(
                title=title,
                summary=_summary(summary),
                time_box_min=_time_box(time_box_min),
                prompts=prompts or [],
                theme=theme,
            )
            return _insert_item(s, self.workshop_id, len(self._items(s)), item)

    def drop_item(self, item_id: int) -> None:
        """Remove an item with its ideas, candidates and the dots on them (dots go back)."""
        with self._change() as (s, w):
            self._owned(s, ItemRow, item_id)
            cands = select(CandidateRow.id).where(CandidateRow.item_id == item_id)
            s.execute(delete(VoteRow).where(VoteRow.candidate_id.in_(cands)))
            s.execute(delete(CandidateRow).where(CandidateRow.item_id == item_id))
            s.execute(update(ContributionRow).where(ContributionRow.item_id == item_id).values(merged_into_id=None))
            s.execute(delete(ContributionRow).where(ContributionRow.item_id == item_id))
            s.execute(delete(ItemRow).where(ItemRow.id == item_id))
            for position, row in enumerate(self._items(s)):
                row.position = position
            w.current_position = max(0, min(w.current_position, len(self._items(s)) - 1))

    # running ----------------------------------------------------------------
    def go_to(self, position: int) -> None:
        with self._change() as (s, w):
            n = len(self._items(s))
            if not 0 <= position < n:
                raise WorkshopError(f"There is no agenda item at position {position + 1}; the agenda has {n}.")
            w.current_position = position

    def step(self, delta: int) -> None:
        """Advance (+1) or go back (-1), stopping at either end."""
        with self._change() as (s, w):
            n = len(self._items(s))
            w.current_position = max(0, min(n - 1, w.current_position + delta))

    def start_timer(self, item_id: int, now: float | None = None) -> None:
        with self._change() as (s, _):
            row = self._owned(s, ItemRow, item_id)
            if row.timer_started_at is None:
                row.timer_started_at = now or time.time()

    def pause_timer(self, item_id: int, now: float | None = None) -> None:
        with self._change() as (s, _):
            row = self._owned(s, ItemRow, item_id)
            if row.timer_started_at is not None:
                row.timer_elapsed_s += (now or time.time()) - row.timer_started_at
                row.timer_started_at = None

    def reset_timer(self, item_id: int) -> None:
        with self._change() as (s, _):
            row = self._owned(s, ItemRow, item_id)
            row.timer_started_at, row.timer_elapsed_s = None, 0.0

    # ideas and candidates ---------------------------------------------------
    def merge_ideas(self, keep_id: int, duplicate_id: int) -> None:
        """Fold a duplicate idea into another of the same item (the duplicate's own duplicates follow)."""
        if keep_id == duplicate_id:
            raise WorkshopError("Choose two different ideas to merge.")
        with self._change() as (s, _):
            keep, dup = self._owned(s, ContributionRow, keep_id), self._owned(s, ContributionRow, duplicate_id)
            if keep.item_id != dup.item_id:
                raise WorkshopError("Only ideas on the same agenda item can be merged.")
            if keep.merged_into_id is not None or dup.merged_into_id is not None:
                raise WorkshopError("One of these ideas has already been merged into another.")
            if s.scalar(select(CandidateRow.id).where(CandidateRow.idea_id == duplicate_id)):
                raise WorkshopError(
                    "That duplicate has been promoted to a candidate action; merge the other way round."
                )
            s.execute(
                update(ContributionRow)
                .where(ContributionRow.merged_into_id == duplicate_id)
                .values(merged_into_id=keep_id)
            )
            dup.merged_into_id = keep_id

    def promote_idea(
        self, idea_id: int, *, title: str | None = None, owner: str = TO_BE_AGREED, timescale: str = TO_BE_AGREED
    ) -> int:
        """Turn an idea into a candidate action on its item; returns the candidate id."""
        with self._change() as (s, _):
            idea = self._owned(s, ContributionRow, idea_id)
            if idea.merged_into_id is not None:
                raise WorkshopError("That idea was merged into another; promote the one it was merged into.")
            if s.scalar(select(CandidateRow.id).where(CandidateRow.idea_id == idea_id)):
                raise WorkshopError("That idea is already a candidate action.")
            item = self._owned(s, ItemRow, idea.item_id)
            action = Action(
                id=f"W{idea_id}",
                title=clean_text(
                    title or shorten(idea.text, 90), MAX_TITLE_CHARS, "The action title", single_line=True
                ),
                theme=item.theme,
                shortfall_ids=item.shortfall_ids,
                evidence=item.evidence,
                action=idea.text,
                owner=clean_text(owner, 200, "The owner", single_line=True),
                timescale=clean_text(timescale, 200, "The timescale", single_line=True),
            )
            return _add_candidate(s, self.workshop_id, item.id, action, "idea", idea_id)

    def add_candidate(self, item_id: int, action: Action) -> int:
        with self._change() as (s, _):
            self._owned(s, ItemRow, item_id)
            return _add_candidate(s, self.workshop_id, item_id, action, "facilitator")

    def edit_candidate(
        self,
        candidate_id: int,
        *,
        title: str | None = None,
        action: str | None = None,
        owner: str | None = None,
        timescale: str | None = None,
    ) -> None:
        with self._change() as (s, _):
            row = self._owned(s, CandidateRow, candidate_id)
            current = Action.model_validate(row.action)
            changes = {
                k: clean_text(v, MAX_CONTRIBUTION_CHARS, f"The {k}", single_line=k != "action")
                for k, v in {"title": title, "action": action, "owner": owner, "timescale": timescale}.items()
                if v is not None
            }
            row.action = current.model_copy(update=changes).model_dump(mode="json")

    def set_accepted(self, candidate_ids: list[int]) -> None:
        """Mark exactly these candidates as accepted into the plan."""
        with self._change() as (s, _):
            for cid in candidate_ids:
                self._owned(s, CandidateRow, cid)
            s.execute(
                update(CandidateRow)
                .where(CandidateRow.workshop_id == self.workshop_id)
                .values(accepted=CandidateRow.id.in_(candidate_ids) if candidate_ids else False)
            )
