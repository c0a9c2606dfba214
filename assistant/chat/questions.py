"""Free questions (no intent claims them): answered from the nearest sentences, or streamed by the engine.

The built-in engine quotes the sentences nearest the question by meaning (``retrieval.sentences``),
grouped by authority; another engine streams its answer, whose citations are verified and renumbered
to the turn's. When nothing verified answers, ``nearest`` says so plainly and quotes the nearest passages.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import TYPE_CHECKING

from ..citations import verify_all
from ..models import ChatTurn, Citation, Passage, Report, SearchHit
from ..text import escape_markdown
from .rendering import chunks, first_sentence_quote, renumber_markers
from .retrieval import sentences, unit_citation

if TYPE_CHECKING:  # pragma: no cover
    from .request import Request

#: Most sentences quoted in a free answer, and the hybrid score a sentence needs to be quoted.
MAX_ANSWER_UNITS = 5
ANSWER_MIN_SCORE = 0.45


def question(r: Request) -> Generator[str, None, ChatTurn]:
    """A free question: the built-in engine's extractive answer, or another engine's answer streamed."""
    authority = r.named[0] if r.named else r.context.authority
    if authority not in r.entities.authorities:
        authority = None
    hits = r.a.search(r.message, k=6, authority=authority)
    if not hits:
        turn = r.reply("question", "The reports don't say anything I can match to that question.")
        yield turn.reply
        return turn
    if r.chat.engine().name == "builtin":
        turn = extractive(r, authority)
        yield from chunks(turn.reply)
        return turn
    answer = None
    for item in r.chat.engine().answer_stream(r.message, hits):
        if isinstance(item, str):
            yield item
        else:
            answer = item
    if answer is None:
        raise RuntimeError("the engine's answer stream ended without an answer")
    passages = {h.passage.id: h.passage for h in hits}
    verified = [c for c in verify_all(answer.citations, passages) if c.verified]
    if not verified:
        return nearest(
            r, "The reports don't say that directly.", None, hits=hits, notes=list(answer.notes), engine=answer.engine
        )
    markers = {c.passage_id: r.cites.add(c) for c in verified}
    text = renumber_markers(answer.text, answer.citations, markers)
    if not re.search(r"\[\d+\]", text):
        text += "\n\n" + "\n".join(f"- {r.cites.quote(c)}" for c in verified)
    return r.reply("question", text, notes=list(answer.notes), engine=answer.engine)


def extractive(r: Request, authority: str | None) -> ChatTurn:
    """The 2-5 sentences nearest the question by meaning (hybrid retrieval), quoted, grouped by authority."""
    ranked = sentences(r, r.message, authority=authority, k=MAX_ANSWER_UNITS)
    good = [(score, u) for score, u in ranked if score >= ANSWER_MIN_SCORE]
    head = "Here is what the reports say:" if good else "The reports don't say this directly; the nearest passages are:"
    chosen = good or ranked[:3]
    lines = [head]
    for who in dict.fromkeys(u.authority for _, u in chosen):
        lines += ["", f"**{escape_markdown(who)}**"]
        lines += [f"- {r.cites.quote(unit_citation(u))}" for _, u in chosen if u.authority == who]
    return r.reply("question", "\n".join(lines))


def nearest(r: Request, head: str, report: Report | None, hits: list[SearchHit] | None = None, **kw) -> ChatTurn:
    """An honest 'the reports don't say' with the nearest passages, cited."""
    if hits is None:
        hits = r.a.search(r.message, k=6, authority=report.authority if report else None)
        if report:
            hits = [h for h in hits if h.passage.report_id == report.id]
    lines = [head]
    if hits:
        lines += ["", "The nearest passages:"]
        lines += [f"- {_nearest_quote(r, h.passage)} ({escape_markdown(h.passage.authority)})" for h in hits[:3]]
    return r.reply("question" if report is None else "about", "\n".join(lines), **kw)


def _nearest_quote(r: Request, passage: Passage) -> str:
    return r.cites.quote(Citation(passage_id=passage.id, quote=first_sentence_quote(passage, r.message)))
