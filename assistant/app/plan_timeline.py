"""The plan's timeline for the Plan page: a bar per action grouped by workstream, milestones as points."""

from __future__ import annotations

import altair as alt
import pandas as pd

from assistant.models import ActionPlan

PRIORITY_COLOURS = {"High": "#c0392b", "Medium": "#e67e22", "Low": "#27ae60"}


def timeline_frames(plan: ActionPlan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(bars, milestones): one bar per action from the plan start to its delivery, one row per milestone."""
    start = pd.Timestamp(plan.start_date) if plan.start_date else pd.Timestamp.today().normalize()
    bars, points = [], []
    for w in plan.workstreams:
        for a in (a for a in plan.actions if a.id in w.action_ids):
            if not a.milestones:
                continue
            done = next(
                (m.due for m in a.milestones if m.title.lower().startswith("action delivered")),
                max(m.due for m in a.milestones),
            )
            row = f"{a.id} {a.title}"
            bars.append(
                {
                    "workstream": f"{w.id} {w.title}",
                    "action": row,
                    "start": start,
                    "end": pd.Timestamp(done),
                    "priority": w.priority,
                    "rag": a.rag,
                    "owner": a.owner,
                }
            )
            points += [
                {"workstream": f"{w.id} {w.title}", "action": row, "due": pd.Timestamp(m.due), "milestone": m.title}
                for m in a.milestones
            ]
    return pd.DataFrame(bars), pd.DataFrame(points)


def timeline_chart(plan: ActionPlan) -> alt.LayerChart | None:
    """The Altair timeline, or ``None`` when the plan has no dated actions."""
    bars, points = timeline_frames(plan)
    if bars.empty:
        return None
    y = alt.Y("action:N", sort=list(bars["action"]), title=None, axis=alt.Axis(labelLimit=320))
    colour = alt.Color(
        "priority:N",
        scale=alt.Scale(domain=list(PRIORITY_COLOURS), range=list(PRIORITY_COLOURS.values())),
        legend=alt.Legend(title="Priority", orient="top"),
    )
    bar = (
        alt.Chart(bars)
        .mark_bar(cornerRadius=3, opacity=0.85)
        .encode(
            x=alt.X("start:T", title=None, axis=alt.Axis(format="%b %Y")),
            x2="end:T",
            y=y,
            color=colour,
            tooltip=["workstream", "action", "owner", "rag", alt.Tooltip("end:T", title="delivered by")],
        )
    )
    marks = (
        alt.Chart(points)
        .mark_point(shape="diamond", filled=True, size=90, color="#2c3e50")
        .encode(x="due:T", y=y, tooltip=["action", "milestone", alt.Tooltip("due:T", title="due")])
    )
    return (bar + marks).properties(height=max(120, 28 * len(bars)))
