"""The plan in the chat: draft it, propose actions, change it in words, export it.

Drafting goes through ``Assistant.plan`` (the conversation's engine); an edit in words is applied by
``refine.apply_instruction``, or, when it cannot parse it, by the engine's optional ``Refiner``
capability, whose revised evidence is verified before it is kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..citations import verify_all
from ..engines import Refiner
from ..export import to_markdown
from ..models import ActionPlan, ChatTurn, Download, PlanChange, Report
from ..refine import RefineError, apply_instruction
from ..text import escape_markdown, slugify

if TYPE_CHECKING:  # pragma: no cover
    from .request import Request


def export(r: Request) -> ChatTurn:
    """The current plan as a Markdown download."""
    if r.plan is None or not r.plan.actions:
        return r.reply(
            "export",
            "There is no plan to export yet. Ask me to *draft the whole plan for …* "
            "or add proposed actions to the plan first.",
            error=True,
        )
    name = f"improvement-plan-{slugify(r.plan.authority)}.md"
    download = Download(
        file_name=name, mime="text/markdown", data=to_markdown(r.plan, r.a.passages, taxonomy=r.a.taxonomy)
    )
    return r.reply(
        "export",
        f"Here is the plan for {escape_markdown(r.plan.authority)} "
        f"({len(r.plan.actions)} actions) as Markdown: **{name}**.",
        download=download,
    )


def refine(r: Request) -> ChatTurn:
    """An edit in words ("make action 2 owned by ..."), applied to the current plan."""
    if r.plan is None:
        return r.reply(
            "refine", "There is no plan to change yet. Ask me to *draft the whole plan for …* first.", error=True
        )
    try:
        plan, changes = apply_instruction(r.plan, r.message, r.a.taxonomy, r.a.playbook)
    except RefineError as exc:
        return _refine_with_engine(r, str(exc))
    lines = [f"Done: {escape_markdown(c.summary)}" for c in changes]
    # One card per action changed, however many changes it had (a RAG and a note are two changes).
    changed = dict.fromkeys(c.action_id for c in changes if c.action_id and c.kind != "remove")
    for action_id in changed:
        action = plan.action(action_id) if action_id else None
        if action:
            lines += ["", r.md.action(action)]
    return r.reply("refine", "\n".join(lines), plan=plan, plan_changes=changes)


def _refine_with_engine(r: Request, reason: str) -> ChatTurn:
    """Instructions the parser cannot handle go to the engine's ``refine`` when it has one."""
    engine = r.chat.engine()
    current = r.plan or ActionPlan(authority="", quality_statement="", score=None, report_id="")
    revised = engine.refine(current, r.message) if isinstance(engine, Refiner) else None
    if revised is None or revised.actions == current.actions:
        notes = [n for n in (revised.notes if revised else []) if n not in current.notes]
        return r.reply(
            "refine",
            f"I could not apply that change: {escape_markdown(reason)}",
            error=True,
            notes=notes,
            engine=engine.name,
        )
    revised.actions = [a.model_copy(update={"evidence": verify_all(a.evidence, r.a.passages)}) for a in revised.actions]
    change = PlanChange(
        kind="replace", summary=f"The {engine.name} engine revised the plan ({len(revised.actions)} actions)."
    )
    lines = [f"Done: {escape_markdown(change.summary)}"]
    lines += [r.md.action(a, brief=True) for a in revised.actions if a not in current.actions]
    return r.reply(
        "refine",
        "\n\n".join(lines),
        plan=revised,
        plan_changes=[change],
        engine=engine.name,
        notes=[n for n in revised.notes if n not in current.notes],
    )


def whole_plan(r: Request) -> ChatTurn:
    """The whole plan drafted for the report meant, replacing the current one (kept in the history)."""
    report = r.one_report()
    plan = r.a.plan(report, engine=r.chat.engine_name)
    replaced = r.plan is not None and r.plan.actions
    change = PlanChange(
        kind="new_plan", summary=f"Drafted a plan of {len(plan.actions)} actions for {report.authority}."
    )
    lines = [f"I drafted a plan of **{len(plan.actions)} actions** for {r.md.report(report)}; it is on the Plan page."]
    if replaced:
        lines.append("The previous plan is kept in this conversation's history (Plan page → *Restore*).")
    for action in plan.actions:
        lines += ["", r.md.action(action, brief=True)]
    return r.reply(
        "plan", "\n".join(lines), plan=plan, plan_changes=[change], notes=list(plan.notes), engine=plan.engine
    )


def actions(r: Request) -> ChatTurn:
    """Proposed actions for the report meant (on the theme named), each with **Add to plan**."""
    report = r.one_report()
    theme = r.entities.theme(r.message)
    plan = r.a.plan(report, engine=r.chat.engine_name)
    proposed = [a for a in plan.actions if theme is None or a.theme == theme]
    topic = f" on {escape_markdown(r.md.theme(theme))}" if theme else ""
    if not proposed:
        findings = _shortfall_lines(r, report, theme)
        reply = f"The report for {r.md.report(report)} names no shortfall{topic} that needs an action."
        if findings:
            reply += "\n\n" + findings
        return r.reply("actions", reply, report_id=report.id)
    lines = [f"Draft actions for {r.md.report(report)}{topic}. Use **Add to plan** to keep one."]
    for action in proposed:
        lines += ["", r.md.action(action)]
    return r.reply(
        "actions",
        "\n".join(lines),
        actions=proposed,
        report_id=report.id,
        notes=list(plan.notes),
        engine=plan.engine,
    )


def _shortfall_lines(r: Request, report: Report, theme: str | None) -> str:
    return "\n".join(r.md.finding(f) for f in r.findings(report, "shortfall", theme))
