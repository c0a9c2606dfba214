"""Chat intents, entity matching, cited answers and plan refinement (no Streamlit).

The conversation tests run the real built-in engine on the seed reports (one
index for the module); entity and refinement tests use small hand-built objects.
"""

from __future__ import annotations

import re
import shutil

import pytest

from assistant.chat import (
    MAX_MESSAGE_CHARS, Chat, ChatContext, Entities, RefineError, apply_instruction, looks_like_edit,
)
from assistant.citations import quote_in_passage
from assistant.models import Action, ActionPlan, Report
from assistant.playbook import load_playbook
from assistant.service import Assistant
from assistant.settings import PROJECT_ROOT, Settings
from assistant.themes import load_taxonomy

PROMPTS = PROJECT_ROOT / "prompts"


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(PROMPTS)


@pytest.fixture(scope="module")
def playbook():
    return load_playbook(PROMPTS)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory) -> Assistant:
    root = tmp_path_factory.mktemp("chat")
    shutil.copytree(PROJECT_ROOT / "seeds", root / "seeds")
    return Assistant(Settings(seeds_dir=root / "seeds", vectorstore_dir=root / "vs", data_dir=root / "data",
                              engine="builtin", openai_api_key=None, openai_base_url=None))


@pytest.fixture
def chat(assistant) -> Chat:
    return Chat(assistant)


def _report(authority: str, statement: str = "Partnerships and communities") -> Report:
    return Report(id=f"{authority.lower().replace(' ', '-')}/x", authority=authority, quality_statement=statement,
                  source=f"{authority}.txt", content_hash="h")


def _plan() -> ActionPlan:
    def action(i: int, theme: str, title: str) -> Action:
        return Action(id=f"A{i}", title=title, theme=theme, action=f"{title}.", owner="Director of Adult Social Services",
                      timescale="12 months")
    return ActionPlan(authority="County Durham", quality_statement="Partnerships and communities", score=3,
                      report_id="county-durham/partnerships-and-communities",
                      actions=[action(1, "data_sharing", "Give staff access to partner records"),
                               action(2, "vcs_commissioning", "Longer-term funding for the voluntary sector"),
                               action(3, "coproduction", "Make co-production routine"),
                               action(4, "mental_health", "Align guidance for the integrated mental health team")])


def _cited_quotes_verbatim(turn, assistant) -> None:
    assert turn.citations, turn.reply
    for c in turn.citations:
        assert c.verified and quote_in_passage(c.quote, assistant.passage(c.passage_id).text)
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", turn.reply)}
    assert markers and markers <= set(range(1, len(turn.citations) + 1))


# --------------------------------------------------------------------------- entities

@pytest.mark.parametrize("message, expected", [
    ("What are the main shortfalls for Gloucestershire?", ["Gloucestershire"]),
    ("what does county durham say", ["County Durham"]),
    ("Draft actions for Durham's data-sharing gaps", ["County Durham"]),
    ("What can Glos learn from Durham?", ["Gloucestershire", "County Durham"]),
    ("Compare Durham with Gloucestshire", ["County Durham", "Gloucestershire"]),
    ("What are the main gaps in data and care?", []),
])
def test_authorities_are_matched_tolerantly_in_order(taxonomy, message, expected):
    entities = Entities([_report("Gloucestershire"), _report("County Durham"), _report("North Yorkshire"),
                         _report("Blackpool")], taxonomy)
    assert entities.authorities_in(message) == expected


def test_generic_words_do_not_name_an_authority(taxonomy):
    entities = Entities([_report("North Yorkshire"), _report("North Tyneside")], taxonomy)
    assert entities.authorities_in("what about the north?") == []
    assert entities.authorities_in("Tyneside's carers") == ["North Tyneside"]


@pytest.mark.parametrize("words, theme", [
    ("What does Durham say about co-production?", "coproduction"),
    ("coproduction in Durham", "coproduction"),
    ("involving people", "coproduction"),
    ("Durham's data sharing gaps", "data_sharing"),
    ("information systems", "data_sharing"),
    ("what about IT?", "data_sharing"),
])
def test_theme_words_map_through_the_taxonomy(taxonomy, words, theme):
    assert Entities([_report("County Durham")], taxonomy).theme(words) == theme


def test_statement_named_in_the_message_picks_the_report(taxonomy):
    entities = Entities([_report("Kent", "Partnerships and communities"), _report("Kent", "Safeguarding")], taxonomy)
    assert [r.quality_statement for r in entities.reports_of("Kent", "Kent safeguarding gaps")] == ["Safeguarding"]
    assert len(entities.reports_of("Kent", "Kent gaps")) == 2


# --------------------------------------------------------------------------- refinement

@pytest.mark.parametrize("instruction, action_id, field, value", [
    ("make action 2 owned by the Head of Commissioning", "A2", "owner", "Head of Commissioning"),
    ("set the timescale of the co-production action to 6 months", "A3", "timescale", "6 months"),
    ("mark action 1 amber", "A1", "rag", "Amber"),
    ("Make A4 high priority", "A4", "priority", "High"),
    ("change the owner of the second action to Director of Public Health.", "A2", "owner", "Director of Public Health"),
    ("rename action 1 to Shared care record for all teams", "A1", "title", "Shared care record for all teams"),
    ("set the deadline to March 2027 for action 4", "A4", "timescale", "March 2027"),
])
def test_refinement_edits_one_field(taxonomy, playbook, instruction, action_id, field, value):
    before = _plan()
    assert looks_like_edit(instruction)
    after, changes = apply_instruction(before, instruction, taxonomy, playbook)
    assert getattr(after.action(action_id), field) == value
    assert changes[0].action_id == action_id and changes[0].new == value
    assert before == _plan(), "the plan passed in is not changed"
    others = [a for a in after.actions if a.id != action_id]
    assert others == [a for a in _plan().actions if a.id != action_id]


def test_remove_renumbers_and_add_appends_with_playbook_defaults(taxonomy, playbook):
    plan, changes = apply_instruction(_plan(), "remove action 2", taxonomy, playbook)
    assert [a.title for a in plan.actions] == ["Give staff access to partner records", "Make co-production routine",
                                               "Align guidance for the integrated mental health team"]
    assert [a.id for a in plan.actions] == ["A1", "A2", "A3"] and changes[0].kind == "remove"
    plan, changes = apply_instruction(plan, "add an action to publish 'you said, we did' after each consultation",
                                      taxonomy, playbook)
    added = plan.actions[-1]
    assert added.id == "A4" and changes[0].kind == "add"
    assert added.action == "Publish 'you said, we did' after each consultation."
    assert added.theme == "coproduction"
    assert added.owner in playbook.play("coproduction").owners and added.timescale.endswith("months")
    assert added.evidence == []


@pytest.mark.parametrize("instruction, message", [
    ("remove action 9", "no action 9"),
    ("make action 2 purple", "not what to change"),
    ("mark the safeguarding action red", "No action in the plan matches"),
    ('set the owner of action 1 to ""', "empty"),
])
def test_refinement_errors_say_what_is_wrong(taxonomy, playbook, instruction, message):
    with pytest.raises(RefineError, match=message):
        apply_instruction(_plan(), instruction, taxonomy, playbook)


@pytest.mark.parametrize("message", ["What are the main shortfalls for Gloucestershire?",
                                     "Draft actions for Durham's data-sharing gaps", "Draft the whole plan for Durham",
                                     "What can Gloucestershire learn from Durham about hospital discharge?"])
def test_questions_are_not_edits(message):
    assert not looks_like_edit(message)


# --------------------------------------------------------------------------- conversations (built-in engine)

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


@pytest.mark.parametrize("message", ["What could Durham teach Glos about discharge?",
                                     "What can we learn from Durham on hospital discharge?"])
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
        text.replace("Partnerships and communities", "Safeguarding", 1)
        .replace("We understand our duty to collaborate and work in partnership", "We work with people to understand "
                 "what being safe means to them and work with our partners", 1), encoding="utf-8")
    assistant = Assistant(Settings(seeds_dir=seeds, vectorstore_dir=tmp_path / "vs", data_dir=tmp_path / "data",
                                   engine="builtin", openai_api_key=None, openai_base_url=None))
    assert sorted(r.quality_statement for r in assistant.reports() if r.authority == "County Durham") == [
        "Partnerships and communities", "Safeguarding"]
    chat = Chat(assistant)
    turn = chat.respond("What are the main shortfalls for Durham?")
    assert turn.intent == "clarify" and "Safeguarding" in turn.reply and "Partnerships and communities" in turn.reply
    turn = chat.respond("safeguarding", None, turn.context)
    assert turn.intent == "shortfalls" and turn.context.report_id == "county-durham/safeguarding"
    assert all(c.passage_id.startswith("county-durham/safeguarding/") for c in turn.citations)
    turn = chat.respond("What are Durham's partnerships shortfalls?", None, turn.context)
    assert turn.context.report_id == "county-durham/partnerships-and-communities"
