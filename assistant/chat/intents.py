"""Which intent a message has: a table of recognisers, tried in order, each naming its handler.

A recogniser is a regular expression over the folded, lower-cased message (or
a function of the text). The first that matches names the handler
(a key of ``handlers.HANDLERS``) that answers; a message no recogniser claims is a free
question answered by retrieval.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

#: Longer messages get a clear error instead of an answer.
MAX_MESSAGE_CHARS = 4000

_EXPORT = re.compile(r"\b(export|download)\b")
_PLAN = re.compile(
    r"\b(draft|create|build|make|generate|write|produce|prepare|give me)\b.{0,40}\bplan\b"
    r"|^\s*(improvement\s+)?plan\s+for\b"
)
_ACTIONS = re.compile(
    r"\b(draft|suggest|propose|recommend|give|list|what)\b.{0,60}\bactions?\b|\bwhat should\b.{0,40}\bdo\b"
)
_LEARN = re.compile(r"\blearn\b|\bborrow\b|\bcopy from\b|\bgood practice from\b|\bteach")
_COMPARE = re.compile(r"\bcompar|\bside by side\b|\bversus\b|\bvs\.?\b|\bdiffer")
_SHORTFALLS = re.compile(
    r"shortfall|\bgaps?\b|weakness|concern|\bproblems?\b|\bissues?\b|fall(s|ing)? short|"
    r"areas? (for|of) (improvement|development)|what went wrong|\bimprove\b|\bpoor\b|\bworse\b|\bcriticis"
)
_STRENGTHS = re.compile(r"strength|good practice|work(s|ed|ing)? well|\bpositive|doing well|\bpraise|\bbest\b")
_ABOUT = re.compile(r"\b(say|says|said|about|regarding|on)\b")
_HELP = re.compile(r"^\s*(help|hi|hello|hey|what can you do|\?)\W*$")
_TWO_SIDES = re.compile(r"\b(both|two|all|each|every)\b.{0,20}\b(authorit|council|report)")


_BEST = re.compile(
    r"\b(which|what|who)\b.{0,30}\b(councils?|authorit\w*|las?|areas?)\b.{0,40}"
    r"\b(best|better|strongest|leads?|good at|copy|emulate|look to|learn from|borrow from)\b"
    r"|\bwho\b.{0,20}\b(does|did|is|are|was)\b.{0,30}\b(best|better)\b"
)
_WHO_SCORED = re.compile(r"\b(who|which)\b.{0,40}\b(scored?|rated|got)\b.{0,20}\b([1-4]|one|two|three|four)\b")
_HIGHER = re.compile(
    r"\b(scored?|rated|did|does|do|performed)\b.{0,20}\b(higher|better|lower|worse)\b|\bwhy\b.{0,40}\b(higher|lower|better|worse)\b"
)
_PRIORITISE = re.compile(
    r"\bprioriti[sz]e|\bpriorit(y|ies)\b.{0,30}\b(first|top)\b|\bwhat\b.{0,30}\bfirst\b"
    r"|\bmost urgent\b|\bbiggest risks?\b"
)
_SCORE = re.compile(r"\bwhat\b.{0,20}\b(score|rating)\b|\bhow\b.{0,20}\b(scored?|rated)\b")
#: "..., and who does it better?": a second question after "and" opening with a question word.
_SECOND_PART = re.compile(
    r"(?:[,;?]\s*|\s)(?:and|also)\s+(?=(?:who|which|what|where|how|why|when|can|could|does|do|is|are)\b)"
)


@dataclass(frozen=True)
class IntentRule:
    """One row of the table: the intent, how to recognise it, and the handler method's name."""

    intent: str
    recognise: Callable[[str], bool]
    handler: str


def _rx(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda text: bool(pattern.search(text))


#: Tried in order; the first match answers. Help and export first (they name themselves),
#: cross-council questions before per-report ones, free questions last (no row).
INTENTS: tuple[IntentRule, ...] = (
    IntentRule("help", lambda t: bool(_HELP.match(t)), "help"),
    IntentRule("export", _rx(_EXPORT), "export"),
    IntentRule("refine", lambda t: False, "refine"),  # decided by refine.looks_like_edit on the raw message
    IntentRule("best", _rx(_BEST), "best"),
    IntentRule("who_scored", _rx(_WHO_SCORED), "who_scored"),
    IntentRule("higher", _rx(_HIGHER), "higher"),
    IntentRule("learn", _rx(_LEARN), "learn"),
    IntentRule("compare", _rx(_COMPARE), "compare"),
    IntentRule("prioritise", _rx(_PRIORITISE), "prioritise"),
    IntentRule("plan", lambda t: bool(_PLAN.search(t)) and not re.search(r"\bactions?\b", t), "whole_plan"),
    IntentRule("actions", _rx(_ACTIONS), "actions"),
    IntentRule("shortfalls", _rx(_SHORTFALLS), "shortfalls"),
    IntentRule("strengths", _rx(_STRENGTHS), "strengths"),
    IntentRule("score", _rx(_SCORE), "score"),
)


def recognise(text: str) -> IntentRule | None:
    """The first rule whose recogniser claims ``text`` (folded, lower case)."""
    return next((rule for rule in INTENTS if rule.recognise(text)), None)


def has_intent(text: str) -> bool:
    """Whether ``text`` asks for something itself (so it is a new question, not an answer to ours)."""
    return recognise(text) is not None or "?" in text or bool(_QUESTION.match(text))


_QUESTION = re.compile(r"^\s*(who|which|what|where|how|why|when|can|could|should|does|do|is|are|tell|show|list)\b")


def split_parts(message: str) -> list[str]:
    """A two-part question as its parts ("where could X improve, and who does it better?")."""
    parts = [p.strip(" ,;") for p in _SECOND_PART.split(message) if p and p.strip(" ,;?")]
    # "..., and why?" asks for the reasons of the first part, not a question of its own.
    own = all(len(p.strip(" ,;?").split()) > 1 for p in parts)
    return parts if len(parts) > 1 and own else [message]
