"""Persisted conversations and plans (SQLAlchemy on ``assistant.db``).

A conversation holds its messages (assistant messages keep their whole
``ChatTurn`` as JSON) and its plan. Every save of a plan is a new version, so
nothing the user made is lost: the current plan is the latest version and an
earlier one can be restored.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import BaseModel
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, delete, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, engine_for
from .models import ActionPlan, ChatContext, ChatTurn
from .settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import CursorResult

Role = Literal["user", "assistant"]
TITLE_CHARS = 60


def _now() -> datetime:
    return datetime.now(UTC)


class ConversationRow(Base):
    __tablename__ = "chat_conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    context: Mapped[str] = mapped_column(Text, default="{}")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)


class _OfConversation:
    """The columns of a row that belongs to one conversation: its id, the conversation, when it was made."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("chat_conversations.id", ondelete="CASCADE"), index=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class MessageRow(_OfConversation, Base):
    __tablename__ = "chat_messages"
    __table_args__ = (UniqueConstraint("conversation_id", "position"),)

    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    turn: Mapped[str | None] = mapped_column(Text, nullable=True)


class PlanRow(_OfConversation, Base):
    __tablename__ = "chat_plans"
    __table_args__ = (UniqueConstraint("conversation_id", "version"),)

    version: Mapped[int] = mapped_column(Integer)
    plan: Mapped[str | None] = mapped_column(Text, nullable=True)
    summary: Mapped[str] = mapped_column(String(300), default="")


class Conversation(BaseModel):
    id: str
    title: str
    created: datetime
    updated: datetime
    context: ChatContext


class Message(BaseModel):
    position: int
    role: Role
    content: str
    turn: ChatTurn | None = None
    created: datetime


class PlanVersion(BaseModel):
    version: int
    summary: str
    actions: int
    created: datetime


class Store:
    """Conversations, messages and plan versions in the assistant's database."""

    def __init__(self, settings: Settings):
        self.engine = engine_for(settings)

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    # ------------------------------------------------------------ conversations

    def create_conversation(self, title: str = "New conversation") -> Conversation:
        row = ConversationRow(id=uuid.uuid4().hex, title=title[:200], context=ChatContext().model_dump_json())
        with self._session() as s, s.begin():
            s.add(row)
        return _conversation(row)

    def conversation(self, conversation_id: str) -> Conversation | None:
        with self._session() as s:
            row = s.get(ConversationRow, conversation_id)
            return _conversation(row) if row else None

    def conversations(self, limit: int = 50) -> list[Conversation]:
        """Most recently used first."""
        with self._session() as s:
            rows = s.scalars(select(ConversationRow).order_by(ConversationRow.updated.desc()).limit(limit))
            return [_conversation(r) for r in rows]

    def rename(self, conversation_id: str, title: str) -> None:
        title = title.strip()
        if not title:
            raise ValueError("A conversation title cannot be empty.")
        self._touch(conversation_id, title=title[:200])

    def delete_conversation(self, conversation_id: str) -> None:
        with self._session() as s, s.begin():
            s.execute(delete(MessageRow).where(MessageRow.conversation_id == conversation_id))
            s.execute(delete(PlanRow).where(PlanRow.conversation_id == conversation_id))
            s.execute(delete(ConversationRow).where(ConversationRow.id == conversation_id))

    def _touch(self, conversation_id: str, **values) -> None:
        with self._session() as s, s.begin():
            statement = update(ConversationRow).where(ConversationRow.id == conversation_id)
            done = cast("CursorResult[Any]", s.execute(statement.values(updated=_now(), **values)))
            if done.rowcount == 0:
                raise KeyError(f"no conversation {conversation_id!r}")

    # ------------------------------------------------------------ messages

    def add_message(self, conversation_id: str, role: Role, content: str, turn: ChatTurn | None = None) -> Message:
        """Append a message; the first user message also names the conversation."""
        with self._session() as s, s.begin():
            conv = s.get(ConversationRow, conversation_id)
            if conv is None:
                raise KeyError(f"no conversation {conversation_id!r}")
            last = s.scalar(select(func.max(MessageRow.position)).where(MessageRow.conversation_id == conversation_id))
            row = MessageRow(
                conversation_id=conversation_id,
                position=(last or 0) + 1,
                role=role,
                content=content,
                turn=turn.model_dump_json() if turn else None,
            )
            s.add(row)
            conv.updated = _now()
            if turn is not None:
                conv.context = turn.context.model_dump_json()
            if role == "user" and last is None:
                conv.title = _title(content)
        return _message(row)

    def messages(self, conversation_id: str) -> list[Message]:
        with self._session() as s:
            rows = s.scalars(
                select(MessageRow).where(MessageRow.conversation_id == conversation_id).order_by(MessageRow.position)
            )
            return [_message(r) for r in rows]

    # ------------------------------------------------------------ plans

    def save_plan(self, conversation_id: str, plan: ActionPlan | None, summary: str = "") -> int:
        """Store a new version of the conversation's plan (``None`` clears it); returns the version."""
        with self._session() as s, s.begin():
            conv = s.get(ConversationRow, conversation_id)
            if conv is None:
                raise KeyError(f"no conversation {conversation_id!r}")
            last = s.scalar(select(func.max(PlanRow.version)).where(PlanRow.conversation_id == conversation_id)) or 0
            s.add(
                PlanRow(
                    conversation_id=conversation_id,
                    version=last + 1,
                    summary=summary[:300],
                    plan=plan.model_dump_json() if plan else None,
                )
            )
            conv.updated = _now()
            return last + 1

    def plan(self, conversation_id: str, version: int | None = None) -> ActionPlan | None:
        """The current plan (latest version), or a given version."""
        with self._session() as s:
            query = select(PlanRow).where(PlanRow.conversation_id == conversation_id)
            query = query.where(PlanRow.version == version) if version else query.order_by(PlanRow.version.desc())
            row = s.scalars(query.limit(1)).first()
            return ActionPlan.model_validate_json(row.plan) if row and row.plan else None

    def plan_versions(self, conversation_id: str) -> list[PlanVersion]:
        """Newest first."""
        with self._session() as s:
            rows = s.scalars(
                select(PlanRow).where(PlanRow.conversation_id == conversation_id).order_by(PlanRow.version.desc())
            )
            return [
                PlanVersion(
                    version=r.version,
                    summary=r.summary,
                    created=r.created,
                    actions=len(ActionPlan.model_validate_json(r.plan).actions) if r.plan else 0,
                )
                for r in rows
            ]

    def restore_plan(self, conversation_id: str, version: int) -> ActionPlan | None:
        """Make an earlier version current again (as a new version)."""
        plan = self.plan(conversation_id, version)
        if plan is None and version not in {v.version for v in self.plan_versions(conversation_id)}:
            raise KeyError(f"no plan version {version} in conversation {conversation_id!r}")
        self.save_plan(conversation_id, plan, summary=f"Restored version {version}")
        return plan


def _title(content: str) -> str:
    line = " ".join(content.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _conversation(row: ConversationRow) -> Conversation:
    return Conversation(
        id=row.id,
        title=row.title,
        created=row.created,
        updated=row.updated,
        context=ChatContext.model_validate_json(row.context or "{}"),
    )


def _message(row: MessageRow) -> Message:
    return Message(
        position=row.position,
        role=cast(Role, row.role),  # validated by Message
        content=row.content,
        created=row.created,
        turn=ChatTurn.model_validate_json(row.turn) if row.turn else None,
    )
