"""The playbook: loads, covers every theme, rejects malformed files with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.playbook import (
    ACTION_SLOTS,
    PlaybookError,
    load_playbook,
    parse_playbook,
    template_slots,
)
from assistant.settings import PROJECT_ROOT
from assistant.themes import load_taxonomy

PROMPTS = PROJECT_ROOT / "prompts"


@pytest.fixture
def raw() -> dict:
    """A fresh copy of the project playbook as plain data, for each test to break."""
    return yaml.safe_load((PROMPTS / "playbook.yaml").read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict | str) -> Path:
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    (tmp_path / "playbook.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_project_playbook_covers_every_theme_with_distinct_levers():
    playbook = load_playbook(PROMPTS)
    taxonomy = load_taxonomy(PROMPTS)
    assert playbook.missing_themes(taxonomy.ids) == []
    assert "default" in playbook.themes
    for theme_id, play in playbook.themes.items():
        assert len(play.levers) >= 2, theme_id
        assert len({lever.action for lever in play.levers}) == len(play.levers), theme_id
        assert len({lever.title for lever in play.levers}) == len(play.levers), theme_id
        for lever in play.levers:
            assert play.owner_of(lever) in play.owners
            assert lever.measures and all(m.strip() for m in lever.measures)


def test_unknown_theme_falls_back_to_default():
    playbook = load_playbook(PROMPTS)
    assert playbook.play("no-such-theme") is playbook.themes["default"]
    assert playbook.key("no-such-theme") == "default"
    assert playbook.key("data_sharing") == "data_sharing"


def test_messages_render_with_their_slots():
    playbook = load_playbook(PROMPTS)
    note = playbook.message("no_good_practice", theme="co-production and engagement")
    assert "co-production and engagement" in note
    with pytest.raises(KeyError):
        playbook.message("no_good_practice")


def test_content_words_drop_stopwords_and_fold_plurals_and_hyphens():
    playbook = load_playbook(PROMPTS)
    words = playbook.content_words("However, the partners' systems were incompatible; co-production felt tokenistic")
    assert {"partner", "system", "incompatible", "coproduction", "tokenistic"} <= words
    assert not words & {"the", "were", "however"}


def test_template_slots_are_named_plain_fields():
    assert template_slots("Fix {specific} with {partner}") == {"specific", "partner"}
    for bad in ("Fix {}", "Fix {0}", "Fix {specific!r}", "Fix {specific:>10}"):
        with pytest.raises(ValueError):
            template_slots(bad)


def test_unknown_slot_in_a_lever_is_rejected_naming_it(tmp_path, raw):
    raw["themes"]["data_sharing"]["levers"][0]["action"] = "Do {something} about {gap}"
    with pytest.raises(PlaybookError) as err:
        load_playbook(_write(tmp_path, raw))
    message = str(err.value)
    assert "{something}" in message and "system-access" in message and "playbook.yaml" in message
    assert "{gap}" in message  # the allowed slots are listed
    assert {"gap", "specific", "partner"} <= ACTION_SLOTS


def test_unknown_slot_in_a_message_is_rejected(tmp_path, raw):
    raw["messages"]["no_good_practice"] = "Nothing on {topic}."
    with pytest.raises(PlaybookError, match=r"no_good_practice.*\{topic\}"):
        load_playbook(_write(tmp_path, raw))


def test_owner_must_be_one_of_the_theme_owners(tmp_path, raw):
    raw["themes"]["coproduction"]["levers"][0]["owner"] = "Chief Wizard"
    with pytest.raises(PlaybookError, match="Chief Wizard"):
        load_playbook(_write(tmp_path, raw))


def test_default_theme_is_required(tmp_path, raw):
    del raw["themes"]["default"]
    with pytest.raises(PlaybookError, match="default"):
        load_playbook(_write(tmp_path, raw))


def test_missing_fields_and_bad_values_are_located(tmp_path, raw):
    del raw["themes"]["workforce"]["levers"][1]["measures"]
    raw["themes"]["carers"]["levers"][0]["months"] = 0
    with pytest.raises(PlaybookError) as err:
        load_playbook(_write(tmp_path, raw))
    assert "themes.workforce.levers.1.measures" in str(err.value)
    assert "themes.carers.levers.0.months" in str(err.value)


def test_malformed_yaml_and_missing_file_have_clear_errors(tmp_path):
    with pytest.raises(PlaybookError, match="not valid YAML"):
        load_playbook(_write(tmp_path, "themes: [unclosed\n  - : :"))
    with pytest.raises(PlaybookError, match="must hold a mapping"):
        parse_playbook("- just a list")
    with pytest.raises(PlaybookError, match="not found"):
        load_playbook(tmp_path / "nowhere")
