"""The score overview in AppTest (the seed reports): labels in every cell, filters, the few-reports notice,
opening a report from it."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
from app_helpers import new_app


def overview(at=None):
    at = (at or new_app()).switch_page("pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def heatmap(at) -> tuple[pd.DataFrame, dict]:
    """The heatmap's data and Vega-Lite spec."""
    chart = next(e for e in at.main if getattr(e, "type", "") == "vega_lite_chart")
    frame = pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_pandas()
    return frame, json.loads(chart.proto.spec)


def test_cells_are_coloured_and_labelled_by_score(app_settings):
    at = overview()
    frame, spec = heatmap(at)
    cells = {(r.authority, r.statement): r.label for r in frame.itertuples()}
    assert cells == {
        ("Gloucestershire", "Partnerships and communities"): "2",
        ("County Durham", "Partnerships and communities"): "3",
    }
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["rect", "text"], "every cell carries its score as text, not colour alone"
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale["domain"][:4] == ["1", "2", "3", "4"] and len(set(scale["range"])) == 5
    assert any(p["name"] == "cell" for p in spec["params"]), "a click selects a cell"


def test_few_reports_are_said_plainly(app_settings):
    at = overview()
    assert any("Only 2 reports from 2 councils" in i.value for i in at.info)


def test_filters_by_region_and_type(app_settings):
    at = overview()
    at.multiselect(key="overview-region").set_value(["South West"]).run()
    frame, _ = heatmap(at)
    assert set(frame.authority) == {"Gloucestershire"}
    at.multiselect(key="overview-region").set_value([]).run()
    at.multiselect(key="overview-type").set_value(["unitary"]).run()
    frame, _ = heatmap(at)
    assert set(frame.authority) == {"County Durham"}
    at.multiselect(key="overview-type").set_value(["London borough"]).run()
    assert any("No report matches" in i.value for i in at.info)


def test_sort_by_average_score(app_settings):
    at = overview()
    at.selectbox(key="overview-sort").set_value("average score (high first)").run()
    _, spec = heatmap(at)
    assert spec["layer"][0]["encoding"]["y"]["sort"] == ["County Durham", "Gloucestershire"]
    at.selectbox(key="overview-sort").set_value("average score (low first)").run()
    _, spec = heatmap(at)
    assert spec["layer"][0]["encoding"]["y"]["sort"] == ["Gloucestershire", "County Durham"]


def test_opening_a_report_goes_to_the_reports_page(app_settings):
    at = overview()
    at.selectbox(key="overview-report").set_value("county-durham/partnerships-and-communities")
    next(b for b in at.button if b.label == "Open on the Reports page").click().run()
    assert not at.exception
    assert at.selectbox(key="report-choice").value == "county-durham/partnerships-and-communities"
