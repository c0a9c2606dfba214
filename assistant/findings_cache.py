"""Built-in findings kept on disk, so a restart does not find every report's findings again.

Good practice for one plan is looked up in every other report's findings: at
a full corpus (153 authorities x 9 statements) that is about 40 s of work,
done once per corpus change instead of once per server start. One JSON file
per report under ``<vectorstore>/findings/``, named by a digest of the report's
content, the lexicons (``themes.yaml``, ``finding_cues.yaml``) and the source of
the code that finds them, and the embedder that groups near-duplicate shortfalls by meaning:
any change to one of these is a miss, never a stale hit.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import TypeAdapter

from .findings import CUES_FILE
from .models import Report, ReportFindings
from .report_files import ReportFiles, code_digest
from .themes import THEMES_FILE

CODE = ("findings.py", "themes.py", "citations.py", "text.py", "models.py")


def _report_key(report: Report) -> str:
    return f"{report.id}\n{report.content_hash}"


class FindingsCache(ReportFiles[ReportFindings]):
    def __init__(self, folder: Path, prompts_dir: Path, embedder_id: str = ""):
        lexicons = [(prompts_dir / name).read_bytes() for name in (THEMES_FILE, CUES_FILE)]
        salt = [*lexicons, code_digest(CODE).encode(), embedder_id.encode()]
        super().__init__(folder, salt, TypeAdapter(ReportFindings), _report_key)
