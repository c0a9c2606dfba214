"""Typed objects passed between stages: reports -> passages -> findings -> plan.

Every stage takes and returns these; JSON output of the CLI is their
``model_dump``. Field names here are a contract (see the README's JSON shapes).
"""

from __future__ import annotations

from datetime import date
from typing import Literal, TypedDict

from pydantic import BaseModel, Field

SectionName = Literal["what_people_expect", "commitment", "key_findings"]
FindingKind = Literal["shortfall", "strength"]
RAG = Literal["Not started", "In progress", "Green", "Amber", "Red", "Complete"]
Priority = Literal["High", "Medium", "Low"]


class SentenceSpan(BaseModel):
    """A sentence of a passage as character offsets into ``Passage.text``."""

    start: int
    end: int


class Passage(BaseModel):
    """One paragraph of a report: the unit of retrieval and citation.

    ``id`` is ``<authority-slug>/<statement-slug>/pNN`` and does not change when
    the same file is re-ingested.
    """

    id: str
    report_id: str
    authority: str
    quality_statement: str
    section: SectionName
    subheading: str | None = None
    position: int = Field(description="1-based order of the passage in its report")
    text: str
    sentences: list[SentenceSpan] = Field(default_factory=list)

    def sentence_texts(self) -> list[str]:
        return [self.text[s.start : s.end] for s in self.sentences]


class ReportRef(TypedDict):
    """Which report a plan, its findings or a workshop is about (``Report.ref()``)."""

    report_id: str
    authority: str
    quality_statement: str
    score: int | None


class Report(BaseModel):
    """One quality-statement section of a CQC local authority assessment."""

    id: str = Field(description="<authority-slug>/<statement-slug>")
    authority: str
    authority_inferred: bool = False
    quality_statement: str
    statement_inferred: bool = False
    score: int | None = Field(default=None, ge=1, le=4)
    label: str | None = None
    indicative: bool = False
    i_statements: list[str] = Field(default_factory=list)
    commitment: str | None = None
    source: str = Field(
        description="file name inside the reports folder; <file>#<statement-slug> for one "
        "section of a file holding several quality statements"
    )
    content_hash: str
    passages: list[Passage] = Field(default_factory=list)

    def ref(self) -> ReportRef:
        """The fields a plan, its findings or a workshop copy from the report they are about."""
        return ReportRef(
            report_id=self.id, authority=self.authority, quality_statement=self.quality_statement, score=self.score
        )

    @property
    def file(self) -> str:
        """The report's file name, without the section of a multi-section file."""
        return self.source.partition("#")[0]

    def key_findings(self) -> list[Passage]:
        return [p for p in self.passages if p.section == "key_findings"]

    def summary(self) -> dict:
        """The ``reports --format json`` row."""
        return {
            "id": self.id,
            "authority": self.authority,
            "quality_statement": self.quality_statement,
            "score": self.score,
            "label": self.label,
            "source": self.source,
            "passages": len(self.passages),
            "authority_inferred": self.authority_inferred,
            "statement_inferred": self.statement_inferred,
            "indicative": self.indicative,
        }


class IngestError(BaseModel):
    """A file that was not accepted as a report, and why (shown to the user)."""

    source: str
    reason: str


class SearchHit(BaseModel):
    passage: Passage
    score: float = Field(description="fused score, higher is better")
    dense_rank: int | None = None
    bm25_rank: int | None = None


class Citation(BaseModel):
    """A passage id plus a quote that must occur verbatim in that passage."""

    passage_id: str
    quote: str
    verified: bool = False
    corrected: bool = Field(default=False, description="quote replaced by the exact source text")


class Finding(BaseModel):
    id: str = Field(description="<report-id>/s01 for shortfalls, <report-id>/g01 for strengths")
    report_id: str
    kind: FindingKind
    theme: str = Field(description="theme id from prompts/themes.yaml")
    summary: str
    citations: list[Citation] = Field(default_factory=list)
    recognised: bool = Field(
        default=False, description="the report says the council has recognised this gap or work on it is under way"
    )
    context: list[Citation] = Field(
        default_factory=list, description="the sentences saying so: context for the plan, never shortfall evidence"
    )


class ReportFindings(BaseModel):
    """The findings of one report (a row of ``findings --format json``)."""

    report_id: str
    authority: str
    quality_statement: str
    score: int | None
    findings: list[Finding] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class GoodPractice(BaseModel):
    authority: str
    report_id: str | None = None
    summary: str = Field(description="one sentence: what to borrow")
    citations: list[Citation] = Field(default_factory=list)


class Milestone(BaseModel):
    """A dated step of an action: what is done by when."""

    title: str
    due: date
    action_id: str | None = None


class MeasureDetail(BaseModel):
    """A measure of success: what is measured, where its baseline comes from, the dated target."""

    what: str
    baseline: str = Field(description="where the baseline comes from, or when it will be set")
    target: str = Field(description="the target value, e.g. '90%' or 'rising quarter on quarter'")
    target_date: date | None = None
    people_outcome: bool = Field(default=False, description="an outcome for people, tied to the I-statement")
    i_statement: str | None = None

    def line(self) -> str:
        """The measure as one line (what ``Action.measures`` holds)."""
        when = f" by {format_date(self.target_date)}" if self.target_date else ""
        return f"{self.what} (baseline: {self.baseline}; target: {self.target}{when})"


def format_date(d: date) -> str:
    """``1 April 2027``."""
    return f"{d.day} {d:%B %Y}"


class Initiative(BaseModel):
    """Work or a programme the report names, which actions build on rather than reinvent."""

    name: str
    status: Literal["in progress", "exists"] = "exists"
    citation: Citation


class Action(BaseModel):
    id: str = Field(description="A1, A2, ... in plan order")
    title: str
    theme: str
    shortfall_ids: list[str] = Field(default_factory=list)
    evidence: list[Citation] = Field(default_factory=list)
    action: str
    owner: str
    timescale: str
    measures: list[str] = Field(default_factory=list)
    rag: RAG = "Not started"
    priority: Priority = "Medium"
    good_practice: list[GoodPractice] = Field(default_factory=list)
    no_good_practice_note: str | None = None
    # Added by the workstream plan (all optional, so older plans and tools keep working).
    workstream: str | None = Field(default=None, description="id of the workstream (W1, W2, ...)")
    partner_lead: str | None = Field(default=None, description="the partner's lead, beside the council owner")
    builds_on: list[str] = Field(default_factory=list, description="initiatives the report names that this extends")
    context: list[Citation] = Field(
        default_factory=list, description="quotes on work already under way or recognised (not shortfall evidence)"
    )
    milestones: list[Milestone] = Field(default_factory=list)
    measure_details: list[MeasureDetail] = Field(default_factory=list)
    months: int | None = Field(default=None, description="the timescale in months, when it is one")


class Workstream(BaseModel):
    """A priority of the plan: a group of related shortfalls answered by one to three actions."""

    id: str = Field(description="W1, W2, ... in plan order")
    title: str
    themes: list[str] = Field(default_factory=list)
    priority: Priority = "Medium"
    rationale: str = Field(default="", description="one line: why this priority")
    recognised: bool = Field(default=False, description="the council has recognised the gap itself")
    action_ids: list[str] = Field(default_factory=list)
    shortfall_ids: list[str] = Field(default_factory=list)
    outcome: str = Field(default="", description="what people should experience, from the I-statement")
    lead: str = Field(default="", description="the council role leading the workstream")
    partner_lead: str | None = None
    builds_on: list[str] = Field(default_factory=list)
    dependencies: list[str] = Field(default_factory=list)
    risks: list[str] = Field(default_factory=list)
    resources: str = "To be confirmed"
    start: date | None = None
    end: date | None = None


class Governance(BaseModel):
    """How the plan is approved, overseen and reported."""

    # A role or body: its title is the label a plan shows it under, in this order (``roles``).
    lead_member: str = Field(title="Lead member")
    senior_owner: str = Field(title="Senior responsible officer")
    approval: str = Field(title="Approval")
    scrutiny: str = Field(title="Scrutiny")
    health_and_wellbeing_board: str = Field(title="Health and wellbeing board")
    delivery_group: str = Field(title="Delivery group")
    cadence: list[str] = Field(default_factory=list)

    def roles(self) -> list[tuple[str, str]]:
        """(label, who) for each role and body, in the order a plan shows them (the cadence apart)."""
        return [
            (field.title or name, getattr(self, name))
            for name, field in type(self).model_fields.items()
            if name != "cadence"
        ]


class TokenUsage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


class ActionPlan(BaseModel):
    authority: str
    quality_statement: str
    score: int | None
    report_id: str
    engine: str = "builtin"
    actions: list[Action] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="visible notes: fallbacks, drops")
    usage: TokenUsage | None = None
    # Added by the workstream plan (all optional, so older plans and tools keep working).
    start_date: date | None = None
    lead_member: str | None = None
    i_statement: str | None = None
    summary: list[str] = Field(default_factory=list, description="the plan on a page, a line each")
    workstreams: list[Workstream] = Field(default_factory=list)
    initiatives: list[Initiative] = Field(default_factory=list)
    governance: Governance | None = None

    def workstream(self, workstream_id: str) -> Workstream | None:
        return next((w for w in self.workstreams if w.id == workstream_id), None)

    def action(self, action_id: str) -> Action | None:
        return next((a for a in self.actions if a.id == action_id), None)

    def renumber(self) -> None:
        """Number actions A1, A2, ... in order, keeping workstreams' and milestones' references."""
        renamed = {}
        for i, a in enumerate(self.actions, start=1):
            renamed[a.id] = f"A{i}"
            a.id = f"A{i}"
            for m in a.milestones:
                m.action_id = a.id
        for w in self.workstreams:
            w.action_ids = [renamed[i] for i in w.action_ids if i in renamed]


class Answer(BaseModel):
    """A chat reply: Markdown text plus the citations it rests on."""

    text: str
    citations: list[Citation] = Field(default_factory=list)
    engine: str = "builtin"
    notes: list[str] = Field(default_factory=list, description="fallback notices, dropped claims")
    actions: list[Action] = Field(default_factory=list, description="proposed actions the user can add")
    usage: TokenUsage | None = None


# --------------------------------------------------------------------------- chat turns

Intent = Literal[
    "empty",
    "too_long",
    "help",
    "clarify",
    "export",
    "refine",
    "plan",
    "actions",
    "learn",
    "compare",
    "shortfalls",
    "strengths",
    "about",
    "question",
    "best",
    "who_scored",
    "higher",
    "prioritise",
    "score",
]


class PlanChange(BaseModel):
    """One change to the plan, confirmed to the user."""

    kind: Literal["new_plan", "add", "remove", "update", "replace"]
    action_id: str | None = None
    field: str | None = None
    old: str | None = None
    new: str | None = None
    summary: str


class Download(BaseModel):
    file_name: str
    mime: str
    data: str


class ChatContext(BaseModel):
    """What the conversation remembers between turns."""

    authority: str | None = None
    report_id: str | None = None
    pending: str | None = Field(default=None, description="a question waiting for the user to name an authority")


class ChatTurn(BaseModel):
    """One reply of the assistant: Markdown plus everything the UI needs to render it."""

    message: str
    intent: Intent
    reply: str
    citations: list[Citation] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list, description="proposed actions (each with Add to plan)")
    report_id: str | None = Field(default=None, description="the report the proposed actions answer")
    plan: ActionPlan | None = Field(default=None, description="the plan after this turn, when it changed")
    plan_changes: list[PlanChange] = Field(default_factory=list)
    download: Download | None = None
    engine: str = "builtin"
    notes: list[str] = Field(default_factory=list)
    error: bool = False
    context: ChatContext = Field(default_factory=ChatContext)
