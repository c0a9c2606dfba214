"""Chat intents and cited answers, run with the real built-in engine on the seed reports (one index for
the module). Entity matching and plan refinement have their own tests (test_entities.py, test_refine.py).
"""

from __future__ import annotations

import re
import shutil

import pytest
from local_settings import offline_settings

from assistant.chat import MAX_MESSAGE_CHARS, Chat
from assistant.citations import quote_in_passage
from assistant.models import ChatContext
from assistant.service import Assistant
from assistant.settings import PROJECT_ROOT, Settings


@pytest.fixture(scope="module")
def assistant(tmp_path_factory) -> Assistant:
    root = tmp_path_factory.mktemp("chat")
    shutil.copytree(PROJECT_ROOT / "seeds", root / "seeds")
    return Assistant(offline_settings(root, vectorstore="vs"))


@pytest.fixture
def chat(assistant) -> Chat:
    return Chat(assistant)


def _cited_quotes_verbatim(turn, assistant) -> None:
    assert turn.citations, turn.reply
    for c in turn.citations:
        assert c.verified and quote_in_passage(c.quote, assistant.passage(c.passage_id).text)
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", turn.reply)}
    assert markers and markers <= set(range(1, len(turn.citations) + 1))


def test_shortfalls_grouped_by_theme_with_quotes_and_citations(chat, assistant):
    turn = chat.respond("What are the main shortfalls for Gloucestershire?")
    assert turn.intent == "shortfalls" and turn.context.authority == "Gloucestershire"
    _cited_quotes_verbatim(turn, assistant)
    assert all(assistant.passage(c.passage_id).authority == "Gloucestershire" for c in turn.citations)
    assert turn.reply.count("\n**") >= 2, "grouped under theme headings"
    assert "gaps in oversight of data" in turn.reply


def test_what_a_report_says_about_a_theme(chat, assistant):
    turn = chat.respond("What does Durham say about co-production?")
    assert turn.intent == "about"
    _cited_quotes_verbatim(turn, assistant)
    assert "tokenistic" in turn.reply
    assert all(assistant.passage(c.passage_id).authority == "County Durham" for c in turn.citations)


def test_draft_actions_for_a_theme_with_evidence_and_good_practice(chat, assistant):
    turn = chat.respond("Draft actions for Durham's data-sharing gaps")
    assert turn.intent == "actions" and turn.actions
    assert {a.theme for a in turn.actions} == {"data_sharing"}
    assert turn.report_id == "county-durham/partnerships-and-communities"
    assert all(a.evidence for a in turn.actions)
    _cited_quotes_verbatim(turn, assistant)
    plan, change = chat.add_action(None, turn.actions[0], turn.report_id)
    assert plan.authority == "County Durham" and plan.actions[0].id == "A1" and change.kind == "new_plan"
    again, change = chat.add_action(plan, turn.actions[0], turn.report_id)
    assert len(again.actions) == 1 and "Already" in change.summary


def test_learn_from_another_authority(chat, assistant):
    turn = chat.respond("What can Gloucestershire learn from Durham about hospital discharge?")
    assert turn.intent == "learn"
    _cited_quotes_verbatim(turn, assistant)
    authorities = {assistant.passage(c.passage_id).authority for c in turn.citations}
    assert "County Durham" in authorities
    assert "What to borrow" in turn.reply or "strength" in turn.reply


@pytest.mark.parametrize(
    "message", ["What could Durham teach Glos about discharge?", "What can we learn from Durham on hospital discharge?"]
)
def test_learner_and_source_are_worked_out(chat, message):
    context = ChatContext(authority="Gloucestershire")
    turn = chat.respond(message, None, context)
    assert turn.intent == "learn" and "What Gloucestershire can learn from County Durham" in turn.reply


def test_compare_side_by_side(chat, assistant):
    turn = chat.respond("Compare the two authorities on voluntary sector funding")
    assert turn.intent == "compare"
    _cited_quotes_verbatim(turn, assistant)
    header = next(line for line in turn.reply.splitlines() if line.startswith("| |"))
    assert "Gloucestershire" in header and "County Durham" in header
    assert {assistant.passage(c.passage_id).authority for c in turn.citations} == {"Gloucestershire", "County Durham"}


def test_whole_plan_then_refine_then_export(chat, assistant):
    turn = chat.respond("Draft the whole plan for Durham")
    assert turn.intent == "plan" and turn.plan and len(turn.plan.actions) >= 3
    assert turn.plan_changes[0].kind == "new_plan"
    plan, context = turn.plan, turn.context
    turn = chat.respond("make action 2 owned by the Head of Commissioning", plan, context)
    assert turn.plan.action("A2").owner == "Head of Commissioning" and "Head of Commissioning" in turn.reply
    turn = chat.respond("remove action 1", turn.plan, context)
    assert len(turn.plan.actions) == len(plan.actions) - 1
    turn = chat.respond("Export the plan", turn.plan, context)
    assert turn.download and turn.download.file_name.endswith(".md")
    assert "Head of Commissioning" in turn.download.data


def test_refine_without_a_plan_and_export_without_a_plan_are_clear(chat):
    assert "no plan" in chat.respond("mark action 1 amber").reply.lower()
    assert "no plan" in chat.respond("export the plan").reply.lower()


def test_asks_which_authority_then_uses_the_answer(chat):
    turn = chat.respond("What are the main shortfalls?")
    assert turn.intent == "clarify" and "Gloucestershire" in turn.reply and "County Durham" in turn.reply
    turn = chat.respond("Durham", None, turn.context)
    assert turn.intent == "shortfalls" and turn.context.authority == "County Durham"
    turn = chat.respond("and the strengths?", None, turn.context)
    assert turn.intent == "strengths" and turn.context.authority == "County Durham"


def test_free_question_is_cited_or_honest(chat, assistant):
    turn = chat.respond("How is the Better Care Fund used in Durham?")
    assert turn.intent == "question"
    _cited_quotes_verbatim(turn, assistant)
    odd = chat.respond("What is the weather on Mars tomorrow?")
    assert odd.intent == "question"
    for c in odd.citations:
        assert c.verified


def test_streaming_yields_chunks_then_the_turn(chat):
    stream = chat.stream("What are the main shortfalls for Gloucestershire?")
    chunks = list(stream)
    assert len(chunks) > 1 and "".join(chunks) == stream.turn.reply


def test_bad_input(chat):
    assert chat.respond("   ").intent == "empty"
    turn = chat.respond("x" * (MAX_MESSAGE_CHARS + 1))
    assert turn.intent == "too_long" and turn.error and f"{MAX_MESSAGE_CHARS:,}" in turn.reply
    hostile = chat.respond("What does Durham say about <script>alert(1)</script> [x](http://evil) co-production?")
    assert "<script>" not in hostile.reply and "](http://evil)" not in hostile.reply


class _RefiningEngine:
    """Stands in for the OpenAI-compatible engine: ``refine`` for what the parser cannot do."""

    name = "openai"

    def __init__(self, result):
        self.result = result
        self.seen: list[str] = []

    def refine(self, plan, instruction):
        self.seen.append(instruction)
        return self.result(plan) if self.result else None


def test_unparsed_instruction_falls_back_to_engine_refine(assistant, monkeypatch):
    plan = assistant.plan(assistant.find_report("Durham"))

    def merge_first_two(p):
        revised = p.model_copy(deep=True)
        revised.actions[0].action += " Combine with A2."
        del revised.actions[1]
        revised.renumber()
        return revised

    engine = _RefiningEngine(merge_first_two)
    monkeypatch.setattr(assistant, "engine", lambda name=None: engine)
    turn = Chat(assistant, engine="openai").respond("make action 1 also cover what action 2 does", plan)
    assert engine.seen == ["make action 1 also cover what action 2 does"]
    assert turn.plan and len(turn.plan.actions) == len(plan.actions) - 1 and turn.engine == "openai"
    assert all(c.verified for a in turn.plan.actions for c in a.evidence)

    engine.result = None  # the model says the instruction does not apply
    turn = Chat(assistant, engine="openai").respond("make action 1 also cover what action 2 does", plan)
    assert turn.error and turn.plan is None and "could not apply" in turn.reply


def test_without_refine_the_parser_error_is_shown(chat, assistant):
    plan = assistant.plan(assistant.find_report("Durham"))
    turn = chat.respond("make action 1 sparkle", plan)
    assert turn.error and turn.plan is None and "not what to change" in turn.reply


def test_an_authority_with_several_statements_is_asked_which(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(PROJECT_ROOT / "seeds", seeds)
    durham = next(p for p in seeds.iterdir() if "County Durham" in p.read_text(encoding="utf-8"))
    text = durham.read_text(encoding="utf-8")
    (seeds / "durham-safeguarding.txt").write_text(
        text.replace("Partnerships and communities", "Safeguarding", 1).replace(
            "We understand our duty to collaborate and work in partnership",
            "We work with people to understand what being safe means to them and work with our partners",
            1,
        ),
        encoding="utf-8",
    )
    assistant = Assistant(
        Settings(
            seeds_dir=seeds,
            vectorstore_dir=tmp_path / "vs",
            data_dir=tmp_path / "data",
            engine="builtin",
            openai_api_key=None,
            openai_base_url=None,
        )
    )
    assert sorted(r.quality_statement for r in assistant.reports() if r.authority == "County Durham") == [
        "Partnerships and communities",
        "Safeguarding",
    ]
    chat = Chat(assistant)
    turn = chat.respond("What are the main shortfalls for Durham?")
    assert turn.intent == "clarify" and "Safeguarding" in turn.reply and "Partnerships and communities" in turn.reply
    turn = chat.respond("safeguarding", None, turn.context)
    assert turn.intent == "shortfalls" and turn.context.report_id == "county-durham/safeguarding"
    assert all(c.passage_id.startswith("county-durham/safeguarding/") for c in turn.citations)
    turn = chat.respond("What are Durham's partnerships shortfalls?", None, turn.context)
    assert turn.context.report_id == "county-durham/partnerships-and-communities"


def test_two_changes_to_one_action_show_one_card(chat):
    """A RAG and a progress note are two plan changes to the same action: the reply shows its card once."""
    turn = chat.respond("Draft the whole plan for Gloucestershire")
    turn = chat.respond("mark action 3 green: the dashboard is live", turn.plan, turn.context)
    assert turn.intent == "refine" and len(turn.plan_changes) == 2
    assert {c.action_id for c in turn.plan_changes} == {"A3"}
    assert turn.reply.count("**A3. ") == 1
    assert turn.plan.action("A3").rag == "Green"


def test_a_sentence_that_refers_back_is_found_with_its_subject(chat, assistant):
    """ "gaps in strategic oversight of these agreements" answers a question about section 75 agreements,
    quoted after the sentence that names them."""
    turn = chat.respond("How are section 75 agreements overseen in Gloucestershire?")
    quotes = [c.quote for c in turn.citations]
    gap = next(i for i, q in enumerate(quotes) if "gaps in strategic oversight of these agreements" in q)
    assert any("agreement" in q for q in quotes[:gap]), quotes


def test_the_authoritys_name_does_not_draw_sentences_that_merely_mention_it(chat, assistant, monkeypatch):
    """The authority filters the search; the question's meaning is embedded without its name."""
    from assistant.chat import retrieval
    from assistant.chat.request import Request

    embedded: list[str] = []
    real = assistant.evidence.embed

    def spy(texts):
        embedded.extend(texts)
        return real(texts)

    monkeypatch.setattr(assistant.evidence, "embed", spy)
    r = Request(chat, "Can Durham staff see partners' records?", None, ChatContext())
    ranked = retrieval.sentences(r, r.message, authority="County Durham", k=5)
    assert ranked and all(u.authority == "County Durham" for _, u in ranked)
    assert embedded and all("durham" not in t.casefold() for t in embedded)


def test_shortfalls_on_a_theme_also_quote_shortfalls_labelled_otherwise(chat):
    """A topic often spans two theme labels: the nearest shortfall sentences of other themes are quoted too."""
    turn = chat.respond("Did CQC find problems with Durham's integrated mental health team?")
    assert turn.intent == "shortfalls"
    assert "Also on this, by meaning" in turn.reply
    assert any("guidance for the integrated mental health team" in c.quote for c in turn.citations)
