"""Built-in findings kept on disk: a hit only for the same report, lexicons and code."""

from __future__ import annotations

import shutil

import pytest

from assistant import service
from assistant.findings import find_findings
from assistant.findings_cache import FindingsCache
from assistant.reports import parse_file
from assistant.settings import PROJECT_ROOT
from assistant.themes import load_taxonomy

PROMPTS = PROJECT_ROOT / "prompts"


@pytest.fixture
def report(seeds_dir):
    return parse_file(next(p for p in sorted(seeds_dir.iterdir()) if "County Durham" in p.read_text(encoding="utf-8")))


def test_round_trip_and_misses(tmp_path, report):
    cache = FindingsCache(tmp_path / "findings", PROMPTS)
    assert cache.get(report) is None
    found = find_findings(report, load_taxonomy(PROMPTS))
    cache.put(report, found)
    assert cache.get(report) == found
    assert cache.get(report.model_copy(update={"content_hash": "0" * 64})) is None  # the report changed

    prompts = tmp_path / "prompts"
    shutil.copytree(PROMPTS, prompts)
    assert FindingsCache(tmp_path / "findings", prompts).get(report) == found
    with open(prompts / "finding_cues.yaml", "a", encoding="utf-8") as f:
        f.write("\n# edited\n")
    assert FindingsCache(tmp_path / "findings", prompts).get(report) is None  # the lexicons changed


def test_corrupt_file_is_a_miss_and_prune_keeps_only_current_reports(tmp_path, report):
    cache = FindingsCache(tmp_path / "findings", PROMPTS)
    cache.put(report, find_findings(report, load_taxonomy(PROMPTS)))
    [path] = list((tmp_path / "findings").glob("*.json"))
    path.write_text("{not json", encoding="utf-8")
    assert cache.get(report) is None
    (tmp_path / "findings" / "stale.json").write_text("{}", encoding="utf-8")
    cache.prune([report])
    assert [p.name for p in (tmp_path / "findings").glob("*.json")] == [path.name]
    cache.prune([])
    assert not list((tmp_path / "findings").glob("*.json"))


def test_a_restarted_assistant_reads_findings_from_disk(settings, monkeypatch):
    first = service.Assistant(settings)
    durham = first.find_report("durham")
    plan = first.plan(durham)

    def not_again(*args, **kwargs):
        raise AssertionError("findings were found again after a restart")

    monkeypatch.setattr("assistant.engines.builtin.find_findings", not_again)
    restarted = service.Assistant(settings)
    assert restarted.plan(restarted.find_report("durham")) == plan


def test_another_embedder_is_a_miss(tmp_path, report):
    """Near-duplicate shortfalls are grouped by the embedder's vectors: another embedder may group them otherwise."""
    found = find_findings(report, load_taxonomy(PROMPTS))
    FindingsCache(tmp_path / "findings", PROMPTS, "builtin-minilm").put(report, found)
    assert FindingsCache(tmp_path / "findings", PROMPTS, "builtin-minilm").get(report) == found
    assert FindingsCache(tmp_path / "findings", PROMPTS, "openai:text-embedding-3-small").get(report) is None
