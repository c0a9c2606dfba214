"""Entity matching: authorities, quality statements and themes named in a message (hand-built reports)."""

from __future__ import annotations

import pytest

from assistant.entities import Entities
from assistant.models import Report
from assistant.settings import PROJECT_ROOT
from assistant.themes import load_taxonomy

PROMPTS = PROJECT_ROOT / "prompts"


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(PROMPTS)


def _report(authority: str, statement: str = "Partnerships and communities") -> Report:
    return Report(
        id=f"{authority.lower().replace(' ', '-')}/x",
        authority=authority,
        quality_statement=statement,
        source=f"{authority}.txt",
        content_hash="h",
    )


@pytest.mark.parametrize(
    "message, expected",
    [
        ("What are the main shortfalls for Gloucestershire?", ["Gloucestershire"]),
        ("what does county durham say", ["County Durham"]),
        ("Draft actions for Durham's data-sharing gaps", ["County Durham"]),
        ("What can Glos learn from Durham?", ["Gloucestershire", "County Durham"]),
        ("Compare Durham with Gloucestshire", ["County Durham", "Gloucestershire"]),
        ("What are the main gaps in data and care?", []),
    ],
)
def test_authorities_are_matched_tolerantly_in_order(taxonomy, message, expected):
    entities = Entities(
        [_report("Gloucestershire"), _report("County Durham"), _report("North Yorkshire"), _report("Blackpool")],
        taxonomy,
    )
    assert entities.authorities_in(message) == expected


def test_generic_words_do_not_name_an_authority(taxonomy):
    entities = Entities([_report("North Yorkshire"), _report("North Tyneside")], taxonomy)
    assert entities.authorities_in("what about the north?") == []
    assert entities.authorities_in("Tyneside's carers") == ["North Tyneside"]


@pytest.mark.parametrize(
    "words, theme",
    [
        ("What does Durham say about co-production?", "coproduction"),
        ("coproduction in Durham", "coproduction"),
        ("involving people", "coproduction"),
        ("Durham's data sharing gaps", "data_sharing"),
        ("information systems", "data_sharing"),
        ("what about IT?", "data_sharing"),
    ],
)
def test_theme_words_map_through_the_taxonomy(taxonomy, words, theme):
    assert Entities([_report("County Durham")], taxonomy).theme(words) == theme


def test_statement_named_in_the_message_picks_the_report(taxonomy):
    entities = Entities([_report("Kent", "Partnerships and communities"), _report("Kent", "Safeguarding")], taxonomy)
    assert [r.quality_statement for r in entities.reports_of("Kent", "Kent safeguarding gaps")] == ["Safeguarding"]
    assert len(entities.reports_of("Kent", "Kent gaps")) == 2
