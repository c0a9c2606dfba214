"""The chat's CI floor: the share of ``tests/gold/chat.yaml`` questions (written by reading the seed
reports) answered with the evidence a reader expects must stay at or above the threshold in
``tests/gold/seeds.yaml`` (the same measure as ``python -m assistant eval``)."""

from __future__ import annotations

import shutil

from assistant.chat import Chat
from assistant.evaluate import DEFAULT_CHAT_GOLD, DEFAULT_GOLD, ChatGold, chat_pass_rate, load_gold
from assistant.service import Assistant
from assistant.settings import PROJECT_ROOT, Settings


def test_chat_gold_pass_rate_meets_the_floor(tmp_path):
    shutil.copytree(PROJECT_ROOT / "seeds", tmp_path / "seeds")
    assistant = Assistant(
        Settings(
            seeds_dir=tmp_path / "seeds", vectorstore_dir=tmp_path / "vs", data_dir=tmp_path / "d", engine="builtin"
        )
    )
    rate, failed = chat_pass_rate(Chat(assistant))
    floor = load_gold(DEFAULT_GOLD).thresholds.chat_pass_rate
    assert rate >= floor, f"chat pass rate {rate:.3f} < {floor}: {failed}"


def test_chat_gold_is_well_formed_and_large_enough():
    import yaml

    gold = ChatGold.model_validate(yaml.safe_load(DEFAULT_CHAT_GOLD.read_text(encoding="utf-8")))
    assert len(gold.questions) >= 30
    assert len({q.ask for q in gold.questions}) == len(gold.questions), "no question twice"
    assert all(q.must_quote or q.must_say for q in gold.questions), "every question checks something"
