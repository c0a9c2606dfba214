"""Plan: the conversation's current plan as an editable table, per-action detail, export, versions."""

from __future__ import annotations

from typing import get_args

import pandas as pd
import streamlit as st

from assistant.app import components, progress_view, state
from assistant.app.downloads import download
from assistant.app.peer_picker import peer_picker, peers_for
from assistant.app.plan_timeline import timeline_chart
from assistant.export import to_csv, to_docx, to_markdown
from assistant.models import RAG, Action, ActionPlan, PlanChange, Priority, format_date
from assistant.peers import PeerError
from assistant.text import escape_markdown, slugify

RAGS: list[str] = list(get_args(RAG))
PRIORITIES: list[str] = list(get_args(Priority))
EDITABLE = ["owner", "timescale", "rag", "priority"]

st.title("Plan")
plan = state.plan()
version = state.plan_version()


def _new_plan_form() -> None:
    reports = components.loaded_reports()
    if not reports:
        return
    st.info("No plan yet in this conversation. Ask in Chat (*Draft the whole plan for …*) or draft one here.")
    with st.form("new-plan"):
        labels = {r.id: f"{r.authority}: {r.quality_statement}" for r in reports}
        report_id: str | None = st.selectbox("Report", list(labels), format_func=lambda rid: labels[rid])
        choice = peer_picker("plan-peers")
        if st.form_submit_button("Draft the plan", type="primary") and report_id:
            report = state.assistant().corpus.report(report_id)
            try:
                peers = peers_for(choice, report.authority)
            except PeerError as exc:
                st.error(escape_markdown(str(exc)))
                return
            with st.spinner(f"Drafting the plan for {report.authority}…"):
                drafted = state.assistant().plan(report, engine=state.engine_name(), peers=peers)
            state.save_plan(drafted, f"Drafted a plan of {len(drafted.actions)} actions for {report.authority}.")
            st.rerun()


def _table(plan: ActionPlan) -> pd.DataFrame:
    taxonomy = state.assistant().taxonomy
    return pd.DataFrame(
        [
            {
                "id": a.id,
                "workstream": a.workstream or "",
                "title": a.title,
                "theme": taxonomy.label(a.theme),
                "owner": a.owner,
                "timescale": a.timescale,
                "rag": a.rag,
                "priority": a.priority,
                "evidence": len(a.evidence),
            }
            for a in plan.actions
        ]
    )


def table_changes(plan: ActionPlan, edited: pd.DataFrame) -> tuple[ActionPlan, list[PlanChange]]:
    """Apply the edited cells (owner, timescale, RAG, priority) to a copy of the plan."""
    plan = plan.model_copy(deep=True)
    changes = []
    for action, row in zip(plan.actions, edited.to_dict("records"), strict=True):
        for field in EDITABLE:
            new = str(row[field]).strip() if row[field] is not None else ""
            old = getattr(action, field)
            if new and new != old:
                setattr(action, field, new)
                changes.append(
                    PlanChange(
                        kind="update",
                        action_id=action.id,
                        field=field,
                        old=old,
                        new=new,
                        summary=f"{action.id} {field}: {old} → {new}",
                    )
                )
    return plan, changes


def _editor(plan: ActionPlan) -> None:
    edited = st.data_editor(
        _table(plan),
        key=f"plan-editor-v{version}",
        hide_index=True,
        width="stretch",
        num_rows="fixed",
        disabled=["id", "workstream", "title", "theme", "evidence"],
        column_order=["id", "workstream", "title", "owner", "timescale", "rag", "priority", "theme", "evidence"],
        column_config={
            "id": st.column_config.TextColumn("Id", width="small"),
            "workstream": st.column_config.TextColumn("Workstream", width="small"),
            "title": st.column_config.TextColumn("Action", width="medium"),
            "theme": st.column_config.TextColumn("Theme"),
            "owner": st.column_config.TextColumn("Owner", required=True, max_chars=300),
            "timescale": st.column_config.TextColumn("Timescale", required=True, max_chars=300),
            "rag": st.column_config.SelectboxColumn("RAG", options=RAGS, required=True),
            "priority": st.column_config.SelectboxColumn("Priority", options=PRIORITIES, required=True),
            "evidence": st.column_config.NumberColumn("Quotes", width="small"),
        },
    )
    new, changes = table_changes(plan, edited)
    if changes:
        state.save_plan(new, "; ".join(c.summary for c in changes))
        st.toast("Saved: " + escape_markdown("; ".join(c.summary for c in changes)))
        st.rerun()


def _action_form(plan: ActionPlan, i: int) -> None:
    action = plan.actions[i]
    with st.form(f"edit-{version}-{action.id}", border=False):
        text = st.text_area("What will be done", action.action, key=f"text-{version}-{action.id}")
        owner = st.text_input("Owner", action.owner, key=f"owner-{version}-{action.id}", max_chars=300)
        timescale = st.text_input("Timescale", action.timescale, key=f"timescale-{version}-{action.id}", max_chars=300)
        measures = st.text_area(
            "Measures of success (one a line)", "\n".join(action.measures), key=f"measures-{version}-{action.id}"
        )
        c1, c2 = st.columns(2)
        rag = c1.selectbox("RAG", RAGS, index=RAGS.index(action.rag), key=f"rag-{version}-{action.id}")
        priority = c2.selectbox(
            "Priority", PRIORITIES, index=PRIORITIES.index(action.priority), key=f"priority-{version}-{action.id}"
        )
        submitted = st.form_submit_button("Save changes", type="primary")
        if submitted and not (text.strip() and owner.strip() and timescale.strip()):
            st.error("An action needs what will be done, an owner and a timescale.")
        elif submitted:
            new = plan.model_copy(deep=True)
            new.actions[i] = action.model_copy(
                update={
                    "action": text.strip(),
                    "owner": owner.strip(),
                    "timescale": timescale.strip(),
                    "measures": [m.strip() for m in measures.splitlines() if m.strip()],
                    "rag": rag,
                    "priority": priority,
                }
            )
            state.save_plan(new, f"{action.id} edited on the Plan page")
            st.rerun()
    if st.button(f"Remove {action.id}", key=f"remove-{version}-{action.id}", icon=":material/delete:"):
        new = plan.model_copy(deep=True)
        del new.actions[i]
        new.renumber()
        state.save_plan(new, f"Removed {action.id} “{action.title}”")
        st.rerun()


def _exports(plan: ActionPlan) -> None:
    name = f"improvement-plan-{slugify(plan.authority)}"
    passages, taxonomy = state.assistant().passages, state.assistant().taxonomy
    c1, c2, c3 = st.columns(3)
    download(c1, "Markdown", lambda: to_markdown(plan, passages, taxonomy=taxonomy), f"{name}.md", key="export-md")
    download(c2, "CSV", lambda: to_csv(plan), f"{name}.csv", key="export-csv")
    download(c3, "Word (DOCX)", lambda: to_docx(plan, passages, taxonomy=taxonomy), f"{name}.docx", key="export-docx")


def _plan_on_a_page(plan: ActionPlan) -> None:
    """The one-page summary, the workstreams and the timeline of workstreams and milestones."""
    for line in plan.summary:
        st.markdown(escape_markdown(line))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Workstream": f"{w.id}. {w.title}",
                    "Priority": w.priority,
                    "Why": w.rationale,
                    "Lead": w.lead,
                    "Partner lead": w.partner_lead or "",
                    "Actions": ", ".join(w.action_ids),
                    "Ends": w.end.isoformat() if w.end else "",
                }
                for w in plan.workstreams
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    chart = timeline_chart(plan)
    if chart is not None:
        st.subheader("Timeline")
        st.altair_chart(chart, width="stretch")
    for w in plan.workstreams:
        with st.expander(f"{w.id}. {escape_markdown(w.title)} · {w.priority}"):
            st.markdown(f"**Why {w.priority.lower()}:** {escape_markdown(w.rationale)}")
            st.markdown(f"**What people should notice:** {escape_markdown(w.outcome)}")
            if w.builds_on:
                st.markdown(f"**Builds on:** {escape_markdown(', '.join(w.builds_on))}")
            st.markdown("**Dependencies:** " + escape_markdown("; ".join(w.dependencies) or "none recorded"))
            st.markdown("**Risks:** " + escape_markdown("; ".join(w.risks) or "none recorded"))
            st.markdown(f"**Resources:** {escape_markdown(w.resources)}")
    if plan.governance:
        g = plan.governance
        with st.expander("Governance"):
            st.markdown(
                "\n".join(
                    f"- **{label}:** {escape_markdown(text)}"
                    for label, text in [*g.roles(), ("Reporting", "; ".join(g.cadence))]
                )
            )


def _action_plan_detail(action: Action) -> None:
    """What the workstream plan adds to an action: partner lead, what it builds on, milestones."""
    lines = []
    if action.partner_lead:
        lines.append(f"**Partner lead:** {escape_markdown(action.partner_lead)}")
    if action.builds_on:
        lines.append(f"**Builds on:** {escape_markdown(', '.join(action.builds_on))}")
    lines += [f"> Already in hand: “{escape_markdown(c.quote)}”" for c in action.context]
    if action.milestones:
        lines.append(
            "**Milestones**\n"
            + "\n".join(f"- {format_date(m.due)}: {escape_markdown(m.title)}" for m in action.milestones)
        )
    if lines:
        st.markdown("\n\n".join(lines))


def _versions() -> None:
    cid = state.conversation_id()
    versions = state.store().plan_versions(cid) if cid else []
    with st.expander(f"History ({len(versions)} versions)"):
        for v in versions:
            c1, c2 = st.columns([5, 1])
            c1.caption(
                f"v{v.version} · {v.created:%Y-%m-%d %H:%M} · {v.actions} actions · {escape_markdown(v.summary)}"
            )
            if cid and v.version != version and c2.button("Restore", key=f"restore-{v.version}"):
                state.store().restore_plan(cid, v.version)
                st.rerun()


if plan is None or not plan.actions:
    if plan is not None:
        st.info("The plan is empty.")
    _new_plan_form()
else:
    st.subheader(components.plan_title(plan))
    st.caption(
        f"{len(plan.workstreams)} workstreams · {len(plan.actions)} actions · "
        f"drafted by the {escape_markdown(plan.engine)} engine · version {version}. "
        "Edit owner, timescale, RAG and priority in the table; every change is saved."
    )
    for note in plan.notes:
        st.caption(escape_markdown(note))
    if plan.workstreams:
        st.subheader("Plan on a page")
        _plan_on_a_page(plan)
    _editor(plan)
    _exports(plan)
    progress_view.render(plan)
    st.subheader("Actions")
    for i, action in enumerate(plan.actions):
        with st.expander(f"{action.id}. {escape_markdown(action.title)}"):
            st.markdown(components.action_header(action))
            components.action_detail(action, f"plan-v{version}-{action.id}")
            _action_plan_detail(action)
            st.divider()
            _action_form(plan, i)
if plan is not None or version:
    _versions()
