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

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, TypeAdapter, ValidationError

from .models import Report
from .parse_cache import code_digest as parse_code_digest

if TYPE_CHECKING:  # pragma: no cover
    from .evidence import EvidenceUnit

FOLDER = "evidence"
_CODE = ("evidence.py", "findings.py", "themes.py", "text.py", "models.py", "unit_vectors.py")


@lru_cache(maxsize=1)
def _code_digest() -> str:
    here = Path(__file__).parent
    return hashlib.sha256(b"".join((here / name).read_bytes() for name in _CODE)).hexdigest()


def report_digest(report: Report) -> str:
    """Changes when anything a unit is made of changes: the report file's content and manifest entry
    (``content_hash``), its id, and the parser's code and reference data (``parse_cache``)."""
    return f"{parse_code_digest()}\n{report.id}\n{report.authority}\n{report.quality_statement}\n{report.content_hash}"


class UnitsCache:
    """``get`` / ``put`` a report's classified units (``evidence.report_units``) by content."""

    def __init__(self, folder: Path, *lexicons: BaseModel):
        from .evidence import EvidenceUnit

        self.folder = folder
        self._units = TypeAdapter(list[EvidenceUnit])
        salt = hashlib.sha256(_code_digest().encode())
        for lexicon in lexicons:
            salt.update(lexicon.model_dump_json().encode())
        self._salt = salt.hexdigest()

    def _path(self, report: Report) -> Path:
        key = hashlib.sha256(f"{self._salt}\n{report_digest(report)}".encode()).hexdigest()[:32]
        return self.folder / f"{key}.json"

    def get(self, report: Report) -> list[EvidenceUnit] | None:
        try:
            return self._units.validate_json(self._path(report).read_bytes())
        except (OSError, ValidationError, ValueError):
            return None  # missing, unreadable or from an older model: classified again

    def put(self, report: Report, units: list[EvidenceUnit] | tuple[EvidenceUnit, ...]) -> None:
        path = self._path(report)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.{id(units)}.part")
            tmp.write_bytes(self._units.dump_json(list(units)))
            tmp.replace(path)
        except OSError:
            pass  # a read-only or full disk only costs the time to classify them again

    def prune(self, reports: list[Report]) -> None:
        """Delete the files of reports no longer in the corpus (or classified with older cues or code)."""
        keep = {self._path(r).name for r in reports}
        for path in self.folder.glob("*.json") if self.folder.is_dir() else []:
            if path.name not in keep:
                path.unlink(missing_ok=True)
