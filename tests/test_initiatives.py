"""Work the report names (initiatives), mitigation and recognition cues, and plan dates."""

from __future__ import annotations

from datetime import date

from plan_helpers import make_report

from assistant.initiatives import already_exists, find_initiatives, is_mitigation, is_recognised
from assistant.plan_config import load_initiative_cues, load_plan_config
from assistant.schedule import add_months, baseline_text, months_of

CUES = load_initiative_cues()


def _report():
    return make_report(
        "Westshire",
        "Partnerships and communities",
        2,
        [
            "Information sharing was a challenge. There were initiatives designed to overcome this. "
            "For example, staff told us about 'Tell It Once Together', a shared record for partners.",
            "The Westshire Carers Alliance met every month. Staff had become trusted assessors.",
            "The local authority's digital strategy had been published.",
        ],
    )


def test_named_programmes_are_found_with_their_status_and_sentence():
    found = {i.name.removeprefix("the "): i for i in find_initiatives(_report(), CUES)}
    assert found["Tell It Once Together"].status == "in progress"  # "initiatives designed to overcome this"
    assert found["Westshire Carers Alliance"].status == "exists"
    assert "the digital strategy" not in found  # not a known programme kind
    tell = found["Tell It Once Together"]
    assert tell.citation.passage_id.endswith("/p01") and "Tell It Once Together" in tell.citation.quote


def test_mitigation_and_recognition_cues():
    assert is_mitigation("Gaps in transport were being addressed through a pilot.", CUES)
    assert not is_mitigation("Gaps in transport left people isolated.", CUES)
    assert is_recognised("The local authority had recognised this was an area of development for them.", CUES)
    assert not is_recognised("Co-production was not routine.", CUES)


def test_what_already_exists_is_recognised_by_its_cue_words():
    report = _report()
    assert already_exists("trusted assessor", report, CUES)
    assert not already_exists("partnership board", report, CUES)


def test_dates_from_timescales():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 4), 3) == date(2028, 2, 4)
    assert months_of("6 months") == 6 and months_of("12 weeks") == 3 and months_of("by spring") is None
    config = load_plan_config()
    assert baseline_text("a case audit", date(2027, 1, 4), config) == "to be set from a case audit by 4 March 2027"
