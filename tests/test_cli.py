"""``python -m assistant``: the JSON shapes other tools rely on, and clear errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from report_helpers import whole_assessment

from assistant.cli import main
from assistant.service import Assistant
from assistant.settings import PROJECT_ROOT


@pytest.fixture
def cli_env(app_settings):
    return app_settings


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_reports_json_contract(cli_env, capsys):
    code, out, _ = run(capsys, "reports", "--format", "json")
    assert code == 0
    rows = {r["authority"]: r for r in json.loads(out)["reports"]}
    assert set(rows) == {"Gloucestershire", "County Durham"}
    for key in ("id", "authority", "quality_statement", "score", "label", "source", "passages", "authority_inferred"):
        assert all(key in r for r in rows.values())
    assert rows["Gloucestershire"]["score"] == 2 and rows["Gloucestershire"]["authority_inferred"] is True
    assert rows["County Durham"]["score"] == 3 and rows["County Durham"]["authority_inferred"] is False


def test_reports_table_marks_inferred(cli_env, capsys):
    code, out, _ = run(capsys, "reports")
    assert code == 0 and "Gloucestershire (inferred)" in out and "County Durham\n" in out


def test_ingest_is_incremental_and_rejects_bad_files(cli_env, capsys, tmp_path):
    code, out, _ = run(capsys, "ingest")
    assert "0 passages embedded" in out and "2 unchanged" in out
    bad = tmp_path / "junk.txt"
    bad.write_bytes(b"\x00\x01\x02")
    good = tmp_path / "kent.txt"
    good.write_text(
        "Kent: local authority assessment\n\nSafeguarding\n\nScore: 2\n\nKey findings for this quality "
        "statement\n\nPeople were not always kept informed about the progress of enquiries.\n"
    )
    code, out, err = run(capsys, "ingest", str(bad), str(good))
    assert code == 1 and "Rejected junk.txt" in err and "binary" in err
    assert "Added kent.txt" in out and "3 reports" in out
    assert not (cli_env.seeds_dir / "junk.txt").exists()


def test_ingest_keeps_findings_and_evidence_units_for_the_app(cli_env, capsys, monkeypatch):
    code, out, _ = run(capsys, "ingest")
    assert code == 0 and "Findings and evidence sentences ready for 2 reports" in out
    # A fresh process (the app after a restart) reads both back instead of finding them again.
    import assistant.engines.builtin
    import assistant.evidence

    def not_again(*args, **kwargs):
        raise AssertionError("found again after ingest")

    monkeypatch.setattr(assistant.engines.builtin, "find_findings", not_again)
    monkeypatch.setattr(assistant.evidence, "report_units", not_again)
    code, out, _ = run(capsys, "ingest")  # up to date: nothing found again (nor read back)
    assert code == 0 and "ready for 2 reports" in out
    fresh = Assistant(cli_env)
    for report in fresh.reports():
        assert fresh.findings(report, engine="builtin").findings and fresh.evidence.units(report)


def test_search_json_with_filters(cli_env, capsys):
    code, out, _ = run(
        capsys,
        "search",
        "read only access to information systems",
        "--authority",
        "durham",
        "-k",
        "3",
        "--format",
        "json",
    )
    assert code == 0
    hits = json.loads(out)["hits"]
    assert 1 <= len(hits) <= 3 and all(h["authority"] == "County Durham" for h in hits)
    assert all(h["passage_id"].startswith("county-durham/partnerships-and-communities/p") for h in hits)
    assert any("Read only access" in h["text"] for h in hits)


def test_findings_json_contract(cli_env, capsys):
    code, out, _ = run(capsys, "findings", "--authority", "durham", "--format", "json")
    assert code == 0
    (report,) = json.loads(out)["reports"]
    assert (report["authority"], report["score"]) == ("County Durham", 3)
    kinds = {f["kind"] for f in report["findings"]}
    assert kinds == {"shortfall", "strength"}
    for f in report["findings"]:
        assert {"id", "kind", "theme", "summary", "citations"} <= set(f)
        assert f["citations"] and all(c["verified"] and c["passage_id"] and c["quote"] for c in f["citations"])


def test_plan_formats(cli_env, capsys, tmp_path):
    code, out, _ = run(capsys, "plan", "--authority", "durham", "--format", "json")
    assert code == 0
    plan = json.loads(out)
    assert {"authority", "quality_statement", "score", "engine", "actions"} <= set(plan)
    action = plan["actions"][0]
    for key in (
        "id",
        "title",
        "theme",
        "shortfall_ids",
        "evidence",
        "action",
        "owner",
        "timescale",
        "measures",
        "rag",
        "priority",
        "good_practice",
    ):
        assert key in action
    assert all(e["verified"] for a in plan["actions"] for e in a["evidence"])

    code, out, _ = run(capsys, "plan", "--authority", "glouc", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows and all(r["owner"] for r in rows)

    target = tmp_path / "plan.docx"
    code, out, _ = run(capsys, "plan", "--authority", "durham", "--format", "docx", "--out", str(target))
    assert code == 0 and target.read_bytes()[:2] == b"PK"

    md = tmp_path / "plan.md"
    code, _, _ = run(capsys, "plan", "--authority", "durham", "--out", str(md))
    assert code == 0 and md.read_text().startswith("# ")


def test_unknown_and_ambiguous_names_list_choices(cli_env, capsys):
    code, _, err = run(capsys, "plan", "--authority", "Kent")
    assert code == 2 and "Gloucestershire" in err and "County Durham" in err and "Traceback" not in err
    code, _, err = run(capsys, "search", "x", "--authority", "o")
    assert code == 2 and "ambiguous" in err
    code, _, err = run(capsys, "search", "   ")
    assert code == 2 and "error:" in err


def test_module_entry_point_runs(cli_env):
    proc = subprocess.run(
        [sys.executable, "-m", "assistant", "--help"], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60
    )
    assert proc.returncode == 0 and "ingest" in proc.stdout and "plan" in proc.stdout


def test_whole_assessment_file_becomes_one_report_per_statement(cli_env, capsys, tmp_path):
    whole = tmp_path / "northumberland.md"
    whole.write_text(whole_assessment(cli_env.seeds_dir, "Northumberland"), encoding="utf-8")
    code, out, err = run(capsys, "ingest", str(whole))
    assert code == 0, err
    assert "Added northumberland.md#partnerships-and-communities: Northumberland — Partnerships and communities" in out
    assert "Added northumberland.md#safeguarding: Northumberland — Safeguarding" in out
    code, out, err = run(capsys, "findings", "--authority", "northumberland")
    assert code != 0 and "ambiguous" in err and "Safeguarding" in err
    code, out, _ = run(
        capsys, "plan", "--authority", "northumberland", "--statement", "safeguarding", "--format", "json"
    )
    plan = json.loads(out)
    assert code == 0 and plan["quality_statement"] == "Safeguarding" and plan["score"] == 2
    assert any("backlog of enquiries" in e["quote"] for a in plan["actions"] for e in a["evidence"])
