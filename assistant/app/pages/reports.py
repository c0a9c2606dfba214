"""Reports: the corpus, each report's metadata (inferred values correctable), findings, full text, uploads."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from assistant.app import state
from assistant.app.components import citation_chips
from assistant.corpus import save_override
from assistant.models import Report
from assistant.reports import SUPPORTED_SUFFIXES, ReportError, quality_statements
from assistant.text import escape_markdown

_DONE = "uploads_done"

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
    done: dict[str, str] = st.session_state.setdefault(_DONE, {})
    for f in files or []:
        data = f.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        if digest in done:
            _show_outcome(f.name, done[digest])
            continue
        name = escape_markdown(f.name)
        with st.status(f"Reading {name}…", expanded=True) as status:
            progress = _indexing_progress(st.progress(0.0, text="Parsing"))
            try:
                added = assistant.add_upload(f.name, data, progress=progress)
            except ReportError as exc:
                done[digest] = f"error:{exc.reason}"
                status.update(label=f"{name} was not added", state="error")
            else:
                done[digest] = "ok:" + "; ".join(
                    f"{r.authority} ({r.quality_statement}), {len(r.passages)} passages" for r in added
                )
                status.update(label=f"Added {name}", state="complete", expanded=False)
        _show_outcome(f.name, done[digest])


def _show_outcome(name: str, outcome: str) -> None:
    kind, _, text = outcome.partition(":")
    if kind == "ok":
        st.success(f"{escape_markdown(name)}: added {escape_markdown(text)}.")
    else:
        st.error(
            f"{escape_markdown(name)} was not added: {escape_markdown(text)}. The reports already loaded are unchanged."
        )


def _overview(reports: list[Report]) -> None:
    rows = [
        {
            "authority": r.authority + (" (inferred)" if r.authority_inferred else ""),
            "quality statement": r.quality_statement + (" (inferred)" if r.statement_inferred else ""),
            "score": r.score,
            "label": r.label,
            "passages": len(r.passages),
            "file": r.source,
        }
        for r in reports
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _correct(report: Report) -> None:
    statements = [q.name for q in quality_statements()]
    with st.form(f"correct-{report.id}"):
        st.caption(
            "Corrections are saved in the reports folder's manifest (reports.yaml) and win over what is inferred."
        )
        authority = st.text_input("Authority", report.authority, max_chars=120)
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
_overview(reports)
labels = {r.id: f"{r.authority}: {r.quality_statement}" for r in reports}
chosen = st.selectbox("Report", list(labels), format_func=labels.__getitem__, key="report-choice")
report = assistant.corpus.report(chosen)
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
findings_tab, text_tab, correct_tab = st.tabs(["Findings", "Full text", "Correct metadata"])
with findings_tab:
    _findings(report)
with text_tab:
    _full_text(report)
with correct_tab:
    _correct(report)
