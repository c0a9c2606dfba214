"""The presenter view and the results chart under AppTest; the workshop record with results (Markdown, DOCX)."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from streamlit.testing.v1 import AppTest
from workshop_helpers import draft

from assistant.db import engine_for
from assistant.settings import PROJECT_ROOT
from assistant.workshop.domain import format_join_code
from assistant.workshop.export import facilitator_pack_markdown, record_docx, record_markdown, vote_bars
from assistant.workshop.store import WorkshopStore

PAGES = PROJECT_ROOT / "assistant" / "app" / "pages"


@pytest.fixture
def store(settings, monkeypatch) -> WorkshopStore:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ASSISTANT_SEEDS_DIR", str(settings.seeds_dir))
    monkeypatch.setenv("ASSISTANT_VECTORSTORE_DIR", str(settings.vectorstore_dir))
    return WorkshopStore(engine_for(settings))


def page(name: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def _html(at: AppTest) -> str:
    return "\n".join(h.proto.body for h in at.get("html"))


def test_presenter_view_shows_how_to_join_the_item_timer_and_live_votes(store):
    created = store.create(draft(dots=3))
    code = format_join_code(created.join_code)
    fac = store.facilitate(created.facilitator_token)
    item = fac.snapshot().items[0]

    at = page("present", show=code.lower().replace("-", " "))  # read out and typed by hand: still found
    assert not at.exception and not at.error
    assert f">{code}</p>" in _html(at) and f">{item.time_box_min}:00</p>" in _html(at)
    assert len(at.get("image")) == 1  # the QR code
    assert at.code[0].value.endswith(f"/?join={code}")
    assert at.header[0].value.startswith(f"Item 1 of {len(fac.snapshot().items)}")
    assert any(item.evidence[0].quote in m.value for m in at.markdown)
    assert len(at.get("vega_lite_chart")) == 1
    assert any("Dot votes on this item: 0" in m.value for m in at.markdown)

    ann, _ = store.join(created.join_code, "Ann")
    ann.vote(item.candidates[-1].id)
    ann.vote(item.candidates[-1].id)
    fac.start_timer(item.id)
    at.run()
    assert any("Dot votes on this item: 2" in m.value for m in at.markdown)
    table = at.dataframe[0].value
    assert table.loc[0, "Dots"] == 2 and table.loc[0, "Action"] == item.candidates[-1].action.title
    assert any(c.value == f"Time box of {item.time_box_min} min · running" for c in at.caption)

    fac.set_joining(False)
    fac.step(+1)
    at.run()
    assert not at.get("image") and any("Joining is closed" in m.value for m in at.markdown)
    assert at.header[0].value.startswith("Item 2 of")


def test_presenter_view_with_a_wrong_code_says_so(store):
    at = page("present", show="ABCDE-23456")
    assert "No workshop has that join code" in at.error[0].value
    at = page("present", show="nonsense")
    assert "That is not a join code" in at.error[0].value


def test_facilitator_page_links_the_presenter_view_and_charts_the_results(store):
    created = store.create(draft(dots=3))
    code = format_join_code(created.join_code)
    fac = store.facilitate(created.facilitator_token)
    item = fac.snapshot().items[0]
    ann, _ = store.join(created.join_code, "Ann")
    ann.vote(item.candidates[0].id)
    at = page("workshop", facilitator=created.facilitator_token)
    assert not at.exception
    link = next(b for b in at.get("link_button") if b.proto.label.startswith("Open the presenter view"))
    assert link.proto.url.endswith(f"/present?show={code}")
    assert created.facilitator_token not in link.proto.url  # the secret never reaches the projector
    assert len(at.get("vega_lite_chart")) == 1
    labels = [d.proto.label for d in at.get("download_button")]
    assert "Download the workshop record (Word, with the results chart)" in labels


def test_the_record_and_pack_carry_the_ranked_results(store):
    created = store.create(draft(dots=3))
    fac = store.facilitate(created.facilitator_token)
    first, second = fac.snapshot().items[:2]
    ann, _ = store.join(created.join_code, "Ann")
    ann.vote(second.candidates[0].id)
    ann.vote(second.candidates[0].id)
    ann.vote(first.candidates[0].id)
    snap = fac.snapshot()
    bars = vote_bars(snap)
    assert [(b.label, b.votes) for b in bars[:2]] == [
        (second.candidates[0].action.title, 2),
        (first.candidates[0].action.title, 1),
    ]
    assert bars[0].group.startswith("2. ")
    for md in (record_markdown(snap), facilitator_pack_markdown(snap)):
        assert "## Results: dot votes per candidate action" in md
        assert "| Rank | Action | Agenda item | Dots |" in md
        assert f"| 1 | {second.candidates[0].action.title} | 2\\. " in md
        assert "3 dot(s) placed in all." in md
    data = record_docx(snap)
    cells = [c.text for t in Document(io.BytesIO(data)).tables for row in t.rows for c in row.cells]
    assert second.candidates[0].action.title in cells and "2" in cells
    media = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("word/media/")]
    assert len(media) == 1
