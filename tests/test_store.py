"""Persisted conversations and plans: survive a new Store (a restart), versions, restore."""

from __future__ import annotations

import pytest
from conftest import TEST_DATABASE_URL as URL

from assistant.models import Action, ActionPlan, ChatContext, ChatTurn, Citation
from assistant.settings import Settings
from assistant.store import Store


def _plan(*titles: str) -> ActionPlan:
    actions = [
        Action(
            id=f"A{i}",
            title=t,
            theme="co_production",
            action=f"Do {t}.",
            owner="Director",
            timescale="6 months",
            evidence=[Citation(passage_id="x/y/p01", quote="Co-production was not routine", verified=True)],
        )
        for i, t in enumerate(titles, start=1)
    ]
    return ActionPlan(
        authority="County Durham",
        quality_statement="Partnerships and communities",
        score=3,
        report_id="county-durham/partnerships-and-communities",
        actions=actions,
    )


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgres",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(
                    not URL, reason="ASSISTANT_TEST_DATABASE_URL is not set (see scripts/start_postgres.sh)"
                ),
            ],
        ),
    ]
)
def db_settings(request, settings: Settings) -> Settings:
    """The same tests on SQLite (always) and PostgreSQL (when a test server is given)."""
    return settings if request.param == "sqlite" else request.getfixturevalue("pg_settings")


@pytest.fixture
def store(db_settings: Settings) -> Store:
    return Store(db_settings)


def test_conversation_messages_and_plan_survive_a_restart(db_settings: Settings, store: Store):
    conv = store.create_conversation()
    store.add_message(conv.id, "user", "What are the main shortfalls for Durham? " + "x" * 80)
    turn = ChatTurn(
        message="q",
        intent="shortfalls",
        reply="**2 shortfalls** [1]",
        citations=[Citation(passage_id="a/b/p01", quote="a quote long enough", verified=True)],
        context=ChatContext(authority="County Durham", report_id="county-durham/p"),
    )
    store.add_message(conv.id, "assistant", turn.reply, turn)
    store.save_plan(conv.id, _plan("Routine co-production"), summary="drafted")

    again = Store(db_settings)  # a new process: nothing cached
    messages = again.messages(conv.id)
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[1].turn == turn
    assert again.plan(conv.id) == _plan("Routine co-production")
    restored = again.conversation(conv.id)
    assert restored is not None
    assert restored.title.startswith("What are the main shortfalls for Durham?") and len(restored.title) <= 60
    assert restored.context.authority == "County Durham"


def test_every_plan_save_is_a_version_and_an_old_one_can_be_restored(store: Store):
    conv = store.create_conversation()
    assert store.plan(conv.id) is None
    store.save_plan(conv.id, _plan("One"), summary="first")
    store.save_plan(conv.id, _plan("One", "Two"), summary="added A2")
    assert [v.actions for v in store.plan_versions(conv.id)] == [2, 1]
    assert store.restore_plan(conv.id, 1) == _plan("One")
    assert store.plan(conv.id) == _plan("One")
    assert store.plan_versions(conv.id)[0].summary == "Restored version 1"
    with pytest.raises(KeyError):
        store.restore_plan(conv.id, 99)


def test_conversations_are_listed_most_recent_first_and_kept_apart(store: Store):
    first = store.create_conversation()
    second = store.create_conversation()
    store.add_message(first.id, "user", "hello")
    assert [c.id for c in store.conversations()][:2] == [first.id, second.id]
    store.save_plan(second.id, _plan("Only in second"))
    assert store.plan(first.id) is None
    assert store.messages(second.id) == []


def test_rename_delete_and_unknown_ids(store: Store):
    conv = store.create_conversation()
    store.rename(conv.id, "  Durham plan  ")
    renamed = store.conversation(conv.id)
    assert renamed is not None and renamed.title == "Durham plan"
    with pytest.raises(ValueError):
        store.rename(conv.id, "   ")
    store.save_plan(conv.id, _plan("One"))
    store.add_message(conv.id, "user", "hi")
    store.delete_conversation(conv.id)
    assert store.conversation(conv.id) is None and store.messages(conv.id) == [] and store.plan(conv.id) is None
    with pytest.raises(KeyError):
        store.add_message("nope", "user", "hi")
    with pytest.raises(KeyError):
        store.save_plan("nope", None)
