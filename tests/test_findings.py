"""Findings: every shortfall and strength, quoted verbatim at clause level, themed, merged."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.citations import verify
from assistant.findings import CuesError, find_findings, load_cues, parse_cues
from assistant.models import Passage, Report
from assistant.reports import parse_file, parse_text
from assistant.settings import PROJECT_ROOT
from assistant.text import fold
from assistant.themes import load_taxonomy, parse_taxonomy

PROMPTS = PROJECT_ROOT / "prompts"
DURHAM = "county-durham/partnerships-and-communities"
GLOUCS = "gloucestershire/partnerships-and-communities"

SAFEGUARDING = """Northshire: local authority assessment
Safeguarding
Score: 2
2 - Evidence shows some shortfalls
What people expect
I feel safe and am supported to understand and manage any risks.
The local authority commitment
We work with people to understand what being safe means to them and work with our partners to develop the best way to achieve this.
Key findings for this quality statement
Safeguarding systems, processes and practices
There was a multi-agency safeguarding hub which received all safeguarding concerns. Partners told us the hub worked well and information was shared promptly. However, there was a backlog of safeguarding concerns awaiting triage, and some people waited several weeks before their concern was screened.
Section 42 enquiries were not always completed in a timely way. Staff told us that high caseloads meant enquiries were sometimes delayed, and managers did not have clear oversight of the timeliness of enquiries.
Responding to local safeguarding risks and issues
The Safeguarding Adults Board had a clear strategic plan and strong relationships with partners. Learning from safeguarding adults reviews was shared across the partnership through practice briefings, which staff said were valuable.
There was limited awareness of self-neglect among some provider staff, and the local authority had not yet delivered the training planned for this group.
Making safeguarding personal
People's views were not consistently recorded in safeguarding enquiries, and some people told us they did not feel involved in decisions about their safety.
Deprivation of Liberty Safeguards applications were screened promptly, with no delays in authorisation for people at highest risk.
"""

ASSESSING = """Westmoor: local authority assessment
Assessing needs
Score: 3
3 - Evidence shows a good standard
What people expect
I have care and support that is coordinated, and everyone works well together and with me.
The local authority commitment
We maximise the effectiveness of people's care and support by assessing and reviewing their health, care, wellbeing and communication needs with them.
Key findings for this quality statement
Assessment, care planning and review arrangements
People had a positive experience of assessment and told us staff listened to them. People did not have to wait long for an occupational therapy assessment.
There were waiting lists for Care Act assessments in the older people's team, with 240 people waiting at the time of our assessment. The local authority had a plan to reduce this, although the impact was not yet evident.
Occupational therapy waiting times had reduced significantly following the introduction of a triage clinic, which was an example of innovative practice.
Carers’ assessments were offered to unpaid carers, but uptake was low and some carers said they were unaware they could request one.
Young people moving into adult services did not always experience a smooth transition, and parents described a lack of planning before their child turned 18.
"""

CARE_PROVISION = """Southby: local authority assessment
Care provision, integration and continuity
Score: 1
1 - Evidence shows significant shortfalls
What people expect
I have care and support that is coordinated, and everyone works well together and with me.
The local authority commitment
We understand the diverse health and care needs of people and our local communities, so care is joined-up, flexible and supports choice and continuity.
Key findings for this quality statement
Understanding local needs for care and support
The market position statement was out of date and did not reflect current demand. Leaders acknowledged that commissioning intentions were still being developed.
There was insufficient homecare capacity in rural areas, and people were sometimes placed in residential care because no homecare package was available. People and carers described long waits for homecare to start after discharge from hospital.
Nursing home placements for people with dementia were hard to source locally, and 18% of people were placed out of area, away from family and friends.
Direct payment uptake was below the national average. People told us the process to set up a direct payment was complicated.
Ensuring quality of care provision
Quality assurance visits to care homes were carried out regularly and concerns were escalated promptly. However, there was no clear process for monitoring the quality of homecare, and the local authority relied on complaints to identify problems.
Unpaid carers said respite was difficult to book at short notice. The carers' centre offered valued support groups and information.
"""


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(PROMPTS)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory, taxonomy):
    """Report id -> (report, findings) for temp copies of the seed reports."""
    folder = tmp_path_factory.mktemp("seeds")
    out = {}
    for f in (PROJECT_ROOT / "seeds").iterdir():
        report = parse_file(shutil.copy(f, folder / f.name))
        out[report.id] = (report, find_findings(report, taxonomy))
    return out


def _variant(text: str, taxonomy):
    report = parse_text(text, "variant.txt", content_hash="variant")
    return report, find_findings(report, taxonomy)


def _shortfalls(rf):
    return [f for f in rf.findings if f.kind == "shortfall"]


def _quotes(findings):
    return [fold(c.quote) for f in findings for c in f.citations]


def _finding_quoting(findings, phrase):
    return next((f for f in findings if any(fold(phrase).lower() in fold(c.quote).lower() for c in f.citations)), None)


# ---------------------------------------------------------------------- seeds


def test_durham_clause_level_shortfalls_are_quoted_verbatim(seeds):
    report, rf = seeds[DURHAM]
    passages = {p.id: p for p in report.passages}
    shortfalls = _shortfalls(rf)
    for phrase in (
        "Co-production was not routine and to some felt tokenistic",
        "a focus on adult social care was at risk of being lost",
        "When workers changed there was little communication",
        "Reporting requirements to the local authority were intensive",
    ):
        finding = _finding_quoting(shortfalls, phrase)
        assert finding is not None, phrase
        citation = next(c for c in finding.citations if phrase.lower() in fold(c.quote).lower())
        rechecked = verify(citation, passages)
        assert citation.verified and rechecked is not None and rechecked.verified
    risk = _finding_quoting(shortfalls, "at risk of being lost")
    assert risk.theme == "asc_strategic_focus"
    assert risk.summary.startswith("A focus on adult social care was at risk of being lost")


def test_mitigated_gaps_are_not_shortfalls(seeds):
    _, rf = seeds[DURHAM]
    assert _finding_quoting(_shortfalls(rf), "no identified gaps in systems or processes") is None
    assert _finding_quoting(_shortfalls(rf), "minimal to no waiting times") is None
    assert _finding_quoting(_shortfalls(rf), "Twice weekly meetings took place to discuss delayed discharges") is None
    assert _finding_quoting(_shortfalls(rf), "Where teams weren’t fully integrated") is None


def test_gloucestershire_governance_gap_and_contrast_clauses(seeds):
    _, rf = seeds[GLOUCS]
    shortfalls = _shortfalls(rf)
    oversight = _finding_quoting(shortfalls, "gaps in strategic oversight of these agreements")
    assert oversight is not None and oversight.theme == "integration_governance"
    # the quote after ", but" is the clause from the marker on, not the whole sentence
    assert "but there were gaps in oversight of data and understanding performance." in _quotes(shortfalls)
    assert not any(q.startswith("We heard positive feedback about working arrangements") for q in _quotes(shortfalls))
    # the clause before ", but work was underway" is the shortfall; the mitigation is not quoted
    bcf = _finding_quoting(shortfalls, "had not yet achieved its aim around increasing access to reablement")
    assert bcf is not None and all("work was underway" not in c.quote for c in bcf.citations)
    assert _finding_quoting(shortfalls, "co-production work had only developed recently").theme == "coproduction"


def test_a_good_standard_report_still_has_shortfalls(seeds):
    report, rf = seeds[DURHAM]
    assert report.score == 3
    assert len(_shortfalls(rf)) >= 5


def test_every_citation_is_verified_and_a_clause_not_a_paragraph(seeds):
    for report, rf in seeds.values():
        passages = {p.id: p for p in report.passages}
        for finding in rf.findings:
            assert finding.citations
            for c in finding.citations:
                passage = passages[c.passage_id]
                assert passage.section == "key_findings"
                rechecked = verify(c, passages)
                assert c.verified and rechecked is not None and rechecked.verified
                assert fold(c.quote) in fold(passage.text)
                assert any(fold(c.quote) in fold(s) for s in passage.sentence_texts())


def test_ids_kinds_and_numbering(seeds):
    for report_id, (_, rf) in seeds.items():
        for kind, prefix in (("shortfall", "s"), ("strength", "g")):
            ids = [f.id for f in rf.findings if f.kind == kind]
            assert ids == [f"{report_id}/{prefix}{i:02d}" for i in range(1, len(ids) + 1)]
        shortfall_positions = [f.citations[0].passage_id for f in _shortfalls(rf)]
        assert shortfall_positions == sorted(shortfall_positions)


def test_summaries_are_one_readable_line(seeds, taxonomy):
    cues = load_cues(PROMPTS)
    for _, rf in seeds.values():
        for f in rf.findings:
            assert f.summary[0].isupper() or f.summary[0].isdigit() or f.summary[0] == "'"
            assert "\n" not in f.summary
            assert len(f.summary.split()) <= cues.summary_words + 5
            assert not f.summary.lower().startswith(("however", "but ", "for example"))
            assert f.theme in taxonomy.ids


def test_same_thing_merges_distinct_things_do_not(seeds):
    _, rf = seeds[DURHAM]
    shortfalls = _shortfalls(rf)
    systems = _finding_quoting(shortfalls, "a lack of integrated information systems")
    assert _finding_quoting([systems], "others had no access to partner information") is not None
    assert systems.theme == "data_sharing"
    funding = _finding_quoting(shortfalls, "wasn’t always well supported by funding arrangements")
    assert _finding_quoting([funding], "the tendering process was difficult") is not None
    coproduction = _finding_quoting(shortfalls, "Co-production was not routine")
    communication = _finding_quoting(shortfalls, "When workers changed there was little communication")
    assert len({systems.id, funding.id, coproduction.id, communication.id}) == 4


def test_strengths_worth_borrowing_are_found(seeds):
    _, durham = seeds[DURHAM]
    _, gloucs = seeds[GLOUCS]
    strengths = [f for f in durham.findings if f.kind == "strength"]
    assert _finding_quoting(strengths, "Durham Mental Wellbeing Alliance was shared as a good example") is not None
    assert _finding_quoting(strengths, "no identified gaps in systems or processes") is not None
    g_strengths = [f for f in gloucs.findings if f.kind == "strength"]
    assert _finding_quoting(g_strengths, "'Joining Up Your Information'").theme == "data_sharing"


def test_findings_are_deterministic(seeds, taxonomy):
    report, rf = seeds[GLOUCS]
    assert find_findings(report, taxonomy).model_dump() == rf.model_dump()


# ---------------------------------------------------------------------- other quality statements


def test_safeguarding_variant(taxonomy):
    report, rf = _variant(SAFEGUARDING, taxonomy)
    shortfalls = _shortfalls(rf)
    backlog = _finding_quoting(shortfalls, "there was a backlog of safeguarding concerns awaiting triage")
    assert backlog is not None and backlog.theme == "safeguarding"
    assert backlog.citations[0].quote.startswith("However, there was a backlog")
    for phrase in (
        "Section 42 enquiries were not always completed in a timely way",
        "limited awareness of self-neglect",
        "not consistently recorded in safeguarding enquiries",
    ):
        assert _finding_quoting(shortfalls, phrase) is not None, phrase
    assert _finding_quoting(shortfalls, "no delays in authorisation") is None
    assert _finding_quoting(shortfalls, "the hub worked well") is None
    strengths = [f for f in rf.findings if f.kind == "strength"]
    assert _finding_quoting(strengths, "no delays in authorisation") is not None
    assert {f.theme for f in shortfalls} <= {"safeguarding", "workforce", "performance_governance"}


def test_assessing_needs_variant(taxonomy):
    _, rf = _variant(ASSESSING, taxonomy)
    shortfalls = _shortfalls(rf)
    waiting = _finding_quoting(shortfalls, "There were waiting lists for Care Act assessments")
    assert waiting is not None and waiting.theme == "assessment_waiting"
    assert _finding_quoting(shortfalls, "uptake was low").theme == "carers"
    assert _finding_quoting(shortfalls, "did not always experience a smooth transition").theme == "transitions"
    assert _finding_quoting(shortfalls, "did not have to wait long") is None
    assert _finding_quoting(shortfalls, "waiting times had reduced significantly") is None


def test_care_provision_variant_with_significant_shortfalls(taxonomy):
    _, rf = _variant(CARE_PROVISION, taxonomy)
    shortfalls = _shortfalls(rf)
    for phrase in (
        "The market position statement was out of date",
        "insufficient homecare capacity in rural areas",
        "long waits for homecare",
        "were hard to source locally",
        "Direct payment uptake was below the national average",
        "there was no clear process for monitoring the quality of homecare",
        "respite was difficult to book",
    ):
        assert _finding_quoting(shortfalls, phrase) is not None, phrase
    assert {
        _finding_quoting(shortfalls, "homecare capacity").theme,
        _finding_quoting(shortfalls, "hard to source").theme,
    } == {"market_shaping"}
    assert _finding_quoting(shortfalls, "respite was difficult").theme == "carers"
    assert _finding_quoting(shortfalls, "concerns were escalated promptly") is None


def test_report_without_key_findings_gives_no_findings_and_a_note(taxonomy):
    passage = Passage(
        id="x/y/p01",
        report_id="x/y",
        authority="X",
        quality_statement="Y",
        section="commitment",
        position=1,
        text="We work with partners, but not always well.",
    )
    report = Report(
        id="x/y", authority="X", quality_statement="Y", source="x.txt", content_hash="h", passages=[passage]
    )
    rf = find_findings(report, taxonomy)
    assert rf.findings == []
    assert rf.notes and "no key findings" in rf.notes[0]


# ---------------------------------------------------------------------- the cue lexicon


def test_clauses_cut_at_contrast_markers_and_concessive_openers():
    cues = load_cues(PROMPTS)
    s = "Staff were positive, but gaps remained. "
    assert [s[a:b] for a, b in cues.clauses(s)] == ["Staff were positive", "but gaps remained."]
    s = "Although partners were engaged, waiting lists grew."
    assert [s[a:b] for a, b in cues.clauses(s)] == ["Although partners were engaged", "waiting lists grew."]
    s = "Not only did it fund them but also trained them."
    assert len(cues.clauses(s)) == 1


@pytest.mark.parametrize(
    ("clause", "kind"),
    [
        ("there were gaps in oversight", "shortfall"),
        ("with no identified gaps in systems", None),
        ("meetings took place to discuss delayed discharges", None),
        ("consultation was an afterthought", "shortfall"),
        ("guidance didn’t always align", "shortfall"),
        ("partners worked well together", "strength"),
        ("partners worked well together but were not always consulted", "shortfall"),
        ("the council published a plan", None),
        # descriptive wording that names no shortfall
        ("People with limited mobility were supported by the reablement team.", None),
        ("Staff supported people through difficult circumstances.", None),
        ("People knew how to raise concerns about their safety.", None),
        ("The strategy aimed to prevent, reduce and delay the need for care.", None),
        ("The local authority had reduced delays in hospital discharge by 30%.", None),
        ("People did not have to wait long for an assessment.", None),
        ("There were no concerns about the quality of care homes.", None),
        # ... and the same words where they do name one
        ("Capacity was limited in the east.", "shortfall"),
        ("It was difficult to get an appointment.", "shortfall"),
        ("Data quality was poor.", "shortfall"),
        ("Partners were positive, although some said communication needed to improve.", "shortfall"),
    ],
)
def test_kind_of_a_clause(clause, kind):
    assert load_cues(PROMPTS).kind(clause) == kind


def test_summary_drops_connectives_and_reporting_frames():
    cues = load_cues(PROMPTS)
    assert cues.summary("However, we heard from staff that delays were common.") == "Delays were common"
    long = "but " + " ".join(f"word{i}" for i in range(40))
    summary = cues.summary(long)
    assert summary.endswith("…") and summary.startswith("Word0") and len(summary.split()) <= cues.summary_words + 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("shortfall: [unclosed", "not valid YAML"),
        ("[1, 2]", "must hold a mapping"),
        ("contrast_markers: ['but']\nstrength: ['good']\n", "shortfall"),
        (
            "contrast_markers: ['but']\nstrength: ['good']\nshortfall: ['(unbalanced']\n",
            "not a valid regular expression",
        ),
    ],
)
def test_malformed_cue_lexicon_errors_clearly(text, message):
    with pytest.raises(CuesError, match=message):
        parse_cues(text, "finding_cues.yaml")


def test_missing_cue_lexicon_names_the_path(tmp_path):
    with pytest.raises(CuesError, match="not found"):
        load_cues(tmp_path)


def test_a_taxonomy_built_from_text_uses_the_project_cue_lexicon(seeds, taxonomy):
    report, rf = seeds[DURHAM]
    from_text = parse_taxonomy((PROMPTS / "themes.yaml").read_text(encoding="utf-8"))
    assert from_text.source is None
    assert find_findings(report, from_text).model_dump() == rf.model_dump()


def test_wrong_arguments_error_clearly(taxonomy):
    with pytest.raises(TypeError, match="needs a Report and a Taxonomy"):
        find_findings("not a report", taxonomy)  # type: ignore[arg-type]  # the wrong type is the point


_WORDS = [
    "However,",
    "but",
    "there",
    "were",
    "gaps",
    "in",
    "data",
    "sharing",
    "not",
    "always",
    "co-production",
    "felt",
    "tokenistic.",
    "Staff",
    "didn’t",
    "feel",
    "listened",
    "to,",
    "good",
    "example",
    "of",
    "‘Know",
    "Your",
    "Patch’",
    "delays",
    "no",
    "identified",
    "Where",
    "teams",
    "were",
    "integrated,",
    "although",
    "waiting",
    "lists",
    "grew.",
    "The",
    "council",
    "worked",
    "well",
    "e.g.",
    "—",
    "“quoted”",
    "\u00a0",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=30), min_size=1, max_size=4))
def test_any_key_findings_text_gives_verified_verbatim_quotes(paragraphs):
    taxonomy = load_taxonomy(PROMPTS)
    passages = [
        Passage(
            id=f"a/b/p{i:02d}",
            report_id="a/b",
            authority="A",
            quality_statement="B",
            section="key_findings",
            position=i,
            text=" ".join(words),
        )
        for i, words in enumerate(paragraphs, start=1)
    ]
    report = Report(id="a/b", authority="A", quality_statement="B", source="a.txt", content_hash="h", passages=passages)
    by_id = {p.id: p for p in passages}
    rf = find_findings(report, taxonomy)
    for finding in rf.findings:
        assert finding.citations and finding.summary
        for c in finding.citations:
            assert c.verified and c.quote in by_id[c.passage_id].text
