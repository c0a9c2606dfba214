"""One JSON file per report, kept on disk by content: the shape the findings and evidence caches share.

A file's name is a digest of a salt (what the cached value is made with: lexicons, code, embedder)
and the report's own key (its content), so any change is a miss, never a stale hit. Writes go
to a temporary file first and are renamed into place; a read-only or full disk only costs the
time to make the value again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

from .models import Report

T = TypeVar("T")


@lru_cache(maxsize=8)
def code_digest(names: tuple[str, ...]) -> str:
    """A digest of the source of the named modules of this package (the code a cached value comes from)."""
    here = Path(__file__).parent
    return hashlib.sha256(b"".join((here / name).read_bytes() for name in names)).hexdigest()


class ReportFiles(Generic[T]):
    """``has`` / ``get`` / ``put`` / ``prune`` a value of type ``T`` per report under ``folder``."""

    def __init__(
        self, folder: Path, salt: Iterable[bytes], adapter: TypeAdapter[T], report_key: Callable[[Report], str]
    ) -> None:
        self.folder = folder
        self._adapter = adapter
        self._report_key = report_key
        digest = hashlib.sha256()
        for part in salt:
            digest.update(part)
        self._salt = digest.hexdigest()

    def path(self, report: Report) -> Path:
        key = hashlib.sha256(f"{self._salt}\n{self._report_key(report)}".encode()).hexdigest()[:32]
        return self.folder / f"{key}.json"

    def has(self, report: Report) -> bool:
        """Whether the report's file is there (it may still be unreadable: ``get`` says)."""
        return self.path(report).is_file()

    def get(self, report: Report) -> T | None:
        try:
            return self._adapter.validate_json(self.path(report).read_bytes())
        except (OSError, ValidationError, ValueError):
            return None  # missing, unreadable or from an older model: made again

    def put(self, report: Report, value: T) -> None:
        path = self.path(report)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.{id(value)}.part")
            tmp.write_bytes(self._adapter.dump_json(value))
            tmp.replace(path)
        except OSError:
            pass  # a read-only or full disk only costs the time to make it again

    def prune(self, reports: list[Report]) -> None:
        """Delete the files of reports no longer in the corpus (or made with older lexicons or code)."""
        keep = {self.path(r).name for r in reports}
        for path in self.folder.glob("*.json") if self.folder.is_dir() else []:
            if path.name not in keep:
                path.unlink(missing_ok=True)
