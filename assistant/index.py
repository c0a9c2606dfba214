"""The passage index: Chroma (dense, via langchain-chroma) + BM25 (bm25s), fused by RRF.

``Index.sync(reports)`` brings the index up to date incrementally: each report
has a fingerprint (its content hash plus its parsed passages); new or changed
reports are embedded and upserted, removed ones deleted, unchanged ones cost
nothing. A manifest in the vectorstore folder records which embedder built the
index and each report's fingerprint and passage ids; switching embedder
rebuilds. The BM25 index is saved next to it, keyed by a digest of the corpus,
so a fresh process re-syncing an unchanged corpus only loads files.

``Index.search`` runs both legs with the same filters and fuses their rankings
by reciprocal rank fusion; hits carry the full ``Passage`` objects.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict, Unpack

import chromadb
import numpy as np
from chromadb.api.types import Where
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, Field

from . import unit_vectors as units_module
from .embeddings import get_embedder
from .lexical import BM25_DIR, Lexical, LexicalStore, tokenise, tokeniser_fingerprint
from .models import Passage, Report, SearchHit
from .settings import Settings
from .unit_vectors import UNITS_DIR, UnitVectors, passage_vectors, unit_texts

__all__ = [
    "BM25_DIR",
    "UNITS_DIR",
    "Index",
    "SearchFilters",
    "SyncStats",
    "fingerprint",
    "passage_vectors",
    "tokenise",
    "tokeniser_fingerprint",
    "unit_texts",
]

Progress = Callable[[int, int], None]

COLLECTION = "passages"
MANIFEST = "index_manifest.json"
#: Query vectors remembered before the cache is emptied.
QUERY_CACHE = 4096
#: Reciprocal rank fusion constant (Cormack et al.).
RRF_K = 60
#: Candidates each leg contributes before fusion (at least ``k``).
DEPTH = 50
#: Passages embedded and upserted per step (one progress update each).
CHUNK = 256


class SearchFilters(TypedDict, total=False):
    """What a search may be narrowed to: exactly the names stored in the reports (None: no filter)."""

    authority: str | None
    statement: str | None
    section: str | None
    report_id: str | None


class SyncStats(BaseModel):
    """What one ``Index.sync`` did."""

    added_reports: int = Field(default=0, description="reports new to the index")
    updated_reports: int = Field(default=0, description="reports whose text changed, embedded again")
    removed_reports: int = Field(default=0, description="reports no longer in the corpus, dropped")
    unchanged_reports: int = Field(default=0, description="reports kept as they were")
    embedded_passages: int = Field(default=0, description="passages embedded by this sync")
    seconds: float = Field(default=0.0, description="how long the sync took")
    rebuilt: bool = Field(default=False, description="the store was wiped first (another embedder)")


def fingerprint(report: Report) -> str:
    """Changes when the file or what the parser made of it changes (not when only the file name does)."""
    return hashlib.sha256(report.model_dump_json(exclude={"source"}).encode()).hexdigest()


def _metadata(passage: Passage, report_fingerprint: str) -> dict:
    return {
        "report_id": passage.report_id,
        "authority": passage.authority,
        "quality_statement": passage.quality_statement,
        "section": passage.section,
        "subheading": passage.subheading or "",
        "position": passage.position,
        "fingerprint": report_fingerprint,
    }


@dataclass(frozen=True)
class _Indexed:
    """What the vector store holds for one report."""

    fingerprint: str
    passage_ids: tuple[str, ...]


class Index:
    """Hybrid passage index over a Chroma collection and a BM25 index.

    Persistent in ``settings.vectorstore_dir`` (or on the Chroma server at
    ``settings.chroma_host``; the manifest and BM25 files stay local).
    """

    def __init__(self, settings: Settings, embedder: Embeddings | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or get_embedder(settings)
        self.embedder_id = str(getattr(self.embedder, "id", type(self.embedder).__name__))
        self.dir = Path(settings.vectorstore_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if settings.chroma_host:
            self._client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
        else:
            self._client = chromadb.PersistentClient(path=str(self.dir), settings=chroma_settings)
        self._lock = threading.Lock()
        self._lexical = Lexical()
        self._lexical_store = LexicalStore(self.dir)
        self._reports: dict[str, Report] = {}
        self._units = UnitVectors(self.dir, self.embedder_id)
        self._queries: dict[str, np.ndarray] = {}
        self._open_collection()

    # ------------------------------------------------------------------ store

    def _open_collection(self) -> None:
        # embedding_function=None: Chroma must never fall back to its own (downloading) embedder.
        self._collection = self._client.get_or_create_collection(
            COLLECTION,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedder": self.embedder_id},
            embedding_function=None,
        )
        self._store = Chroma(client=self._client, collection_name=COLLECTION, embedding_function=self.embedder)

    def _reset_collection(self) -> None:
        self._client.delete_collection(COLLECTION)
        self._open_collection()

    def _read_manifest(self) -> dict:
        try:
            data = json.loads((self.dir / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write_manifest(self, indexed: dict[str, _Indexed]) -> None:
        data = {
            "embedder": self.embedder_id,
            "reports": {
                rid: {"fingerprint": e.fingerprint, "passages": list(e.passage_ids)}
                for rid, e in sorted(indexed.items())
            },
        }
        tmp = self.dir / f"{MANIFEST}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, self.dir / MANIFEST)

    def _indexed(self) -> tuple[dict[str, _Indexed], bool]:
        """What the store holds per report, and whether it had to be wiped (embedder switch).

        The manifest is trusted when it names this embedder and its passage
        count matches the collection; otherwise (a crash mid-sync, a deleted
        manifest) the state is read back from the passages' metadata.
        """
        if (self._collection.metadata or {}).get("embedder") != self.embedder_id:
            self._reset_collection()
            return {}, True
        manifest = self._read_manifest()
        if manifest.get("embedder") == self.embedder_id:
            try:
                indexed = {
                    rid: _Indexed(r["fingerprint"], tuple(r["passages"])) for rid, r in manifest["reports"].items()
                }
            except (KeyError, TypeError, AttributeError):
                indexed = None
            if indexed is not None and sum(len(e.passage_ids) for e in indexed.values()) == self._collection.count():
                return indexed, False
        indexed = self._indexed_from_store()
        self._write_manifest(indexed)
        return indexed, False

    def _indexed_from_store(self) -> dict[str, _Indexed]:
        got = self._collection.get(include=["metadatas"])
        groups: dict[str, tuple[set[str], list[str]]] = {}
        for pid, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
            prints, ids = groups.setdefault(str((meta or {}).get("report_id", "")), (set(), []))
            prints.add(str((meta or {}).get("fingerprint", "")))
            ids.append(pid)
        # A report half-written by an interrupted sync has mixed fingerprints: it counts as changed.
        return {
            rid: _Indexed(prints.pop() if len(prints) == 1 else "", tuple(ids)) for rid, (prints, ids) in groups.items()
        }

    # ------------------------------------------------------------------ sync

    def sync(self, reports: Sequence[Report], progress: Progress | None = None) -> SyncStats:
        """Make the index hold exactly ``reports``; embed only what is new or changed.

        ``progress(done, total)`` is called with passages embedded so far
        (``(0, 0)`` once when nothing needs embedding).
        """
        start = time.perf_counter()
        wanted = _by_id(reports)
        with self._lock:
            indexed, rebuilt = self._indexed()
            prints = {rid: fingerprint(r) for rid, r in wanted.items()}
            added = [rid for rid in wanted if rid not in indexed]
            updated = [rid for rid in wanted if rid in indexed and indexed[rid].fingerprint != prints[rid]]
            removed = [rid for rid in indexed if rid not in wanted]
            stale = [pid for rid in updated + removed for pid in indexed[rid].passage_ids]
            for i in range(0, len(stale), CHUNK * 16):
                self._store.delete(ids=stale[i : i + CHUNK * 16])
            todo = [(p, prints[rid]) for rid in added + updated for p in wanted[rid].passages]
            self._reports = dict(wanted)
            self._embed(todo, progress)
            new = {rid: _Indexed(prints[rid], tuple(p.id for p in wanted[rid].passages)) for rid in wanted}
            if new != indexed:
                self._write_manifest(new)
            self._lexical = self._lexical_store.load(wanted, prints, self._lexical)
        return SyncStats(
            added_reports=len(added),
            updated_reports=len(updated),
            removed_reports=len(removed),
            unchanged_reports=len(wanted) - len(added) - len(updated),
            embedded_passages=len(todo),
            seconds=time.perf_counter() - start,
            rebuilt=rebuilt,
        )

    def _embed(self, todo: list[tuple[Passage, str]], progress: Progress | None) -> None:
        """Embed every sentence once; passage vectors are their sentences' mean; unit vectors kept per report."""
        if progress:
            progress(0, len(todo))
        pending: dict[str, list[np.ndarray]] = {}
        left: dict[str, int] = {}
        for p, _ in todo:
            left[p.report_id] = left.get(p.report_id, 0) + 1
        for i in range(0, len(todo), CHUNK):
            chunk = todo[i : i + CHUNK]
            units, counts = units_module.unit_vectors_of(self.embedder, [p for p, _ in chunk])
            self._collection.upsert(
                ids=[p.id for p, _ in chunk],
                embeddings=passage_vectors(units, counts),
                metadatas=[_metadata(p, fp) for p, fp in chunk],
                documents=[p.text for p, _ in chunk],
            )
            start = 0
            for (p, _), n in zip(chunk, counts, strict=True):
                pending.setdefault(p.report_id, []).append(units[start : start + n])
                start += n
                left[p.report_id] -= 1
                if not left[p.report_id]:
                    self._save_units(p.report_id, np.vstack(pending.pop(p.report_id)))
            if progress:
                progress(i + len(chunk), len(todo))

    # ------------------------------------------------------------------ unit vectors

    def _save_units(self, report_id: str, vectors: np.ndarray) -> None:
        report = self._reports.get(report_id)
        if report is not None:
            self._units.save(report, vectors)

    def unit_vectors(self, report: Report) -> np.ndarray:
        """(sentences, d) float32 vectors of the report's evidence units, in passage and sentence order.

        Kept on disk per report content; a report indexed before units existed is embedded now, once.
        """
        return self._units.get(report, self.embedder)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """(len(texts), d) float32 query vectors; recent queries are remembered (chat sessions repeat them)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._queries]
        if missing:
            encode = getattr(self.embedder, "encode", None)
            if callable(encode):
                vectors = np.asarray(encode(missing), dtype=np.float32)
            else:
                vectors = np.asarray([self.embedder.embed_query(t) for t in missing], dtype=np.float32)
            with self._lock:
                if len(self._queries) > QUERY_CACHE:
                    self._queries.clear()
                self._queries.update(zip(missing, vectors, strict=True))
        return np.vstack([self._queries[t] for t in texts])

    # ------------------------------------------------------------------ search

    def search(self, query: str, k: int = 8, **filters: Unpack[SearchFilters]) -> list[SearchHit]:
        """The ``k`` best passages for ``query`` by dense + BM25 rank fusion.

        Filters match exactly the names stored in the reports; both legs
        honour them. Raises ``ValueError`` for an empty query or ``k < 1``.
        """
        if not query or not query.strip():
            raise ValueError("search query is empty: type a few words to search for")
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        given = {
            "authority": filters.get("authority"),
            "quality_statement": filters.get("statement"),
            "section": filters.get("section"),
            "report_id": filters.get("report_id"),
        }
        where = {f: v for f, v in given.items() if v is not None}
        lexical = self._lexical
        if not lexical.ids:
            return []
        depth = max(k, DEPTH)
        dense = self._dense(query, where, depth, lexical.passages)
        sparse = lexical.ranked(query, where, depth)
        scores: dict[str, float] = {}
        for ranking in (dense, sparse):
            for rank, pid in enumerate(ranking, start=1):
                scores[pid] = scores.get(pid, 0.0) + 1.0 / (RRF_K + rank)
        dense_rank = {pid: r for r, pid in enumerate(dense, start=1)}
        sparse_rank = {pid: r for r, pid in enumerate(sparse, start=1)}
        best = sorted(scores, key=lambda pid: (-scores[pid], pid))[:k]
        return [
            SearchHit(
                passage=lexical.passages[pid],
                score=scores[pid],
                dense_rank=dense_rank.get(pid),
                bm25_rank=sparse_rank.get(pid),
            )
            for pid in best
        ]

    def _dense(self, query: str, where: dict[str, str], depth: int, known: dict[str, Passage]) -> list[str]:
        # Queried on the collection itself for ids only: LangChain's similarity search
        # wraps every hit in a Document with text and metadata (~3 ms a query at 20k).
        conditions: list[Where] = [{f: v} for f, v in where.items()]
        condition: Where | None = None
        if conditions:
            condition = conditions[0] if len(conditions) == 1 else {"$and": conditions}
        embedding: Sequence[float] = self.embed_queries([query])[0].tolist()
        found = self._collection.query(
            query_embeddings=[embedding],
            n_results=depth,
            where=condition,
            include=["distances"],
        )
        return [pid for pid in found["ids"][0] if pid in known]


def _by_id(reports: Sequence[Report]) -> dict[str, Report]:
    out: dict[str, Report] = {}
    seen: dict[str, str] = {}
    for report in reports:
        if report.id in out:
            raise ValueError(
                f"two reports have the same id {report.id!r} ({out[report.id].source} and {report.source}); "
                "each authority and quality statement may appear once"
            )
        for p in report.passages:
            if p.id in seen:
                raise ValueError(f"passage id {p.id!r} appears in both {seen[p.id]} and {report.id}")
            seen[p.id] = report.id
        out[report.id] = report
    return out
