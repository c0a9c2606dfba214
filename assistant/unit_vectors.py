"""Sentence (evidence unit) vectors: embedded once per report content, kept on disk beside the index.

Every sentence of a passage is one unit (``unit_texts``); the index embeds each
sentence once and derives the passage's vector as the normalised mean of its
sentences' (``passage_vectors``). The sentence vectors are saved as one float16
``.npy`` per report under ``<vectorstore>/units/``, named by a digest of the
embedder, the report id and its content hash.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from .models import Passage, Report

#: Sentence (evidence unit) vectors, one float16 .npy per report content and embedder.
UNITS_DIR = "units"
#: Reports whose vectors are kept in memory (about 110 KB each at 384 dimensions); the rest are read from disk.
MEMORY_REPORTS = 256


def unit_texts(passage: Passage) -> list[str]:
    """The sentences of a passage as embedded: one evidence unit each (the whole text if it has none)."""
    return [t for t in passage.sentence_texts() if t.strip()] or [passage.text]


def unit_vectors_of(embedder: Embeddings, passages: Sequence[Passage]) -> tuple[np.ndarray, list[int]]:
    """Every sentence of ``passages`` embedded once, and how many sentences each passage has."""
    texts = [t for p in passages for t in unit_texts(p)]
    counts = [len(unit_texts(p)) for p in passages]
    encode = getattr(embedder, "encode", None)
    vectors = encode(texts) if callable(encode) else np.asarray(embedder.embed_documents(texts), dtype=np.float32)
    return np.asarray(vectors, dtype=np.float32), counts


def passage_vectors(unit_vectors: np.ndarray, counts: Sequence[int]) -> np.ndarray:
    """A passage's vector is the normalised mean of its sentences' vectors (no second embedding pass)."""
    out = np.zeros((len(counts), unit_vectors.shape[1]), dtype=np.float32)
    start = 0
    for i, n in enumerate(counts):
        out[i] = unit_vectors[start : start + n].mean(axis=0)
        start += n
    return out / np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-12, None)


class UnitVectors:
    """The saved sentence vectors of each report, read back (and remembered) on demand."""

    def __init__(self, folder: Path, embedder_id: str):
        self.folder = folder / UNITS_DIR
        self.embedder_id = embedder_id
        self._cache: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()

    def _path(self, report_id: str, content_hash: str) -> Path:
        key = hashlib.sha256(f"{self.embedder_id}\n{report_id}\n{content_hash}".encode()).hexdigest()[:32]
        return self.folder / f"{key}.npy"

    def save(self, report: Report, vectors: np.ndarray) -> None:
        path = self._path(report.id, report.content_hash)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp.npy")
            np.save(tmp, vectors.astype(np.float16))
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only disk only costs embedding them again
        self._remember((report.id, report.content_hash), vectors.astype(np.float32))

    def get(self, report: Report, embedder: Embeddings) -> np.ndarray:
        """(sentences, d) float32 vectors of the report's units, in passage and sentence order.

        Read from disk per report content; a report indexed before units existed is embedded now, once.
        """
        key = (report.id, report.content_hash)
        found = self._cache.get(key)
        rows = sum(len(unit_texts(p)) for p in report.passages)
        if found is not None and len(found) == rows:
            return found
        try:
            found = np.load(self._path(report.id, report.content_hash)).astype(np.float32)
        except (OSError, ValueError):
            found = None
        if found is None or len(found) != rows:
            found, _ = unit_vectors_of(embedder, report.passages)
            self.save(report, found)
        self._remember(key, found)
        return found

    def _remember(self, key: tuple[str, str], vectors: np.ndarray) -> None:
        with self._lock:
            self._cache.pop(key, None)
            if len(self._cache) >= MEMORY_REPORTS:
                self._cache.pop(next(iter(self._cache)))  # the least recently stored
            self._cache[key] = vectors
