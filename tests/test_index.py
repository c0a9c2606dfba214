"""The hybrid index: incremental sync, embedder switch, BM25 + dense search, filters."""

from __future__ import annotations

import hashlib
import json

import bm25s
import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from assistant import text
from assistant.embeddings import Embedder, get_embedder
from assistant.index import BM25_DIR, MANIFEST, Index, tokenise, tokeniser_fingerprint
from assistant.models import Passage, Report, SectionName
from assistant.reports import parse_file
from assistant.settings import Settings
from assistant.text import slugify


@pytest.fixture(scope="module")
def embedder():
    return get_embedder(Settings(embedder="builtin"))


class CountingEmbedder(Embeddings):
    """Wraps an embedder and counts the texts it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.id, self.embedded = inner, inner.id, 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


class TinyEmbedder(Embeddings):
    """A deterministic 16-dim bag-of-words embedder standing in for another model."""

    id = "fake:tiny"

    def _vector(self, text: str) -> list[float]:
        v = np.zeros(16)
        for word in tokenise(text):
            v[int(hashlib.md5(word.encode()).hexdigest(), 16) % 16] += 1
        return (v / (np.linalg.norm(v) or 1)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


def make_report(authority: str, statement: str, paragraphs: list[str], version: str = "1") -> Report:
    report_id = f"{slugify(authority)}/{slugify(statement)}"
    key_findings: list[SectionName] = ["key_findings"] * (len(paragraphs) - 1)
    sections: list[SectionName] = ["what_people_expect", *key_findings]
    return Report(
        id=report_id,
        authority=authority,
        quality_statement=statement,
        score=2,
        source=f"{slugify(authority)}.txt",
        content_hash=hashlib.sha256(("".join(paragraphs) + version).encode()).hexdigest(),
        passages=[
            Passage(
                id=f"{report_id}/p{n:02d}",
                report_id=report_id,
                authority=authority,
                quality_statement=statement,
                section=section,
                position=n,
                text=text,
            )
            for n, (section, text) in enumerate(zip(sections, paragraphs, strict=True), start=1)
        ],
    )


NORTH = make_report(
    "Northshire",
    "Partnerships and communities",
    [
        "I have care and support that is coordinated, and everyone works well together and with me.",
        "The Shared Lives scheme matched adults with carers who opened their homes to them.",
        "Voluntary sector partners said commissioning felt tokenistic and they were engaged late.",
        "Hospital discharge was delayed because there were not enough home care workers.",
    ],
)
SOUTH = make_report(
    "Southborough",
    "Safeguarding",
    [
        "I feel safe and am supported to understand and manage any risks.",
        "Safeguarding enquiries were completed promptly and people were kept informed.",
        "Partnership working with police and health was strong at a strategic level.",
    ],
)
EAST = make_report(
    "Eastford",
    "Assessing needs",
    [
        "I have care and support that enables me to live as I want to.",
        "Waiting lists for occupational therapy assessments were long.",
    ],
)


@pytest.fixture
def index(settings, embedder) -> Index:
    return Index(settings, embedder=CountingEmbedder(embedder))


def test_first_sync_embeds_everything_then_nothing(index, settings, embedder):
    calls: list[tuple[int, int]] = []
    stats = index.sync([NORTH, SOUTH], progress=lambda done, total: calls.append((done, total)))
    assert (stats.added_reports, stats.embedded_passages, index.embedder.embedded) == (2, 7, 7)
    assert calls[0] == (0, 7) and calls[-1] == (7, 7)

    again = index.sync([NORTH, SOUTH])
    assert (again.unchanged_reports, again.embedded_passages, index.embedder.embedded) == (2, 0, 7)

    # A fresh process on the same folder: nothing embedded, search works at once.
    counter = CountingEmbedder(embedder)
    fresh = Index(settings, embedder=counter)
    stats = fresh.sync([NORTH, SOUTH])
    assert (stats.unchanged_reports, stats.embedded_passages, counter.embedded) == (2, 0, 0)
    assert fresh.search("Shared Lives scheme", k=1)[0].passage.id == NORTH.passages[1].id


def test_changed_report_is_reembedded_alone_and_stale_passages_go(index):
    index.sync([NORTH, SOUTH])
    shorter = make_report(
        "Northshire",
        "Partnerships and communities",
        [p.text for p in NORTH.passages[:2]] + ["Advocacy waiting times had grown to six months."],
        version="2",
    )
    index.embedder.embedded = 0
    stats = index.sync([shorter, SOUTH])
    assert (stats.updated_reports, stats.unchanged_reports, stats.embedded_passages) == (1, 1, 3)
    assert index.embedder.embedded == 3
    stored = index._collection.get(where={"report_id": NORTH.id})["ids"]
    assert sorted(stored) == [p.id for p in shorter.passages]
    hits = index.search("hospital discharge delayed home care workers", k=10)
    assert NORTH.passages[3].id not in {h.passage.id for h in hits}


def test_removed_report_is_deleted(index):
    index.sync([NORTH, SOUTH, EAST])
    stats = index.sync([NORTH, SOUTH])
    assert (stats.removed_reports, stats.embedded_passages) == (1, 0)
    assert index._collection.get(where={"report_id": EAST.id})["ids"] == []
    hits = index.search("occupational therapy waiting lists", k=10)
    assert all(h.passage.report_id != EAST.id for h in hits)


def test_lost_manifest_is_rebuilt_from_the_store_without_embedding(index, settings):
    index.sync([NORTH, SOUTH])
    (settings.vectorstore_dir / MANIFEST).unlink()
    index.embedder.embedded = 0
    stats = index.sync([NORTH, SOUTH, EAST])
    assert (stats.unchanged_reports, stats.added_reports, index.embedder.embedded) == (2, 1, 2)
    manifest = json.loads((settings.vectorstore_dir / MANIFEST).read_text())
    assert sorted(manifest["reports"]) == sorted([NORTH.id, SOUTH.id, EAST.id])

    (settings.vectorstore_dir / MANIFEST).write_text(json.dumps({"embedder": index.embedder_id, "reports": [1]}))
    stats = index.sync([NORTH, SOUTH, EAST])
    assert (stats.unchanged_reports, stats.embedded_passages) == (3, 0)


def test_switching_embedder_rebuilds(index, settings, embedder):
    index.sync([NORTH, SOUTH])
    tiny = Index(settings, embedder=TinyEmbedder())
    stats = tiny.sync([NORTH, SOUTH])
    assert stats.rebuilt and (stats.added_reports, stats.embedded_passages) == (2, 7)
    assert json.loads((settings.vectorstore_dir / MANIFEST).read_text())["embedder"] == "fake:tiny"
    assert tiny.search("Shared Lives", k=1)[0].passage.id == NORTH.passages[1].id
    back = Index(settings, embedder=embedder).sync([NORTH, SOUTH])
    assert back.rebuilt and back.embedded_passages == 7


def test_rare_keyword_found_by_bm25(index):
    index.sync([NORTH, SOUTH, EAST])
    hit = index.search("Shared Lives", k=3)[0]
    assert hit.passage.id == NORTH.passages[1].id
    assert hit.bm25_rank == 1


def test_paraphrase_found_by_dense_leg(index):
    index.sync([NORTH, SOUTH, EAST])
    hits = index.search("charities complained they were brought in at the last minute", k=3)
    top = hits[0]
    assert top.passage.id == NORTH.passages[2].id
    assert top.dense_rank == 1 and top.bm25_rank is None  # no shared words: dense alone found it
    assert hits == sorted(hits, key=lambda h: -h.score)


def test_filters_apply_to_both_legs(index):
    index.sync([NORTH, SOUTH, EAST])
    query = "partnership working with police and health"
    assert {h.passage.authority for h in index.search(query, k=10, authority="Northshire")} == {"Northshire"}
    assert {h.passage.report_id for h in index.search(query, k=10, report_id=EAST.id)} == {EAST.id}
    by_statement = index.search(query, k=10, statement="Safeguarding", section="key_findings")
    assert {(h.passage.quality_statement, h.passage.section) for h in by_statement} == {
        ("Safeguarding", "key_findings")
    }
    assert by_statement[0].passage.id == SOUTH.passages[2].id and by_statement[0].bm25_rank == 1
    assert index.search(query, authority="Nowhere") == []


def test_bad_queries_are_refused(index):
    index.sync([NORTH])
    for query in ("", "   \n"):
        with pytest.raises(ValueError, match="empty"):
            index.search(query)
    with pytest.raises(ValueError, match="k must be"):
        index.search("carers", k=0)
    assert index.search("the and of", k=2)  # only stopwords: the dense leg still answers


def test_tokeniser_drops_stopwords_and_plurals():
    assert tokenise("The carers' assessments weren't timely; Shared Lives was 2 weeks late.") == [
        "carer",
        "assessment",
        "timely",
        "shared",
        "live",
        "week",
        "late",
    ]


def test_tokeniser_joins_hyphenated_words_and_drops_possessives():
    assert tokenise("Co-production with the council\u2019s partners") == ["coproduction", "council", "partner"]
    assert tokenise("co-production") == tokenise("coproduction")


def _bm25_builds(monkeypatch) -> list[int]:
    """Counts BM25 indexes built (not loaded from disk) from now on."""
    built: list[int] = []
    original = bm25s.BM25.index

    def counting(self, corpus, *args, **kwargs):
        built.append(len(corpus))
        return original(self, corpus, *args, **kwargs)

    monkeypatch.setattr(bm25s.BM25, "index", counting)
    return built


def test_saved_bm25_index_is_reused_while_the_tokeniser_is_unchanged(settings, embedder, monkeypatch):
    Index(settings, embedder=embedder).sync([NORTH, SOUTH])
    built = _bm25_builds(monkeypatch)
    Index(settings, embedder=embedder).sync([NORTH, SOUTH])
    assert built == []


def test_a_tokeniser_change_rebuilds_the_saved_bm25_index(settings, embedder, monkeypatch):
    Index(settings, embedder=embedder).sync([NORTH, SOUTH])
    digest = (settings.vectorstore_dir / BM25_DIR / "digest").read_text()
    before = tokeniser_fingerprint()

    # A different tokenizer in text.py: words no longer lose their plural "s".
    monkeypatch.setattr(text, "fold_word", lambda word: word.replace("'", "").replace("-", ""))
    assert tokeniser_fingerprint() != before
    built = _bm25_builds(monkeypatch)
    fresh = Index(settings, embedder=embedder)
    fresh.sync([NORTH, SOUTH])

    assert built == [7]
    assert (settings.vectorstore_dir / BM25_DIR / "digest").read_text() != digest
    hit = fresh.search("carers", k=1, section="key_findings")[0]  # "carers" is a term only under the new tokenizer
    assert hit.passage.id == NORTH.passages[1].id and hit.bm25_rank == 1


def test_duplicate_report_ids_are_refused(index):
    with pytest.raises(ValueError, match="same id"):
        index.sync([NORTH, NORTH.model_copy(update={"source": "copy.txt"})])


def test_collection_is_cosine_and_tagged_with_embedder(index):
    index.sync([NORTH])
    assert index._collection.configuration["hnsw"]["space"] == "cosine"
    assert index._collection.metadata["embedder"] == index.embedder_id


def test_parsed_seed_reports(index, seeds_dir):
    reports = [parse_file(p) for p in sorted(seeds_dir.glob("*.txt"))]
    stats = index.sync(reports)
    assert stats.embedded_passages == sum(len(r.passages) for r in reports)
    durham = next(r for r in reports if "Durham" in r.authority)
    hits = index.search("mental wellbeing alliance of voluntary providers", k=3, authority=durham.authority)
    assert hits and all(h.passage.report_id == durham.id for h in hits)
    assert "Alliance" in hits[0].passage.text
