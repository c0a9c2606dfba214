"""The reports folder: manifest overrides, duplicates, rejected files, uploads."""

import pytest

from assistant.corpus import load_corpus, load_manifest, save_override, store_upload
from assistant.reports import ReportError

GOOD = b"""Kent: local authority assessment

Safeguarding

Score: 2

Key findings for this quality statement

There was a backlog of enquiries awaiting allocation and people were not always kept informed of progress.
"""


def test_seeds_load_with_no_errors(settings):
    corpus = load_corpus(settings)
    assert {r.authority: r.score for r in corpus.reports} == {"Gloucestershire": 2, "County Durham": 3}
    assert corpus.errors == []
    assert len(corpus.passages) == sum(len(r.passages) for r in corpus.reports)


def test_bad_files_are_listed_and_the_rest_loads(settings):
    (settings.seeds_dir / "empty.txt").write_bytes(b"")
    (settings.seeds_dir / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (settings.seeds_dir / "ignored.png").write_bytes(b"\x89PNG")
    corpus = load_corpus(settings)
    assert len(corpus.reports) == 2
    assert {e.source for e in corpus.errors} == {"empty.txt", "image.html"}
    assert all(e.reason for e in corpus.errors)


def test_duplicate_report_is_rejected_naming_the_original(settings):
    dup = settings.seeds_dir / "zz_copy.txt"
    dup.write_bytes((settings.seeds_dir / "003_730f7eafab9ef8c1.txt").read_bytes())
    corpus = load_corpus(settings)
    assert len(corpus.reports) == 2
    assert corpus.errors[0].source == "zz_copy.txt" and "003_730f7eafab9ef8c1.txt" in corpus.errors[0].reason


def test_manifest_corrects_authority_and_is_written_by_save_override(settings):
    save_override(settings, "000_f921ebe1722b3eed.txt", authority="Gloucestershire")
    assert load_manifest(settings.seeds_dir) == {"000_f921ebe1722b3eed.txt": {"authority": "Gloucestershire"}}
    glos = load_corpus(settings).find_report("glouc")
    assert not glos.authority_inferred
    save_override(settings, "000_f921ebe1722b3eed.txt", authority=None)
    assert load_manifest(settings.seeds_dir) == {}
    assert load_corpus(settings).find_report("glouc").authority_inferred


def test_malformed_manifest_is_reported_not_fatal(settings):
    (settings.seeds_dir / "reports.yaml").write_text("- just\n- a list\n")
    corpus = load_corpus(settings)
    assert len(corpus.reports) == 2 and corpus.errors[0].source == "reports.yaml"


def test_find_report_tolerant_and_clear_errors(settings):
    corpus = load_corpus(settings)
    assert corpus.find_report("durham").authority == "County Durham"
    assert corpus.find_report("DURHAM", "partnerships").authority == "County Durham"
    with pytest.raises(LookupError, match="Choices: .*Gloucestershire"):
        corpus.find_report("Kent")
    (settings.seeds_dir / "kent.txt").write_bytes(GOOD)
    (settings.seeds_dir / "kent2.txt").write_bytes(GOOD.replace(b"Kent", b"Kensington and Chelsea"))
    with pytest.raises(LookupError, match="ambiguous"):
        load_corpus(settings).find_report("ken")


def test_store_upload_validates_before_writing(settings):
    corpus = load_corpus(settings)
    with pytest.raises(ReportError):
        store_upload(settings, "bad.txt", b"\x00\x01binary", corpus)
    assert not (settings.seeds_dir / "bad.txt").exists()
    [r] = store_upload(settings, "../../etc/kent report.txt", GOOD, corpus)
    assert r.authority == "Kent" and (settings.seeds_dir / "kent_report.txt").exists()
    with pytest.raises(ReportError, match="already loaded"):
        store_upload(settings, "kent-again.txt", GOOD, load_corpus(settings))


WHOLE = b"""Kent County Council: local authority assessment

Quality statement scores

Safeguarding

Score: 2

Assessing needs

Score: 3

Theme 1: Working with people

Assessing needs

Score: 3

Key findings for this quality statement

Assessments were timely and people said staff listened to them, although waiting lists for therapy were long.

Theme 3: Ensuring safety

Safeguarding

Score: 2

Key findings for this quality statement

There was a backlog of enquiries awaiting allocation and people were not always kept informed of progress.
"""


def test_whole_assessment_file_loads_one_report_per_statement_with_section_overrides(settings):
    (settings.seeds_dir / "kent.txt").write_bytes(WHOLE)
    corpus = load_corpus(settings)
    kent = sorted((r for r in corpus.reports if r.authority == "Kent"), key=lambda r: r.source)
    assert [(r.source, r.file, r.quality_statement, r.score) for r in kent] == [
        ("kent.txt#assessing-needs", "kent.txt", "Assessing needs", 3),
        ("kent.txt#safeguarding", "kent.txt", "Safeguarding", 2),
    ]
    assert not corpus.errors
    save_override(settings, "kent.txt#safeguarding", quality_statement="Safe pathways, systems and transitions")
    save_override(settings, "kent.txt", authority="Kent County")
    statements = {r.source: (r.authority, r.quality_statement) for r in load_corpus(settings).reports}
    assert statements["kent.txt#safeguarding"] == ("Kent County", "Safe pathways, systems and transitions")
    assert statements["kent.txt#assessing-needs"] == ("Kent County", "Assessing needs")


def test_store_upload_of_a_whole_assessment_returns_every_section(settings):
    reports = store_upload(settings, "kent.txt", WHOLE, load_corpus(settings))
    assert [r.quality_statement for r in reports] == ["Assessing needs", "Safeguarding"]
    with pytest.raises(ReportError, match="already loaded from kent.txt#safeguarding"):
        store_upload(settings, "kent-safeguarding.txt", GOOD, load_corpus(settings))
