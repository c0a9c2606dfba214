"""Small text helpers shared by every stage: folding, words, slugs, sentences.

Words are split one way everywhere (themes, playbook, entities, phrases, BM25):
``WORD`` finds them, ``words`` gives them lower-cased from folded text, and
``fold_word`` applies the folding rules that make two spellings one term
(possessive dropped, apostrophes and hyphens inside a word removed, a light
plural fold): "Co-production" and "coproduction", "carers'" and "carer".
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_CHARACTERS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u00b4": "'",
    "`": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": "",
}
_QUOTES = str.maketrans(_CHARACTERS)
#: Any character ``_CHARACTERS`` maps (a regex finds the few in a text faster than ``translate`` walks it).
_MAPPED = re.compile("[" + re.escape("".join(_CHARACTERS)) + "]")
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """NFKC, straight quotes, plain hyphens, single spaces: for comparing quotes."""
    return _SPACE.sub(" ", _fold_characters(text)).strip()


def _fold_characters(text: str) -> str:
    """``fold`` without the spacing: NFKC, straight quotes, plain hyphens."""
    return _MAPPED.sub(_mapped, unicodedata.normalize("NFKC", text))


def _mapped(match: re.Match[str]) -> str:
    return _CHARACTERS[match.group()]


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` plus, for each folded character, its offset in ``text``.

    Lets a match found in folded text be mapped back to the original for
    highlighting (offsets are per original character; NFKC expansions map every
    produced character to the source character).
    """
    out: list[str] = []
    offsets: list[int] = []
    prev_space = True  # drop leading whitespace
    for i, ch in enumerate(text):
        piece = unicodedata.normalize("NFKC", ch).translate(_QUOTES)
        for c in piece:
            if c.isspace():
                if prev_space:
                    continue
                c = " "
                prev_space = True
            else:
                prev_space = False
            out.append(c)
            offsets.append(i)
    while out and out[-1] == " ":
        out.pop()
        offsets.pop()
    return "".join(out), offsets


#: A word: letters and digits, with an apostrophe or hyphen kept inside it ("well-being",
#: "council's"); a trailing apostrophe ("carers'") is not part of it. Curly apostrophes
#: count too, so positions can be taken in unfolded text.
WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019-][A-Za-z0-9]+)*")


def words(text: str) -> list[str]:
    """The words of ``fold(text)``, lower-cased, apostrophes and hyphens inside them kept."""
    return WORD.findall(_fold_characters(text).lower())


@lru_cache(maxsize=1 << 17)
def fold_word(word: str) -> str:
    """One lower-cased word by the folding rules: possessive "'s" dropped, apostrophes and
    hyphens inside it removed, then a light plural fold ("agencies" -> "agency",
    "classes" -> "class", "carers" -> "carer"; "status", "analysis", "process" kept)."""
    word = word.replace("\u2019", "'").removesuffix("'s").replace("'", "").replace("-", "")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("sses"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def terms(text: str, stopwords: Iterable[str] = (), min_length: int = 1) -> list[str]:
    """The folded words (``fold_word``) of ``text``, in order.

    A word in ``stopwords`` or shorter than ``min_length`` characters (both
    as written, before folding) is left out.
    """
    stop = stopwords if isinstance(stopwords, (set, frozenset)) else frozenset(stopwords)
    return [t for w in words(text) if len(w) >= min_length and w not in stop and (t := fold_word(w))]


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unknown"


# Abbreviations that end in a full stop but do not end a sentence.
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|etc|Dr|Mr|Mrs|Ms|St|No|vs|approx|Cllr)\.)$", re.I)
_SENT_END = re.compile(r"[.!?][\"'\u2019\u201d)]*(?=\s+|$)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split a paragraph into sentences as (start, end) offsets, trimmed of spaces."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END.finditer(text):
        end = m.end()
        if _ABBREV.search(text[start:end]):
            continue
        nxt = text[end:].lstrip()
        if nxt and nxt[0].islower():
            continue
        spans.append((start, end))
        start = end
    if start < len(text):
        spans.append((start, len(text)))
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


_MD_PUNCT = re.compile(r"([\\`*_{}\[\]#|~$])")
_MD_LINE_START = re.compile(r"^(\d*)([-+=.)])")


def escape_markdown(text: str) -> str:
    """Untrusted text made inert inside Markdown prose and table cells (one line)."""
    text = re.sub(r"\s+", " ", text).strip()
    text = _MD_PUNCT.sub(r"\\\1", html.escape(text, quote=False))
    return _MD_LINE_START.sub(_escape_line_start, text)


def _escape_line_start(m: re.Match) -> str:
    digits, mark = m.group(1), m.group(2)
    if digits and mark not in ".)" or not digits and mark in ".)":
        return m.group(0)
    return f"{digits}\\{mark}"
