"""The reports folder: every report file in it, the manifest, and what was rejected.

The manifest ``reports.yaml`` beside the reports sets or corrects authority,
quality statement or score per file::

    000_f921ebe1722b3eed.txt:
      authority: Gloucestershire
      quality_statement: Partnerships and communities

A file holding several quality statements is keyed per section as
``<file>#<statement-slug>`` (its ``Report.source``); the file's own entry then
sets only the authority.

Files that are not reports are listed in ``Corpus.errors`` with the reason;
the rest of the folder still loads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .models import IngestError, Passage, Report
from .parse_cache import ParseCache
from .reports import SUPPORTED_SUFFIXES, ReportError, parse_file_reports, parse_reports, read_report_file
from .settings import Settings
from .text import fold

MANIFEST = "reports.yaml"
_OVERRIDE_KEYS = {"authority", "quality_statement", "score"}


def load_manifest(folder: Path) -> dict[str, dict]:
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ReportError(MANIFEST, f"is not valid YAML ({exc})") from exc
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ReportError(MANIFEST, "must map file names to {authority, quality_statement, score}")
    for name, entry in data.items():
        unknown = set(entry) - _OVERRIDE_KEYS
        if unknown:
            raise ReportError(MANIFEST, f"entry {name!r} has unknown keys {sorted(unknown)}")
    return {str(k): v for k, v in data.items()}


def save_override(settings: Settings, source: str, **values) -> None:
    """Set or correct authority / quality_statement / score for one report (its ``source``) in the manifest."""
    folder = settings.seeds_dir
    manifest = load_manifest(folder)
    entry = manifest.setdefault(source, {})
    for key, value in values.items():
        if key not in _OVERRIDE_KEYS:
            raise ValueError(f"unknown manifest key {key!r}")
        if value in (None, ""):
            entry.pop(key, None)
        else:
            entry[key] = value
    if not entry:
        manifest.pop(source)
    (folder / MANIFEST).write_text(yaml.safe_dump(manifest, sort_keys=True, allow_unicode=True), encoding="utf-8")


def report_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(".")
    )


@dataclass
class Corpus:
    """Parsed reports of one folder, by id, plus the files that were rejected."""

    folder: Path
    reports: list[Report] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.passages: dict[str, Passage] = {p.id: p for r in self.reports for p in r.passages}
        self._by_id = {r.id: r for r in self.reports}

    def report(self, report_id: str) -> Report:
        return self._by_id[report_id]

    def authorities(self) -> list[str]:
        return sorted({r.authority for r in self.reports})

    def find_report(self, name: str, statement: str | None = None) -> Report:
        """Report by authority name, case-insensitive on any part of it ("durham").

        Raises ``LookupError`` naming the choices when nothing or more than one matches.
        """
        key = fold(name).lower().strip()
        if not key:
            raise LookupError(f"Name an authority: {self._choices()}")
        matches = [r for r in self.reports if key in fold(r.authority).lower() or key == r.id]
        exact = [r for r in matches if fold(r.authority).lower() == key]
        matches = exact or matches
        if statement:
            s = fold(statement).lower()
            matches = [r for r in matches if s in fold(r.quality_statement).lower()]
        if not matches:
            raise LookupError(
                f"No report matches {name!r}{' / ' + statement if statement else ''}. Choices: {self._choices()}"
            )
        if len(matches) > 1:
            listed = "; ".join(f"{r.authority} ({r.quality_statement})" for r in matches)
            raise LookupError(f"{name!r} is ambiguous: {listed}. Name the authority and statement.")
        return matches[0]

    def _choices(self) -> str:
        return "; ".join(f"{r.authority} ({r.quality_statement})" for r in self.reports) or "no reports loaded"


def load_corpus(settings: Settings) -> Corpus:
    """Parse every report file in ``settings.seeds_dir``; rejected files go to ``errors``.

    Parsed reports are kept under ``<vectorstore>/parsed/`` (``parse_cache``), so a restart reads them back."""
    folder = settings.seeds_dir
    errors: list[IngestError] = []
    try:
        manifest = load_manifest(folder)
    except ReportError as exc:
        errors.append(IngestError(source=exc.source, reason=exc.reason))
        manifest = {}
    reports: list[Report] = []
    seen: dict[str, str] = {}
    cache = ParseCache(settings.vectorstore_dir / "parsed")
    for path in report_files(folder):
        try:
            parsed = cache.parse(path, manifest, max_bytes=settings.max_report_bytes)
        except ReportError as exc:
            errors.append(IngestError(source=exc.source, reason=exc.reason))
            continue
        for report in parsed:
            if report.id in seen:
                errors.append(
                    IngestError(
                        source=report.source,
                        reason=f"duplicate of {seen[report.id]} (same authority and quality statement: {report.id}); "
                        "remove one or correct it in reports.yaml",
                    )
                )
                continue
            seen[report.id] = report.source
            reports.append(report)
    cache.prune()
    return Corpus(folder=folder, reports=reports, errors=errors)


def _safe_name(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).strip("._") or "report"
    return stem[:120]


def store_upload(settings: Settings, name: str, data: bytes, existing: Corpus) -> list[Report]:
    """Validate an uploaded report file and save it into the reports folder; its sections' reports.

    The file is parsed first; nothing is written unless it is a report that does
    not clash with one already loaded. Raises ``ReportError``.
    """
    safe = _safe_name(name)
    manifest = load_manifest(settings.seeds_dir)
    reports = parse_reports(data, safe, manifest=manifest, max_bytes=settings.max_report_bytes)
    target = settings.seeds_dir / safe
    for report in reports:
        clash = next((r for r in existing.reports if r.id == report.id and r.file != safe), None)
        if clash:
            raise ReportError(
                safe,
                f"a report for {report.authority} ({report.quality_statement}) is already loaded from {clash.source}",
            )
    if target.exists() and target.read_bytes() != data:
        raise ReportError(safe, "a different file with this name is already in the reports folder; rename it")
    settings.seeds_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(target)
    return reports


def store_file(settings: Settings, path: Path, existing: Corpus) -> list[Report]:
    """Copy a report file from anywhere into the reports folder (validated first); its sections' reports."""
    if path.resolve().parent == settings.seeds_dir.resolve():
        return parse_file_reports(path, load_manifest(settings.seeds_dir), max_bytes=settings.max_report_bytes)
    return store_upload(settings, path.name, read_report_file(path, max_bytes=settings.max_report_bytes), existing)
