"""Built-in findings kept on disk, so a restart does not find every report's findings again.

Good practice for one plan is looked up in every other report's findings: at
a full corpus (153 authorities x 9 statements) that is about 40 s of work,
done once per corpus change instead of once per server start. One JSON file
per report under ``<vectorstore>/findings/``, named by a digest of the report's
content, the lexicons (``themes.yaml``, ``finding_cues.yaml``) and the source of
the code that finds them: any change to one of these is a miss, never a stale hit.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from .findings import CUES_FILE
from .models import Report, ReportFindings
from .themes import THEMES_FILE

_CODE = ("findings.py", "themes.py", "citations.py", "text.py", "models.py")


@lru_cache(maxsize=1)
def _code_digest() -> str:
    here = Path(__file__).parent
    return hashlib.sha256(b"".join((here / name).read_bytes() for name in _CODE)).hexdigest()


class FindingsCache:
    def __init__(self, folder: Path, prompts_dir: Path):
        self.folder = folder
        lexicons = b"".join((prompts_dir / name).read_bytes() for name in (THEMES_FILE, CUES_FILE))
        self._salt = hashlib.sha256(lexicons + _code_digest().encode()).hexdigest()

    def _path(self, report: Report) -> Path:
        key = hashlib.sha256(f"{self._salt}\n{report.id}\n{report.content_hash}".encode()).hexdigest()[:32]
        return self.folder / f"{key}.json"

    def get(self, report: Report) -> ReportFindings | None:
        try:
            return ReportFindings.model_validate_json(self._path(report).read_bytes())
        except (OSError, ValidationError):
            return None  # missing, unreadable or from an older model: found again

    def put(self, report: Report, findings: ReportFindings) -> None:
        path = self._path(report)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.part")
            tmp.write_text(findings.model_dump_json(), encoding="utf-8")
            tmp.replace(path)
        except OSError:
            pass  # a read-only or full disk only costs the time to find them again

    def prune(self, reports: list[Report]) -> None:
        """Delete the files of reports no longer in the corpus (or found with older lexicons or code)."""
        keep = {self._path(r).name for r in reports}
        for path in self.folder.glob("*.json") if self.folder.is_dir() else []:
            if path.name not in keep:
                path.unlink(missing_ok=True)
