"""Peer selections: region, type, a chosen list; from a CLI spec and from the words of a question."""

from __future__ import annotations

import pytest

from assistant.peers import PeerError, PeerSelection, load_councils, peer_selection, peer_selection_from_text


@pytest.fixture(scope="module")
def councils():
    return load_councils()


def test_region_selection_admits_only_that_region(councils):
    peers = PeerSelection.build(councils, region="North East")
    admitted = [c.name for c in councils if peers.admits(c.name)]
    assert len(admitted) == 12 and "Sunderland" in admitted and "Kent" not in admitted
    # Report authorities are matched tolerantly.
    assert peers.admits("Durham") and peers.admits("Durham County Council")
    assert not peers.admits("Gloucestershire") and not peers.admits("Unknown Town")
    assert peers.describe() == "councils in the North East"


def test_type_and_both(councils):
    counties = PeerSelection.build(councils, council_type="county")
    assert sum(counties.admits(c.name) for c in councils) == 21
    assert counties.describe() == "county councils"
    sw_unitaries = PeerSelection.build(councils, region="South West", council_type="unitary")
    assert sw_unitaries.admits("Cornwall") and not sw_unitaries.admits("Gloucestershire")
    assert not sw_unitaries.admits("Durham")
    assert sw_unitaries.describe() == "unitary councils in the South West"


def test_list_selection(councils):
    peers = PeerSelection.build(councils, names=["Kent", "Surrey County Council", "kent"])
    assert peers.names == ("Kent", "Surrey")
    assert peers.admits("Kent County Council") and not peers.admits("Essex")
    assert peers.describe() == "Kent and Surrey"
    with pytest.raises(PeerError, match="Atlantis"):
        PeerSelection.build(councils, names=["Kent", "Atlantis"])


def test_bad_selections_raise(councils):
    with pytest.raises(PeerError):
        PeerSelection.build(councils)
    with pytest.raises(PeerError, match="region"):
        PeerSelection.build(councils, region="Wessex")
    with pytest.raises(PeerError, match="type"):
        PeerSelection.build(councils, council_type="district")


def test_filter_keeps_peers_in_order(councils):
    peers = PeerSelection.build(councils, region="London")
    rows = [("Camden", 1), ("Kent", 2), ("London Borough of Barnet", 3)]
    assert peers.filter(rows, lambda r: r[0]) == [("Camden", 1), ("London Borough of Barnet", 3)]


@pytest.mark.parametrize(
    ("spec", "own", "expected"),
    [
        ("region", "Gloucestershire", "councils in the South West"),
        ("type", "Gloucestershire", "county councils"),
        ("type", "Barnet", "London boroughs"),
        ("both", "Cornwall", "unitary councils in the South West"),
        ("North West", None, "councils in the North West"),
        ("metropolitan", None, "metropolitan boroughs"),
        ("Kent, Durham", None, "Kent and County Durham"),
        ("Durham", None, "County Durham"),
    ],
)
def test_peer_selection_from_spec(councils, spec, own, expected):
    assert peer_selection(spec, councils, own=own).describe() == expected


def test_spec_errors(councils):
    with pytest.raises(PeerError, match="needs"):
        peer_selection("region", councils)
    with pytest.raises(PeerError, match="not in the council reference"):
        peer_selection("region", councils, own="Atlantis")
    with pytest.raises(PeerError, match="empty"):
        peer_selection("  ", councils)
    with pytest.raises(PeerError, match="Nowhere"):
        peer_selection("Kent,Nowhere", councils)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What do other London boroughs do about carers?", "London boroughs"),
        ("How do councils in the North East support discharge?", "councils in the North East"),
        ("what do county councils do about waiting lists", "county councils"),
        ("How does our score compare with our region?", "councils in the South West"),
        ("Show me councils like us", "county councils"),
        ("unitary councils in the South West", "unitary councils in the South West"),
        ("metropolitan boroughs in the north-west", "metropolitan boroughs in the North West"),
        ("What do Yorkshire councils do?", "councils in Yorkshire and The Humber"),
    ],
)
def test_peers_named_in_a_question(councils, text, expected):
    peers = peer_selection_from_text(text, councils, own="Gloucestershire")
    assert peers is not None and peers.describe() == expected


@pytest.mark.parametrize(
    "text",
    [
        "What are the main shortfalls for Gloucestershire?",
        "What does North East Lincolnshire say about carers?",
        "What does the London Borough of Barnet do?",
        "Compare East Sussex and West Sussex",
    ],
)
def test_questions_without_peers(councils, text):
    assert peer_selection_from_text(text, councils, own="Gloucestershire") is None


def test_our_region_needs_our_council(councils):
    assert peer_selection_from_text("how do we compare with our region", councils) is None
    assert peer_selection_from_text("how do we compare with our region", councils, own="Atlantis") is None
