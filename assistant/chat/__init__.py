"""The chat: intents, which report is meant, handlers and rendering, one conversation turn at a time.

No Streamlit here: ``Chat.respond`` turns a message (plus the current plan and
the conversation context) into a typed ``ChatTurn`` that the app renders and
the store persists. ``intents`` holds the table of recognisers and handlers;
``handlers`` the ``Responder`` that answers (which report is meant, cross-council
questions, multi-part questions); ``rendering`` the numbered, verified citations.
"""

from .handlers import Chat, TurnStream, same_action
from .intents import INTENTS, MAX_MESSAGE_CHARS
from .rendering import first_sentence_quote

__all__ = ["Chat", "TurnStream", "same_action", "INTENTS", "MAX_MESSAGE_CHARS", "first_sentence_quote"]
