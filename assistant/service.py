"""The assistant as one object: corpus, index, taxonomy, playbook and engines wired together.

The CLI builds one per process; the Streamlit app one per server
(``st.cache_resource``). The index is built or brought up to date on
construction, so no separate ingest step is ever required.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Unpack

from .corpus import Corpus, load_corpus, store_file, store_upload
from .engines import Engine, get_engine
from .evidence import EvidenceBase
from .findings_cache import FindingsCache
from .index import Index, SearchFilters, SyncStats
from .models import ActionPlan, IngestError, Passage, Report, ReportFindings, SearchHit
from .peers import PeerSelection
from .playbook import load_playbook
from .reports import ReportError
from .settings import Settings
from .themes import load_taxonomy

Progress = Callable[[int, int], None]


class Assistant:
    def __init__(self, settings: Settings | None = None, *, progress: Progress | None = None, embedder=None):
        self.settings = settings or Settings()
        self.taxonomy = load_taxonomy(self.settings.prompts_dir)
        self.playbook = load_playbook(self.settings.prompts_dir)
        self.index = Index(self.settings, embedder=embedder)
        self.evidence = EvidenceBase(self.taxonomy, self.settings.prompts_dir, self.index)
        self._lock = threading.RLock()
        self._engines: dict[str, Engine] = {}
        self._findings: dict[tuple[str, str, str], ReportFindings] = {}
        self._plans: dict[tuple, ActionPlan] = {}
        self._saved_findings = FindingsCache(
            self.settings.vectorstore_dir / "findings", self.settings.prompts_dir, self.index.embedder_id
        )
        self.corpus: Corpus
        self.sync_stats: SyncStats
        self.reload(progress=progress)

    # ------------------------------------------------------------------ corpus

    def reload(self, *, progress: Progress | None = None) -> SyncStats:
        """Re-read the reports folder and bring the index up to date (incremental)."""
        with self._lock:
            corpus = load_corpus(self.settings)
            self.sync_stats = self.index.sync(corpus.reports, progress=progress)
            self.corpus = corpus
            self.evidence.corpus = tuple(corpus.reports)
            self._saved_findings.prune(corpus.reports)
            if self.evidence.saved is not None:
                self.evidence.saved.prune(corpus.reports)
            return self.sync_stats

    @property
    def passages(self) -> dict[str, Passage]:
        return self.corpus.passages

    def reports(self) -> list[Report]:
        return list(self.corpus.reports)

    def find_report(self, name: str, statement: str | None = None) -> Report:
        return self.corpus.find_report(name, statement)

    def passage(self, passage_id: str) -> Passage | None:
        return self.corpus.passages.get(passage_id)

    def add_upload(self, name: str, data: bytes, *, progress: Progress | None = None) -> list[Report]:
        """Validate, store and index one uploaded file (one report per quality statement in it).

        Raises ``ReportError``; nothing changes then.
        """
        with self._lock:
            reports = store_upload(self.settings, name, data, self.corpus)
            self.reload(progress=progress)
            return [self.corpus.report(r.id) for r in reports]

    def add_files(
        self, paths: list[Path], *, progress: Progress | None = None
    ) -> tuple[list[Report], list[IngestError]]:
        """Copy report files into the reports folder (each validated first) and index them."""
        added: list[Report] = []
        errors: list[IngestError] = []
        with self._lock:
            for path in paths:
                try:
                    added.extend(store_file(self.settings, Path(path), self.corpus))
                except ReportError as exc:
                    errors.append(IngestError(source=exc.source, reason=exc.reason))
            self.reload(progress=progress)
        return [self.corpus.report(r.id) for r in added if r.id in {x.id for x in self.corpus.reports}], errors

    # ------------------------------------------------------------------ stages

    def search(self, query: str, *, k: int = 8, **filters: Unpack[SearchFilters]) -> list[SearchHit]:
        """The ``k`` best passages for ``query`` (see ``Index.search``)."""
        return self.index.search(query, k=k, **filters)

    def engine(self, name: str | None = None) -> Engine:
        """The engine by name ("builtin" / "openai"), default from settings; built once each."""
        name = name or self.settings.engine
        with self._lock:
            if name not in self._engines:
                settings = self.settings.model_copy(update={"engine": name})
                self._engines[name] = get_engine(settings, self.taxonomy, self.playbook, self.evidence)
            return self._engines[name]

    def findings(self, report: Report, *, engine: str | None = None) -> ReportFindings:
        """A report's findings, found once per process; the built-in engine's also kept on disk."""
        eng = self.engine(engine)
        key = (report.id, report.content_hash, eng.name)
        if key not in self._findings:
            saved = eng.name == "builtin"
            found = self._saved_findings.get(report) if saved else None
            if found is None:
                found = eng.findings(report)
                if saved:
                    self._saved_findings.put(report, found)
            self._findings[key] = found
        return self._findings[key]

    def prepare(self, keep_going: Callable[[], bool] = lambda: True, *, missing_only: bool = False) -> bool:
        """Every report's findings (built-in engine) and classified evidence units in memory, read back from
        disk or found and kept there; with ``missing_only``, only those not on disk yet are found (``ingest``:
        the app's first plan or question across councils then reads them back). ``keep_going`` is asked before
        each report; returns False when it stopped the work."""
        for r in self.corpus.reports:
            if not keep_going():
                return False
            if missing_only and self._saved_findings.has(r) and self.evidence.saved_units(r):
                continue
            self.findings(r, engine="builtin")
            self.evidence.units(r)
        return True

    def warm_up(self, keep_going: Callable[[], bool] = lambda: True) -> None:
        """Bring what the first questions across councils need into memory: ``prepare``, then the corpus-wide
        pool of practice units. The app runs it in the background after start-up; ``keep_going`` pauses it
        while pages run and stops it when the app drops this Assistant; errors only mean the first such
        question does the work itself."""
        try:
            if self.prepare(keep_going) and keep_going():
                self.evidence.pool(list(self.corpus.reports), ("practice",))
        except Exception:  # noqa: BLE001 - a warm-up never takes the app down
            logging.getLogger(__name__).warning("warm-up failed", exc_info=True)

    def others(self, report: Report, *, peers: PeerSelection | None = None) -> list[tuple[Report, ReportFindings]]:
        """Every other report (only the peers' when ``peers`` is given) with its findings (built-in engine)."""
        return [
            (r, self.findings(r, engine="builtin"))
            for r in self.corpus.reports
            if r.id != report.id and (peers is None or peers.admits(r.authority))
        ]

    def plan(self, report: Report, *, engine: str | None = None, peers: PeerSelection | None = None) -> ActionPlan:
        """A fresh plan for a report (a copy: callers may edit it); good practice from the peers' reports only
        when ``peers`` is given. Built-in plans are deterministic, so without peers they are drafted once per
        report content and corpus, which keeps concurrent chat sessions fast."""
        eng = self.engine(engine)
        if eng.name != "builtin" or peers is not None:
            plan = eng.plan(report, self.findings(report, engine=engine), self.others(report, peers=peers))
            if peers is not None:
                plan.notes.append(f"Good practice from {peers.describe()} only.")
            return plan
        key = (report.id, report.content_hash, tuple((r.id, r.content_hash) for r in self.corpus.reports))
        cached = self._plans.get(key)
        if cached is None:
            cached = eng.plan(report, self.findings(report, engine=engine), self.others(report))
            with self._lock:
                if len(self._plans) > 256:
                    self._plans.clear()
                self._plans[key] = cached
        return cached.model_copy(deep=True)
