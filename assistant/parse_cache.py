"""Parsed reports kept on disk, so a restart does not parse every report file again.

At a full corpus (153 councils × 9 statements) parsing takes about 7 s on 2
cores; reading the parsed reports back is several times faster. One JSON file
per report file under ``<vectorstore>/parsed/``, named by a digest of the file's
bytes, its manifest entries, the size limit, the reference data and the source
of the parser: any change to one of these is a miss, never a stale hit. Files
that fail to parse are not kept (they are parsed again, and rejected again).
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from .models import Report
from .reports import DATA_DIR, parse_reports, read_report_file

_CODE = ("reports.py", "peers.py", "text.py", "models.py")
_REPORTS = TypeAdapter(list[Report])


@lru_cache(maxsize=1)
def code_digest() -> str:
    here = Path(__file__).parent
    parts = [(here / name).read_bytes() for name in _CODE]
    parts += [p.read_bytes() for p in sorted(DATA_DIR.iterdir()) if p.is_file()]
    return hashlib.sha256(b"".join(parts)).hexdigest()


class ParseCache:
    def __init__(self, folder: Path):
        self.folder = folder
        self.used: set[str] = set()

    def parse(self, path: Path, manifest: dict[str, dict], *, max_bytes: int) -> list[Report]:
        """``parse_file_reports`` through the cache. Raises ``ReportError`` like it."""
        data = read_report_file(path, max_bytes=max_bytes)
        entries = {k: v for k, v in manifest.items() if k == path.name or k.startswith(path.name + "#")}
        key = hashlib.sha256(
            f"{code_digest()}\n{path.name}\n{max_bytes}\n{json.dumps(entries, sort_keys=True, default=str)}\n".encode()
            + data
        ).hexdigest()[:32]
        cached = self.folder / f"{key}.json"
        self.used.add(cached.name)
        try:
            return _REPORTS.validate_json(cached.read_bytes())
        except (OSError, ValidationError, ValueError):
            pass  # missing, unreadable or from an older model: parsed again
        reports = parse_reports(data, path.name, manifest=manifest, max_bytes=max_bytes)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.part")
            tmp.write_bytes(_REPORTS.dump_json(reports))
            tmp.replace(cached)
        except OSError:
            pass  # a read-only or full disk only costs the time to parse again
        return reports

    def prune(self) -> None:
        """Delete the files of report files not parsed through this cache since it was made."""
        for path in self.folder.glob("*.json") if self.folder.is_dir() else []:
            if path.name not in self.used:
                path.unlink(missing_ok=True)
