"""The chat: intents, cited answers and plan changes, one conversation turn at a time.

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

from .citations import verify_all
from .entities import WORD, Entities
from .export import to_markdown
from .good_practice import good_practice
from .models import (
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
from .refine import RefineError, apply_instruction, looks_like_edit
from .text import escape_markdown, fold, slugify

if TYPE_CHECKING:  # pragma: no cover
    from .service import Assistant

#: Longer messages get a clear error instead of an answer.
MAX_MESSAGE_CHARS = 4000

_EXPORT = re.compile(r"\b(export|download)\b")
_PLAN = re.compile(
    r"\b(draft|create|build|make|generate|write|produce|prepare|give me)\b.{0,40}\bplan\b|^\s*(improvement\s+)?plan\s+for\b"
)
_ACTIONS = re.compile(
    r"\b(draft|suggest|propose|recommend|give|list|what)\b.{0,60}\bactions?\b|\bwhat should\b.{0,40}\bdo\b"
)
_LEARN = re.compile(r"\blearn\b|\bborrow\b|\bcopy from\b|\bgood practice from\b|\bteach")
_COMPARE = re.compile(r"\bcompar|\bside by side\b|\bversus\b|\bvs\.?\b|\bdiffer")
_SHORTFALLS = re.compile(
    r"shortfall|\bgaps?\b|weakness|concern|\bproblems?\b|\bissues?\b|fall(s|ing)? short|"
    r"areas? (for|of) (improvement|development)|what went wrong|\bimprove\b|\bpoor\b|\bworse\b|\bcriticis"
)
_STRENGTHS = re.compile(r"strength|good practice|work(s|ed|ing)? well|\bpositive|doing well|\bpraise|\bbest\b")
_ABOUT = re.compile(r"\b(say|says|said|about|regarding|on)\b")
_HELP = re.compile(r"^\s*(help|hi|hello|hey|what can you do|\?)\W*$")
_TWO_SIDES = re.compile(r"\b(both|two|all|each|every)\b.{0,20}\b(authorit|council|report)")


# --------------------------------------------------------------------------- citations


class _Citations:
    """Numbers the citations of one turn: ``add`` returns the ``[n]`` marker."""

    def __init__(self, passages: dict[str, Passage]):
        self.passages = passages
        self.items: list[Citation] = []

    def add(self, citation: Citation) -> str:
        checked = verify_all([citation], self.passages)
        if not checked:
            return ""
        c = checked[0]
        for i, seen in enumerate(self.items, start=1):
            if seen.passage_id == c.passage_id and fold(seen.quote) == fold(c.quote):
                return f"[{i}]"
        self.items.append(c)
        return f"[{len(self.items)}]"

    def quote(self, citation: Citation) -> str:
        """``“quote” [n]``, with an explicit warning when the quote is not verbatim."""
        marker = self.add(citation)
        if not marker:
            return ""
        flag = "" if self.items[int(marker[1:-1]) - 1].verified else " ⚠ *unverified quote*"
        return f"“{escape_markdown(citation.quote)}” {marker}{flag}"


def first_sentence_quote(passage: Passage, query: str = "") -> str:
    """The passage sentence that shares most words with ``query`` (verbatim)."""
    sentences = passage.sentence_texts() or [passage.text]
    words = set(WORD.findall(fold(query).lower()))
    return max(sentences, key=lambda s: (len(words & set(WORD.findall(fold(s).lower()))), -sentences.index(s)))


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
            turn = yield from _Responder(self, message, plan, context).replies()
            return turn
        yield from _chunks(turn.reply)
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

    def _turn(self, message: str, intent: Intent, reply: str, context: ChatContext, **kw) -> ChatTurn:
        return ChatTurn(
            message=message,
            intent=intent,
            reply=reply,
            context=context,
            engine=kw.pop("engine", None) or self.engine().name,
            **kw,
        )


def _chunks(text: str) -> Iterator[str]:
    """A finished reply in line-sized chunks (few, so the browser is not flooded)."""
    yield from (piece for piece in re.findall(r"[^\n]*\n*", text) if piece)


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


class _Responder:
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
        self.cites = _Citations(self.a.passages)

    # ------------------------------------------------------------ routing

    def replies(self) -> Generator[str, None, ChatTurn]:
        """Free questions stream from the engine; every other intent is worked out, then chunked."""
        turn = self.run()
        if turn is None:
            return (yield from self._question())
        yield from _chunks(turn.reply)
        return turn

    def run(self) -> ChatTurn | None:
        """The turn for every intent but a free question (``None``: stream it from the engine)."""
        if not self.a.reports():
            return self._reply("question", "No reports are loaded yet. Add one on the Reports page.", error=True)
        if self.context.pending and len(self.text.split()) <= 6 and not self._has_intent() and self._clarified():
            pending, self.context.pending = self.context.pending, None
            turn = _Responder(self.chat, pending, self.plan, self.context).respond_all()
            return turn.model_copy(update={"message": self.message})
        if _HELP.match(self.text):
            return self._help()
        if _EXPORT.search(self.text):
            return self._export()
        if looks_like_edit(self.message):
            return self._refine()
        if _LEARN.search(self.text):
            return self._learn()
        if _COMPARE.search(self.text):
            return self._compare()
        if _PLAN.search(self.text) and not re.search(r"\bactions?\b", self.text):
            return self._whole_plan()
        if _ACTIONS.search(self.text):
            return self._actions()
        if _SHORTFALLS.search(self.text):
            return self._findings("shortfall")
        if _STRENGTHS.search(self.text):
            return self._findings("strength")
        if _ABOUT.search(self.text) and self.entities.theme(self.message):
            return self._about()
        return None

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

    def _has_intent(self) -> bool:
        return any(p.search(self.text) for p in (_EXPORT, _LEARN, _COMPARE, _PLAN, _ACTIONS, _SHORTFALLS, _STRENGTHS))

    def _reply(self, intent: Intent, reply: str, **kw) -> ChatTurn:
        notes = kw.pop("notes", [])
        return self.chat._turn(self.message, intent, reply, self.context, citations=self.cites.items, notes=notes, **kw)

    def _one_report(self) -> Report | ChatTurn:
        """The report the message is about, or a turn asking which one."""
        if self.named:
            authority = self.named[0]
        elif self.context.authority in self.entities.authorities:
            authority = self.context.authority
        elif len(self.entities.authorities) == 1:
            authority = self.entities.authorities[0]
        else:
            return self._ask_authority()
        reports = self.entities.reports_of(authority, self.message)
        if len(reports) > 1 and self.context.report_id in {r.id for r in reports}:
            reports = [r for r in reports if r.id == self.context.report_id]
        if len(reports) > 1:
            listed = "; ".join(escape_markdown(r.quality_statement) for r in reports)
            self.context.pending, self.context.authority = self.message, authority
            return self._reply(
                "clarify",
                f"{escape_markdown(authority)} has {len(reports)} reports: {listed}. Which quality statement?",
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
        for c in changes:
            action = plan.action(c.action_id) if c.action_id and c.kind != "remove" else None
            if action:
                lines += ["", self._action_md(action)]
        return self._reply("refine", "\n".join(lines), plan=plan, plan_changes=changes)

    def _refine_with_engine(self, reason: str) -> ChatTurn:
        """Instructions the parser cannot handle go to the engine's ``refine`` when it has one."""
        engine = self.chat.engine()
        refine = getattr(engine, "refine", None)
        revised = refine(self.plan, self.message) if refine else None
        if revised is None or revised.actions == self.plan.actions:
            notes = [n for n in (revised.notes if revised else []) if n not in self.plan.notes]
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
        lines += [self._action_md(a, brief=True) for a in revised.actions if a not in self.plan.actions]
        return self._reply(
            "refine",
            "\n\n".join(lines),
            plan=revised,
            plan_changes=[change],
            engine=engine.name,
            notes=[n for n in revised.notes if n not in self.plan.notes],
        )

    def _whole_plan(self) -> ChatTurn:
        report = self._one_report()
        if isinstance(report, ChatTurn):
            return report
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
        if isinstance(report, ChatTurn):
            return report
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

    def _findings(self, kind: str) -> ChatTurn:
        report = self._one_report()
        if isinstance(report, ChatTurn):
            return report
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
        if isinstance(report, ChatTurn):
            return report
        theme = self.entities.theme(self.message)
        label = self._theme_label(theme)
        findings = [f for f in self.a.findings(report).findings if f.theme == theme]
        lines = [f"What the report for {self._report_name(report)} says about **{escape_markdown(label)}**:"]
        for kind, title in (("strength", "Strengths"), ("shortfall", "Shortfalls")):
            mine = [f for f in findings if f.kind == kind]
            if mine:
                lines += ["", f"**{title}**"] + [self._finding_md(f) for f in mine]
        cited = {c.passage_id for c in self.cites.items}
        hits = [
            h
            for h in self.a.search(f"{label} {self.message}", k=4, authority=report.authority)
            if h.passage.report_id == report.id and h.passage.id not in cited
        ]
        if hits:
            lines += ["", "**Related passages**"]
            lines += [
                f"- {self.cites.quote(Citation(passage_id=h.passage.id, quote=first_sentence_quote(h.passage, label)))}"
                for h in hits[:3]
            ]
        if len(lines) == 1:
            return self._nearest(
                f"The report for {self._report_name(report)} does not discuss {escape_markdown(label)}.", report
            )
        return self._reply("about", "\n".join(lines), report_id=report.id)

    def _learn(self) -> ChatTurn:
        pair = self._learner_and_source()
        if isinstance(pair, ChatTurn):
            return pair
        learner, source = pair
        theme = self.entities.theme(self.message)
        topic = f" about {escape_markdown(self._theme_label(theme))}" if theme else ""
        source_findings = self.a.findings(source)
        strengths = [
            f for f in source_findings.findings if f.kind == "strength" and (theme is None or f.theme == theme)
        ]
        head = f"What {escape_markdown(learner.authority)} can learn from {escape_markdown(source.authority)}{topic}"
        if not strengths:
            return self._nearest(
                f"{head}: the report for {self._report_name(source)} names no strength{topic}.", source
            )
        lines = [f"**{head}**", "", f"{self._report_name(source)}: strengths"]
        lines += [self._finding_md(f) for f in strengths]
        gaps = [
            f
            for f in self.a.findings(learner).findings
            if f.kind == "shortfall" and (theme is None or f.theme == theme)
        ]
        if gaps:
            lines += ["", f"{self._report_name(learner)}: the gaps this speaks to"] + [
                self._finding_md(f) for f in gaps
            ]
        borrow = self._borrow(learner, source, theme, strengths, gaps)
        if borrow:
            lines += ["", "**What to borrow**"] + borrow
        self.context.authority = learner.authority
        self.context.report_id = learner.id
        return self._reply("learn", "\n".join(lines), report_id=learner.id)

    def _borrow(
        self, learner: Report, source: Report, theme: str | None, strengths: list[Finding], gaps: list[Finding]
    ) -> list[str]:
        themes = [theme] if theme else list(dict.fromkeys(f.theme for f in strengths))
        others = [(source, self.a.findings(source, engine="builtin"))]
        lines = []
        for t in themes:
            gap = " ".join(c.quote for f in gaps if f.theme == t for c in f.citations[:1])
            for gp in good_practice(t, learner, others, self.a.playbook, shortfall=gap, taxonomy=self.a.taxonomy):
                markers = " ".join(m for m in (self.cites.add(c) for c in gp.citations) if m)
                lines.append(f"- {escape_markdown(gp.summary)} {markers}".rstrip())
        return lines

    def _learner_and_source(self) -> tuple[Report, Report] | ChatTurn:
        """Who learns from whom: "A learn from B", "B teach A", or the current authority learning from B."""
        named = self.named
        if re.search(r"\bteach", self.text):
            source = named[0] if named else None
        else:
            after_from = re.search(r"\bfrom\b(.*)", self.message, flags=re.I)
            source_names = self.entities.authorities_in(after_from.group(1)) if after_from else []
            source = source_names[0] if source_names else (named[-1] if named else None)
        learners = [a for a in named if a != source]
        if not learners and self.context.authority and self.context.authority != source:
            learners = [self.context.authority]
        if not learners and len(self.entities.authorities) == 2 and source:
            learners = [a for a in self.entities.authorities if a != source]
        if source is None or not learners:
            return self._ask_authority()
        learner_report = self.entities.reports_of(learners[0], self.message)[0]
        return learner_report, self.entities.reports_of(source, self.message)[0]

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
        answer = None
        for item in self.chat.engine().answer_stream(self.message, hits):
            if isinstance(item, str):
                yield item
            else:
                answer = item
        passages = {h.passage.id: h.passage for h in hits}
        verified = [c for c in verify_all(answer.citations, passages) if c.verified]
        if not verified:
            return self._nearest(
                "The reports don't say that directly.", None, hits=hits, notes=list(answer.notes), engine=answer.engine
            )
        markers = {c.passage_id: self.cites.add(c) for c in verified}
        text = _renumber_markers(answer.text, answer.citations, markers)
        if not re.search(r"\[\d+\]", text):
            text += "\n\n" + "\n".join(f"- {self.cites.quote(c)}" for c in verified)
        return self._reply("question", text, notes=list(answer.notes), engine=answer.engine)

    def _nearest(self, head: str, report: Report | None, hits=None, **kw) -> ChatTurn:
        """An honest 'the reports don't say' with the nearest passages, cited."""
        if hits is None:
            hits = self.a.search(self.message, k=6, authority=report.authority if report else None)
            if report:
                hits = [h for h in hits if h.passage.report_id == report.id]
        lines = [head]
        if hits:
            lines += ["", "The nearest passages:"]
            lines += [
                f"- {self.cites.quote(Citation(passage_id=h.passage.id, quote=first_sentence_quote(h.passage, self.message)))}"
                f" ({escape_markdown(h.passage.authority)})"
                for h in hits[:3]
            ]
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


def _renumber_markers(text: str, cited: list[Citation], markers: dict[str, str]) -> str:
    """Map an engine's ``[n]`` markers (1-based over its citations) to this turn's numbering."""

    def sub(m: re.Match) -> str:
        i = int(m.group(1)) - 1
        if 0 <= i < len(cited) and cited[i].passage_id in markers:
            return markers[cited[i].passage_id]
        return ""

    return re.sub(r"\[(\d+)\]", sub, text)
