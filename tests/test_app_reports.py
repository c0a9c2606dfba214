"""The Reports page in AppTest: corpus, findings, full text, corrections, uploads good and bad."""

from __future__ import annotations

from app_helpers import new_app
from report_helpers import renamed_durham, whole_assessment

from assistant.app.state import REPORT_TAB
from assistant.corpus import load_manifest


def _reports_page():
    at = new_app().switch_page("pages/reports.py").run()
    assert not at.exception
    return at


def _uploaded_names(at) -> list[str]:
    return at.dataframe[0].value["authority"].tolist()


def test_reports_listed_with_findings_and_full_text(app_settings):
    at = _reports_page()
    authorities = _uploaded_names(at)
    assert any("Gloucestershire" in a for a in authorities) and "County Durham" in authorities
    assert [t.label for t in at.tabs] == ["Findings", "Full text", "Correct metadata"]
    markdown = "\n".join(m.value for m in at.markdown)
    assert "Shortfalls (" in markdown and "¶1" not in markdown  # only the open tab is drawn
    _open_tab(at, "Full text")
    markdown = "\n".join(m.value for m in at.markdown)
    assert "¶1" in markdown and "Shortfalls (" not in markdown
    assert any(c.value.endswith("/p01") for c in at.caption)


def _open_tab(at, label: str) -> None:
    """What a click on the tab does: its label becomes the tabs' state and the page reruns."""
    at.session_state[REPORT_TAB] = label
    at.run()
    assert not at.exception


def test_inferred_metadata_is_marked_and_can_be_corrected(app_settings):
    at = _reports_page()
    at.selectbox(key="report-choice").set_value("gloucestershire/partnerships-and-communities").run()
    assert any("inferred" in w.value for w in at.warning)
    _open_tab(at, "Correct metadata")
    at.text_input(key="correct-authority-gloucestershire/partnerships-and-communities").set_value(
        "Gloucestershire County"
    )
    next(b for b in at.button if b.label == "Save correction").click()
    at.run()
    assert not at.exception
    manifest = load_manifest(app_settings.seeds_dir)
    assert any(entry.get("authority") == "Gloucestershire County" for entry in manifest.values())
    assert "Gloucestershire County" in _uploaded_names(at)


def test_good_upload_is_parsed_and_indexed(app_settings):
    at = _reports_page()
    text = renamed_durham(app_settings.seeds_dir, "Northumberland")
    at.file_uploader[0].set_value(("northumberland.txt", text.encode(), "text/plain"))
    at.run()
    assert not at.exception
    assert any("added Northumberland" in s.value for s in at.success), [e.value for e in at.error]
    assert "Northumberland" in _uploaded_names(at)
    chat = new_app()
    chat.chat_input[0].set_value("What are the main shortfalls for Northumberland?").run()
    assert not chat.exception
    assert any("tokenistic" in m.value for m in chat.markdown)


def test_whole_assessment_upload_adds_every_statement(app_settings):
    at = _reports_page()
    text = whole_assessment(app_settings.seeds_dir, "Northumberland")
    at.file_uploader[0].set_value(("northumberland.md", text.encode(), "text/markdown"))
    at.run()
    assert not at.exception
    [added] = [s.value for s in at.success]
    assert "Northumberland (Partnerships and communities)" in added and "Northumberland (Safeguarding)" in added
    statements = at.dataframe[0].value["quality statement"].tolist()
    assert statements.count("Safeguarding") == 1 and len(statements) == 4


def test_bad_upload_shows_a_clear_error_and_the_corpus_is_intact(app_settings):
    at = _reports_page()
    before = sorted(p.name for p in app_settings.seeds_dir.iterdir())
    at.file_uploader[0].set_value(("shopping.txt", b"eggs\nmilk\nbread\n", "text/plain"))
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors and "shopping.txt was not added" in errors[0] and "unchanged" in errors[0]
    assert sorted(p.name for p in app_settings.seeds_dir.iterdir()) == before
    assert len(_uploaded_names(at)) == 2


def test_upload_outcomes_are_typed_values(app_settings):
    from assistant.app.uploads import UploadOutcome

    at = _reports_page()
    at.file_uploader[0].set_value(
        [
            ("northumberland.txt", renamed_durham(app_settings.seeds_dir, "Northumberland").encode(), "text/plain"),
            ("empty.txt", b"", "text/plain"),
        ]
    )
    at.run()
    assert not at.exception
    outcomes = {o.name: o for o in at.session_state["uploads_done"].values()}
    assert all(isinstance(o, UploadOutcome) for o in outcomes.values())
    assert outcomes["northumberland.txt"].ok and outcomes["northumberland.txt"].added[0].startswith("Northumberland (")
    assert not outcomes["empty.txt"].ok and outcomes["empty.txt"].error
    assert any("empty.txt was not added" in e.value for e in at.error)


def test_filters_sort_and_search(app_settings):
    at = _reports_page()
    at.multiselect(key="reports-region").set_value(["North East"]).run()
    assert _uploaded_names(at) == ["County Durham"]
    at.multiselect(key="reports-region").set_value([]).run()
    at.multiselect(key="reports-type").set_value(["county"]).run()
    assert _uploaded_names(at) == ["Gloucestershire (inferred)"]
    at.multiselect(key="reports-type").set_value([]).run()
    at.selectbox(key="reports-sort").set_value("score (high first)").run()
    assert list(at.dataframe[0].value["score"]) == [3, 2]
    at.selectbox(key="reports-sort").set_value("score (low first)").run()
    assert list(at.dataframe[0].value["score"]) == [2, 3]
    at.text_input(key="reports-search").set_value("durham partnerships").run()
    assert _uploaded_names(at) == ["County Durham"]
    at.text_input(key="reports-search").set_value("nowhere at all").run()
    assert any("No report matches" in i.value for i in at.info)
