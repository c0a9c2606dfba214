"""The chat's word lists: which sentences refer back to an earlier one, and to what."""

from __future__ import annotations

import pytest

from assistant.chat.words import load_chat_words
from assistant.datafiles import DataFileError
from assistant.settings import Settings


@pytest.fixture(scope="module")
def words():
    return load_chat_words(Settings().prompts_dir)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("However, there were gaps in strategic oversight of these agreements and this meant delays.", "agreements"),
        ("The feedback about this was positive and we heard how it was used.", None),
        ("They said the panel met monthly.", None),
    ],
)
def test_sentences_that_refer_back(words, sentence, expected):
    assert words.refers_back(sentence) == (True, expected)


@pytest.mark.parametrize(
    "sentence",
    [
        "There were section 75 agreements in place for mental health and hospital discharge.",
        "The local authority and voluntary partners had established networks such as 'Know Your Patch'.",
        # Only the opening is read: a late "these" names its own subject earlier in the sentence.
        "Partners across the county described a wide range of commissioning arrangements and these were clear.",
    ],
)
def test_sentences_that_name_their_own_subject(words, sentence):
    assert words.refers_back(sentence) == (False, None)


def test_a_broken_word_list_is_a_clear_error(tmp_path):
    (tmp_path / "chat_words.yaml").write_text("pronouns: [they]\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="determiners"):
        load_chat_words(tmp_path)
