"""The chat: ``Chat`` answers a message with a ``ChatTurn``; ``Responder`` routes it to its intent's handler.

No Streamlit here: ``Chat.respond`` turns a message (plus the current plan and
the conversation context) into a typed ``ChatTurn`` that the app renders and
the store persists. Every quote in a turn is checked against its passage with
``assistant.citations``; an unverified quote is marked as such, never shown as
verified. Entity matching lives in ``assistant.entities``; plan edits in words
in ``assistant.refine``.

The handlers live by family: ``report_answers`` (one report's findings), ``plan_answers`` (draft,
propose, edit, export), ``council_answers`` (across councils), ``learning`` (borrowing practice),
``peer_answers`` (limited to peers) and ``questions`` (free questions); ``HANDLERS`` maps the
intent table's handler names (``intents.INTENTS``) to them.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Literal

from ..models import Action, ActionPlan, ChatContext, ChatTurn, Intent, PlanChange, Report
from ..peers import PeerSelection
from ..refine import looks_like_edit
from ..text import escape_markdown, fold
from . import council_answers, learning, peer_answers, plan_answers, questions, report_answers
from .intents import (
    _ABOUT,
    _BEST,
    _COMPARE,
    _HIGHER,
    _SCORE,
    _WHO_SCORED,
    INTENTS,
    MAX_MESSAGE_CHARS,
    has_intent,
    split_parts,
)
from .rendering import Citations, chunks
from .request import Clarify, Request
from .words import ChatWords, load_chat_words

if TYPE_CHECKING:  # pragma: no cover
    from ..service import Assistant

# --------------------------------------------------------------------------- the chat


class TurnStream:
    """Iterate to get the reply in chunks (for ``st.write_stream``); ``.turn`` is set at the end."""

    def __init__(self, replies: Generator[str, None, ChatTurn]):
        self._replies = replies
        self.turn: ChatTurn | None = None

    def __iter__(self) -> Iterator[str]:
        self.turn = yield from self._replies


class Chat:
    """Holds no conversation state: pass the plan and context of the conversation each time."""

    def __init__(self, assistant: Assistant, engine: str | None = None):
        self.assistant = assistant
        self.engine_name = engine

    # ------------------------------------------------------------ entry points

    def respond(self, message: str, plan: ActionPlan | None = None, context: ChatContext | None = None) -> ChatTurn:
        """The whole reply at once."""
        stream = self.stream(message, plan, context)
        for _ in stream:
            pass
        assert stream.turn is not None  # set when the stream is exhausted
        return stream.turn

    def stream(self, message: str, plan: ActionPlan | None = None, context: ChatContext | None = None) -> TurnStream:
        """The reply in chunks as it is produced (engine answers stream token by token)."""
        return TurnStream(self._replies(message, plan, context or ChatContext()))

    def _replies(self, message: str, plan: ActionPlan | None, context: ChatContext) -> Generator[str, None, ChatTurn]:
        message = message.strip()
        if not message:
            turn = self._turn(
                message,
                "empty",
                "Type a question about the reports, or an instruction for the plan.",
                context,
                error=True,
            )
        elif len(message) > MAX_MESSAGE_CHARS:
            turn = self._turn(
                message[:200],
                "too_long",
                f"That message is {len(message):,} characters long; the limit is {MAX_MESSAGE_CHARS:,}. "
                "Ask a shorter question, or upload a document on the Reports page.",
                context,
                error=True,
            )
        else:
            turn = yield from Responder(self, message, plan, context).replies()
            return turn
        yield from chunks(turn.reply)
        return turn

    def add_action(self, plan: ActionPlan | None, action: Action, report_id: str) -> tuple[ActionPlan, PlanChange]:
        """Add a proposed action to the plan (a new plan when none exists or it is for another report)."""
        report = self.assistant.corpus.report(report_id)
        change_kind: Literal["add", "new_plan"] = "add"
        if plan is None or plan.report_id != report_id:
            plan = _empty_plan(report, self.engine_name or self.assistant.settings.engine)
            change_kind = "new_plan"
        else:
            plan = plan.model_copy(deep=True)
        duplicate = next((a for a in plan.actions if same_action(a, action)), None)
        if duplicate:
            return plan, PlanChange(
                kind="update", action_id=duplicate.id, summary=f"Already in the plan as {duplicate.id}."
            )
        new = action.model_copy(deep=True)
        plan.actions.append(new)
        plan.renumber()
        summary = f"Added {new.id} “{new.title}” to the plan"
        if change_kind == "new_plan":
            summary += f" (a new plan for {report.authority}, {report.quality_statement})"
        return plan, PlanChange(kind=change_kind, action_id=new.id, summary=summary + ".")

    # ------------------------------------------------------------ helpers

    def engine(self):
        return self.assistant.engine(self.engine_name)

    def words(self) -> ChatWords:
        return load_chat_words(self.assistant.settings.prompts_dir)

    def _turn(self, message: str, intent: Intent, reply: str, context: ChatContext, **kw) -> ChatTurn:
        return ChatTurn(
            message=message,
            intent=intent,
            reply=reply,
            context=context,
            engine=kw.pop("engine", None) or self.engine().name,
            **kw,
        )


def same_action(a: Action, b: Action) -> bool:
    """The same action twice: same wording, or answering the same shortfalls on the same theme."""
    return fold(a.action).lower() == fold(b.action).lower() or (
        bool(a.shortfall_ids) and a.shortfall_ids == b.shortfall_ids and a.theme == b.theme
    )


def _empty_plan(report: Report, engine: str) -> ActionPlan:
    return ActionPlan(
        authority=report.authority,
        quality_statement=report.quality_statement,
        score=report.score,
        report_id=report.id,
        engine=engine,
    )


# --------------------------------------------------------------------------- routing


def help_answer(r: Request) -> ChatTurn:
    """What the chat can do, with the authorities loaded."""
    names = ", ".join(escape_markdown(a) for a in r.entities.authorities)
    return r.reply(
        "help",
        "\n".join(
            [
                f"I can answer from the reports loaded ({names}). Try:",
                "- *What are the main shortfalls for …?*",
                "- *What does … say about co-production?*",
                "- *Draft actions for …'s data-sharing gaps*",
                "- *What can … learn from … about hospital discharge?*",
                "- *Compare the authorities on voluntary sector funding*",
                "- *Draft the whole plan for …*, then *make action 2 owned by the Head of Commissioning*, "
                "*set the timescale of action 1 to 6 months*, *mark action 1 amber*, *remove action 4*, "
                "*add an action to …*",
                "- *Export the plan*",
            ]
        ),
    )


#: The handler each row of ``intents.INTENTS`` names, and "about" (a theme named after "say about", "on").
HANDLERS: dict[str, Callable[[Request], ChatTurn]] = {
    "help": help_answer,
    "export": plan_answers.export,
    "refine": plan_answers.refine,
    "best": council_answers.best,
    "who_scored": council_answers.who_scored,
    "higher": council_answers.higher,
    "learn": learning.learn,
    "compare": council_answers.compare,
    "prioritise": report_answers.prioritise,
    "whole_plan": plan_answers.whole_plan,
    "actions": plan_answers.actions,
    "shortfalls": report_answers.shortfalls,
    "strengths": report_answers.strengths,
    "score": council_answers.score,
    "about": report_answers.about,
}


class Responder:
    """Works out one reply: a pending clarification, a multi-part question, or the handler of its intent.
    Short-lived: one per message."""

    def __init__(
        self, chat: Chat, message: str, plan: ActionPlan | None, context: ChatContext, cites: Citations | None = None
    ):
        self.r = Request(chat, message, plan, context, cites)

    def replies(self) -> Generator[str, None, ChatTurn]:
        """Free questions stream from the engine; every other intent is worked out, then chunked."""
        turn = self.run()
        if turn is None:
            return (yield from questions.question(self.r))
        yield from chunks(turn.reply)
        return turn

    def respond_all(self) -> ChatTurn:
        replies = self.replies()
        try:
            while True:
                next(replies)
        except StopIteration as done:
            return done.value

    def run(self) -> ChatTurn | None:
        """The turn for every intent but a free question (``None``: stream it from the engine)."""
        r = self.r
        if not r.a.reports():
            return r.reply("question", "No reports are loaded yet. Add one on the Reports page.", error=True)
        if r.context.pending:
            if len(r.text.split()) <= 6 and not has_intent(r.text) and r.clarified():
                pending, r.context.pending = r.context.pending, None
                turn = Responder(r.chat, pending, r.plan, r.context).respond_all()
                return turn.model_copy(update={"message": r.message})
            r.context.pending = None  # a new question: the clarification is dropped, never captures it
        parts = split_parts(r.message)
        if len(parts) > 1:
            return self._multi(parts)
        try:
            return self._route()
        except Clarify as needed:
            return needed.turn

    def _route(self) -> ChatTurn | None:
        r = self.r
        names_itself = any(rule.recognise(r.text) for rule in INTENTS[:2])  # help, export
        if looks_like_edit(r.message) and not names_itself:
            return plan_answers.refine(r)
        if r.needs_own and not names_itself:  # "our region" with no council known yet
            raise Clarify(r.ask_authority())
        if r.peers is not None and not names_itself:
            return self._peer_route(r.peers)
        for rule in INTENTS:
            if rule.recognise(r.text):
                return HANDLERS[rule.handler](r)
        if _ABOUT.search(r.text) and r.entities.theme(r.message):
            return report_answers.about(r)
        return None

    def _peer_route(self, peers: PeerSelection) -> ChatTurn:
        """A question limited to peers: who scored / who is best among them, scores compared, or practice."""
        r = self.r
        if _WHO_SCORED.search(r.text):
            return council_answers.who_scored(r)
        if _BEST.search(r.text):
            return council_answers.best(r)
        if _COMPARE.search(r.text) or _HIGHER.search(r.text) or _SCORE.search(r.text):
            return peer_answers.peer_scores(r, peers)
        return peer_answers.peer_practice(r, peers)

    def _multi(self, parts: list[str]) -> ChatTurn:
        """Each part of a multi-part question answered in turn, under one reply."""
        r = self.r
        sections: list[str] = []
        theme = r.entities.theme(r.message)
        for part in parts:
            asked = part
            if theme and r.entities.theme(part) is None:
                asked = f"{part.rstrip('?')} on {r.md.theme(theme)}?"  # "who does it better?" keeps the topic
            turn = Responder(r.chat, asked, r.plan, r.context, cites=r.cites).respond_all()
            r.context = turn.context
            sections.append(f"**{escape_markdown(part.rstrip('?'))}?**\n\n{turn.reply}")
        return r.reply("question", "\n\n---\n\n".join(sections))
