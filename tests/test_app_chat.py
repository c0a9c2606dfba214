"""The Chat page in AppTest: the conversations, citations, Add to plan, export, bad input, persistence."""

from __future__ import annotations

import re

from app_helpers import ask, button, conversation_id, new_app, run_entrypoint, store, texts
from fake_openai import error, reply_json

from assistant.citations import quote_in_passage
from assistant.service import Assistant


def test_shortfalls_are_cited_and_a_citation_opens_the_passage(app_settings):
    at = new_app()
    assert not at.exception
    assert "Chat" in [t.value for t in at.title]
    sidebar = "\n".join(c.value for c in at.sidebar.caption)
    assert "2 reports from 2 councils loaded" in sidebar and "builtin" in sidebar  # a count, not the corpus
    ask(at, "What are the main shortfalls for Gloucestershire?")
    assert "gaps in oversight of data" in texts(at)
    chips = [b for b in at.button if b.label.startswith("[1] Gloucestershire")]
    assert chips, [b.label for b in at.button]
    chips[0].click().run()
    assert not at.exception
    assert any("verified word for word" in s.value for s in at.success)
    assert any(":orange-background[" in m.value for m in at.markdown)


def test_about_learn_and_compare(app_settings):
    at = new_app()
    ask(at, "What does Durham say about co-production?")
    assert "tokenistic" in texts(at)
    ask(at, "What can Gloucestershire learn from Durham about hospital discharge?")
    assert "learn from County Durham" in texts(at)
    ask(at, "Compare the two authorities on voluntary sector funding")
    assert "Side by side" in texts(at)
    turns = [m.turn for m in store(app_settings).messages(conversation_id(at)) if m.turn]
    assert [t.intent for t in turns] == ["about", "learn", "compare"]
    assert all(t.citations and all(c.verified for c in t.citations) for t in turns)


def test_add_to_plan_refine_export_and_restore_in_a_new_session(app_settings):
    at = new_app()
    ask(at, "Draft actions for Durham's data-sharing gaps")
    add = button(at, "Add to plan:")
    title = add.label.removeprefix("Add to plan: ")
    add.click().run()
    assert not at.exception
    cid = conversation_id(at)
    plan = store(app_settings).plan(cid)
    assert plan is not None and plan.actions[0].title == title and plan.authority == "County Durham"
    assert button(at, "In the plan:").disabled
    ask(at, "make action 1 owned by the Head of Commissioning")
    assert store(app_settings).plan(cid).actions[0].owner == "Head of Commissioning"
    ask(at, "Export the plan")
    assert at.download_button, "a download control is shown"
    exported = store(app_settings).messages(cid)[-1].turn.download.data
    action = store(app_settings).plan(cid).actions[0]
    assert action.title in exported and action.evidence[0].quote in exported

    again = new_app(cid)  # a reload: a fresh session with the conversation id in the URL
    assert not again.exception
    assert "Head of Commissioning" in texts(again)
    assert len(again.chat_message) == 6
    plan_page = again.switch_page("pages/plan.py").run()
    assert not plan_page.exception
    assert plan_page.data_editor[0].value["owner"].tolist() == ["Head of Commissioning"]


def test_whole_plan_appears_on_the_plan_page(app_settings):
    at = new_app()
    ask(at, "Draft the whole plan for Durham")
    plan = store(app_settings).plan(conversation_id(at))
    assert plan and len(plan.actions) >= 3
    at.switch_page("pages/plan.py").run()
    assert not at.exception
    assert at.data_editor[0].value["id"].tolist() == [a.id for a in plan.actions]


def test_bad_input_is_handled(app_settings):
    at = new_app()
    at.chat_input[0].set_value("   ").run()
    assert not at.exception and not at.chat_message
    ask(at, "x" * 4001)
    assert any("limit is 4,000" in e.value for e in at.error)
    ask(at, "What does Durham say about [evil](http://x.example) <b>co-production</b>?")
    assert not any(re.search(r"(?<!\\)\]\(http", m.value) for m in at.markdown), "no live link"
    assert not any("<b>" in m.value for m in at.markdown)
    assert any("&lt;b&gt;" in m.value for m in at.markdown), "the user's text is shown, escaped"


def test_citations_in_stored_turns_are_verbatim(app_settings):
    at = new_app()
    ask(at, "How is the Better Care Fund used in Durham?")
    assistant = Assistant(app_settings)
    turn = store(app_settings).messages(conversation_id(at))[-1].turn
    assert turn.citations
    for c in turn.citations:
        passage = assistant.passage(c.passage_id)
        assert passage is not None and quote_in_passage(c.quote, passage.text)


def test_sidebar_lists_conversations_and_reopens_one(app_settings):
    at = new_app()
    ask(at, "What does Durham say about co-production?")
    first = conversation_id(at)
    run_entrypoint(at)
    at.sidebar.button(key="new-conversation").click()
    run_entrypoint(at)
    assert "conversation_id" not in at.session_state and not at.chat_message
    ask(at, "What are the main shortfalls for Gloucestershire?")
    second = conversation_id(at)
    run_entrypoint(at)
    assert [b.key for b in at.sidebar.button][1:3] == [f"conv-{second}", f"conv-{first}"]
    at.sidebar.button(key=f"conv-{first}").click()
    run_entrypoint(at)
    assert conversation_id(at) == first and "tokenistic" in texts(at)
    assert at.query_params["c"] in (first, [first])


def test_engine_picker_and_openai_fallbacks(app_settings, fake_openai, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-never-shown")
    monkeypatch.setenv("ASSISTANT_MAX_RETRIES", "0")
    at = new_app()
    radio = at.sidebar.radio(key="engine-radio")
    assert radio.options == ["builtin", "openai"] and radio.value == "builtin"
    radio.set_value("openai")
    run_entrypoint(at)
    assert at.session_state["engine_choice"] == "openai"
    assert "sk-test-never-shown" not in str(at.sidebar.caption)
    fake_openai.script(error(500))
    ask(at, "How is the Better Care Fund used in Durham?")
    turn = store(app_settings).messages(conversation_id(at))[-1].turn
    assert turn.citations and all(c.verified for c in turn.citations)
    assert turn.engine != "openai" and turn.notes, "the fallback says so"
    assert any(turn.notes[0][:40] in c.value for c in at.caption)

    at.session_state["engine_choice"] = "builtin"
    ask(at, "Draft the whole plan for Durham")
    at.session_state["engine_choice"] = "openai"
    plan = store(app_settings).plan(conversation_id(at))
    a1 = plan.actions[0].model_dump(
        include={"id", "title", "action", "owner", "timescale", "measures", "rag", "priority"}
    )
    fake_openai.script(
        reply_json(
            {
                "applicable": True,
                "changed": [{**a1, "action": a1["action"] + " Report quarterly."}],
                "removed": [],
                "summary": "Added quarterly reporting to A1.",
            }
        )
    )
    ask(at, "make the first action report to scrutiny every quarter please")
    revised = store(app_settings).plan(conversation_id(at))
    assert revised.actions[0].action.endswith("Report quarterly.") and revised.actions[1:] == plan.actions[1:]
    assert "engine revised the plan" in texts(at)


def test_a_rag_change_with_a_note_shows_the_action_card_once(app_settings):
    at = new_app()
    ask(at, "Draft the whole plan for Gloucestershire")
    ask(at, "mark action 3 green: the dashboard is live")
    last = at.chat_message[-1]
    shown = "\n".join(m.value for m in last.markdown)
    assert "Done: A3 RAG status" in shown and "progress note" in shown
    assert shown.count("**A3. ") == 1, shown
    assert store(app_settings).plan(conversation_id(at)).action("A3").rag == "Green"


def test_peers_question_says_which_peers_were_used(app_settings):
    at = new_app()
    ask(at, "What do other London boroughs do about data sharing for Gloucestershire?")
    assert "None of the 2 reports loaded" in texts(at) and "London boroughs" in texts(at)
