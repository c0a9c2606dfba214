"""Rendering of chat turns: numbered, verified citations, findings and actions as Markdown, and chunks."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..citations import verify_all
from ..entities import WORD
from ..models import Action, Citation, Finding, Passage, Report
from ..text import escape_markdown, fold
from ..themes import Taxonomy

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


# --------------------------------------------------------------------------- findings and actions


class Renderer:
    """Reports, findings and actions of one turn as Markdown, every quote numbered by the turn's ``Citations``."""

    def __init__(self, cites: Citations, taxonomy: Taxonomy):
        self.cites = cites
        self.taxonomy = taxonomy

    def theme(self, theme_id: str) -> str:
        """The theme's label (not escaped)."""
        return self.taxonomy.label(theme_id)

    @staticmethod
    def report(report: Report) -> str:
        """ "County Durham (Partnerships and communities, score 3)", escaped."""
        score = f", score {report.score}" if report.score else ""
        return f"{escape_markdown(report.authority)} ({escape_markdown(report.quality_statement)}{score})"

    def grouped(self, findings: list[Finding]) -> list[str]:
        """The findings under a heading per theme, in their order."""
        lines: list[str] = []
        for theme in dict.fromkeys(f.theme for f in findings):
            lines += ["", f"**{escape_markdown(self.theme(theme))}**"]
            lines += [self.finding(f) for f in findings if f.theme == theme]
        return lines

    def finding(self, finding: Finding) -> str:
        """A list item: the summary and its quotes (the quote alone when the summary is the quote)."""
        quotes = [q for q in (self.cites.quote(c) for c in finding.citations) if q]
        summary = escape_markdown(finding.summary)
        if not quotes:
            return f"- {summary} *(no verified quote)*"
        if len(finding.citations) == 1 and fold(finding.summary).strip(" .") == fold(finding.citations[0].quote).strip(
            " ."
        ):
            return f"- {quotes[0]}"
        return f"- {summary}\n" + "\n  >\n".join(f"  > {q}" for q in quotes)

    def cell(self, finding: Finding) -> str:
        """A table cell: the summary and its citation markers."""
        markers = " ".join(m for m in (self.cites.add(c) for c in finding.citations) if m)
        return f"{escape_markdown(finding.summary)} {markers}".strip()

    def action(self, action: Action, brief: bool = False) -> str:
        """An action card: its head line, then (unless ``brief``) its text, quotes, measures and good practice."""
        head = (
            f"**{action.id}. {escape_markdown(action.title)}** · {escape_markdown(self.theme(action.theme))} · "
            f"owner: {escape_markdown(action.owner)} · timescale: {escape_markdown(action.timescale)} · "
            f"RAG: {action.rag} · priority: {action.priority}"
        )
        evidence = " ".join(m for m in (self.cites.add(c) for c in action.evidence) if m)
        if brief:
            return f"- {head} {evidence}".rstrip()
        lines = [head, escape_markdown(action.action)]
        lines += [f"> {q}" for q in (self.cites.quote(c) for c in action.evidence) if q]
        if action.measures:
            lines.append("Measures: " + "; ".join(escape_markdown(m) for m in action.measures))
        for gp in action.good_practice:
            markers = " ".join(m for m in (self.cites.add(c) for c in gp.citations) if m)
            lines.append(
                f"Good practice ({escape_markdown(gp.authority)}): {escape_markdown(gp.summary)} {markers}".rstrip()
            )
        if action.no_good_practice_note:
            lines.append(f"*{escape_markdown(action.no_good_practice_note)}*")
        return "\n\n".join(lines)


# --------------------------------------------------------------------------- text


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
