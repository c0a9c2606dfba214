"""Evidence units: kinds, ids, neighbours, mechanism signal and sentence vectors kept with the index."""

from __future__ import annotations

import numpy as np
import pytest
from local_settings import seeded_assistant

from assistant.evidence import EvidenceBase, classify, load_evidence_cues, passage_units
from assistant.findings import load_cues
from assistant.models import Passage
from assistant.service import Assistant
from assistant.settings import PROJECT_ROOT
from assistant.text import sentence_spans
from assistant.themes import load_taxonomy

PROMPTS = PROJECT_ROOT / "prompts"


@pytest.fixture(scope="module")
def cues():
    return load_cues(PROMPTS), load_evidence_cues(PROMPTS)


def _kind(text, cues):
    return classify(text, *cues)[0]


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("Read only access to information systems was available to support service delivery.", "practice"),
        ("Access to this information meant that people's needs were met in a timelier way.", "outcome"),
        ("This meant fewer people had to tell their story more than once.", "outcome"),
        ("The council was proud of their approach to integration.", "context"),
        ("The council had recognised this was an area of development for them.", "mitigation"),
        ("Co-production was not routine and to some felt tokenistic.", "shortfall"),
        (
            "Partners gave mostly positive feedback about their work with the council, "
            "but they also said co-production work had only developed recently.",
            "shortfall",
        ),
        ("Weekly panels took place to review hospital discharges.", "practice"),
        ("Better Care Fund is a funding stream from central government.", "context"),
    ],
)
def test_kinds(sentence, kind, cues):
    assert _kind(sentence, cues) == kind


def test_a_sentence_with_a_but_whose_other_half_is_a_gap_is_one_shortfall_unit(cues):
    text = "Partners praised the strategic links, but they said co-production had only developed recently."
    kind, praise, recognised, mixed = classify(text, *cues)
    assert kind == "shortfall"


def test_units_have_stable_ids_neighbours_themes_and_mechanism(cues):
    text = (
        "There were partnership boards covering learning disability and unpaid carers. "
        "We heard how these boards had been used to inform and agree strategic priorities. "
        "The feedback was positive."
    )
    spans = sentence_spans(text)
    from assistant.models import SentenceSpan

    p = Passage(
        id="exampleton/partnerships/p08",
        report_id="exampleton/partnerships",
        authority="Exampleton",
        quality_statement="Partnerships and communities",
        section="key_findings",
        position=8,
        text=text,
        sentences=[SentenceSpan(start=s, end=e) for s, e in spans],
    )
    units = passage_units(p, load_taxonomy(PROMPTS), *cues)
    assert [u.id for u in units] == [f"exampleton/partnerships/p08/s0{i}" for i in (1, 2, 3)]
    assert units[0].prev_id is None and units[0].next_id == units[1].id and units[2].prev_id == units[1].id
    assert units[0].mechanism > 0 and units[2].mechanism == 0
    assert all(abs(sum(u.themes.values()) - 1) < 0.01 for u in units if u.themes)
    assert all(u.text in text for u in units)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory) -> Assistant:
    return seeded_assistant(tmp_path_factory.mktemp("evidence"))


def test_sentence_vectors_are_kept_with_the_index_and_passages_derive_from_them(assistant):
    report = assistant.reports()[0]
    vectors = assistant.index.unit_vectors(report)
    units = assistant.evidence.units(report)
    assert vectors.shape == (len(units), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=0.01)
    assert list((assistant.settings.vectorstore_dir / "units").glob("*.npy"))
    # a fresh index over the same store reads them back instead of embedding again
    again = type(assistant.index)(assistant.settings, embedder=assistant.index.embedder)
    assert np.allclose(again.unit_vectors(report), vectors, atol=1e-2)


def test_pool_filters_by_kind_and_authority(assistant):
    base: EvidenceBase = assistant.evidence
    pool = base.pool(assistant.reports(), ("practice",))
    assert pool.units and all(u.kind == "practice" for u in pool.units)
    assert pool.vectors is not None and pool.vectors.shape[0] == len(pool.units)
    assert pool.themes.shape == (len(pool.units), len(base.theme_ids))
