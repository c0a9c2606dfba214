"""The built-in engine: offline and deterministic, no model.

Findings come from ``findings.find_findings``, plans from ``planner.draft_plan``
and chat answers are extractive: the sentences of the retrieved passages that
share most words with the question, quoted verbatim and cited. When no
sentence is relevant enough the answer says so and shows the nearest passages.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from ..citations import verify
from ..findings import find_findings
from ..models import ActionPlan, Answer, Citation, Passage, Report, ReportFindings, SearchHit
from ..planner import draft_plan
from ..playbook import Playbook
from ..text import escape_markdown
from ..themes import Taxonomy
from .answer_stream import answer_last

#: A sentence is relevant when it holds at least this share of the question's words...
MIN_COVERAGE = 0.5
#: ...or at least this many of them.
MIN_SHARED = 3
MAX_QUOTES = 5
MAX_PER_PASSAGE = 2
NEAREST = 3

ANSWER_INTRO = "Here is what the reports say:"
NOT_DIRECT = "The reports don't say this directly; the nearest passages are:"
NOTHING_FOUND = "The reports don't say anything about this: no passage matched the question."


N = TypeVar("N", ReportFindings, ActionPlan, Answer)


@dataclass(frozen=True)
class _Scored:
    coverage: float
    shared: int
    hit: int
    sentence: int
    passage: Passage
    text: str


class BuiltinEngine:
    """Implements ``engines.Engine`` with no model; ``notice`` is added to every result's notes."""

    name = "builtin"

    def __init__(self, taxonomy: Taxonomy, playbook: Playbook, *, notice: str | None = None, evidence=None):
        self.taxonomy = taxonomy
        self.playbook = playbook
        self.notice = notice
        self.evidence = evidence  # evidence.EvidenceBase: good practice by meaning

    # -- findings and plans ------------------------------------------------------

    def findings(self, report: Report) -> ReportFindings:
        embed = self.evidence.embed if self.evidence is not None else None  # near-duplicates grouped by meaning
        result = find_findings(report, self.taxonomy, embed=embed)
        return self._noted(result)

    def plan(
        self, report: Report, findings: ReportFindings, others: Sequence[tuple[Report, ReportFindings]] = ()
    ) -> ActionPlan:
        plan = draft_plan(report, findings, list(others), self.playbook, self.taxonomy, evidence_base=self.evidence)
        return self._noted(plan)

    def _noted(self, result: N) -> N:
        if self.notice and self.notice not in result.notes:
            result.notes.insert(0, self.notice)
        return result

    # -- answers -----------------------------------------------------------------

    def answer(self, question: str, hits: list[SearchHit]) -> Answer:
        """Relevant sentences of the hits quoted and cited, or an honest "the reports don't say"."""
        if not question.strip():
            raise ValueError("The question is empty: ask something about the reports.")
        if not hits:
            return self._noted(Answer(text=NOTHING_FOUND, engine=self.name))
        asked = self._asked(question, hits)
        scored = [s for s in self._sentences(asked, hits) if s.shared and _relevant(s)]
        if scored:
            chosen = _pick(sorted(scored, key=lambda s: (-s.coverage, -s.shared, s.hit, s.sentence)))
            chosen.sort(key=lambda s: (s.hit, s.sentence))
            intro = ANSWER_INTRO
        else:
            chosen = [self._nearest_sentence(asked, hit.passage, i) for i, hit in enumerate(hits[:NEAREST])]
            intro = NOT_DIRECT
        lines, citations = [intro, ""], []
        for s in chosen:
            citation = verify(Citation(passage_id=s.passage.id, quote=s.text), {s.passage.id: s.passage})
            if citation is None or not citation.verified:
                continue
            citations.append(citation)
            where = escape_markdown(f"{s.passage.authority}, {s.passage.quality_statement}")
            lines.append(f"- **{where}:** “{escape_markdown(s.text)}” [{len(citations)}]")
        return self._noted(Answer(text="\n".join(lines), citations=citations, engine=self.name))

    def stream_answer(self, question: str, hits: list[SearchHit]) -> Generator[str, None, Answer]:
        """The answer's text in word-sized chunks; returns the ``Answer`` itself."""
        answer = self.answer(question, hits)
        yield from re.findall(r"\S+\s*|\s+", answer.text)
        return answer

    def answer_stream(self, question: str, hits: list[SearchHit]) -> Iterator[str | Answer]:
        return answer_last(self.stream_answer(question, hits))

    def _asked(self, question: str, hits: list[SearchHit]) -> frozenset[str]:
        """The question's content words, without the names of the authorities and statements searched."""
        names = " ".join(f"{h.passage.authority} {h.passage.quality_statement}" for h in hits)
        ignore = self.playbook.content_words(names) | self.playbook.content_words(
            " ".join(self.playbook.lexicon.question_words)
        )
        return self.playbook.content_words(question) - ignore

    def _sentences(self, asked: frozenset[str], hits: list[SearchHit]) -> Iterator[_Scored]:
        for i, hit in enumerate(hits):
            for j, text in enumerate(_sentence_texts(hit.passage)):
                yield self._score(asked, hit.passage, text, i, j)

    def _score(self, asked: frozenset[str], passage: Passage, text: str, hit: int, sentence: int) -> _Scored:
        shared = len(asked & self.playbook.content_words(text))
        coverage = shared / len(asked) if asked else 0.0
        return _Scored(coverage, shared, hit, sentence, passage, text)

    def _nearest_sentence(self, asked: frozenset[str], passage: Passage, hit: int) -> _Scored:
        candidates = [self._score(asked, passage, t, hit, j) for j, t in enumerate(_sentence_texts(passage))]
        return min(candidates, key=lambda s: (-s.shared, s.sentence))


def _sentence_texts(passage: Passage) -> list[str]:
    return [t for t in (passage.sentence_texts() or [passage.text]) if t.strip()]


def _relevant(s: _Scored) -> bool:
    return s.coverage >= MIN_COVERAGE or s.shared >= MIN_SHARED


def _pick(ranked: list[_Scored]) -> list[_Scored]:
    chosen: list[_Scored] = []
    per_passage: dict[str, int] = {}
    for s in ranked:
        if per_passage.get(s.passage.id, 0) >= MAX_PER_PASSAGE:
            continue
        per_passage[s.passage.id] = per_passage.get(s.passage.id, 0) + 1
        chosen.append(s)
        if len(chosen) >= MAX_QUOTES:
            break
    return chosen
