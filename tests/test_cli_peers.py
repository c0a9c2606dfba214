"""``plan --peers``: good practice limited to peers (region, type, chosen councils), clear errors."""

from __future__ import annotations

import json

from assistant.cli import main


def _plan(capsys, *extra) -> tuple[int, dict, str]:
    code = main(["plan", "--authority", "glouc", "--format", "json", *extra])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else {}), err


def _sources(plan: dict) -> set[str]:
    return {gp["authority"] for a in plan["actions"] for gp in a["good_practice"]}


def test_peers_limit_good_practice(app_settings, capsys):
    code, everyone, _ = _plan(capsys)
    assert code == 0 and _sources(everyone) == {"County Durham"}

    # Gloucestershire is a South West county: Durham (a North East unitary) is neither.
    for spec in ("region", "type", "South West"):
        code, plan, _ = _plan(capsys, "--peers", spec)
        assert code == 0 and _sources(plan) == set(), spec
        assert any("Good practice from" in n and "only" in n for n in plan["notes"])
    code, plan, _ = _plan(capsys, "--peers", "region")
    assert "councils in the South West" in " ".join(plan["notes"])

    code, chosen, _ = _plan(capsys, "--peers", "Durham County Council,Kent")
    assert code == 0 and _sources(chosen) == {"County Durham"}
    assert "County Durham and Kent" in " ".join(chosen["notes"])


def test_unknown_peer_is_a_clear_error(app_settings, capsys):
    code, _, err = _plan(capsys, "--peers", "Atlantis")
    assert code == 2 and "Atlantis" in err and "Traceback" not in err
