"""The one word tokenizer (``text.WORD``, ``words``, ``fold_word``, ``terms``) and its folding rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.entities import WORD as ENTITIES_WORD
from assistant.index import tokenise
from assistant.playbook import _content_words
from assistant.text import WORD, fold_word, terms, words
from assistant.themes import tokens


def test_words_keep_inner_apostrophes_and_hyphens_but_not_trailing_ones():
    assert words("The carers' well-being, Durham\u2019s  CO\u2013PRODUCTION!") == [
        "the",
        "carers",
        "well-being",
        "durham's",
        "co-production",
    ]


def test_word_positions_are_those_of_the_unfolded_text():
    text = "Durham\u2019s Mental Wellbeing Alliance"
    assert [(m.start(), m.group()) for m in WORD.finditer(text)] == [
        (0, "Durham\u2019s"),
        (9, "Mental"),
        (16, "Wellbeing"),
        (26, "Alliance"),
    ]


@pytest.mark.parametrize(
    ("word", "folded"),
    [
        ("co-production", "coproduction"),
        ("council's", "council"),
        ("council\u2019s", "council"),
        ("don't", "dont"),
        ("agencies", "agency"),
        ("classes", "class"),
        ("carers", "carer"),
        ("status", "status"),
        ("analysis", "analysis"),
        ("process", "process"),
        ("its", "its"),
        ("ties", "tie"),
    ],
)
def test_fold_word(word, folded):
    assert fold_word(word) == folded


def test_terms_drop_stopwords_and_short_words_as_written():
    assert terms("The carers' assessments weren't timely", {"the", "weren't"}, min_length=2) == [
        "carer",
        "assessment",
        "timely",
    ]


def test_every_stage_splits_words_the_same_way():
    text = "Co-production with carers\u2019 groups and the council's partners"
    assert tokens(text) == terms(text)
    assert set(tokenise(text)) <= set(terms(text))
    assert _content_words(text, frozenset()) == frozenset(terms(text, min_length=2))
    assert ENTITIES_WORD is WORD


@given(st.text(alphabet=st.sampled_from("aAbB1 -'\u2019s.\u2013"), max_size=40))
def test_spellings_of_one_word_fold_alike(text):
    folded = terms(text)
    assert terms(text.upper()) == folded
    assert all(t and t == t.lower() and "'" not in t and "-" not in t for t in folded)
