"""Workshop agenda: one item per shortfall theme, evidence, candidates and prompt templates."""

from __future__ import annotations

import pytest
from workshop_helpers import FINDINGS, PASSAGES, PLAN, PROMPTS_DIR, REPORT

from assistant.findings import find_findings
from assistant.reports import parse_file
from assistant.settings import PROJECT_ROOT
from assistant.themes import load_taxonomy
from assistant.workshop.agenda import build_agenda, load_workshop_prompts


def test_agenda_one_item_per_theme_with_evidence_prompts_and_candidates():
    items = build_agenda(FINDINGS, PLAN, PASSAGES, load_workshop_prompts(PROMPTS_DIR), {"data_sharing": "Data"})
    assert [i.theme for i in items] == ["data_sharing", "coproduction", "communication_continuity"]
    data, copro, comms = items
    assert data.title.startswith("Data: ") and copro.title == "Coproduction"  # merged item: theme label
    assert copro.shortfall_ids == [f"{REPORT}/s02", f"{REPORT}/s03"]
    assert copro.time_box_min > data.time_box_min  # two shortfalls get more time
    assert [c.action.id for c in data.candidates] == ["A1"] and [c.action.id for c in copro.candidates] == ["A2"]
    assert all(c.verified for c in data.evidence + copro.evidence)
    assert [c.verified for c in comms.evidence] == [False]  # a quote not in its passage is never verified
    assert data.good_practice[0].authority == "Exampleton"
    assert 2 <= len(data.prompts) <= 3 and any("Exampleton" in p for p in data.prompts)
    assert any("a lack of integrated information systems caused delays" in p for p in data.prompts)
    assert not any("{" in p for it in items for p in it.prompts)


def test_agenda_without_plan_has_no_candidates():
    items = build_agenda(FINDINGS, None, PASSAGES, load_workshop_prompts(PROMPTS_DIR))
    assert len(items) == 3 and all(not i.candidates and not i.good_practice for i in items)


def test_agenda_from_real_seed_findings():
    taxonomy = load_taxonomy(PROJECT_ROOT / "prompts")
    prompts = load_workshop_prompts(PROJECT_ROOT / "prompts")
    labels = {t.id: t.label for t in taxonomy.themes}
    for seed in sorted((PROJECT_ROOT / "seeds").glob("*.txt")):
        report = parse_file(seed)
        findings = find_findings(report, taxonomy)
        shortfalls = [f for f in findings.findings if f.kind == "shortfall"]
        items = build_agenda(findings, None, {p.id: p for p in report.passages}, prompts, labels)
        assert shortfalls and len(items) == len({f.theme for f in shortfalls})
        assert sorted(i for it in items for i in it.shortfall_ids) == sorted(f.id for f in shortfalls)
        for it in items:
            assert it.evidence and all(c.verified for c in it.evidence), it.title
            assert 2 <= len(it.prompts) <= 3
            assert it.title.split(":")[0] in labels.values() or it.theme not in labels


def test_prompt_themes_exist_in_taxonomy():
    ids = set(load_taxonomy(PROJECT_ROOT / "prompts").ids)
    assert set(load_workshop_prompts(PROJECT_ROOT / "prompts").themes) <= ids


def test_prompts_file_with_unknown_placeholder_is_refused(tmp_path):
    (tmp_path / "workshop_prompts.yaml").write_text(
        "time_box: {base_minutes: 10, per_shortfall_minutes: 5, max_minutes: 30}\n"
        "default: ['About {authority}', 'Leak {secret}']\n"
    )
    with pytest.raises(ValueError, match="secret"):
        load_workshop_prompts(tmp_path)
