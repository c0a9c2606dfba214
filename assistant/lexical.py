"""The BM25 leg of the index (bm25s): terms, the searchable snapshot, and its copy on disk.

The saved BM25 index lives in ``<vectorstore>/bm25/`` with a ``digest`` file
naming the corpus and tokeniser it was built for, so a fresh process re-syncing
an unchanged corpus only loads files; any change to a report or to the
tokeniser rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN_PLUS

from .models import Passage, Report
from .text import terms

BM25_DIR = "bm25"
#: Bump when the BM25 tokeniser changes in a way ``tokeniser_fingerprint``'s probe would miss.
TOKENISER_VERSION = "2"
#: Text whose BM25 terms stand for the tokeniser in ``tokeniser_fingerprint``: case, stopwords,
#: possessives, contractions, hyphens, curly quotes, plurals and digits.
_TOKENISER_PROBE = (
    "The carers' assessments weren't timely; Shared Lives was 2 weeks late. Co-production with the "
    "council\u2019s agencies, classes, processes and analysis: A&E, NHS-funded, 24/7, \u00e9t\u00e9 I x"
)
#: Passage fields a search may be filtered on (both legs).
FILTERS = ("authority", "quality_statement", "section", "report_id")
_STOPWORDS = frozenset(STOPWORDS_EN_PLUS)


def tokenise(text: str) -> list[str]:
    """BM25 terms: the words of ``text.terms`` (folded), no stopwords or single characters."""
    return terms(text, _STOPWORDS, min_length=2)


def tokeniser_fingerprint() -> str:
    """Changes when the BM25 terms change: the version, the stopwords and the terms of a probe text.

    Part of the digest that decides whether a saved BM25 index is reused, so a
    change to the word tokenizer (``text.py``) rebuilds it.
    """
    probe = [TOKENISER_VERSION, sorted(_STOPWORDS), tokenise(_TOKENISER_PROBE)]
    return hashlib.sha256(json.dumps(probe).encode()).hexdigest()


@dataclass(frozen=True)
class Lexical:
    """The searchable snapshot: BM25 over the passages in ``ids`` order, plus filter columns."""

    bm25: bm25s.BM25 | None = None
    ids: tuple[str, ...] = ()
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    passages: dict[str, Passage] = field(default_factory=dict)
    digest: str = ""

    def ranked(self, query: str, where: dict[str, str], depth: int) -> list[str]:
        if self.bm25 is None:
            return []
        term_ids = self.bm25.get_tokens_ids(tokenise(query))
        if not term_ids:
            return []
        scores = self.bm25.get_scores_from_ids(term_ids)
        for name, value in where.items():
            scores = np.where(self.columns[name] == value, scores, 0.0)
        hits = np.flatnonzero(scores > 0)
        best = hits[np.argsort(-scores[hits], kind="stable")[:depth]]
        return [self.ids[i] for i in best]


class LexicalStore:
    """Builds ``Lexical`` snapshots for a corpus, reusing the saved BM25 index and earlier terms."""

    def __init__(self, folder: Path):
        self.folder = folder  # the vectorstore folder; BM25 files go to its ``bm25/``
        self._tokens: dict[tuple[str, str], list[list[str]]] = {}  # (report id, fingerprint) -> BM25 terms

    def load(self, wanted: dict[str, Report], prints: dict[str, str], current: Lexical) -> Lexical:
        """The snapshot for ``wanted`` (``current`` when nothing changed)."""
        passages = [p for rid in sorted(wanted) for p in wanted[rid].passages]
        ids = tuple(p.id for p in passages)
        digest = hashlib.sha256(json.dumps([tokeniser_fingerprint(), sorted(prints.items())]).encode()).hexdigest()
        if current.digest == digest and current.ids == ids:
            return current
        columns = {f: np.array([getattr(p, f) for p in passages], dtype=object) for f in FILTERS}
        bm25 = self._read(digest, len(ids)) if ids else None
        if bm25 is None and ids:
            bm25 = bm25s.BM25()
            bm25.index(self._terms(wanted, prints), show_progress=False)
            self._save(bm25, digest)
        return Lexical(bm25, ids, columns, {p.id: p for p in passages}, digest)

    def _terms(self, wanted: dict[str, Report], prints: dict[str, str]) -> list[list[str]]:
        """BM25 terms of every passage in index order; reports tokenised by an earlier sync are reused."""
        keys = [(rid, prints[rid]) for rid in sorted(wanted)]
        self._tokens = {
            key: self._tokens.get(key) or [tokenise(p.text) for p in wanted[key[0]].passages] for key in keys
        }
        return [t for key in keys for t in self._tokens[key]]

    def _read(self, digest: str, n_docs: int) -> bm25s.BM25 | None:
        folder = self.folder / BM25_DIR
        try:
            if (folder / "digest").read_text(encoding="utf-8") != digest:
                return None
            bm25 = bm25s.BM25.load(str(folder), show_progress=False)
        except (OSError, ValueError):
            return None
        return bm25 if bm25.scores["num_docs"] == n_docs else None

    def _save(self, bm25: bm25s.BM25, digest: str) -> None:
        folder = self.folder / BM25_DIR
        tmp = self.folder / f"{BM25_DIR}.{os.getpid()}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        bm25.save(str(tmp), show_progress=False)
        (tmp / "digest").write_text(digest, encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
