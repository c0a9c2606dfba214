"""Streamed answers: prose shown as it arrives, ``[p:<id>]`` markers numbered, citations split off.

The model writes its answer as prose with ``[p:<passage id>]`` markers, then a
``Citations:`` line with a JSON block of the quotes. ``AnswerStream`` turns the
chunks into what is safe to show at once (markers as ``[1]``, ``[2]``... by
first appearance; markers to passages it was not given dropped) and keeps the
citations block aside for checking. A stream of text chunks returns its result
(an ``Answer``, a ``TokenUsage``) as the generator's return value: ``collect`` runs
one to its end for the chunks and the result, ``answer_last`` gives the older
"answer as the last item" form.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator
from typing import TypeVar

from ..models import Answer, Citation

Y = TypeVar("Y")
R = TypeVar("R")

_MARKER = re.compile(r"([ \t]*)((?:\[\s*p:\s*[^\]]+?\s*\])+)", re.I)
_MARKER_IDS = re.compile(r"\[\s*p:\s*([^\]]+?)\s*\]", re.I)
_MARKER_SPLIT = re.compile(r"\s*[,;]\s*(?:p:\s*)?", re.I)
_BARE_NUMBER = re.compile(r"[ \t]*\[\d+\]")
_BLOCK = re.compile(r'^[ \t>*#_]*(?:citations[ \t*_]*:|```json|\{\s*"citations")', re.I | re.M)
_BLOCK_HEADS = ("citations:", "```json", '{"citations"')
_THINK_OPEN, _THINK_CLOSE = "<think>", "</think>"
#: A "[" with no "]" within this many characters is not a marker in progress.
_MARKER_MAX = 300


def _markers(text: str, render: Callable[[str], str | None]) -> str:
    """``text`` with each run of ``[p:<id>]`` markers rewritten id by id by ``render``.

    Ids that ``render`` returns None for are dropped, with the space before the
    run when nothing of it is left.
    """

    def sub(match: re.Match) -> str:
        ids = [i.strip() for m in _MARKER_IDS.finditer(match.group(2)) for i in _MARKER_SPLIT.split(m.group(1))]
        kept = list(dict.fromkeys(r for r in (render(i) for i in ids if i) if r is not None))
        return match.group(1) + "".join(kept) if kept else ""

    return _MARKER.sub(sub, text)


def collect(stream: Generator[Y, None, R]) -> tuple[list[Y], R]:
    """Run ``stream`` to its end: what it yielded, and what it returned."""
    items: list[Y] = []
    while True:
        try:
            items.append(next(stream))
        except StopIteration as stop:
            return items, stop.value


def answer_last(stream: Generator[str, None, Answer]) -> Iterator[str | Answer]:
    """The chunks of ``stream``, then the ``Answer`` it returns as the last item."""
    answer = yield from stream
    yield answer


class AnswerStream:
    """Splits a streamed answer into prose and its trailing citations block.

    ``feed`` returns the prose that is safe to show now: ``[p:<id>]`` markers
    become ``[n]`` (numbered by first appearance) and markers to ids that were
    not given are dropped; a marker or a possible ``Citations:`` line still
    being written is held back until it is complete, and a leading
    ``<think>`` block (reasoning models) is never shown.
    """

    def __init__(self, known_ids: set[str]):
        self.known = known_ids
        self.order: list[str] = []
        self.tail: str | None = None
        self._raw: list[str] = []
        self._pending = ""
        self._started = False

    def feed(self, chunk: str) -> str:
        if self.tail is not None:
            self.tail += chunk
            return ""
        self._pending += chunk
        if not self._started and not self._skip_thinking():
            return ""
        block = _BLOCK.search(self._pending)
        if block:
            out, self.tail, self._pending = self._pending[: block.start()], self._pending[block.start() :], ""
            return self._emit(out)
        cut = self._safe_length(self._pending)
        out, self._pending = self._pending[:cut], self._pending[cut:]
        return self._emit(out)

    def finish(self) -> str:
        out, self._pending = self._pending, ""
        return self._emit(out)

    def shown(self, chunks: Generator[str, None, R]) -> Generator[str, None, R]:
        """What is safe to show of ``chunks`` as they come (``feed``, then ``finish``); returns what they return."""
        while True:
            try:
                chunk = next(chunks)
            except StopIteration as stop:
                result = stop.value
                break
            if shown := self.feed(chunk):
                yield shown
        if rest := self.finish():
            yield rest
        return result

    @property
    def marked(self) -> bool:
        return bool(self.order)

    @property
    def started(self) -> bool:
        """Whether any prose has been shown."""
        return bool(self._raw)

    @property
    def raw(self) -> str:
        """The prose with ``[p:<id>]`` markers to given passages only."""
        return "".join(self._raw)

    def ordered(self, citations: list[Citation]) -> list[Citation]:
        """Citations of marked passages first, in marker order; the rest after."""
        rank = {pid: i for i, pid in enumerate(self.order)}
        return sorted(citations, key=lambda c: rank.get(c.passage_id, len(rank)))

    def text(self, citations: list[Citation]) -> str:
        """The whole prose, its markers numbered over ``citations`` (unverified ones dropped)."""
        index: dict[str, int] = {}
        for i, c in enumerate(citations, start=1):
            index.setdefault(c.passage_id, i)
        prose = _BARE_NUMBER.sub("", self.raw)
        text = _markers(prose, lambda pid: f"[{index[pid]}]" if pid in index else None)
        return text.strip().removesuffix("```").rstrip()

    def _skip_thinking(self) -> bool:
        """Drop a leading ``<think>`` block; False while it (or its opening) is still arriving."""
        head = self._pending.lstrip()
        if len(head) < len(_THINK_OPEN) and _THINK_OPEN.startswith(head):
            return False
        if head.startswith(_THINK_OPEN):
            end = head.find(_THINK_CLOSE)
            if end < 0:
                return False
            self._pending = head[end + len(_THINK_CLOSE) :].lstrip()
        self._started = True
        return True

    def _emit(self, text: str) -> str:
        raw = _markers(text, self._canonical)
        if raw:
            self._raw.append(raw)
        return _markers(raw, lambda pid: f"[{self.order.index(pid) + 1}]")

    def _canonical(self, pid: str) -> str | None:
        """``[p:<id>]`` for an id that was given (recording its order), else None."""
        pid = pid if pid in self.known else pid.lower()
        if pid not in self.known:
            return None
        if pid not in self.order:
            self.order.append(pid)
        return f"[p:{pid}]"

    @staticmethod
    def _safe_length(text: str) -> int:
        line_start = text.rfind("\n") + 1
        head = " ".join(text[line_start:].lstrip(" \t>*#_").lower().split())
        cut = line_start if any(h.startswith(head) for h in _BLOCK_HEADS) else len(text)
        bracket = text.rfind("[", 0, cut)
        if bracket >= 0 and "]" not in text[bracket:cut] and cut - bracket < _MARKER_MAX:
            cut = bracket
        return len(text[:cut].rstrip(" \t"))  # a space may belong to a marker still to come
