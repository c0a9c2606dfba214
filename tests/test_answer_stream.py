"""AnswerStream: a streamed model answer split into prose to show now and its citations block."""

from __future__ import annotations

import json

import pytest

from assistant.engines.answer_stream import AnswerStream
from assistant.models import Citation

P3 = "northshire/partnerships-and-communities/p03"
P4 = "northshire/partnerships-and-communities/p04"


def streamed(stream: AnswerStream, text: str, size: int) -> str:
    return "".join(stream.feed(text[i : i + size]) for i in range(0, len(text), size)) + stream.finish()


@pytest.mark.parametrize("size", [1, 3, 1000])
def test_answer_stream_splitter_is_chunking_independent(size):
    text = f'Gaps [p:{P3}] and [p:unknown/p1] more [p:{P4}; p:{P3}].\n**Citations:**\n{{"citations": []}}'
    stream = AnswerStream({P3, P4})
    shown = "".join(stream.feed(text[i : i + size]) for i in range(0, len(text), size)) + stream.finish()
    assert shown.strip() == "Gaps [1] and more [2][1]."
    assert stream.text([Citation(passage_id=P4, quote="q")]) == "Gaps and more [1]."
    assert stream.tail is not None
    assert stream.order == [P3, P4] and json.loads(stream.tail.split("\n", 1)[1]) == {"citations": []}


def test_answer_stream_holds_back_a_possible_citations_line():
    stream = AnswerStream(set())
    assert stream.feed("Answer text.\nCit") == "Answer text.\n"
    assert stream.feed("y councils agree.") == "City councils agree."


def test_answer_stream_hides_a_leading_think_block():
    stream = AnswerStream({P3})
    shown = [stream.feed(c) for c in ("<thi", "nk>Cite p03, [p:evil]", "?</think>\n", "Yes", f" [p:{P3}].")]
    assert "".join(shown) + stream.finish() == "Yes [1]."


def test_markers_are_held_back_until_complete_and_ids_match_case_insensitively():
    stream = AnswerStream({P3})
    assert stream.feed("Records were shared [p:NORTH") == "Records were shared"
    assert stream.feed(f"SHIRE{P3.removeprefix('northshire')}] late.") == " [1] late."
    assert stream.raw == f"Records were shared [p:{P3}] late."
    assert stream.marked


def test_a_lone_bracket_is_not_held_back_for_long():
    stream = AnswerStream(set())
    prose = "A list [see below " + "and more words " * 25
    assert stream.feed(prose) == prose.rstrip()


def test_a_fenced_json_block_starts_the_tail():
    stream = AnswerStream({P4})
    shown = streamed(stream, f"Engagement felt tokenistic [p:{P4}].\n```json\n" + '{"citations": []}\n```', 4)
    assert shown.strip() == "Engagement felt tokenistic [1]."
    assert stream.tail is not None and stream.tail.startswith("```json")


def test_ordered_puts_cited_passages_in_marker_order_first():
    stream = AnswerStream({P3, P4})
    streamed(stream, f"First [p:{P4}], then [p:{P3}].", 5)
    other = Citation(passage_id="elsewhere/p01", quote="c")
    cited = [other, Citation(passage_id=P3, quote="a"), Citation(passage_id=P4, quote="b")]
    assert [c.passage_id for c in stream.ordered(cited)] == [P4, P3, "elsewhere/p01"]
    assert stream.text(stream.ordered(cited)) == "First [1], then [2]."


def test_an_answer_without_markers_is_not_marked():
    stream = AnswerStream({P3})
    assert streamed(stream, "Nothing to cite here.", 2) == "Nothing to cite here."
    assert not stream.marked and stream.tail is None and stream.order == []
