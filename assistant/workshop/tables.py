"""Workshop tables: the SQLAlchemy rows on ``db.Base`` that ``store`` reads and writes.

One row class per table; the constraints that keep votes honest live here (a
participant's dots are numbered slots under a unique constraint, so they can
never hold more than the workshop allows).
"""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .domain import JOIN_CODE_LENGTH, MAX_CONTRIBUTION_CHARS, MAX_DOTS, MAX_NAME_CHARS, MAX_TITLE_CHARS


def _now() -> float:
    return time.time()


class WorkshopRow(Base):
    __tablename__ = "workshop_workshops"
    __table_args__ = (CheckConstraint(f"dots_per_participant BETWEEN 1 AND {MAX_DOTS}", name="ck_ws_dots"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(MAX_TITLE_CHARS))
    date: Mapped[dt.date] = mapped_column(Date)
    expected_participants: Mapped[int] = mapped_column(Integer)
    dots_per_participant: Mapped[int] = mapped_column(Integer)
    report_id: Mapped[str] = mapped_column(String(300))
    authority: Mapped[str] = mapped_column(String(300))
    quality_statement: Mapped[str] = mapped_column(String(300))
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    join_code: Mapped[str] = mapped_column(String(JOIN_CODE_LENGTH), unique=True)
    facilitator_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    joining_open: Mapped[bool] = mapped_column(Boolean, default=True)
    ended: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymise: Mapped[bool] = mapped_column(Boolean, default=False)
    current_position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)
    base_plan: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    conversation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[float] = mapped_column(Float, default=_now)


class ItemRow(Base):
    __tablename__ = "workshop_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshop_workshops.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(MAX_TITLE_CHARS))
    theme: Mapped[str] = mapped_column(String(100), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    shortfall_ids: Mapped[list] = mapped_column(JSON, default=list)
    time_box_min: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    good_practice: Mapped[list] = mapped_column(JSON, default=list)
    prompts: Mapped[list] = mapped_column(JSON, default=list)
    timer_started_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    timer_elapsed_s: Mapped[float] = mapped_column(Float, default=0.0)


class ParticipantRow(Base):
    __tablename__ = "workshop_participants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshop_workshops.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(MAX_NAME_CHARS))
    role: Mapped[str | None] = mapped_column(String(60), nullable=True)
    joined_at: Mapped[float] = mapped_column(Float, default=_now)


class ContributionRow(Base):
    __tablename__ = "workshop_contributions"
    __table_args__ = (CheckConstraint(f"length(text) <= {MAX_CONTRIBUTION_CHARS}", name="ck_ws_text_len"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshop_workshops.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("workshop_items.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("workshop_participants.id"))
    text: Mapped[str] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_contributions.id"), nullable=True)
    created_at: Mapped[float] = mapped_column(Float, default=_now)


class CandidateRow(Base):
    __tablename__ = "workshop_candidates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshop_workshops.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("workshop_items.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_contributions.id"), nullable=True, unique=True)
    action: Mapped[dict] = mapped_column(JSON)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)


class VoteRow(Base):
    """One dot: ``slot`` numbers a participant's dots, so they can never hold more than N."""

    __tablename__ = "workshop_votes"
    __table_args__ = (
        UniqueConstraint("participant_id", "slot", name="uq_ws_vote_slot"),
        CheckConstraint(f"slot BETWEEN 1 AND {MAX_DOTS}", name="ck_ws_vote_slot"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshop_workshops.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("workshop_participants.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("workshop_candidates.id"), index=True)
    slot: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[float] = mapped_column(Float, default=_now)


TABLES = (WorkshopRow, ItemRow, ParticipantRow, ContributionRow, CandidateRow, VoteRow)
