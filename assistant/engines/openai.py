"""The OpenAI-compatible engine: a model drafts findings, actions and answers.

Works with any OpenAI-compatible endpoint through ``assistant.engines.llm.LLM``. The
prompts are files in ``prompts/`` (``system.md``, ``findings.md``,
``actions.md``, ``answer.md``, ``refine.md``), rendered by ``prompting``, which
also delimits the untrusted report text; ``answer_stream`` splits a streamed
answer into prose and its citations; the good practice offered for a plan is
what ``good_practice.good_practice`` finds. Whatever the model returns is checked:
every citation must name a passage it was given and quote it verbatim
(``citations.verify(..., correct=True)``), and a finding or action left with no
verified evidence is dropped with a visible note. When the endpoint fails for
good (unreachable, 401, 429/5xx after retries, output that does not parse
after one retry) the built-in engine answers instead, and the returned object
says so in its notes and ``engine`` field.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator, Mapping, Sequence
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any, Literal, get_args

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..citations import verify_all
from ..good_practice import GoodPracticeFinder
from ..models import (
    RAG,
    Action,
    ActionPlan,
    Answer,
    Citation,
    Finding,
    GoodPractice,
    Passage,
    Priority,
    Report,
    ReportFindings,
    SearchHit,
    TokenUsage,
)
from ..planner import structure_plan
from ..playbook import Playbook
from ..settings import Settings
from ..text import fold
from ..themes import Taxonomy
from .answer_stream import AnswerStream, answer_last, collect
from .llm import LLM, LLMError, parse_json
from .prompting import (
    finding_block,
    good_practice_text,
    messages,
    passages_text,
    plan_block,
    playbook_text,
    render_prompt,
    report_slots,
    taxonomy_text,
)

if TYPE_CHECKING:  # pragma: no cover
    from . import Engine

log = logging.getLogger(__name__)

FALLBACK_ENGINE = "builtin (fallback)"
#: Other authorities' good practice offered to the model per shortfall theme.
GOOD_PRACTICE_PER_THEME = 3
#: Two actions whose texts are at least this similar say the same thing.
DUPLICATE_RATIO = 0.9


# --------------------------------------------------------------------------- response schemas


def _choice(value: object, allowed: object) -> object:
    """``value`` spelled as one of the Literal's choices, case-insensitively (else unchanged)."""
    if isinstance(value, str):
        for option in get_args(allowed):
            if option.lower() == value.strip().lower():
                return option
    return value


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


class QuoteOut(_Out):
    passage_id: str
    quote: str

    def citation(self) -> Citation:
        return Citation(passage_id=self.passage_id.strip(), quote=self.quote)


class FindingOut(_Out):
    kind: Literal["shortfall", "strength"]
    theme: str = ""
    summary: str = Field(min_length=1)
    citations: list[QuoteOut] = Field(default_factory=list)

    @field_validator("kind", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


class FindingsOut(_Out):
    findings: list[FindingOut]


class GoodPracticeOut(_Out):
    summary: str = Field(min_length=1)
    citations: list[QuoteOut] = Field(default_factory=list)


class ActionOut(_Out):
    title: str = Field(min_length=1)
    theme: str = ""
    shortfall_ids: list[str] = Field(default_factory=list)
    action: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    timescale: str = Field(min_length=1)
    measures: list[str] = Field(min_length=1)
    priority: Priority = "Medium"
    evidence: list[QuoteOut] = Field(default_factory=list)
    good_practice: list[GoodPracticeOut] = Field(default_factory=list)
    workstream: str = Field(default="", description="the workstream (priority) this action belongs to")
    partner_lead: str = ""

    @field_validator("priority", mode="before")
    @classmethod
    def _priority(cls, value: object) -> object:
        return _choice(value, Priority)


class ActionsOut(_Out):
    actions: list[ActionOut]


class CitationsOut(_Out):
    citations: list[QuoteOut]


class ActionEditOut(_Out):
    id: str
    title: str | None = None
    action: str | None = None
    owner: str | None = None
    timescale: str | None = None
    measures: list[str] | None = None
    rag: RAG | None = None
    priority: Priority | None = None

    @field_validator("priority", mode="before")
    @classmethod
    def _priority(cls, value: object) -> object:
        return _choice(value, Priority)

    @field_validator("rag", mode="before")
    @classmethod
    def _rag(cls, value: object) -> object:
        return _choice(value, RAG)

    def fields(self) -> dict[str, Any]:
        """The edited fields, blanks ignored."""
        data = self.model_dump(exclude={"id"}, exclude_none=True)
        return {k: v for k, v in data.items() if v not in ("", [])}


#: What ``refine`` lets the model change in an action.
_EDITABLE = {"title", "action", "owner", "timescale", "measures", "rag", "priority"}


class RefineOut(_Out):
    applicable: bool = True
    changed: list[ActionEditOut] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    summary: str = ""


# --------------------------------------------------------------------------- checking


def checked(quotes: Sequence[QuoteOut], passages: Mapping[str, Passage]) -> tuple[list[Citation], int]:
    """The verified citations among ``quotes`` (near-verbatim ones corrected), and how many were removed."""
    verified = [c for c in verify_all((q.citation() for q in quotes), passages, correct=True) if c.verified]
    unique = list({(c.passage_id, fold(c.quote).lower()): c for c in verified}.values())
    return unique, len(quotes) - len(unique)


def _removed_note(count: int) -> list[str]:
    if not count:
        return []
    return [
        f"Removed {count} citation{'s' if count != 1 else ''} from the model that named a passage it "
        "was not given or did not quote its passage word for word."
    ]


def checked_findings(report: Report, out: FindingsOut, taxonomy: Taxonomy) -> ReportFindings:
    """The model's findings whose quotes verify, numbered; the others dropped with a note."""
    passages = {p.id: p for p in report.passages}
    findings: list[Finding] = []
    notes: list[str] = []
    removed = 0
    counts = {"shortfall": 0, "strength": 0}
    for f in out.findings:
        citations, dropped = checked(f.citations, passages)
        removed += dropped
        if not citations:
            notes.append(
                f"Dropped a {f.kind} the model drafted because none of its quotes could be "
                f"verified against the report: \u201c{f.summary.strip()}\u201d"
            )
            continue
        counts[f.kind] += 1
        prefix = "s" if f.kind == "shortfall" else "g"
        findings.append(
            Finding(
                id=f"{report.id}/{prefix}{counts[f.kind]:02d}",
                report_id=report.id,
                kind=f.kind,
                theme=checked_theme(taxonomy, f.theme, f.summary, citations),
                summary=f.summary.strip(),
                citations=citations,
            )
        )
    return ReportFindings(
        **report.ref(),
        findings=findings,
        notes=_removed_note(removed) + notes,
    )


def checked_good_practice(
    drafted: list[GoodPracticeOut], examples: Mapping[str, Passage]
) -> tuple[list[GoodPractice], int]:
    """The drafted good practice whose quotes verify against ``examples``, and how many quotes were removed."""
    out, removed = [], 0
    for g in drafted:
        citations, dropped = checked(g.citations, examples)
        removed += dropped
        if citations:
            source = examples[citations[0].passage_id]
            out.append(
                GoodPractice(
                    authority=source.authority,
                    report_id=source.report_id,
                    summary=g.summary.strip(),
                    citations=citations,
                )
            )
    return out, removed


def checked_theme(
    taxonomy: Taxonomy, proposed: str, text: str, citations: list[Citation], default: str | None = None
) -> str:
    """The model's theme id when the taxonomy knows it; else the best match for the text."""
    known = {*taxonomy.ids, taxonomy.fallback.id}
    proposed = proposed.strip()
    if proposed in known:
        return proposed
    return default or taxonomy.best(text, [c.quote for c in citations])


def refined(plan: ActionPlan, out: RefineOut, usage: TokenUsage) -> ActionPlan | None:
    """``plan`` with the model's edits and removals; ``None`` when it made none that apply."""
    edits = {e.id: e.fields() for e in out.changed if plan.action(e.id) and e.fields()}
    removed = {i for i in out.removed if plan.action(i)}
    if not out.applicable or not (edits or removed):
        return None
    actions = [a.model_copy(update=edits.get(a.id, {})) for a in plan.actions if a.id not in removed]
    new = plan.model_copy(deep=True, update={"actions": actions, "usage": (plan.usage or TokenUsage()) + usage})
    new.renumber()
    return new


# --------------------------------------------------------------------------- the engine


class OpenAIEngine:
    """Findings, plans and answers drafted by an OpenAI-compatible model, verified."""

    def __init__(
        self,
        settings: Settings,
        taxonomy: Taxonomy,
        playbook: Playbook,
        fallback: Engine,
        *,
        llm: LLM | None = None,
    ):
        self.settings = settings
        self.taxonomy = taxonomy
        self.playbook = playbook
        self.fallback = fallback
        self.evidence = getattr(fallback, "evidence", None)  # evidence.EvidenceBase: good practice by meaning
        self.llm = llm or LLM(settings)
        self.name = f"openai:{settings.model}"

    # -- findings ------------------------------------------------------------

    def findings(self, report: Report) -> ReportFindings:
        prompt = self._messages(
            "findings",
            **report_slots(report),
            taxonomy=taxonomy_text(self.taxonomy),
            fallback_theme=self.taxonomy.fallback.id,
            passages=passages_text(report.passages),
        )
        try:
            out, _ = self.llm.complete_json(prompt, FindingsOut)
        except LLMError as err:
            result = self.fallback.findings(report)
            return result.model_copy(update={"notes": [self._notice(err), *result.notes]})
        return checked_findings(report, out, self.taxonomy)

    # -- plans ---------------------------------------------------------------

    def plan(
        self, report: Report, findings: ReportFindings, others: Sequence[tuple[Report, ReportFindings]] = ()
    ) -> ActionPlan:
        shortfalls = [f for f in findings.findings if f.kind == "shortfall"]
        if not shortfalls:
            return self._empty_plan(
                report,
                [
                    self.playbook.message(
                        "no_shortfalls", authority=report.authority, statement=report.quality_statement
                    )
                ],
            )
        examples = self._good_practice_passages(report, shortfalls, list(others))
        prompt = self._messages(
            "actions",
            **report_slots(report),
            shortfalls="\n\n".join(finding_block(f) for f in shortfalls),
            passages=passages_text(report.passages),
            good_practice=good_practice_text(examples.values()),
            playbook=playbook_text(self.playbook, report, dict.fromkeys(f.theme for f in shortfalls)),
        )
        try:
            out, usage = self.llm.complete_json(prompt, ActionsOut)
        except LLMError as err:
            plan = self.fallback.plan(report, findings, others)
            return plan.model_copy(
                update={
                    "engine": FALLBACK_ENGINE,
                    "notes": [self._notice(err), *plan.notes],
                    "usage": err.usage if err.usage.total_tokens else plan.usage,
                }
            )
        plan = self._checked_plan(report, shortfalls, out, {pid: p for pid, (p, _, _) in examples.items()})
        plan.usage = usage
        return plan

    def _checked_plan(
        self, report: Report, shortfalls: list[Finding], out: ActionsOut, examples: Mapping[str, Passage]
    ) -> ActionPlan:
        passages = {p.id: p for p in report.passages}
        by_id = {f.id: f for f in shortfalls}
        plan = self._empty_plan(report, [])
        removed = 0
        workstreams: list[str] = []
        for a in out.actions:
            evidence, dropped = checked(a.evidence, passages)
            removed += dropped
            ids = [i for i in dict.fromkeys(a.shortfall_ids) if i in by_id]
            if not evidence:
                plan.notes.append(
                    self.playbook.message(
                        "no_evidence", finding=", ".join(ids) or a.title.strip(), summary=a.title.strip()
                    )
                )
                continue
            good_practice, dropped = checked_good_practice(a.good_practice, examples)
            removed += dropped
            default = by_id[ids[0]].theme if ids else None
            theme = checked_theme(self.taxonomy, a.theme, f"{a.title} {a.action}", evidence, default=default)
            action = Action(
                id="A0",
                title=a.title.strip(),
                theme=theme,
                shortfall_ids=ids,
                evidence=evidence,
                action=a.action.strip(),
                owner=a.owner.strip(),
                timescale=a.timescale.strip(),
                measures=[m.strip() for m in a.measures if m.strip()],
                priority=a.priority,
                good_practice=good_practice,
                no_good_practice_note=None
                if good_practice
                else self.playbook.message("no_good_practice", theme=self.taxonomy.label(theme)),
                partner_lead=a.partner_lead.strip() or None,
            )
            before = len(plan.actions)
            self._add_unless_duplicate(plan, action)
            if len(plan.actions) > before:
                workstreams.append(a.workstream)
        plan.renumber()
        covered = {i for a in plan.actions for i in a.shortfall_ids}
        missing = [f.id for f in shortfalls if f.id not in covered]
        if missing:
            plan.notes.append(f"The model drafted no action for {len(missing)} shortfall(s): {', '.join(missing)}.")
        plan.notes[:0] = _removed_note(removed)
        # the same shape as the built-in plan: workstreams, measures with baselines, milestones, governance
        return structure_plan(plan, report, self.playbook, self.taxonomy, workstream_titles=workstreams)

    def _add_unless_duplicate(self, plan: ActionPlan, action: Action) -> None:
        text = fold(f"{action.title} {action.action}").lower()
        for kept in plan.actions:
            kept_text = fold(f"{kept.title} {kept.action}").lower()
            if SequenceMatcher(None, text, kept_text, autojunk=False).ratio() >= DUPLICATE_RATIO:
                kept.shortfall_ids += [i for i in action.shortfall_ids if i not in kept.shortfall_ids]
                plan.notes.append(self.playbook.message("merged", kept=kept.title, merged=action.title))
                return
        plan.actions.append(action)

    def _good_practice_passages(
        self, report: Report, shortfalls: list[Finding], others: list[tuple[Report, ReportFindings]]
    ) -> dict[str, tuple[Passage, str, str]]:
        """The passages good practice (``GoodPracticeFinder``) cites for each shortfall.

        Keyed by passage id: (passage, theme, the good practice's summary).
        """
        reports = {other.id: other for other, _ in others}
        out: dict[str, tuple[Passage, str, str]] = {}
        finder = GoodPracticeFinder(
            report, others, self.playbook, self.taxonomy, self.evidence, limit=GOOD_PRACTICE_PER_THEME
        )
        own = {p.id: p for p in report.passages}
        for f in shortfalls:
            quotes = [c for c in f.citations if c.passage_id in own]
            found, _ = finder.for_action(quotes, f.summary, f.theme)
            for gp in found:
                source = reports.get(gp.report_id or "")
                if source is None:
                    continue
                passages = {p.id: p for p in source.passages}
                for c in gp.citations:
                    out.setdefault(c.passage_id, (passages[c.passage_id], f.theme, gp.summary))
        return out

    # -- answers -------------------------------------------------------------

    def answer(self, question: str, hits: list[SearchHit]) -> Answer:
        return collect(self.stream_answer(question, hits))[1]

    def stream_answer(self, question: str, hits: list[SearchHit]) -> Generator[str, None, Answer]:
        passages = {h.passage.id: h.passage for h in hits}
        prompt = self._messages("answer", passages=passages_text(list(passages.values())), question=question)
        stream = AnswerStream(set(passages))
        usage = TokenUsage()
        try:
            usage = yield from stream.shown(self.llm.stream(prompt))
            quotes, repair_usage = self._answer_quotes(prompt, stream)
        except LLMError as err:
            return (
                yield from self._fallback_answer(question, hits, err, usage + err.usage, stream_it=not stream.started)
            )
        citations, removed = checked(quotes, passages)
        citations = stream.ordered(citations)
        notes = _removed_note(removed)
        if quotes and not citations:
            notes.append("None of the model's citations could be verified against the passages, so none is shown.")
        return Answer(
            text=stream.text(citations),
            citations=citations,
            engine=self.name,
            notes=notes,
            usage=usage + repair_usage,
        )

    def answer_stream(self, question: str, hits: list[SearchHit]) -> Iterator[str | Answer]:
        return answer_last(self.stream_answer(question, hits))

    def _answer_quotes(self, prompt: list[BaseMessage], stream: AnswerStream) -> tuple[list[QuoteOut], TokenUsage]:
        """The quotes of the citations block; one structured retry when it is missing or broken."""
        if stream.tail is not None:
            try:
                return parse_json(stream.tail, CitationsOut).citations, TokenUsage()
            except ValueError as err:
                log.warning("citations block did not parse: %s", err)
        elif not stream.marked:
            return [], TokenUsage()
        retry = [
            *prompt,
            AIMessage(content=stream.raw),
            HumanMessage(content=render_prompt(self.settings.prompts_dir, "answer_citations")),
        ]
        out, usage = self.llm.complete_json(retry, CitationsOut, retry=False)
        return out.citations, usage

    def _fallback_answer(
        self, question: str, hits: list[SearchHit], err: LLMError, usage: TokenUsage, *, stream_it: bool
    ) -> Generator[str, None, Answer]:
        """The built-in engine's answer, streamed unless part of the model's answer was already shown."""
        if stream_it:
            answer = yield from self.fallback.stream_answer(question, hits)
        else:
            answer = self.fallback.answer(question, hits)
        return answer.model_copy(
            update={
                "engine": FALLBACK_ENGINE,
                "notes": [self._notice(err), *answer.notes],
                "usage": usage if usage.total_tokens else answer.usage,
            }
        )

    # -- refinement ----------------------------------------------------------

    def refine(self, plan: ActionPlan, instruction: str) -> ActionPlan | None:
        """The plan with the instruction applied by the model; ``None`` when it does not apply.

        The model may edit an action's wording, owner, timescale, measures, RAG
        and priority, or remove actions; evidence and good practice are kept as
        they were (already verified). When the endpoint fails, the plan comes
        back unchanged with a note saying why.
        """
        if not plan.actions:
            return None
        rows = [a.model_dump(include=_EDITABLE | {"id", "theme"}) for a in plan.actions]
        prompt = self._messages(
            "refine",
            authority=plan.authority,
            statement=plan.quality_statement,
            plan=plan_block(rows),
            instruction=instruction.strip(),
        )
        try:
            out, usage = self.llm.complete_json(prompt, RefineOut)
        except LLMError as err:
            note = f"The model at {self.llm.endpoint} {err.reason}; the plan was not changed."
            return plan.model_copy(deep=True, update={"notes": [*plan.notes, note]})
        return refined(plan, out, usage)

    # -- helpers -------------------------------------------------------------

    def _messages(self, name: str, **slots: str) -> list[BaseMessage]:
        return messages(self.settings.prompts_dir, name, **slots)

    def _notice(self, err: LLMError) -> str:
        return f"The model at {self.llm.endpoint} {err.reason}; answered with the built-in engine."

    def _empty_plan(self, report: Report, notes: list[str]) -> ActionPlan:
        return ActionPlan(**report.ref(), engine=self.name, notes=notes)
