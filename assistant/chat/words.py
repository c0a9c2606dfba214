"""The chat's word lists (``prompts/chat_words.yaml``): how a sentence refers to an earlier one."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ..datafiles import load_yaml

WORDS_FILE = "chat_words.yaml"
_WORD = re.compile(r"[a-z0-9']+")
#: A noun pointed back to is at least this long ("this meant" points to no noun).
MIN_NOUN = 4


class ChatWords(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    determiners: list[str] = Field(min_length=1)
    pronouns: list[str] = Field(default_factory=list)
    refers_back_window: int = Field(default=10, ge=1)
    lookback: int = Field(default=4, ge=1)

    def refers_back(self, sentence: str) -> tuple[bool, str | None]:
        """Whether the sentence's opening points back, and the noun it points back to when it names one
        ("these agreements" -> "agreements"; "They said" -> no noun: the sentence just before)."""
        opening = _WORD.findall(sentence.lower())[: self.refers_back_window]
        text = " ".join(opening)
        for phrase in self.determiners:
            m = re.search(rf"\b{re.escape(phrase)}\b(?: ([a-z0-9']+))?", text)
            if m:  # "these agreements" names a noun; "about this was" points at the sentence before
                noun = m.group(1)
                return True, noun if noun and len(noun) >= MIN_NOUN and noun not in self.pronouns else None
        if any(re.search(rf"\b{re.escape(p)}\b", text) for p in self.pronouns):
            return True, None
        return False, None


def load_chat_words(prompts_dir: Path) -> ChatWords:
    return load_yaml(prompts_dir / WORDS_FILE, ChatWords)
