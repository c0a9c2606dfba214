"""Classified evidence units on disk (units_cache.py), pools cut from the corpus-wide pool, and
"who is best" ranked in one pass: same results as before, caches invalidated on any change."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from local_settings import offline_settings

import assistant.evidence as evidence_module
import assistant.units_cache as units_cache
from assistant.chat.retrieval import best_units, unit_scores, units_by_report
from assistant.entities import Entities
from assistant.evidence import EvidenceBase, report_units
from assistant.good_practice import practice_hits
from assistant.service import Assistant


@pytest.fixture
def root(built_corpus: Path, tmp_path: Path) -> Path:
    for name in ("seeds", "vectorstore"):
        shutil.copytree(built_corpus / name, tmp_path / name)
    return tmp_path


@pytest.fixture
def classified(monkeypatch) -> list[str]:
    """The report ids ``report_units`` classifies from now on in this thread (not in another test's app
    warm-up still winding down)."""
    seen: list[str] = []
    real = evidence_module.report_units
    here = threading.current_thread()

    def counting(report, *args):
        if threading.current_thread() is here:
            seen.append(report.id)
        return real(report, *args)

    monkeypatch.setattr(evidence_module, "report_units", counting)
    return seen


def test_units_are_read_back_after_a_restart_and_equal_the_classified_ones(root, classified):
    first = Assistant(offline_settings(root))
    report = first.reports()[0]
    units = first.evidence.units(report)
    assert classified == [report.id]
    assert list((root / "vectorstore" / units_cache.FOLDER).glob("*.json"))

    again = Assistant(offline_settings(root))
    assert again.evidence.units(report) == units
    assert classified == [report.id], "read back, not classified again"
    assert units == tuple(report_units(report, again.taxonomy, again.evidence.cues, again.evidence.ecues))


def test_a_changed_report_cue_file_or_code_is_classified_again(root, classified, monkeypatch):
    a = Assistant(offline_settings(root))
    report = a.reports()[0]
    a.evidence.units(report)

    changed = report.model_copy(update={"content_hash": "another"})
    Assistant(offline_settings(root)).evidence.units(changed)
    assert classified == [report.id, report.id], "another content is another file"

    cues = root / "prompts"
    shutil.copytree(a.settings.prompts_dir, cues)
    path = cues / evidence_module.EVIDENCE_CUES_FILE
    path.write_text(path.read_text(encoding="utf-8") + "\npraise: ['proud of']\n", encoding="utf-8")
    other = EvidenceBase(a.taxonomy, cues, a.index)
    other.units(report)
    assert len(classified) == 3, "other cues are another file"

    monkeypatch.setattr(units_cache, "CODE", units_cache.CODE[:-1])
    EvidenceBase(a.taxonomy, a.settings.prompts_dir, a.index).units(report)
    assert len(classified) == 4, "other code is another file"


def test_units_of_reports_no_longer_loaded_are_pruned(root):
    a = Assistant(offline_settings(root))
    for r in a.reports():
        a.evidence.units(r)
    folder = root / "vectorstore" / units_cache.FOLDER
    assert len(list(folder.glob("*.json"))) == 2
    (root / "seeds" / sorted(p.name for p in (root / "seeds").glob("*.txt"))[0]).unlink()
    a.reload()
    assert len(list(folder.glob("*.json"))) == 1


def test_a_pool_cut_from_the_corpus_pool_equals_one_built_directly(root, monkeypatch):
    a = Assistant(offline_settings(root))
    monkeypatch.setattr(evidence_module, "POOL_FROM_CORPUS", 1)
    reports = a.reports()
    cut = a.evidence.pool(reports[1:], ("practice",))
    built = EvidenceBase(a.taxonomy, a.settings.prompts_dir, a.index)._build_pool(reports[1:], {"practice"}, True)
    assert cut.ids == built.ids and cut.texts == built.texts and cut.report_ids == built.report_ids
    assert list(cut.units) == list(built.units)
    assert cut.vectors is not None and built.vectors is not None
    assert np.array_equal(cut.vectors, built.vectors)
    for name in ("themes", "mechanism", "scores", "authorities"):
        assert np.array_equal(getattr(cut, name), getattr(built, name)), name
    for theme in ("coproduction", "data_sharing"):
        hits = practice_hits(cut, a.taxonomy, theme)
        assert np.array_equal(hits, practice_hits(built, a.taxonomy, theme)) and hits.any()
    assert cut.words == built.words
    whole = a.evidence.pool(reports, ("practice",))
    assert len(cut.ids) < len(whole.ids) and set(cut.report_ids) == {reports[1].id}


def test_pool_units_are_made_on_access_and_equal_the_reports_units(root):
    a = Assistant(offline_settings(root))
    report = a.reports()[0]
    pool = a.evidence.pool([report], ("practice", "shortfall"))
    units = [u for u in a.evidence.units(report) if u.kind in ("practice", "shortfall") and u.section == "key_findings"]
    assert list(pool.units) == units and pool.units[1:3] == units[1:3]
    assert pool.ids == tuple(u.id for u in units) and pool.texts == tuple(u.text for u in units)


@pytest.mark.parametrize("question", ["Who is best at hospital discharge?", "Which council is best at data sharing?"])
def test_best_ranks_one_pool_as_each_report_alone(root, question):
    a = Assistant(offline_settings(root))
    theme = Entities(a.reports(), a.taxonomy).theme(question)
    assert theme
    together = units_by_report(a, question, a.reports(), k=3, theme=theme)
    assert any(together.values())
    for report in a.reports():
        pool = a.evidence.pool([report], ("practice",))
        alone = best_units(unit_scores(a, pool, question, theme), np.arange(len(pool.ids)), pool, 3)
        assert [(round(s, 5), u) for s, u in together.get(report.id, [])] == [(round(s, 5), u) for s, u in alone]


def test_warm_up_reads_findings_and_builds_the_pool_and_stops_when_told(root):
    a = Assistant(offline_settings(root))
    a.warm_up(keep_going=lambda: False)
    assert not a._findings and not a.evidence._pools, "stopped before any work"
    a.warm_up()
    assert {key[0] for key in a._findings} == {r.id for r in a.reports()}
    pool = a.evidence.pool(a.reports(), ("practice",))
    assert a.evidence._pools and any(p is pool for p in a.evidence._pools.values()), "built by the warm-up"
