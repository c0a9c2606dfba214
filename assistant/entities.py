"""Entity matching: the authorities, quality statements and themes a message names.

Matched tolerantly against the loaded reports and the theme taxonomy: full
names, distinctive words ("Durham"), capitalised abbreviations ("Glos") and
close misspellings.
"""

from __future__ import annotations

import re
from difflib import get_close_matches

from .models import Report
from .text import WORD, fold, words
from .themes import Taxonomy

# Words that name a kind of authority rather than one authority.
_GENERIC = {
    "county",
    "council",
    "city",
    "borough",
    "district",
    "metropolitan",
    "royal",
    "of",
    "the",
    "and",
    "with",
    "upon",
    "on",
    "in",
    "north",
    "south",
    "east",
    "west",
    "london",
    "isle",
    "isles",
}
# Everyday words never taken as an abbreviation of an authority name.
_COMMON = {
    "what",
    "does",
    "have",
    "with",
    "from",
    "about",
    "were",
    "where",
    "which",
    "their",
    "there",
    "this",
    "that",
    "they",
    "them",
    "then",
    "than",
    "show",
    "tell",
    "list",
    "main",
    "make",
    "more",
    "most",
    "much",
    "some",
    "many",
    "care",
    "plan",
    "data",
    "gaps",
    "good",
    "work",
    "help",
    "each",
    "both",
    "into",
    "over",
    "should",
    "could",
    "would",
    "draft",
    "action",
    "actions",
    "compare",
    "learn",
    "report",
    "reports",
    "black",
    "people",
    "local",
    "authority",
    "authorities",
    "partner",
    "partners",
    "health",
    "hospital",
    "support",
    "sector",
    "other",
    "same",
    "long",
    "high",
    "best",
    "well",
    "also",
    "just",
    "staff",
    "line",
    "team",
    "teams",
    "carer",
    "carers",
    "service",
    "services",
}


class Entities:
    """Authorities, statements and themes named in a message, matched tolerantly.

    Authority names come from the corpus: full names, their distinctive words
    ("Durham"), prefixes of those words ("Glos"), and close misspellings.
    """

    def __init__(self, reports: list[Report], taxonomy: Taxonomy):
        self.reports = reports
        self.taxonomy = taxonomy
        self.authorities = sorted({r.authority for r in reports})
        self._words = {a: [w for w in words(a) if w not in _GENERIC] for a in self.authorities}

    def authorities_in(self, message: str) -> list[str]:
        """Authorities named in ``message``, in order of first mention."""
        folded = fold(message)
        text = folded.lower()
        tokens = [(m.start(), m.group().lower(), m.group()[0].isupper()) for m in WORD.finditer(folded)]
        found: dict[str, int] = {}
        for name in self.authorities:
            full = re.search(r"\b" + re.escape(fold(name).lower()) + r"\b", text)
            pos = full.start() if full else self._word_match(name, tokens)
            if pos is not None:
                found[name] = pos
        return sorted(found, key=lambda a: found[a])

    def _word_match(self, name: str, tokens: list[tuple[int, str, bool]]) -> int | None:
        """A distinctive word of the name, its abbreviation ("Glos", capitalised) or a close misspelling."""
        distinct = self._words[name]
        for pos, tok, capital in tokens:
            tok = tok.removesuffix("'s")
            if tok in distinct or (tok.endswith("s") and tok[:-1] in distinct):
                return pos
            if tok in _COMMON or len(tok) < 4:
                continue
            if capital and any(_abbreviates(tok, w) for w in distinct):
                return pos
            if len(tok) >= 6 and get_close_matches(tok, distinct, n=1, cutoff=0.85):
                return pos
        return None

    def strip_authorities(self, message: str) -> str:
        text = fold(message)
        for name in self.authorities:
            text = re.sub(re.escape(fold(name)) + r"(?:'s)?", " ", text, flags=re.I)
            for w in self._words[name]:
                text = re.sub(r"\b" + re.escape(w) + r"(?:'s)?\b", " ", text, flags=re.I)
        return text

    def theme(self, message: str) -> str | None:
        """The theme the message is about, via the taxonomy's synonyms."""
        return self.taxonomy.match(self.strip_authorities(message))

    def reports_of(self, authority: str, message: str = "") -> list[Report]:
        """The authority's reports, narrowed to a quality statement the message names."""
        mine = [r for r in self.reports if r.authority == authority]
        if len(mine) <= 1:
            return mine
        said = {w.removesuffix("s") for w in words(message)}
        named = [r for r in mine if {w.removesuffix("s") for w in words(r.quality_statement) if len(w) > 4} & said]
        return named or mine


def _abbreviates(short: str, word: str) -> bool:
    """ "glos" abbreviates "gloucestershire": same first three letters, the rest in order, clearly shorter."""
    if short[:3] != word[:3] or len(word) < len(short) + 2:
        return False
    rest = iter(word[3:])
    return all(ch in rest for ch in short[3:])
