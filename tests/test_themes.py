"""The theme taxonomy: loading, validation, tagging, best theme with context, chat matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT
from assistant.themes import TaxonomyError, load_taxonomy, parse_taxonomy, tokens

PROMPTS = PROJECT_ROOT / "prompts"

#: Themes the product promises (partnerships seeds plus every other quality statement).
REQUIRED = {
    "data_sharing",
    "integration_governance",
    "coproduction",
    "vcs_commissioning",
    "workforce",
    "reablement_discharge",
    "mental_health",
    "communication_continuity",
    "asc_strategic_focus",
    "community_provision",
    "prevention_bcf",
    "assessment_waiting",
    "safeguarding",
    "carers",
    "equity_access",
    "market_shaping",
    "transitions",
    "performance_governance",
    "learning_improvement",
}


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(PROMPTS)


def test_taxonomy_has_the_promised_themes_and_a_fallback(taxonomy):
    assert set(taxonomy.ids) >= REQUIRED
    assert taxonomy.fallback.id == "other"
    assert taxonomy.theme("other").label == "Other"
    for theme in taxonomy.themes:
        assert theme.label and theme.description and theme.cues


def test_unknown_theme_id_lists_the_known_ones(taxonomy):
    with pytest.raises(KeyError, match="data_sharing"):
        taxonomy.theme("no_such_theme")


def test_tokens_fold_hyphens_apostrophes_and_plurals():
    assert tokens("Co-production") == tokens("coproduction") == ["coproduction"]
    assert tokens("section 75 agreements") == tokens("Section 75 agreement")
    assert tokens("each other’s systems") == tokens("each other's system")
    assert tokens("vacancies") == tokens("vacancy")


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("Co-production was not routine", "coproduction"),
        ("coproduction had only started", "coproduction"),
        ("There were section 75 agreements and pooled budgets", "integration_governance"),
        ("Recording systems were incompatible and did not share data", "data_sharing"),
        ("workforce remained an issue and there were vacancies", "workforce"),
        ("a backlog of section 42 safeguarding enquiries", "safeguarding"),
        ("unpaid carers could not get respite", "carers"),
        ("young people preparing for adulthood", "transitions"),
        ("the Better Care Fund (BCF) supported falls prevention", "prevention_bcf"),
        ("Emergency out-of-hours staff", "communication_continuity"),
        ("co production had only just begun", "coproduction"),
        ("home care was scarce; homecare providers left", "market_shaping"),
    ],
)
def test_tag_ranks_the_theme_the_words_name(taxonomy, text, theme):
    ranked = taxonomy.tag(text)
    assert ranked[0][0] == theme
    assert abs(sum(score for _, score in ranked) - 1.0) < 1e-3
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)


def test_tag_matches_whole_words_and_acronyms_only_in_capitals(taxonomy):
    assert taxonomy.tag("The physics of it") == []  # no "ICS" inside "physics", no "IT" in "it"
    assert taxonomy.tag("It was the ICS that led")[0][0] == "asc_strategic_focus"
    assert taxonomy.tag("nothing about any topic here") == []


def test_longer_cue_does_not_count_its_shorter_part_twice(taxonomy):
    # "provider market" holds "market": one cue, so workforce (two cues) is not outweighed.
    scores = taxonomy.scores("workforce remained an issue in the provider market and there were vacancies")
    assert scores["market_shaping"] == scores["workforce"] == 2


def test_cqc_own_assessment_is_not_an_assessment_of_needs(taxonomy):
    assert taxonomy.tag("at the time of our assessment the plan was underway") == []
    assert taxonomy.tag("people waited months for their assessments")[0][0] == "assessment_waiting"


def test_best_uses_context_only_for_ties_and_gaps(taxonomy):
    passage = "People described gaps in community provision. Transport in some districts was poor."
    assert taxonomy.best("This remained an issue.", [passage]) == "community_provision"
    clause = "but they also said co-production work had only developed recently"
    context = "Voluntary and charity partners gave mostly positive feedback about their work"
    assert taxonomy.best(clause, [context]) == "coproduction"
    assert taxonomy.best("It was noted.", ["Nothing here either."]) == "other"
    assert taxonomy.best("It was noted.") == "other"


@pytest.mark.parametrize(
    ("words", "theme"),
    [
        ("involving people", "coproduction"),
        ("what about engagement?", "coproduction"),
        ("data sharing", "data_sharing"),
        ("IT problems", "data_sharing"),
        ("pooled budgets", "integration_governance"),
        ("charities", "vcs_commissioning"),
        ("recruitment", "workforce"),
        ("DoLS", "safeguarding"),
        ("Governance and oversight of integrated arrangements", "integration_governance"),
    ],
)
def test_match_maps_user_words_and_synonyms_to_a_theme(taxonomy, words, theme):
    assert taxonomy.match(words) == theme


def test_match_returns_none_when_nothing_fits(taxonomy):
    assert taxonomy.match("hello, what is it?") is None


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "themes.yaml").write_text(text, encoding="utf-8")
    return tmp_path


GOOD = """
fallback: {id: other, label: Other, description: none}
themes:
  - id: data_sharing
    label: Data
    description: d
    cues: [data]
"""


def test_load_taxonomy_reads_a_minimal_valid_file(tmp_path):
    taxonomy = load_taxonomy(_write(tmp_path, GOOD))
    assert taxonomy.ids == ["data_sharing"]
    assert taxonomy.source == tmp_path / "themes.yaml"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("themes: [unclosed", "not valid YAML"),
        ("- just\n- a list\n", "must hold a mapping"),
        ("themes: []\n", "fallback"),
        (GOOD.replace("cues: [data]", "cues: []"), "at least one cue"),
        (GOOD + "  - id: data_sharing\n    label: D\n    description: d\n    cues: [x]\n", "repeated: data_sharing"),
        (GOOD.replace("id: data_sharing", "id: Bad Id"), "themes.0.id"),
        (GOOD.replace("    cues: [data]", "    cues: [data]\n    colour: red"), "colour"),
    ],
)
def test_malformed_taxonomy_errors_clearly(tmp_path, text, message):
    with pytest.raises(TaxonomyError, match=message) as err:
        load_taxonomy(_write(tmp_path, text))
    assert "themes.yaml" in str(err.value)


def test_missing_taxonomy_file_names_the_path(tmp_path):
    with pytest.raises(TaxonomyError, match="not found"):
        load_taxonomy(tmp_path)


def test_parse_taxonomy_from_text():
    assert parse_taxonomy(GOOD).theme("data_sharing").label == "Data"
