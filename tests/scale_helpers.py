"""The national-scale corpus for tests: 1,377 synthetic sections (153 councils × 9 statements) from
``bench/synthetic.py``, parsed once per test session.

Embedding 1,377 sections takes minutes on 2 cores, and the Reports page, the
score overview and the sidebar do not need the index: the scale tests run the
real app on the real parsed reports with the index left empty (``Index.sync``
does nothing and a hashing embedder stands in for MiniLM). AppTest patches
this process; the browser test starts the server through ``scale_app.py``,
which patches the server's process the same way.
"""

from __future__ import annotations

import hashlib
import importlib
import sys
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.settings import PROJECT_ROOT

SECTIONS = 1377
DIMENSION = 32


class HashEmbedder(Embeddings):
    """Deterministic unit vectors from hashed words: fast, offline, no model (tests only)."""

    id = "test:hash32"
    dimension = DIMENSION

    def _one(self, text: str) -> list[float]:
        v = np.zeros(DIMENSION, dtype=np.float32)
        for word in text.lower().split():
            v[int.from_bytes(hashlib.blake2b(word.encode(), digest_size=2).digest(), "big") % DIMENSION] += 1.0
        norm = float(np.linalg.norm(v)) or 1.0
        return (v / norm).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._one(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._one(text)


def without_index(patch) -> None:
    """``patch(obj, name, value)`` (pytest's ``monkeypatch.setattr`` or ``setattr``): no embedding, no sync."""
    index = importlib.import_module("assistant.index")  # also while it is being imported (scale_app.py)
    patch(index, "get_embedder", lambda settings: HashEmbedder())
    patch(index.Index, "sync", lambda self, reports, progress=None: index.SyncStats(unchanged_reports=len(reports)))


def generate_corpus(folder: Path, sections: int = SECTIONS) -> Path:
    """``folder`` filled with the synthetic sections (every council and statement at 1,377)."""
    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    from synthetic import generate

    generate(folder, sections)
    return folder
