"""English phrase mining from the inspectors' words, for the built-in engine.

What a quote says without its lead-in (``excerpt``), what it names (``find_specifics``:
proper names and noun phrases ending in an arrangement word), the partner it names
(``find_partner``), the sentence(s) around it, and small casing helpers. The word
lists come from the playbook's lexicon, so no wording lives here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

from .citations import locate
from .models import Citation, Passage, Report
from .text import WORD, fold

if TYPE_CHECKING:  # pragma: no cover
    from .playbook import Lexicon

#: Most named specifics woven into one action.
MAX_SPECIFICS = 2

_CAPITALISED = re.compile(r"^(?:[A-Z][a-z'’-]+|[A-Z]{2,}[a-z]?|[0-9]+)$")
_NAME_JOINERS = {"of", "and", "for", "on", "in", "the"}


# --------------------------------------------------------------------------- finding specifics


def excerpt(quote: str, lexicon: Lexicon, *, clause: bool = True) -> str:
    """The inspectors' words without their lead-in ("However, we heard that"), kept short.

    With ``clause`` the text is cut at the first clause break (for a gap);
    without, only at the length limit (for a strength, whose "which ..." part
    often carries the verb). The result is a run of the (folded) quote, so it
    can be shown in quotation marks; a cut made only for length ends in "…".
    """
    full = fold(quote).strip(" \"'")
    if clause:
        full = _after_contrast(full, lexicon)
    text = _strip_lead_in(full, lexicon) or full
    cut = len(text)
    lowered = text.lower()
    for brk in lexicon.clause_breaks if clause else [". ", "; "]:
        i = lowered.find(brk)
        while i >= 0 and len(text[:i].split()) < 4:
            i = lowered.find(brk, i + 1)
        if i >= 0:
            cut = min(cut, i)
    words = text[:cut].rstrip(" ,;:.").split()
    if len(words) <= lexicon.gap_words:
        return " ".join(words)
    end = lexicon.gap_words
    while end > 4 and not (
        bare_word(words[end - 1]) not in lexicon.stopwords and bare_word(words[end]) in lexicon.stopwords
    ):
        end -= 1
    return " ".join(words[: end if end > 4 else lexicon.gap_words]).rstrip(" ,;:.") + "…"


def _after_contrast(text: str, lexicon: Lexicon) -> str:
    """In "X, but Y" the shortfall is Y: the text after the first contrast that leaves 3+ words."""
    lowered = text.lower()
    cuts = [i + len(c) for c in lexicon.contrasts if (i := lowered.find(c)) >= 0]
    cuts = [cut for cut in cuts if len(text[cut:].split()) >= 3]
    return text[min(cuts) :].strip() if cuts else text


def _strip_lead_in(text: str, lexicon: Lexicon) -> str:
    """Drop reporting lead-ins ("We heard from staff that") and leading connectives ("However,")."""
    connectives = sorted(lexicon.connectives, key=len, reverse=True)
    changed = True
    while changed and text:
        changed = False
        words = text.split()
        for k, word in enumerate(words[:12]):
            if bare_word(word) in ("that", "how") and any(
                bare_word(w) in lexicon.reporting for w in words[: min(k, 5)]
            ):
                text = " ".join(words[k + 1 :])
                changed = True
                break
        lowered = text.lower()
        for c in connectives:
            if lowered.startswith(c) and (len(text) == len(c) or not text[len(c)].isalnum()):
                text = text[len(c) :].lstrip(" ,;:")
                changed = True
                break
    return text


def find_specifics(evidence: Sequence[Citation], report: Report, lexicon: Lexicon) -> list[str]:
    """What the shortfall names: proper names and noun phrases ending in an arrangement word.

    Looks in the gap clause of each quote first, then the whole quote, then the
    rest of its sentence, stopping at the first that names something. "these
    agreements" is resolved to the phrase the text named just before (in the
    passage or the one before it: "section 75 agreements").
    """
    passages = {p.id: p for p in report.passages}
    previous = {p.id: q.text for q, p in pairwise(report.passages)}
    found: list[str] = []
    for citation in evidence:
        passage = passages[citation.passage_id]
        span = _span(citation.quote, passage.text)
        before = f"{previous.get(passage.id, '')} {passage.text[: span[0]]}"
        quote = fold(passage.text[span[0] : span[1]] or citation.quote)
        gap = excerpt(quote, lexicon).rstrip("…")
        gap_at = quote.find(gap)
        sentence = passage.text[span[0] : _sentence_bounds(passage, span)[1]]
        candidates = ([(gap, before + " " + quote[:gap_at])] if gap_at >= 0 else []) + [(quote, before)]
        candidates.append((fold(sentence), fold(previous.get(passage.id, ""))))
        for text, context in candidates:
            phrases = _names(text, report.authority) + _noun_phrases(text, context, lexicon)
            if phrases:
                found += phrases
                break
    unique: list[str] = []
    for phrase in found:
        key = phrase.lower()
        if any(key in u.lower() for u in unique):
            continue
        unique = [u for u in unique if u.lower() not in key]
        unique.append(phrase)
    return unique[:MAX_SPECIFICS]


def _span(quote: str, text: str) -> tuple[int, int]:
    """Where ``quote`` sits in ``text``: exact match first (the usual case), else after folding."""
    i = text.find(quote)
    if i >= 0:
        return i, i + len(quote)
    return locate(quote, text) or (0, 0)


def _sentence_bounds(passage: Passage, span: tuple[int, int]) -> tuple[int, int]:
    """The start and end of the passage sentences a quote at ``span`` overlaps."""
    around = [t for t in passage.sentences if t.end > span[0] and t.start < max(span[1], span[0] + 1)]
    if not around:
        return span
    return min(around[0].start, span[0]), max(around[-1].end, span[1])


def sentences_around(passage: Passage, quote: str) -> str:
    """The whole sentence(s) a quote comes from: its context for judging what it is about."""
    start, end = _sentence_bounds(passage, _span(quote, passage.text))
    return passage.text[start:end] or quote


def _tokens(text: str) -> list[re.Match[str]]:
    return list(WORD.finditer(text))


def _names(text: str, authority: str) -> list[str]:
    """Runs of two or more capitalised words ("Durham Mental Wellbeing Alliance"), with "the" if the text has it."""
    tokens = _tokens(text)
    names: list[str] = []
    i = 0
    while i < len(tokens):
        j, caps = i, 0
        while j < len(tokens) and (
            _CAPITALISED.match(tokens[j].group()) or (caps and tokens[j].group() in _NAME_JOINERS)
        ):
            caps += bool(_CAPITALISED.match(tokens[j].group()))
            j += 1
        while j > i and tokens[j - 1].group() in _NAME_JOINERS:
            j -= 1
        run = tokens[i:j]
        if run and run[0].group() in {"The", "A", "An", "This", "These"}:
            run = run[1:]
        if sum(1 for t in run if _CAPITALISED.match(t.group())) >= 2 and not text[run[-1].end() :].startswith("'"):
            name = text[run[0].start() : run[-1].end()]
            if name.casefold() not in authority.casefold() and not name.isupper():
                names.append(_with_article(text, run[0].start(), name))
        i = max(j, i + 1)
    return names


def _noun_phrases(text: str, before: str, lexicon: Lexicon) -> list[str]:
    """Noun phrases ending in a head noun ("integrated information systems"), resolved when bare.

    A head followed by a gerund or another head ("partnership working") is part
    of a compound, not a name, and is skipped.
    """
    tokens = _tokens(text)
    phrases: list[str] = []
    for k, tok in enumerate(tokens):
        head = tok.group().lower()
        if head not in lexicon.head_nouns:
            continue
        after = tokens[k + 1].group().lower() if k + 1 < len(tokens) else ""
        if after.endswith("ing") or after in lexicon.head_nouns:
            continue
        start = k
        while start > 0 and k - start < 3 and _modifier(tokens[start - 1].group(), lexicon):
            start -= 1
        if start < k:
            phrase = _case(text, tokens[start : k + 1])
            phrases.append(_with_article(text, tokens[start].start(), phrase))
        elif start > 0 and bare_word(tokens[start - 1].group()) in lexicon.demonstratives:
            earlier = _noun_phrases(before, "", lexicon)
            match = [p for p in earlier if p.lower().split()[-1] == head] or [
                p for p in earlier if p.lower().split()[-1].rstrip("s") == head.rstrip("s")
            ]
            if match:
                phrases.append(match[-1])
    return phrases


def _modifier(word: str, lexicon: Lexicon) -> bool:
    lowered = bare_word(word).replace("’", "'").removesuffix("'s")
    return lowered not in lexicon.stopwords and not lowered.endswith("ly") and lowered not in lexicon.demonstratives


def _case(text: str, tokens: list[re.Match]) -> str:
    """The phrase as written, with a sentence-initial capital lowered ("Recording systems" -> "recording systems")."""
    phrase = text[tokens[0].start() : tokens[-1].end()]
    first = tokens[0].group()
    sentence_start = not text[: tokens[0].start()].strip() or text[: tokens[0].start()].rstrip()[-1] in ".!?"
    if sentence_start and first[:1].isupper() and first[1:2].islower():
        phrase = phrase[0].lower() + phrase[1:]
    return phrase


def _with_article(text: str, start: int, phrase: str) -> str:
    return f"the {phrase}" if text[:start].lower().endswith("the ") else phrase


def find_partner(text: str, lexicon: Lexicon) -> str | None:
    """The partner the text names first (longest cue at the earliest position), if any."""
    lowered = fold(text).lower()
    best: tuple[int, int, str] | None = None
    for cue, partner in lexicon.partners.items():
        m = re.search(rf"\b{re.escape(cue.lower())}\b", lowered)
        if m and (best is None or (m.start(), -len(cue)) < (best[0], best[1])):
            best = (m.start(), -len(cue), partner)
    return best[2] if best else None


# --------------------------------------------------------------------------- small text helpers


def join_and(items: list[str]) -> str:
    return " and ".join(items)


def bare_word(word: str) -> str:
    return word.lower().strip(".,;:!?\"'()")


def short_words(text: str, words: int) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def upper_initial(text: str) -> str:
    return text[:1].upper() + text[1:]


def lower_initial(text: str, report: Report | None = None) -> str:
    """Lower the first letter unless the first word is an acronym or a proper noun in ``report``."""
    first = text.split(" ", 1)[0] if text else ""
    if not first or not first[:1].isupper() or first[1:2].isupper():
        return text
    if report is not None:
        pattern = re.compile(rf"[a-z,] {re.escape(first)}\b")
        if any(pattern.search(p.text) for p in report.passages):
            return text
    return text[:1].lower() + text[1:]
