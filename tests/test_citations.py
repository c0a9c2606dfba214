"""Quote verification: folding rules, correction, unknown ids, highlighting offsets."""

from assistant.citations import locate, quote_in_passage, verify, verify_all
from assistant.models import Citation, Passage, SentenceSpan
from assistant.text import fold, sentence_spans, slugify

TEXT = (
    "Staff identified that a lack of integrated information systems impacted on knowing people\u2019s needs. "
    "We heard that some staff experienced \u2018battles\u2019 with health \u2014 often weekly."
)


def passage(text: str = TEXT, pid: str = "x/y/p01") -> Passage:
    return Passage(
        id=pid,
        report_id="x/y",
        authority="X",
        quality_statement="Y",
        section="key_findings",
        position=1,
        text=text,
        sentences=[SentenceSpan(start=s, end=e) for s, e in sentence_spans(text)],
    )


def test_fold_normalises_quotes_dashes_spaces_and_nfkc():
    assert fold("\u201cA\u201d  \u2018b\u2019\u00a0\u2014\tc\ufb01") == "\"A\" 'b' - cfi"


def test_quote_verified_after_folding():
    assert quote_in_passage("some staff experienced 'battles' with health - often weekly", TEXT)
    assert quote_in_passage("a lack of integrated   information systems", TEXT)
    assert not quote_in_passage("a lack of joined-up information systems", TEXT)
    assert not quote_in_passage("staff", TEXT)  # too short to prove anything


def test_verify_marks_unknown_ids_and_paraphrases():
    ps = {"x/y/p01": passage()}
    ok = verify(Citation(passage_id="x/y/p01", quote="lack of integrated information systems"), ps)
    assert ok is not None and ok.verified and not ok.corrected
    assert verify(Citation(passage_id="x/y/p99", quote="lack of integrated information systems"), ps) is None
    para = verify(Citation(passage_id="x/y/p01", quote="Health and care staff fought constantly."), ps, correct=True)
    assert para is not None and not para.verified


def test_verify_corrects_near_verbatim_quote_to_exact_sentence():
    ps = {"x/y/p01": passage()}
    near = "Staff identified that a lack of integrated information system impacted on knowing peoples needs."
    fixed = verify(Citation(passage_id="x/y/p01", quote=near), ps, correct=True)
    assert fixed is not None and fixed.verified and fixed.corrected
    assert fixed.quote == TEXT[: TEXT.index("needs.") + len("needs.")]
    unfixed = verify(Citation(passage_id="x/y/p01", quote=near), ps)
    assert unfixed is not None and not unfixed.verified


def test_verify_all_drops_unknown_ids():
    ps = {"x/y/p01": passage()}
    out = verify_all(
        [
            Citation(passage_id="nope", quote="whatever it is"),
            Citation(passage_id="x/y/p01", quote="battles' with health"),
        ],
        ps,
    )
    assert [c.verified for c in out] == [True]


def test_locate_maps_back_to_original_offsets():
    span = locate("'battles' with health - often", TEXT)
    assert span is not None
    start, end = span
    assert TEXT[start:end] == "battles\u2019 with health \u2014 often"
    assert locate("not in there at all", TEXT) is None


def test_sentence_spans_and_slugify():
    text = "Dr. Smith said e.g. this. Second one! third lower? Fourth."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Dr. Smith said e.g. this.",
        "Second one! third lower?",
        "Fourth.",
    ]
    assert slugify("Bath & North East Somerset") == "bath-north-east-somerset"
    assert slugify("Partnerships and communities") == "partnerships-and-communities"
