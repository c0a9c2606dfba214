"""The council reference data (assistant/data/councils.csv): 153 councils, 9 regions, known examples."""

from __future__ import annotations

from collections import Counter

import pytest

from assistant.peers import COUNCIL_TYPES, COUNCILS_FILE, REGIONS, load_councils
from assistant.reports import authority_gazetteer, infer_authority


def test_file_names_its_source():
    header = COUNCILS_FILE.read_text(encoding="utf-8").splitlines()[:10]
    assert any("Source:" in line and "ONS" in line for line in header)


def test_153_unique_councils_in_9_regions_of_allowed_types():
    councils = load_councils()
    assert len(councils) == 153
    names = [c.name for c in councils]
    assert len(set(names)) == 153
    assert {c.region for c in councils} == set(REGIONS) and len(REGIONS) == 9
    assert {c.type for c in councils} <= set(COUNCIL_TYPES)
    # Every name and alias leads to one council only.
    keys = Counter(n.lower() for c in councils for n in c.names)
    assert [k for k, n in keys.items() if n > 1] == []


def test_counts_by_region_and_type_after_the_2023_changes():
    councils = load_councils()
    by_region = Counter(c.region for c in councils)
    assert by_region == {
        "North East": 12,
        "North West": 24,
        "Yorkshire and The Humber": 15,
        "East Midlands": 10,
        "West Midlands": 14,
        "East of England": 11,
        "London": 33,
        "South East": 19,
        "South West": 15,
    }
    assert Counter(c.type for c in councils) == {
        "county": 21,
        "metropolitan borough": 36,
        "unitary": 63,
        "London borough": 33,
    }


@pytest.mark.parametrize(
    ("name", "region", "kind"),
    [
        ("County Durham", "North East", "unitary"),
        ("Gloucestershire", "South West", "county"),
        ("Cumberland", "North West", "unitary"),
        ("Westmorland and Furness", "North West", "unitary"),
        ("North Yorkshire", "Yorkshire and The Humber", "unitary"),
        ("Somerset", "South West", "unitary"),
        ("Buckinghamshire", "South East", "unitary"),
        ("North Northamptonshire", "East Midlands", "unitary"),
        ("Kent", "South East", "county"),
        ("Lancashire", "North West", "county"),
        ("Manchester", "North West", "metropolitan borough"),
        ("Sunderland", "North East", "metropolitan borough"),
        ("Birmingham", "West Midlands", "metropolitan borough"),
        ("Leeds", "Yorkshire and The Humber", "metropolitan borough"),
        ("Camden", "London", "London borough"),
        ("City of London", "London", "London borough"),
        ("Isles of Scilly", "South West", "unitary"),
        ("Essex", "East of England", "county"),
        ("Herefordshire", "West Midlands", "unitary"),
        ("Bournemouth, Christchurch and Poole", "South West", "unitary"),
    ],
)
def test_known_examples(name, region, kind):
    council = load_councils().get(name)
    assert (council.name, council.region, council.type) == (name, region, kind)


def test_gone_councils_are_not_listed():
    councils = load_councils()
    for gone in ("Cumbria", "Northamptonshire"):
        assert councils.match(gone) is None


@pytest.mark.parametrize(
    ("written", "official"),
    [
        ("Durham", "County Durham"),
        ("Durham County Council", "County Durham"),
        ("Gloucestershire County Council", "Gloucestershire"),
        ("London Borough of Barnet", "Barnet"),
        ("Royal Borough of Greenwich", "Greenwich"),
        ("City of York Council", "York"),
        ("Council of the Isles of Scilly", "Isles of Scilly"),
        ("Herefordshire, County of", "Herefordshire"),
        ("Bristol City Council", "Bristol"),
        ("Brighton & Hove City Council", "Brighton and Hove"),
        ("stockton-on-tees borough council", "Stockton-on-Tees"),
        ("Kingston upon Hull City Council", "Kingston upon Hull"),
        ("City of London Corporation", "City of London"),
    ],
)
def test_names_match_tolerantly(written, official):
    assert load_councils().get(written).name == official


def test_unknown_names_do_not_match():
    councils = load_councils()
    assert councils.match("Atlantis County Council") is None
    assert councils.match("") is None
    assert councils.match("Council") is None


def test_the_parser_uses_the_same_list():
    assert [official for official, _ in authority_gazetteer()] == [c.name for c in load_councils()]
    assert infer_authority("Durham County Council works with partners across Durham.") == "County Durham"
