"""Rendering of chat turns: numbered, verified citations and Markdown chunks."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..citations import verify_all
from ..entities import WORD
from ..models import Citation, Passage
from ..text import escape_markdown, fold

# --------------------------------------------------------------------------- citations


class Citations:
    """Numbers the citations of one turn: ``add`` returns the ``[n]`` marker."""

    def __init__(self, passages: dict[str, Passage]):
        self.passages = passages
        self.items: list[Citation] = []

    def add(self, citation: Citation) -> str:
        checked = verify_all([citation], self.passages)
        if not checked:
            return ""
        c = checked[0]
        for i, seen in enumerate(self.items, start=1):
            if seen.passage_id == c.passage_id and fold(seen.quote) == fold(c.quote):
                return f"[{i}]"
        self.items.append(c)
        return f"[{len(self.items)}]"

    def quote(self, citation: Citation) -> str:
        """``“quote” [n]``, with an explicit warning when the quote is not verbatim."""
        marker = self.add(citation)
        if not marker:
            return ""
        flag = "" if self.items[int(marker[1:-1]) - 1].verified else " ⚠ *unverified quote*"
        return f"“{escape_markdown(citation.quote)}” {marker}{flag}"


def first_sentence_quote(passage: Passage, query: str = "") -> str:
    """The passage sentence that shares most words with ``query`` (verbatim)."""
    sentences = passage.sentence_texts() or [passage.text]
    words = set(WORD.findall(fold(query).lower()))
    return max(sentences, key=lambda s: (len(words & set(WORD.findall(fold(s).lower()))), -sentences.index(s)))


def chunks(text: str) -> Iterator[str]:
    """A finished reply in line-sized chunks (few, so the browser is not flooded)."""
    yield from (piece for piece in re.findall(r"[^\n]*\n*", text) if piece)


def renumber_markers(text: str, cited: list[Citation], markers: dict[str, str]) -> str:
    """Map an engine's ``[n]`` markers (1-based over its citations) to this turn's numbering."""

    def sub(m: re.Match) -> str:
        i = int(m.group(1)) - 1
        if 0 <= i < len(cited) and cited[i].passage_id in markers:
            return markers[cited[i].passage_id]
        return ""

    return re.sub(r"\[(\d+)\]", sub, text)
