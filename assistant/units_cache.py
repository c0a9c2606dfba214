"""Classified evidence units kept on disk, so a restart does not classify every sentence again.

Good practice and the chat rank other reports' units: at a full corpus (153
councils x 9 statements, about 140,000 sentences) classifying them takes one
to three minutes on 2 cores. One JSON file per report under
``<vectorstore>/evidence/``, named by a digest of what the units are made
from: the report's passages (ids, texts, sentence spans, sub-headings), the
taxonomy and cue files as loaded, and the source of the code that classifies
them. Any change to one of these is a miss, never a stale hit.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, TypeAdapter

from .models import Report
from .parse_cache import code_digest as parse_code_digest
from .report_files import ReportFiles, code_digest

T = TypeVar("T")
FOLDER = "evidence"
CODE = ("evidence.py", "findings.py", "themes.py", "text.py", "models.py", "unit_vectors.py")


def report_digest(report: Report) -> str:
    """Changes when anything a unit is made of changes: the report file's content and manifest entry
    (``content_hash``), its id, and the parser's code and reference data (``parse_cache``)."""
    return f"{parse_code_digest()}\n{report.id}\n{report.authority}\n{report.quality_statement}\n{report.content_hash}"


def units_cache(folder: Path, units: TypeAdapter[T], *lexicons: BaseModel) -> ReportFiles[T]:
    """``get`` / ``put`` / ``prune`` a report's classified units (``evidence.report_units``, read and
    written by ``units``) by content, the lexicons they were classified with and the classifying code."""
    salt = [code_digest(CODE).encode(), *(lexicon.model_dump_json().encode() for lexicon in lexicons)]
    return ReportFiles(folder, salt, units, report_digest)
