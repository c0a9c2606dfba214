"""Chat by question type (issue 10): who learns from whom, across councils, higher and why,
priorities, multi-part questions, and pending clarifications that never capture a new question."""

from __future__ import annotations

import pytest
from local_settings import seeded_assistant

from assistant.chat import INTENTS, Chat
from assistant.chat.intents import has_intent, recognise, split_parts
from assistant.service import Assistant


@pytest.fixture(scope="module")
def assistant(tmp_path_factory) -> Assistant:
    return seeded_assistant(tmp_path_factory.mktemp("chat-intents"))


@pytest.fixture
def chat(assistant) -> Chat:
    return Chat(assistant)


def _quotes(turn) -> str:
    return " ".join(c.quote for c in turn.citations if c.verified)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("which council is best at data sharing?", "best"),
        ("who scored 4 on this statement?", "who_scored"),
        ("which authority scored higher and why?", "higher"),
        ("what should we prioritise first?", "prioritise"),
        ("what can durham learn from gloucestershire?", "learn"),
        ("export the plan", "export"),
    ],
)
def test_intent_table(text, intent):
    rule = recognise(text)
    assert rule is not None and rule.intent == intent
    assert all(callable(r.recognise) and r.handler for r in INTENTS)


def test_two_part_questions_are_split():
    assert split_parts("Where could Durham improve on co-production, and who does it better?") == [
        "Where could Durham improve on co-production",
        "who does it better?",
    ]
    assert split_parts("What does Durham say about data and information sharing?") == [
        "What does Durham say about data and information sharing?"
    ]
    assert has_intent("which council is best at co-production?") and not has_intent("durham")


def test_learner_and_source_are_read_from_the_sentence(chat):
    turn = chat.respond("What could Durham learn from others about co-production?")
    assert turn.intent == "learn"
    assert "What County Durham can learn from Gloucestershire" in turn.reply
    assert "Co-production was not routine" not in _quotes(turn)
    assert "Know Your Patch" in _quotes(turn) or "partnership boards" in _quotes(turn)


def test_which_council_is_best_is_answered_from_all_reports(chat):
    turn = chat.respond("Which council is best at data sharing?")
    assert turn.intent == "best" and "Which authority do you mean" not in turn.reply
    assert "Read only access to information systems" in _quotes(turn)


def test_who_scored(chat):
    turn = chat.respond("Who scored 3 on this statement?")
    assert "County Durham" in turn.reply and "Gloucestershire" not in turn.reply


def test_which_scored_higher_and_why(chat):
    turn = chat.respond("Which authority scored higher and why?")
    assert "County Durham scored higher" in turn.reply and "3 against 2" in turn.reply
    assert turn.citations


def test_prioritise(chat):
    turn = chat.respond("What should Gloucestershire prioritise first?")
    assert turn.intent == "prioritise" and "High priority" in turn.reply and turn.citations


def test_multi_part_question_answers_both_parts(chat):
    turn = chat.respond("Where could Durham improve on co-production, and who does it better?")
    assert "Co-production was not routine" in _quotes(turn)
    second = turn.reply.split("---", 1)[1]
    assert "Gloucestershire" in second


def test_pending_clarification_never_captures_a_new_question(chat):
    asked = chat.respond("What are the shortfalls?")
    assert asked.intent == "clarify" and asked.context.pending
    turn = chat.respond("Which council is best at data sharing?", context=asked.context)
    assert turn.intent == "best" and turn.context.pending is None
    answered = chat.respond("Durham", context=asked.context)
    assert answered.intent == "shortfalls" and "County Durham" in answered.reply


def test_free_question_quotes_the_nearest_sentences_by_meaning(chat):
    turn = chat.respond("What does Durham do for people who need homecare quickly?")
    assert "minimal to no waiting times" in _quotes(turn)


def test_and_why_is_not_a_second_question():
    assert split_parts("Which council would you copy for co-production, and why?") == [
        "Which council would you copy for co-production, and why?"
    ]


@pytest.mark.parametrize(
    "message", ["Which council would you copy for co-production?", "Which councils should we learn from on discharge?"]
)
def test_which_council_to_copy_is_who_is_best(message):
    rule = recognise(message.lower())
    assert rule is not None and rule.intent == "best"
