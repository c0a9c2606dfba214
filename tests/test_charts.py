"""Charts: readable in greyscale, labelled, with table alternatives; PNGs for the Word exports."""

from __future__ import annotations

import datetime as dt
import io

from PIL import Image

from assistant.charts import RAG_COLOURS, Bar, RagCount, rag_chart, rag_rows, short, to_png, vote_rows, votes_chart
from assistant.models import RAG


def _grey(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_every_rag_status_has_a_colour():
    assert set(RAG_COLOURS) == set(RAG.__args__)  # type: ignore[attr-defined]


def test_rag_colours_differ_in_greyscale():
    greys = sorted(_grey(c) for c in RAG_COLOURS.values())
    assert min(b - a for a, b in zip(greys, greys[1:], strict=False)) >= 30


def test_votes_chart_labels_each_bar_and_describes_its_data():
    bars = [Bar(label="Shared care record", votes=3, group="1. Data"), Bar(label="Co-production", votes=0)]
    spec = votes_chart(bars).to_dict()
    assert spec["description"] == "Dots per action. Shared care record: 3; Co-production: 0"
    assert any(layer["mark"].get("type") == "text" for layer in spec["layer"])  # the count at each bar's end
    table = vote_rows(bars)
    assert table.to_dict("records")[0] == {"Rank": 1, "Action": "Shared care record", "Item": "1. Data", "Dots": 3}
    assert short("word " * 40).endswith("…") and len(short("word " * 40)) <= 60


def test_rag_chart_segments_carry_status_and_count():
    day = dt.date(2026, 4, 1)
    counts = [RagCount(date=day, rag="Green", actions=2), RagCount(date=day, rag="Red", actions=1)]
    spec = rag_chart(counts).to_dict()
    values = next(iter(spec["datasets"].values()))
    assert {v["Label"] for v in values} == {"Green 2", "Red 1"}
    assert "2026-04-01 Green: 2" in spec["description"]
    assert rag_rows(counts).to_dict("records") == [
        {"Date": "2026-04-01", "Complete": 0, "Green": 2, "In progress": 0, "Amber": 0, "Red": 1, "Not started": 0}
    ]


def test_to_png_renders_offline():
    png = to_png(votes_chart([Bar(label="A", votes=1)]), width=300, scale=1)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width >= 300
