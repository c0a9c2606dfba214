"""Findings grouped by meaning: near-duplicate shortfalls become one finding; unrelated ones stay apart."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from assistant.embeddings import get_embedder
from assistant.findings import find_findings
from assistant.reports import parse_file
from assistant.settings import PROJECT_ROOT, Settings
from assistant.text import fold
from assistant.themes import load_taxonomy

DURHAM = "county-durham/partnerships-and-communities"
GLOUCS = "gloucestershire/partnerships-and-communities"


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(PROJECT_ROOT / "prompts")


@pytest.fixture(scope="module")
def embed():
    embedder = get_embedder(Settings())
    return lambda texts: np.asarray(embedder.embed_documents(list(texts)), dtype=np.float32)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seeds")
    out = {}
    for f in (PROJECT_ROOT / "seeds").iterdir():
        report = parse_file(shutil.copy(f, folder / f.name))
        out[report.id] = report
    return out


def _finding(rf, phrase):
    return [
        f
        for f in rf.findings
        if f.kind == "shortfall" and any(fold(phrase).lower() in fold(c.quote).lower() for c in f.citations)
    ]


def test_gloucestershire_data_sharing_pair_is_one_finding_with_both_quotes(reports, taxonomy, embed):
    rf = find_findings(reports[GLOUCS], taxonomy, embed=embed)
    incompatible = _finding(rf, "Recording systems were often incompatible")
    sharing = _finding(rf, "information sharing could be a challenge")
    assert len(incompatible) == 1 and incompatible == sharing
    assert all(c.verified for c in incompatible[0].citations)


def test_without_vectors_the_pair_falls_back_to_word_overlap(reports, taxonomy):
    rf = find_findings(reports[GLOUCS], taxonomy)
    assert _finding(rf, "Recording systems were often incompatible")
    assert _finding(rf, "information sharing could be a challenge")


def test_unrelated_shortfalls_stay_apart(reports, taxonomy, embed):
    durham = find_findings(reports[DURHAM], taxonomy, embed=embed)
    funding = _finding(durham, "wasn't always well supported by funding arrangements")
    integrated = _finding(durham, "Integrated arrangements did not always work well")
    assert funding and integrated and funding[0].id != integrated[0].id
    gloucs = find_findings(reports[GLOUCS], taxonomy, embed=embed)
    workforce = _finding(gloucs, "workforce remained an issue in the provider market")
    data = _finding(gloucs, "Recording systems were often incompatible")
    assert workforce and data and workforce[0].id != data[0].id


def test_a_failing_embedder_loses_nothing(reports, taxonomy):
    plain = find_findings(reports[GLOUCS], taxonomy)
    broken = find_findings(reports[GLOUCS], taxonomy, embed=lambda texts: None)
    assert [f.citations for f in broken.findings] == [f.citations for f in plain.findings]
