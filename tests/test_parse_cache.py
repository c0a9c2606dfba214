"""Parsed reports kept on disk (vectorstore/parsed/): a restart reads them back; any change is a miss."""

from __future__ import annotations

import pytest

import assistant.parse_cache as parse_cache
from assistant.corpus import load_corpus, save_override


def _cached(settings) -> list:
    folder = settings.vectorstore_dir / "parsed"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def _no_parsing(monkeypatch) -> None:
    def fail(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(parse_cache, "parse_reports", fail)


def test_second_load_reads_the_parsed_reports_back(settings, monkeypatch):
    first = load_corpus(settings)
    assert len(_cached(settings)) == len(first.reports) == 2
    _no_parsing(monkeypatch)
    second = load_corpus(settings)
    assert [r.model_dump() for r in second.reports] == [r.model_dump() for r in first.reports]


def test_a_manifest_correction_or_an_edited_file_is_parsed_again(settings, monkeypatch):
    first = load_corpus(settings)
    glouc = next(r for r in first.reports if r.authority == "Gloucestershire")
    save_override(settings, glouc.source, authority="South Gloucestershire")
    assert "South Gloucestershire" in {r.authority for r in load_corpus(settings).reports}
    path = settings.seeds_dir / glouc.file
    path.write_text(path.read_text(encoding="utf-8").replace("partnership", "alliance"), encoding="utf-8")
    again = next(r for r in load_corpus(settings).reports if r.authority == "South Gloucestershire")
    assert again.content_hash != glouc.content_hash
    assert len(_cached(settings)) == 2, "files of old versions are pruned"


def test_a_damaged_cache_file_is_parsed_again(settings):
    first = load_corpus(settings)
    for path in _cached(settings):
        path.write_text("{not json", encoding="utf-8")
    assert [r.id for r in load_corpus(settings).reports] == [r.id for r in first.reports]


def test_removed_reports_leave_the_cache(settings):
    load_corpus(settings)
    victim = sorted(settings.seeds_dir.glob("*.txt"))[0]
    victim.unlink()
    assert len(load_corpus(settings).reports) == 1
    assert len(_cached(settings)) == 1


@pytest.mark.parametrize("content", [b"", b"not a report at all"])
def test_bad_files_are_rejected_every_time(settings, content):
    (settings.seeds_dir / "bad.txt").write_bytes(content)
    for _ in range(2):
        corpus = load_corpus(settings)
        assert any(e.source == "bad.txt" for e in corpus.errors) and len(corpus.reports) == 2
