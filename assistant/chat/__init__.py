"""The chat: intents, which report is meant, handlers and rendering, one conversation turn at a time.

No Streamlit here: ``Chat.respond`` turns a message (plus the current plan and
the conversation context) into a typed ``ChatTurn`` that the app renders and
the store persists. ``intents`` holds the table of recognisers and handlers;
``handlers`` the ``Chat`` and the ``Responder`` that routes a message (a pending
clarification, a multi-part question, its intent) to a handler; ``request`` the
message being answered and which report it means; the handlers by family in
``report_answers``, ``plan_answers``, ``council_answers``, ``learning``,
``peer_answers`` and ``questions``; ``retrieval`` the sentence-level search;
``rendering`` the numbered, verified citations and the Markdown of findings and actions.
"""

from .handlers import Chat, TurnStream, same_action
from .intents import INTENTS, MAX_MESSAGE_CHARS
from .rendering import first_sentence_quote

__all__ = ["Chat", "TurnStream", "same_action", "INTENTS", "MAX_MESSAGE_CHARS", "first_sentence_quote"]
