"""Work and programmes a report names, so the plan builds on them instead of reinventing them.

Finds named programmes (a name in quotes, a capitalised name ending in a
programme noun such as "Alliance" or "Partnership", or a known programme such
as Home First), and whether the report says the work has started ("work was
underway", "initiatives designed to overcome this"). Also says whether a quote
is about work under way rather than the shortfall itself, whether the council
has recognised a gap, and whether something a lever would create already
exists. Cue lists live in ``prompts/initiatives.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Literal

from .models import Citation, Initiative, Passage, Report
from .plan_config import InitiativeCues
from .text import fold

_QUOTED = re.compile(r"['‘\"“]([A-Za-z][^'’\"”]{2,60}?)['’\"”]")
_CAPITALISED = re.compile(r"\b(?:[A-Z][\w-]*)(?:\s+(?:and\s+|of\s+|for\s+)?[A-Z][\w-]*)+")
#: Sentences before and after a name that may say its work has started.
STATUS_WINDOW = (1, 2)
#: Content words an initiative's sentence must share with an action's shortfalls to be built on
#: (two fewer when it sits in the same passage).
MIN_OVERLAP = 4


def _sentences(passage: Passage) -> list[str]:
    return passage.sentence_texts() or [passage.text]


@lru_cache(maxsize=8192)
def folded(text: str) -> str:
    """``fold(text).lower()``, cached: the same sentences are looked at many times per plan."""
    return fold(text).lower()


def _has_any(text: str, cues: Iterable[str]) -> bool:
    lowered = folded(text)
    return any(cue in lowered for cue in cues)


def find_initiatives(report: Report, cues: InitiativeCues) -> list[Initiative]:
    """Programmes and work the report names, each with the sentence that names it, in report order."""
    found: dict[str, Initiative] = {}
    authority = report.authority.lower()
    for passage in report.key_findings():
        sentences = _sentences(passage)
        for i, sentence in enumerate(sentences):
            names = _names(sentence, cues, authority)
            if not names:
                continue
            window = " ".join(sentences[max(0, i - STATUS_WINDOW[0]) : i + 1 + STATUS_WINDOW[1]])
            status: Literal["in progress", "exists"] = "in progress" if _has_any(window, cues.in_progress) else "exists"
            for name in names:
                key = name.lower()
                if key not in found:
                    found[key] = Initiative(
                        name=name,
                        status=status,
                        citation=Citation(passage_id=passage.id, quote=sentence.strip(), verified=True),
                    )
                elif status == "in progress":
                    found[key].status = "in progress"
    return list(found.values())


def _names(sentence: str, cues: InitiativeCues, authority: str) -> list[str]:
    nouns = {n.lower() for n in cues.programme_nouns}
    blocked = {n.lower() for n in cues.not_programmes} | {authority, f"county {authority}"}
    names: list[str] = []
    for m in _QUOTED.finditer(sentence):
        name = m.group(1).strip()
        after = sentence[m.end() : m.end() + 40].lower().split()
        if name[0].isupper() or (after and after[0].strip(".,;") in nouns):
            names.append(f"‘{name}’" if not name[0].isupper() else name)
    for m in _CAPITALISED.finditer(sentence):
        name = m.group(0)
        words = name.split()
        if words[0] in {"The", "There", "This", "We", "Our", "Staff", "For", "However", "In"}:
            words = words[1:]
            name = " ".join(words)
        if len(words) >= 2 and words[-1].lower() in nouns and name.lower() not in blocked:
            names.append(name)
    lowered = sentence.lower()
    for known in cues.known_programmes:
        at = lowered.find(known)
        if at >= 0:
            names.append(sentence[at : at + len(known)])
    names = [_with_article(sentence, n) for n in names]
    unique: list[str] = []
    for name in names:
        if name.lower().removeprefix("the ") in blocked or any(name.lower() in u.lower() for u in unique):
            continue
        unique = [u for u in unique if u.lower() not in name.lower()]
        unique.append(name)
    return unique


def _with_article(sentence: str, name: str) -> str:
    """``the data strategy``: a name the report writes after "the" (or "the 2023") keeps it."""
    at = sentence.find(name)
    if name.startswith("‘"):
        return name
    if at < 0 or name[0].islower():
        return f"the {name}"
    if re.search(r"\bthe\s+(?:\d{4}\s+)?$", sentence[max(0, at - 12) : at], re.I) or name.split()[-1].islower():
        return f"the {name}"
    return name


def relevant(
    initiatives: Sequence[Initiative], words: frozenset[str], passage_ids: set[str], content_words
) -> list[Initiative]:
    """Initiatives whose sentence shares enough words with an action (or sits in its passages), best first.

    ``content_words`` turns text into the comparable word set (``Playbook.content_words``).
    """
    scored = []
    for k, ini in enumerate(initiatives):
        overlap = len(content_words(ini.citation.quote + " " + ini.name) & words)
        near = ini.citation.passage_id in passage_ids
        if overlap >= MIN_OVERLAP - 2 * near:
            scored.append((-(overlap + 2 * near), k, ini))
    return [ini for _, _, ini in sorted(scored, key=lambda s: (s[0], s[1]))]


def is_mitigation(quote: str, cues: InitiativeCues) -> bool:
    """True when a quote is about work under way or recognition, not the shortfall itself."""
    return _has_any(quote, cues.mitigation)


def is_recognised(text: str, cues: InitiativeCues) -> bool:
    """True when the text says the council has recognised the gap itself."""
    return _has_any(text, cues.recognised)


def already_exists(thing: str, report: Report, cues: InitiativeCues) -> bool:
    """True when the report says ``thing`` (a ``Lever.creates`` entry) is already in place."""
    words = cues.exists_cues.get(thing.lower(), [thing.lower()])
    text = folded(" ".join(p.text for p in report.key_findings()))
    return any(re.search(rf"\b{re.escape(w)}\b", text) for w in words)
