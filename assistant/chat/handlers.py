"""The chat's handlers: one ``Responder`` per message works out the reply for its intent.

No Streamlit here: ``Chat.respond`` turns a message (plus the current plan and
the conversation context) into a typed ``ChatTurn`` that the app renders and
the store persists. Every quote in a turn is checked against its passage with
``assistant.citations``; an unverified quote is marked as such, never shown as
verified. Entity matching lives in ``assistant.entities``; plan edits in words
in ``assistant.refine``.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..citations import verify_all
from ..entities import Entities
from ..evidence import EvidenceUnit, content_words
from ..export import to_markdown
from ..good_practice import GoodPracticeFinder, practice_hits
from ..models import (
    Action,
    ActionPlan,
    ChatContext,
    ChatTurn,
    Citation,
    Download,
    Finding,
    Intent,
    Passage,
    PlanChange,
    Report,
)
from ..peers import PeerSelection, load_councils, load_peer_phrases, names_own_peers, peer_selection_from_text
from ..refine import RefineError, apply_instruction, looks_like_edit
from ..text import escape_markdown, fold, slugify
from . import peer_answers
from .intents import (
    _ABOUT,
    _BEST,
    _COMPARE,
    _HIGHER,
    _SCORE,
    _TWO_SIDES,
    _WHO_SCORED,
    INTENTS,
    MAX_MESSAGE_CHARS,
    has_intent,
    split_parts,
)
from .rendering import Citations, chunks, first_sentence_quote, renumber_markers
from .words import ChatWords, load_chat_words

if TYPE_CHECKING:  # pragma: no cover
    from ..service import Assistant

#: Most sentences quoted in a free answer, and the hybrid score a sentence needs to be quoted.
MAX_ANSWER_UNITS = 5
ANSWER_MIN_SCORE = 0.45
#: Most reports quoted in a list across councils (the rest are listed without a quote).
MAX_CITED_ROWS = 10
#: Practice sentences quoted for the council ranked first by "which council is best at X" (the rest get two).
BEST_QUOTES = 3

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


#: Letters a word is cut to for matching shared words ("overseen" and "oversight", "agreement(s)").
STEM = 5


def _stems(words: frozenset[str]) -> frozenset[str]:
    return frozenset(w[:STEM] for w in words)


def _unit_citation(unit) -> Citation:
    return Citation(passage_id=unit.passage_id, quote=unit.text)


class Clarify(Exception):
    """Raised by a handler that must ask which report is meant; carries the asking turn."""

    def __init__(self, turn: ChatTurn):
        super().__init__(turn.reply)
        self.turn = turn


def _empty_plan(report: Report, engine: str) -> ActionPlan:
    return ActionPlan(
        authority=report.authority,
        quality_statement=report.quality_statement,
        score=report.score,
        report_id=report.id,
        engine=engine,
    )


class Responder:
    """Works out one reply. Short-lived: one per message."""

    def __init__(self, chat: Chat, message: str, plan: ActionPlan | None, context: ChatContext):
        self.chat = chat
        self.a = chat.assistant
        self.message = message
        self.text = fold(message).lower()
        self.plan = plan
        self.context = context.model_copy()
        self.entities = Entities(self.a.reports(), self.a.taxonomy)
        self.named = self.entities.authorities_in(message)
        self.cites = Citations(self.a.passages)
        # Peers named in the message ("other London boroughs", "our region"), relative to the own council:
        # the one the message names, else the conversation's.
        here = self.context.authority if self.context.authority in self.entities.authorities else None
        self.own: str | None = self.named[0] if self.named else here
        phrases = load_peer_phrases(self.a.settings.prompts_dir)
        self.peers = peer_selection_from_text(message, load_councils(), own=self.own, phrases=phrases)
        self.needs_own = self.peers is None and self.own is None and names_own_peers(message, phrases)

    # ------------------------------------------------------------ routing

    def replies(self) -> Generator[str, None, ChatTurn]:
        """Free questions stream from the engine; every other intent is worked out, then chunked."""
        turn = self.run()
        if turn is None:
            return (yield from self._question())
        yield from chunks(turn.reply)
        return turn

    def run(self) -> ChatTurn | None:
        """The turn for every intent but a free question (``None``: stream it from the engine)."""
        if not self.a.reports():
            return self._reply("question", "No reports are loaded yet. Add one on the Reports page.", error=True)
        if self.context.pending:
            if len(self.text.split()) <= 6 and not has_intent(self.text) and self._clarified():
                pending, self.context.pending = self.context.pending, None
                turn = Responder(self.chat, pending, self.plan, self.context).respond_all()
                return turn.model_copy(update={"message": self.message})
            self.context.pending = None  # a new question: the clarification is dropped, never captures it
        parts = split_parts(self.message)
        if len(parts) > 1:
            return self._multi(parts)
        try:
            return self._route()
        except Clarify as needed:
            return needed.turn

    def _route(self) -> ChatTurn | None:
        if looks_like_edit(self.message) and not any(r.recognise(self.text) for r in INTENTS[:2]):
            return self._refine()
        names_itself = any(r.recognise(self.text) for r in INTENTS[:2])  # help, export
        if self.needs_own and not names_itself:  # "our region" with no council known yet
            raise Clarify(self._ask_authority())
        if self.peers is not None and not names_itself:
            return self._peer_route(self.peers)
        for rule in INTENTS:
            if rule.recognise(self.text):
                return getattr(self, f"_{rule.handler}")()
        if _ABOUT.search(self.text) and self.entities.theme(self.message):
            return self._about()
        return None

    def _peer_route(self, peers: PeerSelection) -> ChatTurn:
        """A question limited to peers: who scored / who is best among them, scores compared, or practice."""
        if _WHO_SCORED.search(self.text):
            return self._who_scored()
        if _BEST.search(self.text):
            return self._best()
        if _COMPARE.search(self.text) or _HIGHER.search(self.text) or _SCORE.search(self.text):
            return peer_answers.peer_scores(self, peers)
        return peer_answers.peer_practice(self, peers)

    def _multi(self, parts: list[str]) -> ChatTurn:
        """Each part of a multi-part question answered in turn, under one reply."""
        sections: list[str] = []
        theme = self.entities.theme(self.message)
        for part in parts:
            asked = part
            if theme and self.entities.theme(part) is None:
                asked = f"{part.rstrip('?')} on {self._theme_label(theme)}?"  # "who does it better?" keeps the topic
            sub = Responder(self.chat, asked, self.plan, self.context)
            sub.cites = self.cites
            turn = sub.respond_all()
            self.context = turn.context
            sections.append(f"**{escape_markdown(part.rstrip('?'))}?**\n\n{turn.reply}")
        return self._reply("question", "\n\n---\n\n".join(sections))

    def respond_all(self) -> ChatTurn:
        replies = self.replies()
        try:
            while True:
                next(replies)
        except StopIteration as done:
            return done.value

    def _clarified(self) -> bool:
        """A short answer to "which authority / which statement?": remember it in the context."""
        if self.named:
            self.context.authority, self.context.report_id = self.named[0], None
            return True
        if self.context.authority not in self.entities.authorities:
            return False
        mine = self.entities.reports_of(self.context.authority)
        named = self.entities.reports_of(self.context.authority, self.message)
        if len(mine) > 1 and len(named) == 1:
            self.context.report_id = named[0].id
            return True
        return False

    def _reply(self, intent: Intent, reply: str, **kw) -> ChatTurn:
        notes = kw.pop("notes", [])
        return self.chat._turn(self.message, intent, reply, self.context, citations=self.cites.items, notes=notes, **kw)

    def _one_report(self) -> Report:
        """The report the message is about; raises ``Clarify`` with a turn asking which one."""
        if self.named:
            authority = self.named[0]
        elif self.context.authority in self.entities.authorities:
            authority = self.context.authority
        elif len(self.entities.authorities) == 1:
            authority = self.entities.authorities[0]
        else:
            raise Clarify(self._ask_authority())
        reports = self.entities.reports_of(authority, self.message)
        if len(reports) > 1 and self.context.report_id in {r.id for r in reports}:
            reports = [r for r in reports if r.id == self.context.report_id]
        if len(reports) > 1:
            listed = "; ".join(escape_markdown(r.quality_statement) for r in reports)
            self.context.pending, self.context.authority = self.message, authority
            raise Clarify(
                self._reply(
                    "clarify",
                    f"{escape_markdown(authority)} has {len(reports)} reports: {listed}. Which quality statement?",
                )
            )
        report = reports[0]
        self.context.authority = report.authority
        self.context.report_id = report.id
        self.context.pending = None
        return report

    def _ask_authority(self) -> ChatTurn:
        self.context.pending = self.message
        names = ", ".join(escape_markdown(a) for a in self.entities.authorities)
        return self._reply("clarify", f"Which authority do you mean? The reports cover: {names}.")

    def _theme_label(self, theme_id: str) -> str:
        return self.a.taxonomy.label(theme_id)

    def _report_name(self, report: Report) -> str:
        score = f", score {report.score}" if report.score else ""
        return f"{escape_markdown(report.authority)} ({escape_markdown(report.quality_statement)}{score})"

    # ------------------------------------------------------------ intents

    def _help(self) -> ChatTurn:
        names = ", ".join(escape_markdown(a) for a in self.entities.authorities)
        return self._reply(
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

    def _export(self) -> ChatTurn:
        if self.plan is None or not self.plan.actions:
            return self._reply(
                "export",
                "There is no plan to export yet. Ask me to *draft the whole plan for …* "
                "or add proposed actions to the plan first.",
                error=True,
            )
        name = f"improvement-plan-{slugify(self.plan.authority)}.md"
        download = Download(
            file_name=name, mime="text/markdown", data=to_markdown(self.plan, self.a.passages, taxonomy=self.a.taxonomy)
        )
        return self._reply(
            "export",
            f"Here is the plan for {escape_markdown(self.plan.authority)} "
            f"({len(self.plan.actions)} actions) as Markdown: **{name}**.",
            download=download,
        )

    def _refine(self) -> ChatTurn:
        if self.plan is None:
            return self._reply(
                "refine", "There is no plan to change yet. Ask me to *draft the whole plan for …* first.", error=True
            )
        try:
            plan, changes = apply_instruction(self.plan, self.message, self.a.taxonomy, self.a.playbook)
        except RefineError as exc:
            return self._refine_with_engine(str(exc))
        lines = [f"Done: {escape_markdown(c.summary)}" for c in changes]
        # One card per action changed, however many changes it had (a RAG and a note are two changes).
        changed = dict.fromkeys(c.action_id for c in changes if c.action_id and c.kind != "remove")
        for action_id in changed:
            action = plan.action(action_id) if action_id else None
            if action:
                lines += ["", self._action_md(action)]
        return self._reply("refine", "\n".join(lines), plan=plan, plan_changes=changes)

    def _refine_with_engine(self, reason: str) -> ChatTurn:
        """Instructions the parser cannot handle go to the engine's ``refine`` when it has one."""
        engine = self.chat.engine()
        current = self.plan or ActionPlan(authority="", quality_statement="", score=None, report_id="")
        refine = getattr(engine, "refine", None)
        revised = refine(current, self.message) if refine else None
        if revised is None or revised.actions == current.actions:
            notes = [n for n in (revised.notes if revised else []) if n not in current.notes]
            return self._reply(
                "refine",
                f"I could not apply that change: {escape_markdown(reason)}",
                error=True,
                notes=notes,
                engine=engine.name,
            )
        revised.actions = [
            a.model_copy(update={"evidence": verify_all(a.evidence, self.a.passages)}) for a in revised.actions
        ]
        change = PlanChange(
            kind="replace", summary=f"The {engine.name} engine revised the plan ({len(revised.actions)} actions)."
        )
        lines = [f"Done: {escape_markdown(change.summary)}"]
        lines += [self._action_md(a, brief=True) for a in revised.actions if a not in current.actions]
        return self._reply(
            "refine",
            "\n\n".join(lines),
            plan=revised,
            plan_changes=[change],
            engine=engine.name,
            notes=[n for n in revised.notes if n not in current.notes],
        )

    def _whole_plan(self) -> ChatTurn:
        report = self._one_report()
        plan = self.a.plan(report, engine=self.chat.engine_name)
        replaced = self.plan is not None and self.plan.actions
        change = PlanChange(
            kind="new_plan", summary=f"Drafted a plan of {len(plan.actions)} actions for {report.authority}."
        )
        lines = [
            f"I drafted a plan of **{len(plan.actions)} actions** for {self._report_name(report)}; "
            "it is on the Plan page."
        ]
        if replaced:
            lines.append("The previous plan is kept in this conversation's history (Plan page → *Restore*).")
        for action in plan.actions:
            lines += ["", self._action_md(action, brief=True)]
        return self._reply(
            "plan", "\n".join(lines), plan=plan, plan_changes=[change], notes=list(plan.notes), engine=plan.engine
        )

    def _actions(self) -> ChatTurn:
        report = self._one_report()
        theme = self.entities.theme(self.message)
        plan = self.a.plan(report, engine=self.chat.engine_name)
        actions = [a for a in plan.actions if theme is None or a.theme == theme]
        topic = f" on {escape_markdown(self._theme_label(theme))}" if theme else ""
        if not actions:
            findings = self._shortfall_lines(report, theme)
            reply = f"The report for {self._report_name(report)} names no shortfall{topic} that needs an action."
            if findings:
                reply += "\n\n" + findings
            return self._reply("actions", reply, report_id=report.id)
        lines = [f"Draft actions for {self._report_name(report)}{topic}. Use **Add to plan** to keep one."]
        for action in actions:
            lines += ["", self._action_md(action)]
        return self._reply(
            "actions",
            "\n".join(lines),
            actions=actions,
            report_id=report.id,
            notes=list(plan.notes),
            engine=plan.engine,
        )

    def _shortfalls(self) -> ChatTurn:
        return self._findings("shortfall")

    def _strengths(self) -> ChatTurn:
        return self._findings("strength")

    def _findings(self, kind: str) -> ChatTurn:
        report = self._one_report()
        theme = self.entities.theme(self.message)
        findings = [
            f for f in self.a.findings(report).findings if f.kind == kind and (theme is None or f.theme == theme)
        ]
        word = "shortfalls" if kind == "shortfall" else "strengths"
        topic = f" on {escape_markdown(self._theme_label(theme))}" if theme else ""
        if not findings:
            return self._nearest(f"The report for {self._report_name(report)} names no {word}{topic}.", report)
        lines = [f"**{len(findings)} {word}**{topic} in the report for {self._report_name(report)}, by theme:"]
        lines += self._grouped(findings)
        if kind == "strength":
            return self._reply("strengths", "\n".join(lines), report_id=report.id)
        ids = {f.id for f in findings}
        actions = [a for a in self.a.plan(report, engine=self.chat.engine_name).actions if ids & set(a.shortfall_ids)]
        if actions:
            lines += [
                "",
                f"I drafted {len(actions)} actions for these shortfalls: use **Add to plan** to keep one, "
                "or ask me to *draft actions for …* to see them in full.",
            ]
        return self._reply("shortfalls", "\n".join(lines), report_id=report.id, actions=actions)

    def _about(self) -> ChatTurn:
        report = self._one_report()
        theme = self.entities.theme(self.message) or self.a.taxonomy.fallback.id
        label = self._theme_label(theme)
        findings = [f for f in self.a.findings(report).findings if f.theme == theme]
        lines = [f"What the report for {self._report_name(report)} says about **{escape_markdown(label)}**:"]
        for kind, title in (("strength", "Strengths"), ("shortfall", "Shortfalls")):
            mine = [f for f in findings if f.kind == kind]
            if mine:
                lines += ["", f"**{title}**"] + [self._finding_md(f) for f in mine]
        cited = {fold(c.quote) for c in self.cites.items}
        related = [
            u
            for _, u in self._sentences(self.message, report=report, k=6, theme=theme)
            if not any(fold(u.text) in q or q in fold(u.text) for q in cited)
        ]
        if related:
            lines += ["", "**Related evidence**"]
            lines += [f"- {self.cites.quote(_unit_citation(u))}" for u in related[:3]]
        if len(lines) == 1:
            return self._nearest(
                f"The report for {self._report_name(report)} does not discuss {escape_markdown(label)}.", report
            )
        return self._reply("about", "\n".join(lines), report_id=report.id)

    def _learn(self) -> ChatTurn:
        """What the learner can borrow from the other report(s): their practice that answers its gaps."""
        learner, sources = self._learner_and_sources()
        theme = self.entities.theme(self.message)
        topic = f" about {escape_markdown(self._theme_label(theme))}" if theme else ""
        names = ", ".join(escape_markdown(r.authority) for r in sources)
        head = f"**What {escape_markdown(learner.authority)} can learn from {names}{topic}**"
        gaps = [
            f
            for f in self.a.findings(learner).findings
            if f.kind == "shortfall" and (theme is None or f.theme == theme)
        ]
        lines = [head]
        if gaps:
            lines += ["", f"{self._report_name(learner)} has {len(gaps)} gap(s) here; practice that answers them:"]
        borrow = self._borrow(learner, sources, theme, gaps)
        if borrow:
            lines += ["", "**What to borrow**"] + borrow
        else:
            lines += ["", f"The report(s) of {names} show no comparable practice{topic}."]
        self.context.authority = learner.authority
        self.context.report_id = learner.id
        return self._reply("learn", "\n".join(lines), report_id=learner.id)

    def _borrow(self, learner: Report, sources: list[Report], theme: str | None, gaps: list[Finding]) -> list[str]:
        """Good practice (by meaning) from ``sources`` for each of the learner's gaps (or the theme)."""
        others = [(r, self.a.findings(r, engine="builtin")) for r in sources]
        finder = GoodPracticeFinder(learner, others, self.a.playbook, self.a.taxonomy, self.a.evidence)
        lines: list[str] = []
        seen: set[str] = set()
        targets = gaps[:4] or []
        for gap in targets:
            found, _ = finder.for_action(gap.citations, gap.summary, gap.theme)
            for gp in found:
                new = [c for c in gp.citations if c.quote not in seen]
                if not new:
                    continue
                seen.update(c.quote for c in new)
                quotes = " ".join(self.cites.quote(c) for c in new)
                lines.append(f"- {escape_markdown(gp.authority)}, for “{escape_markdown(gap.summary)}”: {quotes}")
        if not targets and theme:
            hits = self._units_search(self.message, sources, kinds=("practice",), k=4, theme=theme)
            lines += [f"- {escape_markdown(u.authority)}: {self.cites.quote(_unit_citation(u))}" for _, u in hits]
        return lines

    def _learner_and_sources(self) -> tuple[Report, list[Report]]:
        """Who learns from whom, read from the sentence: "A learn from B", "B teach A", "A learn from others"."""
        text = self.message
        teach = re.search(r"\bteach", self.text)
        m = re.search(r"\bfrom\b", text, flags=re.I)
        before, after = (text[: m.start()], text[m.end() :]) if m else (text, "")
        if teach:
            source_names = self.named[:1]
            learner_names = [a for a in self.named if a not in source_names]
        else:
            source_names = self.entities.authorities_in(after)
            learner_names = [a for a in self.entities.authorities_in(before) if a not in source_names]
        here = self.context.authority
        if not learner_names and here in self.entities.authorities and here not in source_names:
            learner_names = [here]
        if not learner_names and len(self.entities.authorities) == 2 and source_names:
            learner_names = [a for a in self.entities.authorities if a not in source_names]
        if not learner_names:
            raise Clarify(self._ask_authority())
        learner = self.entities.reports_of(learner_names[0], self.message)[0]
        if not source_names:  # "from others", "from other councils", or no source named
            source_names = [a for a in self.entities.authorities if a != learner.authority]
        sources = [self._report_like(a, learner) for a in source_names]
        return learner, sources

    def _report_like(self, authority: str, learner: Report) -> Report:
        """The source authority's report on the learner's quality statement when it has one."""
        reports = self.entities.reports_of(authority, self.message)
        same = [r for r in reports if r.quality_statement == learner.quality_statement]
        return (same or reports)[0]

    # ------------------------------------------------------------ across councils

    def _all_reports(self) -> list[Report]:
        """Every report (the peers' only when the message names peers), or those of the statement it names."""
        reports = self.a.reports() if self.peers is None else peer_answers.peer_reports(self, self.peers)
        named = [r for r in reports if fold(r.quality_statement).lower() in self.text]
        return named or reports

    def _peers_head(self, reports: list[Report]) -> list[str]:
        """The "peers used" line when the message names peers (nothing otherwise)."""
        return [] if self.peers is None else [peer_answers.peers_used(self, self.peers, reports), ""]

    def _best(self) -> ChatTurn:
        """ "Which council is best at X": reports ranked by their practice on X (less their shortfalls on it),
        then by score; each quoted. "Who does it better" leaves out the council the conversation is about."""
        theme = self.entities.theme(self.message)
        topic = escape_markdown(self._theme_label(theme)) if theme else "this"
        reports = self._all_reports()
        if not reports and self.peers is not None:
            return peer_answers.no_peers(self, self.peers, "best")
        if re.search(r"\bbetter\b", self.text) and self.context.authority and not self.named:
            reports = [r for r in reports if r.authority != self.context.authority] or reports
        ranked = []
        for r in reports:
            practice = self._units_search(self.message, [r], kinds=("practice",), k=BEST_QUOTES, theme=theme)
            gaps = (
                [f for f in self.a.findings(r).findings if f.kind == "shortfall" and f.theme == theme] if theme else []
            )
            weight = sum(score for score, _ in practice[:2]) - 0.3 * len(gaps)
            ranked.append((weight, r.score or 0, r, practice, gaps))
        ranked.sort(key=lambda x: (-x[0], -x[1], x[2].authority))
        lines = self._peers_head(reports) + [
            f"**Which council does best on {topic}** (by its practice on it, less its shortfalls, then its score):"
        ]
        for n, (_, _, r, practice, gaps) in enumerate(ranked[:5]):
            lines += ["", f"**{self._report_name(r)}**"]
            lines += [f"- {self.cites.quote(_unit_citation(u))}" for _, u in practice[: BEST_QUOTES if n == 0 else 2]]
            if gaps:
                lines.append(f"- but {len(gaps)} shortfall(s) on it, e.g. {self.cites.quote(gaps[0].citations[0])}")
        return self._reply("best", "\n".join(lines))

    def _who_scored(self) -> ChatTurn:
        """ "Which councils scored 4 on partnerships and communities": the reports with that score (of the
        statement named, among the peers when named), each with the finding that best shows why."""
        words = {"one": 1, "two": 2, "three": 3, "four": 4}
        m = re.search(r"\b([1-4]|one|two|three|four)\b", self.text)
        wanted = int(words.get(m.group(1), m.group(1))) if m else None
        pool = self._all_reports()
        if not pool and self.peers is not None:
            return peer_answers.no_peers(self, self.peers, "who_scored")
        statements = sorted({r.quality_statement for r in pool})
        on = f" on {escape_markdown(statements[0])}" if len(statements) == 1 else ""
        found = sorted((r for r in pool if r.score == wanted), key=lambda r: (r.authority, r.quality_statement))
        head = self._peers_head(pool)
        if not found:
            return self._reply(
                "who_scored", "\n".join(head + [f"None of the {len(pool)} reports loaded{on} has a score of {wanted}."])
            )
        kind = "strength" if (wanted or 0) >= 3 else "shortfall"
        lines = head + [f"**{len(found)} of the {len(pool)} reports{on} scored {wanted}:**"]
        for n, r in enumerate(found):
            line = f"- {self._report_name(r)}: {escape_markdown(r.label or '')}"
            best = next((f for f in self.a.findings(r).findings if f.kind == kind and f.citations), None)
            if best is not None and n < MAX_CITED_ROWS:
                line += f". {kind.capitalize()}: {self.cites.quote(best.citations[0])}"
            lines.append(line)
        return self._reply("who_scored", "\n".join(lines))

    def _score(self) -> ChatTurn:
        reports = [self._one_report()] if self.named or self.context.authority else self._all_reports()
        lines = [f"- {self._report_name(r)}: {escape_markdown(r.label or 'no score given')}" for r in reports]
        return self._reply("score", "\n".join(lines))

    def _higher(self) -> ChatTurn:
        """ "Which scored higher and why": both scores, then the strengths and shortfalls that explain it."""
        names = self.named or list(self.entities.authorities)
        theme = self.entities.theme(self.message)
        reports = [self.entities.reports_of(n, self.message)[0] for n in names[:4]]
        if len(reports) < 2:
            return self._compare()
        reports.sort(key=lambda r: -(r.score or 0))
        top, low = reports[0], reports[-1]
        if (top.score or 0) == (low.score or 0):
            head = f"{self._report_name(top)} and {self._report_name(low)} have the same score."
        else:
            head = (
                f"**{escape_markdown(top.authority)} scored higher**: {top.score} against {low.score} "
                f"for {escape_markdown(low.authority)}."
            )
        lines = [head, "", "Why, from the reports:", "", f"**{self._report_name(top)}: strengths**"]
        strengths = [
            f for f in self.a.findings(top).findings if f.kind == "strength" and (theme is None or f.theme == theme)
        ]
        lines += [self._finding_md(f) for f in strengths[:3]]
        gaps = [
            f for f in self.a.findings(low).findings if f.kind == "shortfall" and (theme is None or f.theme == theme)
        ]
        lines += ["", f"**{self._report_name(low)}: shortfalls**"] + [self._finding_md(f) for f in gaps[:3]]
        top_gaps = [f for f in self.a.findings(top).findings if f.kind == "shortfall"]
        lines += [
            "",
            f"{escape_markdown(top.authority)} still has {len(top_gaps)} shortfall(s); "
            f"{escape_markdown(low.authority)} has {len(gaps)}.",
        ]
        return self._reply("higher", "\n".join(lines))

    def _prioritise(self) -> ChatTurn:
        """Shortfalls ranked by the plan's priority (impact on people and risk), with the reason."""
        report = self._one_report()
        plan = self.a.plan(report, engine=self.chat.engine_name)
        lines = [
            f"**What to prioritise first in {self._report_name(report)}** (highest impact on people and risk first):"
        ]
        for a in plan.actions[:5]:
            why = "High priority: " if a.priority == "High" else f"{a.priority} priority: "
            quote = self.cites.quote(a.evidence[0]) if a.evidence else ""
            lines.append(f"- **{escape_markdown(a.title)}**. {why}{quote}")
        return self._reply("prioritise", "\n".join(lines), report_id=report.id, actions=plan.actions[:5])

    def _units_search(
        self, query: str, reports: list[Report], *, kinds=("practice",), k: int = 3, theme: str | None = None
    ) -> list[tuple[float, EvidenceUnit]]:
        """The ``k`` units of ``reports`` of ``kinds`` naming an arrangement, nearest ``query`` by meaning and theme."""
        ev = self.a.evidence
        pool = ev.pool(reports, kinds)
        if not pool.units:
            return []
        qv = ev.embed([query])
        score = pool.vectors @ qv[0] if pool.vectors is not None and qv is not None else np.zeros(len(pool.units))
        if theme and theme in pool.theme_ids:
            idx = list(pool.theme_ids).index(theme)
            score = score + 0.3 * pool.themes[:, idx] + 0.2 * practice_hits(pool, self.a.taxonomy, theme)
        score = np.where(pool.mechanism > 0, score, 0.0)
        order = np.argsort(-score)[:k]
        return [(float(score[i]), pool.units[i]) for i in order if score[i] > 0.25]

    def _compare(self) -> ChatTurn:
        names = self.named
        if len(names) < 2:
            if len(self.entities.authorities) < 2:
                return self._reply(
                    "compare",
                    "Only one authority's report is loaded, so there is nothing to compare with. "
                    "Add another report on the Reports page.",
                    error=True,
                )
            if len(self.entities.authorities) > 4 and not _TWO_SIDES.search(self.text):
                self.context.pending = None
                names_list = ", ".join(escape_markdown(a) for a in self.entities.authorities)
                return self._reply("clarify", f"Which authorities should I compare? The reports cover: {names_list}.")
            names = list(self.entities.authorities)
        reports = [self.entities.reports_of(n, self.message)[0] for n in names]
        theme = self.entities.theme(self.message)
        topic = f" on {escape_markdown(self._theme_label(theme))}" if theme else ""
        header = "| | " + " | ".join(self._report_name(r) for r in reports) + " |"
        rows = [header, "|---" * (len(reports) + 1) + "|"]
        any_cited = False
        for kind, title in (("strength", "Strengths"), ("shortfall", "Shortfalls")):
            cells = []
            for r in reports:
                found = [
                    f for f in self.a.findings(r).findings if f.kind == kind and (theme is None or f.theme == theme)
                ]
                any_cited |= bool(found)
                cells.append("<br>".join(self._finding_cell(f) for f in found[:4]) or "—")
            rows.append(f"| **{title}** | " + " | ".join(cells) + " |")
        if not any_cited:
            return self._nearest(f"None of the reports names a strength or shortfall{topic}.", None)
        return self._reply("compare", f"**Side by side{topic}**\n\n" + "\n".join(rows))

    def _question(self) -> Generator[str, None, ChatTurn]:
        authority = self.named[0] if self.named else self.context.authority
        if authority not in self.entities.authorities:
            authority = None
        hits = self.a.search(self.message, k=6, authority=authority)
        if not hits:
            turn = self._reply("question", "The reports don't say anything I can match to that question.")
            yield turn.reply
            return turn
        if self.chat.engine().name == "builtin":
            turn = self._extractive(authority)
            yield from chunks(turn.reply)
            return turn
        answer = None
        for item in self.chat.engine().answer_stream(self.message, hits):
            if isinstance(item, str):
                yield item
            else:
                answer = item
        if answer is None:
            raise RuntimeError("the engine's answer stream ended without an answer")
        passages = {h.passage.id: h.passage for h in hits}
        verified = [c for c in verify_all(answer.citations, passages) if c.verified]
        if not verified:
            return self._nearest(
                "The reports don't say that directly.", None, hits=hits, notes=list(answer.notes), engine=answer.engine
            )
        markers = {c.passage_id: self.cites.add(c) for c in verified}
        text = renumber_markers(answer.text, answer.citations, markers)
        if not re.search(r"\[\d+\]", text):
            text += "\n\n" + "\n".join(f"- {self.cites.quote(c)}" for c in verified)
        return self._reply("question", text, notes=list(answer.notes), engine=answer.engine)

    def _extractive(self, authority: str | None) -> ChatTurn:
        """The 2-5 sentences nearest the question by meaning (hybrid retrieval), quoted, grouped by authority."""
        ranked = self._sentences(self.message, authority=authority, k=MAX_ANSWER_UNITS)
        good = [(score, u) for score, u in ranked if score >= ANSWER_MIN_SCORE]
        head = (
            "Here is what the reports say:"
            if good
            else "The reports don't say this directly; the nearest passages are:"
        )
        chosen = good or ranked[:3]
        lines = [head]
        for who in dict.fromkeys(u.authority for _, u in chosen):
            lines += ["", f"**{escape_markdown(who)}**"]
            lines += [f"- {self.cites.quote(_unit_citation(u))}" for _, u in chosen if u.authority == who]
        return self._reply("question", "\n".join(lines))

    def _sentences(
        self,
        query: str,
        *,
        authority: str | None = None,
        report: Report | None = None,
        k: int = 5,
        theme: str | None = None,
    ) -> list[tuple[float, EvidenceUnit]]:
        """Hybrid sentence retrieval: the index's best passages (dense + BM25), then their sentences
        ranked by meaning (unit vectors), shared words and theme; at most two per passage. A sentence that
        refers back ("gaps in oversight of these agreements") is also matched by the sentence before it,
        which names its subject ("There were section 75 agreements ...")."""
        ev = self.a.evidence
        hits = self.a.search(query, k=12, authority=report.authority if report else authority)
        if report is not None:
            hits = [h for h in hits if h.passage.report_id == report.id]
        reports = {r.id: r for r in self.a.reports()}
        qv = ev.embed([query])
        asked = _stems(content_words(self.entities.strip_authorities(query)))
        scored: list[tuple[float, EvidenceUnit]] = []
        antecedent: dict[str, EvidenceUnit] = {}  # a sentence that refers back -> the sentence before it
        for rank, h in enumerate(hits):
            r = reports.get(h.passage.report_id)
            if r is None:
                continue
            units = ev.units(r)
            vectors = ev.vectors(r)
            for i, u in enumerate(units):
                if u.passage_id != h.passage.id:
                    continue
                sim = float(vectors[i] @ qv[0]) if vectors is not None and qv is not None else 0.0
                words = content_words(u.text)
                j = self._antecedent(units, i)
                if j is not None:
                    words |= content_words(units[j].text)
                    antecedent[u.id] = units[j]
                    if vectors is not None and qv is not None:
                        sim = max(sim, (sim + float(vectors[j] @ qv[0])) / 2)
                lexical = len(asked & _stems(words)) / max(1, len(asked))
                score = sim + 0.3 * lexical + 0.1 * (u.themes.get(theme, 0.0) if theme else 0.0) - 0.01 * rank
                scored.append((score, u))
        scored.sort(key=lambda x: -x[0])
        out: list[tuple[float, EvidenceUnit]] = []
        per_passage: dict[str, int] = {}
        for score, u in scored:
            if per_passage.get(u.passage_id, 0) >= 2 or any(u.id == o.id for _, o in out):
                continue
            per_passage[u.passage_id] = per_passage.get(u.passage_id, 0) + 1
            before = antecedent.get(u.id)
            if before is not None and not any(before.id == o.id for _, o in out):
                out.append((score, before))  # quoted with the sentence that refers back to it, just before it
            out.append((score, u))
            if len(out) >= k:
                break
        return out

    def _antecedent(self, units: tuple[EvidenceUnit, ...], i: int) -> int | None:
        """The earlier sentence that names the subject of ``units[i]`` when it refers back: the nearest one of
        the same section naming the noun it points to ("these agreements"), or the one before in its paragraph."""
        words = self.chat.words()
        refers, noun = words.refers_back(units[i].text)
        if not refers:
            return None
        if noun is None:
            return i - 1 if i and units[i - 1].passage_id == units[i].passage_id else None
        earlier = [j for j in range(i - 1, max(-1, i - 1 - words.lookback), -1) if units[j].section == units[i].section]
        named = [j for j in earlier if noun in content_words(units[j].text)]  # the same word first, then its stem
        stem = noun.rstrip("s")[:STEM]
        named += [j for j in earlier if any(w[:STEM] == stem for w in content_words(units[j].text))]
        return named[0] if named else None

    def _nearest_quote(self, passage: Passage) -> str:
        return self.cites.quote(Citation(passage_id=passage.id, quote=first_sentence_quote(passage, self.message)))

    def _nearest(self, head: str, report: Report | None, hits=None, **kw) -> ChatTurn:
        """An honest 'the reports don't say' with the nearest passages, cited."""
        if hits is None:
            hits = self.a.search(self.message, k=6, authority=report.authority if report else None)
            if report:
                hits = [h for h in hits if h.passage.report_id == report.id]
        lines = [head]
        if hits:
            lines += ["", "The nearest passages:"]
            lines += [f"- {self._nearest_quote(h.passage)} ({escape_markdown(h.passage.authority)})" for h in hits[:3]]
        return self._reply("question" if report is None else "about", "\n".join(lines), **kw)

    # ------------------------------------------------------------ rendering

    def _grouped(self, findings: list[Finding]) -> list[str]:
        lines: list[str] = []
        for theme in dict.fromkeys(f.theme for f in findings):
            lines += ["", f"**{escape_markdown(self._theme_label(theme))}**"]
            lines += [self._finding_md(f) for f in findings if f.theme == theme]
        return lines

    def _finding_md(self, finding: Finding) -> str:
        quotes = [q for q in (self.cites.quote(c) for c in finding.citations) if q]
        summary = escape_markdown(finding.summary)
        if not quotes:
            return f"- {summary} *(no verified quote)*"
        if len(finding.citations) == 1 and fold(finding.summary).strip(" .") == fold(finding.citations[0].quote).strip(
            " ."
        ):
            return f"- {quotes[0]}"
        return f"- {summary}\n" + "\n  >\n".join(f"  > {q}" for q in quotes)

    def _finding_cell(self, finding: Finding) -> str:
        markers = " ".join(m for m in (self.cites.add(c) for c in finding.citations) if m)
        return f"{escape_markdown(finding.summary)} {markers}".strip()

    def _shortfall_lines(self, report: Report, theme: str | None) -> str:
        found = [
            f for f in self.a.findings(report).findings if f.kind == "shortfall" and (theme is None or f.theme == theme)
        ]
        return "\n".join(self._finding_md(f) for f in found)

    def _action_md(self, action: Action, brief: bool = False) -> str:
        head = (
            f"**{action.id}. {escape_markdown(action.title)}** · {escape_markdown(self._theme_label(action.theme))} · "
            f"owner: {escape_markdown(action.owner)} · timescale: {escape_markdown(action.timescale)} · "
            f"RAG: {action.rag} · priority: {action.priority}"
        )
        evidence = " ".join(m for m in (self.cites.add(c) for c in action.evidence) if m)
        if brief:
            return f"- {head} {evidence}".rstrip()
        lines = [head, escape_markdown(action.action)]
        lines += [f"> {q}" for q in (self.cites.quote(c) for c in action.evidence) if q]
        if action.measures:
            lines.append("Measures: " + "; ".join(escape_markdown(m) for m in action.measures))
        for gp in action.good_practice:
            markers = " ".join(m for m in (self.cites.add(c) for c in gp.citations) if m)
            lines.append(
                f"Good practice ({escape_markdown(gp.authority)}): {escape_markdown(gp.summary)} {markers}".rstrip()
            )
        if action.no_good_practice_note:
            lines.append(f"*{escape_markdown(action.no_good_practice_note)}*")
        return "\n\n".join(lines)
