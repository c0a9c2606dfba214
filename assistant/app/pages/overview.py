"""Score overview: authorities × quality statements, coloured and labelled by score, filterable, sortable;
a click on a cell opens that report on the Reports page."""

from __future__ import annotations

from collections import Counter

import altair as alt
import pandas as pd
import streamlit as st

from assistant.app import state
from assistant.peers import COUNCIL_TYPES, REGIONS
from assistant.report_table import AUTHORITY_ORDERS, ReportFilter, authority_order, filter_rows, report_rows
from assistant.reports import SCORE_LABELS, quality_statements

#: Fewer councils than this is not yet a regional or national picture: the page says so.
FEW_COUNCILS = 10
#: Score colours: lightness falls steadily from 1 to 4 (readable in greyscale and with colour-blindness);
#: the score is also written in every cell.
SCORE_COLOURS = {"1": "#fde725", "2": "#7ad151", "3": "#2a788e", "4": "#440154", "none": "#d9d9d9"}
DARK_CELLS = ("3", "4")
ROW_PX = 22
COLUMN_PX = 72

st.title("Score overview")
assistant = state.assistant()
reports = assistant.reports()
if not reports:
    st.info("No reports loaded yet: add them on the Reports page.")
    st.stop()

rows = report_rows(reports)
councils = {r.authority for r in rows}
if len(councils) < FEW_COUNCILS:
    st.info(
        f"Only {len(reports):,} report{'s' if len(reports) != 1 else ''} from {len(councils)} "
        f"council{'s' if len(councils) != 1 else ''} {'are' if len(reports) != 1 else 'is'} loaded, so this is not "
        "yet a regional or national picture. Add more reports on the Reports page."
    )

statements = [q.name for q in quality_statements()]
cols = st.columns([2, 2, 3, 2])
regions = cols[0].multiselect("Region", list(REGIONS), key="overview-region")
types = cols[1].multiselect("Council type", list(COUNCIL_TYPES), key="overview-type")
chosen_statements = cols[2].multiselect("Quality statement", statements, key="overview-statement")
order_key = cols[3].selectbox("Sort councils by", AUTHORITY_ORDERS, key="overview-sort")
text = st.text_input("Find councils", key="overview-search", placeholder="Authority name")
flt = ReportFilter(text=text, regions=regions, council_types=types, statements=chosen_statements)
shown = filter_rows(rows, flt)
if not shown:
    st.info("No report matches these filters.")
    st.stop()

order = authority_order(shown, order_key)
columns = [s for s in statements if s in {r.quality_statement for r in shown}]
columns += sorted({r.quality_statement for r in shown} - set(columns))
counts = Counter(r.score for r in shown)
st.caption(
    f"{len(shown):,} reports from {len(order):,} councils · "
    + " · ".join(f"score {s}: {counts.get(s, 0):,}" for s in (1, 2, 3, 4))
    + (f" · no score: {counts[None]:,}" if counts.get(None) else "")
    + ". Click a cell to open that report."
)

st.caption(
    "Key: **1** significant shortfalls (yellow) · **2** some shortfalls (green) · **3** a good standard (teal) · "
    "**4** an exceptional standard (purple) · **–** no score (grey). Darker means a higher score."
)
frame = pd.DataFrame(
    [
        {
            "authority": r.authority,
            "statement": r.quality_statement,
            "score": str(r.score) if r.score else "none",
            "label": str(r.score) if r.score else "–",
            "meaning": SCORE_LABELS.get(r.score or 0, "no score in the report"),
            "region": r.region,
            "type": r.council_type,
            "report_id": r.report_id,
        }
        for r in shown
    ]
)
cell = alt.selection_point(name="cell", fields=["report_id"], on="click")
base = alt.Chart(frame).encode(
    x=alt.X(
        "statement:N",
        sort=columns,
        title=None,
        axis=alt.Axis(orient="top", labelAngle=-40, labelLimit=240, labelOverlap=False, labelFontSize=12),
    ),
    y=alt.Y("authority:N", sort=order, title=None, axis=alt.Axis(labelLimit=240, labelOverlap=False, labelFontSize=12)),
)
rects = (
    base.mark_rect(stroke="white", strokeWidth=1)
    .encode(
        color=alt.Color(
            "score:N",
            scale=alt.Scale(domain=list(SCORE_COLOURS), range=list(SCORE_COLOURS.values())),
            legend=alt.Legend(
                title="Score", orient="bottom", labelExpr="datum.label == 'none' ? 'no score' : datum.label"
            ),
        ),
        tooltip=[
            alt.Tooltip("authority:N"),
            alt.Tooltip("statement:N", title="quality statement"),
            alt.Tooltip("label:N", title="score"),
            alt.Tooltip("meaning:N", title="meaning"),
            alt.Tooltip("region:N"),
            alt.Tooltip("type:N", title="council type"),
        ],
    )
    .add_params(cell)
)
labels = base.mark_text(fontSize=12, fontWeight="bold").encode(
    text="label:N",
    color=alt.condition(
        alt.FieldOneOfPredicate(field="score", oneOf=list(DARK_CELLS)), alt.value("white"), alt.value("black")
    ),
)
chart = (rects + labels).properties(height=alt.Step(ROW_PX), width=alt.Step(COLUMN_PX))
event = st.altair_chart(
    chart,
    width="content",
    on_select="rerun",
    selection_mode="cell",
    key="overview-chart",
    alt=f"Heatmap of scores 1 to 4 for {len(order)} councils and {len(columns)} quality statements; "
    "each cell is labelled with its score.",
)
picked = (event.selection.get("cell") or []) if event is not None else []
if picked and picked[0].get("report_id"):
    state.open_report(str(picked[0]["report_id"]))

# Without a pointer (keyboard, screen reader) or in tests: the same reports from a list.
ids = {r.report_id: f"{r.authority}: {r.quality_statement} · score {r.score or '–'}" for r in shown}
with st.form("overview-open"):
    choice = st.selectbox("Open a report", list(ids), format_func=lambda rid: ids[rid], key="overview-report")
    if st.form_submit_button("Open on the Reports page") and choice:
        state.open_report(choice)
