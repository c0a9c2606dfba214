"""Checking quotes against their passages: the rule every stage obeys.

A quote is *verified* when, after folding (NFKC, curly/straight quotes, dashes,
whitespace), it occurs inside the folded text of the passage it cites. A quote
that does not occur may be *corrected* to the passage sentence it clearly
paraphrases (close fuzzy match); otherwise it is unverified and never shown as
verified.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from difflib import SequenceMatcher
from itertools import pairwise

from .models import Citation, Passage
from .text import fold, fold_with_map

#: Below this ratio a fuzzy match does not identify the sentence clearly enough.
CORRECTION_THRESHOLD = 0.85
#: Quotes shorter than this (folded) are too thin to prove anything.
MIN_QUOTE_CHARS = 12


def quote_in_passage(quote: str, passage_text: str) -> bool:
    q = fold(quote).strip(" .\"'")
    return len(q) >= MIN_QUOTE_CHARS and q.lower() in fold(passage_text).lower()


def locate(quote: str, passage_text: str) -> tuple[int, int] | None:
    """Offsets of ``quote`` in the original ``passage_text`` (for highlighting)."""
    q = fold(quote).strip(" .\"'").lower()
    if len(q) < MIN_QUOTE_CHARS:
        return None
    folded, offsets = fold_with_map(passage_text)
    i = folded.lower().find(q)
    if i < 0:
        return None
    return offsets[i], offsets[i + len(q) - 1] + 1


def best_sentence(quote: str, passage: Passage) -> tuple[str, float]:
    """The passage sentence (or run of two) closest to ``quote``, and the ratio."""
    sentences = passage.sentence_texts() or [passage.text]
    candidates = sentences + [f"{a} {b}" for a, b in pairwise(sentences)]
    q = fold(quote).lower()
    best, best_ratio = "", 0.0
    for cand in candidates:
        ratio = SequenceMatcher(None, q, fold(cand).lower(), autojunk=False).ratio()
        if ratio > best_ratio:
            best, best_ratio = cand, ratio
    return best, best_ratio


def verify(citation: Citation, passages: Mapping[str, Passage], *, correct: bool = False) -> Citation | None:
    """Check one citation against the passages it may cite.

    Returns a new ``Citation`` with ``verified`` set; with ``correct=True`` a
    near-verbatim quote is replaced by the exact sentence and marked
    ``corrected``. Returns ``None`` when the passage id is not among
    ``passages`` (an invented or unretrieved id: PaperQA2's rule).
    """
    passage = passages.get(citation.passage_id)
    if passage is None:
        return None
    if quote_in_passage(citation.quote, passage.text):
        return Citation(passage_id=passage.id, quote=citation.quote, verified=True, corrected=citation.corrected)
    if correct:
        sentence, ratio = best_sentence(citation.quote, passage)
        if ratio >= CORRECTION_THRESHOLD and quote_in_passage(sentence, passage.text):
            return Citation(passage_id=passage.id, quote=sentence, verified=True, corrected=True)
    return Citation(passage_id=passage.id, quote=citation.quote, verified=False)


def verify_all(
    citations: Iterable[Citation], passages: Mapping[str, Passage], *, correct: bool = False
) -> list[Citation]:
    """Verify many; drops citations whose passage id is unknown."""
    out = []
    for c in citations:
        checked = verify(c, passages, correct=correct)
        if checked is not None:
            out.append(checked)
    return out
