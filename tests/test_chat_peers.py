"""Chat limited to peers ("councils like us") and questions across councils (issue 14), and pending
clarifications on a corpus with several statements per authority, run with the built-in engine on a
small crafted corpus (``chat_corpus.py``): Gloucestershire × 3 statements, South West peers Devon and
Wiltshire, London boroughs Barnet and Camden, and Sunderland in the North East."""

from __future__ import annotations

import pytest
from chat_corpus import write_corpus

from assistant.chat import Chat
from assistant.models import ChatContext
from assistant.service import Assistant
from assistant.settings import Settings

GLOS = "gloucestershire/partnerships-and-communities"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory) -> Assistant:
    root = tmp_path_factory.mktemp("chat-peers")
    write_corpus(root / "seeds")
    return Assistant(
        Settings(seeds_dir=root / "seeds", vectorstore_dir=root / "vs", data_dir=root / "data", engine="builtin")
    )


@pytest.fixture
def chat(assistant) -> Chat:
    return Chat(assistant)


def _ours() -> ChatContext:
    return ChatContext(authority="Gloucestershire", report_id=GLOS)


def _cited_authorities(turn, assistant) -> set[str]:
    assert all(c.verified for c in turn.citations)
    return {assistant.passage(c.passage_id).authority for c in turn.citations}


def test_a_pending_clarification_never_captures_a_new_question(chat):
    asked = chat.respond("Draft the whole plan for Gloucestershire")
    assert asked.intent == "clarify" and "Which quality statement?" in asked.reply
    assert asked.context.pending
    turn = chat.respond("Which councils are best at data sharing?", context=asked.context)
    assert turn.intent == "best" and turn.context.pending is None
    assert "Which quality statement" not in turn.reply and "Read only access to information systems" in turn.reply
    # The clarification is dropped: a short answer afterwards is not taken as its answer.
    again = chat.respond("Safeguarding", context=turn.context)
    assert again.intent != "plan"
    # Answered straight away, it is.
    answered = chat.respond("Safeguarding", context=asked.context)
    assert answered.intent == "plan" and answered.plan is not None
    assert answered.plan.quality_statement == "Safeguarding"


def test_what_other_london_boroughs_do_is_from_london_boroughs_only(chat, assistant):
    turn = chat.respond("What do other London boroughs do about data sharing?", context=_ours())
    assert "Peers used: London boroughs: 2 of the 8 reports loaded (Barnet, Camden)" in turn.reply
    assert turn.citations and _cited_authorities(turn, assistant) <= {"Barnet", "Camden"}


def test_learning_from_our_region_uses_the_conversations_council(chat, assistant):
    turn = chat.respond("What can we learn from councils in our region about co-production?", context=_ours())
    assert "councils in the South West" in turn.reply and "(Devon, Wiltshire)" in turn.reply
    assert turn.citations and _cited_authorities(turn, assistant) <= {"Devon", "Wiltshire"}


def test_our_score_compared_with_our_region(chat, assistant):
    turn = chat.respond("How does our score compare with our region?", context=_ours())
    assert turn.intent == "compare"
    table = turn.reply
    assert (
        "| **Gloucestershire** (you) | **2** |" in table and "| Wiltshire | 4 |" in table and "| Devon | 3 |" in table
    )
    assert "Sunderland" not in table and "Barnet" not in table
    assert "2 scored higher" in table and "Why Wiltshire scored higher" in table
    assert _cited_authorities(turn, assistant) == {"Wiltshire", "Gloucestershire"}


def test_our_region_without_a_council_asks_which_then_answers(chat):
    asked = chat.respond("How does our score compare with our region?")
    assert asked.intent == "clarify" and "Which authority" in asked.reply
    turn = chat.respond("Gloucestershire", context=asked.context)
    assert turn.intent == "compare" and "| Wiltshire | 4 |" in turn.reply


def test_councils_like_us_are_the_same_type(chat, assistant):
    turn = chat.respond("What do councils like us do about data sharing?", context=_ours())
    assert "Peers used: county councils: 1 of the 8 reports loaded (Devon)" in turn.reply
    assert _cited_authorities(turn, assistant) <= {"Devon"}


def test_no_loaded_report_is_a_peer_is_said_plainly(chat):
    turn = chat.respond("What do councils in the North West do about co-production?", context=_ours())
    assert "None of the 8 reports loaded (from 6 council(s)) is from councils in the North West" in turn.reply
    assert not turn.citations


def test_which_councils_scored_4_on_a_statement(chat, assistant):
    turn = chat.respond("Which councils scored 4 on partnerships and communities?")
    assert turn.intent == "who_scored"
    assert "2 of the 6 reports on Partnerships and communities scored 4" in turn.reply
    assert "Sunderland" in turn.reply and "Wiltshire" in turn.reply and "Devon" not in turn.reply
    assert _cited_authorities(turn, assistant) == {"Sunderland", "Wiltshire"}


def test_which_london_boroughs_scored_2(chat):
    turn = chat.respond("Which London boroughs scored 2?")
    assert "Peers used: London boroughs" in turn.reply
    assert "Camden" in turn.reply.split("scored 2")[-1] and "Gloucestershire" not in turn.reply


def test_who_is_best_at_hospital_discharge_ranks_every_council(chat, assistant):
    turn = chat.respond("Who is best at hospital discharge?")
    assert turn.intent == "best" and "Reablement and hospital discharge" in turn.reply
    assert len(_cited_authorities(turn, assistant)) >= 3


def test_learning_from_every_other_council_counts_them_in_the_heading(chat, assistant):
    turn = chat.respond("What can Gloucestershire learn from other councils about data sharing?", context=_ours())
    assert turn.intent == "learn"
    heading = turn.reply.splitlines()[0]
    assert heading.startswith("**What Gloucestershire can learn from 5 other councils"), heading
    assert "Barnet" not in heading  # at 153 councils the heading would list every one
    assert turn.citations and "Gloucestershire" not in _cited_authorities(turn, assistant)
