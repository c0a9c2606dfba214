"""Charts: the Altair specs the pages draw and the PNGs the DOCX exports embed.

Every chart has a table alternative built from the same rows (``*_rows``), so
a screen reader or a printed page gets the same figures. Colours are chosen to
stay distinct in greyscale (their lightness differs by a clear step) and every
bar or segment also carries its number and, for RAG, its label, so nothing
depends on colour alone. PNGs are rendered offline by ``vl-convert``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import altair as alt
import pandas as pd
import vl_convert
from pydantic import BaseModel

#: One dark blue for single-series bars: white labels inside it read in colour and in greyscale.
BAR = "#1f4e9c"
#: RAG colours whose greyscale lightness steps by 35 or more (30, 71, 113, 156, 191, 236), drawn in this stack order.
RAG_COLOURS: dict[str, str] = {
    "Complete": "#234a8f",
    "Green": "#2e8b2e",
    "In progress": "#5fa8d3",
    "Amber": "#ffbf00",
    "Red": "#8b0000",
    "Not started": "#ececec",
}
#: Statuses whose segment is dark enough for a white label.
_DARK = {"Complete", "Red"}
LABEL_CHARS = 60
#: Fill the page's width; ``height`` stays the plotting area's (Streamlit's default "fit" squeezes it).
_FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")


class Bar(BaseModel):
    """One bar of a vote chart: what it is, its count, and a short group (agenda item) label."""

    label: str
    votes: int
    group: str = ""


class RagCount(BaseModel):
    """How many actions had this RAG status on this date."""

    date: dt.date
    rag: str
    actions: int


def short(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def votes_chart(bars: Sequence[Bar], *, title: str = "", font_size: int = 14, width: int | str = "container"):
    """Horizontal bars, most votes first, each labelled with its count."""
    frame = pd.DataFrame(
        [{"Action": short(b.label), "Dots": b.votes, "Item": b.group, "Order": n} for n, b in enumerate(bars)]
        or [{"Action": "", "Dots": 0, "Item": "", "Order": 0}]
    )
    sort = alt.EncodingSortField(field="Order", order="ascending")
    base = alt.Chart(frame, title=title or alt.Undefined).encode(
        y=alt.Y("Action:N", sort=sort, title=None, axis=alt.Axis(labelLimit=520, labelFontSize=font_size)),
        x=alt.X(
            "Dots:Q",
            title="Dots",
            axis=alt.Axis(tickMinStep=1, format="d", labelFontSize=font_size, titleFontSize=font_size),
            scale=alt.Scale(domainMin=0, nice=True),
        ),
        tooltip=["Action:N", "Item:N", "Dots:Q"],
    )
    bars_layer = base.mark_bar(color=BAR, stroke="black", strokeWidth=0.5)
    labels = base.mark_text(align="left", dx=4, fontSize=font_size, fontWeight="bold", color="black").encode(
        text="Dots:Q"
    )
    height = max(60, (font_size + 16) * max(1, len(bars)))
    summary = "; ".join(f"{short(b.label)}: {b.votes}" for b in bars) or "no candidate actions"
    return (bars_layer + labels).properties(
        width=width, height=height, description=f"Dots per action. {summary}", autosize=_FIT_WIDTH
    )


def vote_rows(bars: Sequence[Bar]) -> pd.DataFrame:
    """The table alternative of ``votes_chart``."""
    return pd.DataFrame(
        [{"Rank": n, "Action": b.label, "Item": b.group, "Dots": b.votes} for n, b in enumerate(bars, start=1)],
        columns=["Rank", "Action", "Item", "Dots"],
    )


def rag_chart(counts: Sequence[RagCount], *, width: int | str = "container"):
    """Stacked bars per update date: actions by RAG status, each segment labelled with status and count."""
    order = list(RAG_COLOURS)
    frame = pd.DataFrame(
        [
            {"Date": c.date.isoformat(), "RAG": c.rag, "Actions": c.actions, "Stack": order.index(c.rag)}
            for c in counts
            if c.actions
        ]
        or [{"Date": "", "RAG": "Not started", "Actions": 0, "Stack": 0}]
    )
    frame = frame.sort_values(["Date", "Stack"])
    frame["Mid"] = frame.groupby("Date")["Actions"].cumsum() - frame["Actions"] / 2
    frame["Label"] = frame["RAG"] + " " + frame["Actions"].astype(str)
    colour = alt.Color(
        "RAG:N",
        scale=alt.Scale(domain=order, range=list(RAG_COLOURS.values())),
        legend=alt.Legend(title="RAG status", orient="bottom"),
        sort=order,
    )
    base = alt.Chart(frame).encode(
        x=alt.X("Date:O", title="Update date", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("sum(Actions):Q", title="Actions", stack="zero", axis=alt.Axis(tickMinStep=1, format="d")),
        order=alt.Order("Stack:Q", sort="ascending"),
        tooltip=["Date:O", "RAG:N", "Actions:Q"],
    )
    bars = base.mark_bar(stroke="black", strokeWidth=0.5).encode(color=colour)
    labels = base.mark_text(baseline="middle", fontSize=12).encode(
        y=alt.Y("Mid:Q"),
        text="Label:N",
        color=alt.condition(
            alt.FieldOneOfPredicate(field="RAG", oneOf=sorted(_DARK)), alt.value("white"), alt.value("black")
        ),
    )
    summary = "; ".join(f"{c.date.isoformat()} {c.rag}: {c.actions}" for c in counts if c.actions)
    return (bars + labels).properties(
        width=width, height=320, description=f"Actions per RAG status by date. {summary}", autosize=_FIT_WIDTH
    )


def rag_rows(counts: Sequence[RagCount]) -> pd.DataFrame:
    """The table alternative of ``rag_chart``: one row per date, one column per status."""
    dates = sorted({c.date for c in counts})
    table = {d: dict.fromkeys(RAG_COLOURS, 0) for d in dates}
    for c in counts:
        table[c.date][c.rag] += c.actions
    return pd.DataFrame([{"Date": d.isoformat(), **table[d]} for d in dates], columns=["Date", *RAG_COLOURS])


def to_png(chart, *, width: int = 720, scale: float = 2.0) -> bytes:
    """The chart as a PNG (for DOCX exports), rendered offline; a fixed width replaces "container"."""
    spec = chart.properties(width=width) if chart.to_dict().get("width") == "container" else chart
    return vl_convert.vegalite_to_png(spec.to_json(), scale=scale)
