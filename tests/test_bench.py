"""The benchmarks still run (tiny sizes, no timing asserted: targets live in bench/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from assistant.settings import PROJECT_ROOT


def bench(script: str, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, f"bench/{script}", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_index_bench_smoke():
    out = bench("bench_index.py", "--sections", "4", "--json")
    figures = json.loads(out[out.index("\n{\n") + 1 :])
    assert figures["passages"] > 0 and figures["query_p95_ms"] > 0


@pytest.mark.parametrize("script", ["bench_findings.py", "bench_plan.py"])
def test_findings_and_plan_bench_smoke(script):
    out = bench(script, "--sections", "4")
    assert "synthetic" in out and "seeds" in out


def test_national_bench_smoke():
    out = bench("bench_national.py", "--sections", "6", "--no-browser", "--no-write")
    assert "## National view" in out and "good practice per shortfall, peers = same region" in out
