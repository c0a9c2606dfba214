"""Reports: the corpus (searched, filtered, sorted, paged), each report's metadata (inferred values
correctable), findings, full text, uploads."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from assistant.app import state
from assistant.app.components import citation_chips
from assistant.app.uploads import UploadOutcome, show_outcome
from assistant.corpus import save_override
from assistant.models import Report
from assistant.peers import COUNCIL_TYPES, REGIONS
from assistant.report_table import (
    SORT_KEYS,
    ReportFilter,
    ReportRow,
    filter_rows,
    page_count,
    page_of,
    report_rows,
    sort_rows,
)
from assistant.reports import SUPPORTED_SUFFIXES, ReportError, quality_statements
from assistant.text import escape_markdown

_DONE = "uploads_done"
#: Session key of the chosen report (set by the sidebar search and the score overview too).
CHOICE = state.REPORT_CHOICE
PAGE_SIZES = (25, 50, 100)
TAB = state.REPORT_TAB

st.title("Reports")
assistant = state.assistant()


def _indexing_progress(bar: DeltaGenerator) -> Callable[[int, int], None]:
    """Shows ``progress(done, total)`` calls on ``bar``."""

    def progress(done_n: int, total: int) -> None:
        bar.progress(min(done_n / max(total, 1), 1.0), text=f"Indexing passages {done_n}/{total}")

    return progress


def _upload() -> None:
    files = st.file_uploader(
        "Add reports",
        type=[s.lstrip(".") for s in SUPPORTED_SUFFIXES],
        accept_multiple_files=True,
        key="report-upload",
        max_upload_size=max(1, state.settings().max_report_bytes // 2**20),
        help="A CQC local authority assessment (one quality statement or the whole assessment) saved as "
        "text, Markdown, HTML or PDF.",
    )
    done: dict[str, UploadOutcome] = st.session_state.setdefault(_DONE, {})
    for f in files or []:
        data = f.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        if digest in done:
            show_outcome(done[digest])
            continue
        name = escape_markdown(f.name)
        with st.status(f"Reading {name}…", expanded=True) as status:
            progress = _indexing_progress(st.progress(0.0, text="Parsing"))
            try:
                added = assistant.add_upload(f.name, data, progress=progress)
            except ReportError as exc:
                done[digest] = UploadOutcome(f.name, error=exc.reason)
                status.update(label=f"{name} was not added", state="error")
            else:
                done[digest] = UploadOutcome(
                    f.name,
                    added=tuple(f"{r.authority} ({r.quality_statement}), {len(r.passages)} passages" for r in added),
                )
                status.update(label=f"Added {name}", state="complete", expanded=False)
        show_outcome(done[digest])


def _filters(rows: list[ReportRow]) -> ReportFilter:
    """Search, filters (authority, statement, score, region, council type) and the sort, in one row."""
    text = st.text_input("Search reports", key="reports-search", placeholder="Authority, statement, label or file name")
    cols = st.columns(5)
    authorities = cols[0].multiselect("Authority", sorted({r.authority for r in rows}), key="reports-authority")
    statements = cols[1].multiselect(
        "Quality statement", [q.name for q in quality_statements()], key="reports-statement"
    )
    scores = cols[2].multiselect(
        "Score", [1, 2, 3, 4, None], key="reports-score", format_func=lambda s: "no score" if s is None else str(s)
    )
    regions = cols[3].multiselect("Region", list(REGIONS), key="reports-region")
    types = cols[4].multiselect("Council type", list(COUNCIL_TYPES), key="reports-type")
    return ReportFilter(
        text=text, authorities=authorities, statements=statements, scores=scores, regions=regions, council_types=types
    )


def _table(rows: list[ReportRow]) -> list[ReportRow]:
    """The filtered, sorted page of the table; returns every filtered row (sorted)."""
    flt = _filters(rows)
    cols = st.columns([2, 1, 1])
    sort = cols[0].selectbox("Sort by", SORT_KEYS, key="reports-sort")
    size = cols[1].selectbox("Rows per page", PAGE_SIZES, key="reports-page-size")
    shown = sort_rows(filter_rows(rows, flt), sort)
    pages = page_count(len(shown), size)
    page = int(cols[2].number_input(f"Page (of {pages})", 1, pages, 1, key="reports-page"))
    st.caption(
        f"{len(shown):,} of {len(rows):,} reports"
        + (" match the filters" if flt.active else "")
        + (f" · page {page} of {pages}" if pages > 1 else "")
        + ". Click a row to open the report."
    )
    visible = page_of(shown, page, size)
    event = st.dataframe(
        pd.DataFrame(
            [r.table_row() for r in visible],
            columns=list(ReportRow(report_id="", authority="", quality_statement="").table_row()),
        ),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        # A new key when the rows change, so a row picked before does not point at another report.
        key="reports-table-" + hashlib.sha1(f"{flt.model_dump_json()}{page}{size}{sort}".encode()).hexdigest()[:12],
    )
    picked = event.selection.rows if event is not None else []
    if picked and picked[0] < len(visible):
        chosen = visible[picked[0]].report_id
        if st.session_state.get("reports-picked") != chosen:
            st.session_state["reports-picked"] = chosen
            st.session_state[CHOICE] = chosen
    return shown


def _correct(report: Report) -> None:
    statements = [q.name for q in quality_statements()]
    with st.form(f"correct-{report.id}"):
        st.caption(
            "Corrections are saved in the reports folder's manifest (reports.yaml) and win over what is inferred."
        )
        authority = st.text_input("Authority", report.authority, max_chars=120, key=f"correct-authority-{report.id}")
        index = statements.index(report.quality_statement) if report.quality_statement in statements else 0
        statement = st.selectbox("Quality statement", statements, index=index)
        if st.form_submit_button("Save correction"):
            if not authority.strip():
                st.error("The authority name cannot be empty.")
                return
            save_override(state.settings(), report.source, authority=authority.strip(), quality_statement=statement)
            with st.spinner("Re-reading the reports and updating the index…"):
                assistant.reload()
            st.toast(escape_markdown(f"Saved: {report.source} is {authority.strip()} ({statement})."))
            st.rerun()


def _findings(report: Report) -> None:
    taxonomy = assistant.taxonomy
    found = assistant.findings(report).findings
    for kind, title in (("shortfall", "Shortfalls"), ("strength", "Strengths")):
        mine = [f for f in found if f.kind == kind]
        st.markdown(f"**{title} ({len(mine)})**")
        for f in mine:
            quotes = "".join(
                f"\n  > “{escape_markdown(c.quote)}”" + ("" if c.verified else " ⚠ *unverified*") for c in f.citations
            )
            st.markdown(f"- *{escape_markdown(taxonomy.label(f.theme))}*: {escape_markdown(f.summary)}{quotes}")
            citation_chips(f.citations, f"rep-{f.id}")


def _full_text(report: Report) -> None:
    heading = None
    for p in report.passages:
        if p.subheading and p.subheading != heading:
            heading = p.subheading
            st.markdown(f"**{escape_markdown(heading)}**")
        st.markdown(f"`¶{p.position}` {escape_markdown(p.text)}")
        st.caption(p.id)


_upload()
reports = assistant.reports()
for err in assistant.corpus.errors:
    st.warning(f"{escape_markdown(err.source)} was not loaded: {escape_markdown(err.reason)}")
if not reports:
    st.info("No reports loaded yet: add one above.")
    st.stop()
wanted = st.query_params.get("report")
if wanted and wanted in {r.id for r in reports}:  # a link from the score overview
    st.session_state[CHOICE] = wanted
    del st.query_params["report"]
shown = _table(report_rows(reports))
if not shown:
    st.info("No report matches these filters.")
    st.stop()
labels: dict[str, str] = {r.report_id: f"{r.authority}: {r.quality_statement}" for r in shown}
current = st.session_state.get(CHOICE)
if current and current not in labels:  # chosen elsewhere (sidebar, overview): keep it choosable
    found = next((r for r in reports if r.id == current), None)
    if found is not None:
        labels = {current: f"{found.authority}: {found.quality_statement}", **labels}
chosen = st.selectbox("Report", list(labels), format_func=lambda rid: labels[rid], key=CHOICE)
report = assistant.corpus.report(chosen or next(iter(labels)))
inferred = [
    name
    for name, flag in (("authority", report.authority_inferred), ("quality statement", report.statement_inferred))
    if flag
]
if inferred:
    st.warning(f"The {' and '.join(inferred)} of this report was inferred from its text: check it below.")
st.markdown(
    f"**{escape_markdown(report.authority)}** · {escape_markdown(report.quality_statement)} · "
    f"score {report.score or '—'}{' (indicative)' if report.indicative else ''} · {escape_markdown(report.label or '')}"
)
for i_statement in report.i_statements:
    st.markdown(f"> {escape_markdown(i_statement)}")
# Only the open tab is drawn (a click on another reruns the page): a report's full text is over a hundred
# elements, which the browser would otherwise lay out on every visit.
tabs = st.tabs(["Findings", "Full text", "Correct metadata"], key=TAB, on_change="rerun")
for tab, draw in zip(tabs, (_findings, _full_text, _correct), strict=True):
    if tab.open:
        with tab:
            draw(report)
