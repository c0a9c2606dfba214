"""Prompt rendering for the model: prompt files filled, untrusted text delimited.

The prompts are files in ``prompts/`` with ``$slot`` placeholders
(``string.Template``). Report text is untrusted: it goes in only inside
``<passage>``, ``<finding>`` and ``<plan>`` elements, with anything that looks
like a markup tag neutralised so it cannot close or open an element. The theme
taxonomy and the playbook go in as compact guidance lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from string import Template

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from ..models import Finding, Passage, Report
from ..playbook import Playbook
from ..themes import Taxonomy

NO_PASSAGES = "(no passages were retrieved)"
NO_GOOD_PRACTICE = "(none found in the other reports for these themes)"


class PromptError(ValueError):
    """A prompt file is missing or uses a placeholder nobody fills."""


@lru_cache(maxsize=32)
def _template(path: Path, mtime: float) -> Template:
    return Template(path.read_text(encoding="utf-8"))


def render_prompt(prompts_dir: Path, name: str, **slots: str) -> str:
    """``prompts/<name>.md`` with its ``$slots`` filled; ``PromptError`` says what is wrong."""
    path = Path(prompts_dir) / f"{name}.md"
    if not path.is_file():
        raise PromptError(f"prompt file not found: {path}")
    try:
        return _template(path.resolve(), path.stat().st_mtime).substitute(slots)
    except (KeyError, ValueError) as err:
        raise PromptError(f"{path}: placeholder {err} is not one of {', '.join(sorted(slots))}") from None


def messages(prompts_dir: Path, name: str, **slots: str) -> list[BaseMessage]:
    """The system prompt (``system.md``), then ``<name>.md`` filled as the user's message."""
    return [
        SystemMessage(content=render_prompt(prompts_dir, "system")),
        HumanMessage(content=render_prompt(prompts_dir, name, **slots)),
    ]


# --------------------------------------------------------------------------- delimiting untrusted text

_TAG_START = re.compile(r"<(?=\s*/?\s*[A-Za-z!?])")


def neutralise(text: str) -> str:
    """Untrusted text with anything that looks like a markup tag made inert."""
    return _TAG_START.sub("\u2039", text)


def attribute(value: object) -> str:
    """``value`` safe inside a double-quoted attribute: neutralised, no double quotes, one line."""
    return " ".join(neutralise(str(value)).replace('"', "'").split())


def passage_block(p: Passage, **extra: object) -> str:
    """One passage as a delimited ``<passage>`` element the model can cite by id."""
    attrs: dict[str, object] = {
        "id": p.id,
        "authority": p.authority,
        "statement": p.quality_statement,
        "section": p.section,
    }
    if p.subheading:
        attrs["subheading"] = p.subheading
    attrs.update({k: v for k, v in extra.items() if v})
    head = " ".join(f'{k}="{attribute(v)}"' for k, v in attrs.items())
    return f"<passage {head}>\n{neutralise(p.text)}\n</passage>"


def passages_text(passages: Sequence[Passage]) -> str:
    """The passages as ``<passage>`` elements, or a line saying there are none."""
    return "\n\n".join(passage_block(p) for p in passages) or NO_PASSAGES


def good_practice_text(examples: Iterable[tuple[Passage, str, str]]) -> str:
    """Other reports' passages, each with the shortfall theme and the strength it shows."""
    return "\n\n".join(passage_block(p, theme=t, strength=s) for p, t, s in examples) or NO_GOOD_PRACTICE


def finding_block(f: Finding) -> str:
    """One finding as a ``<finding>`` element: its summary, then its quoted evidence."""
    quotes = "\n".join(f'Evidence [{c.passage_id}]: "{neutralise(c.quote)}"' for c in f.citations)
    return (
        f'<finding id="{attribute(f.id)}" theme="{attribute(f.theme)}">\n{neutralise(f.summary)}\n{quotes}\n</finding>'
    )


def plan_block(rows: list[dict]) -> str:
    """Plan rows as JSON inside a ``<plan>`` element."""
    return f"<plan>\n{neutralise(json.dumps(rows, indent=1, ensure_ascii=False))}\n</plan>"


def report_slots(report: Report) -> dict[str, str]:
    """The ``$authority``, ``$statement`` and ``$score`` slots for a report."""
    return {
        "authority": attribute(report.authority),
        "statement": attribute(report.quality_statement),
        "score": f"{report.score} ({attribute(report.label)})"
        if report.score and report.label
        else str(report.score or "not stated"),
    }


# --------------------------------------------------------------------------- compact guidance


def taxonomy_text(taxonomy: Taxonomy) -> str:
    """One line per theme: its id, label and description."""
    return "\n".join(f"- `{t.id}`: {t.label}. {t.description}" for t in taxonomy.themes)


def playbook_text(playbook: Playbook, report: Report, themes: Iterable[str]) -> str:
    """Each theme's levers as compact lines, slots filled with this report's words."""
    lines = []
    for theme in themes:
        play = playbook.play(theme)
        slots = {
            "authority": report.authority,
            "statement": report.quality_statement,
            "theme": play.label,
            "partner": play.partner,
            "specific": play.subject,
            "gap": "the shortfall",
        }
        lines.append(
            f"Theme `{theme}` ({play.label}); typical owners: {', '.join(play.owners)}; "
            f"usual priority: {play.priority}."
        )
        for lever in play.levers:
            measures = "; ".join(m.format(**slots) for m in lever.measures)
            lines.append(
                f"- {lever.title.format(**slots)}: {lever.action.format(**slots)} "
                f"Owner: {play.owner_of(lever)}; about {lever.months} months; measures: {measures}"
            )
    return neutralise("\n".join(lines))
