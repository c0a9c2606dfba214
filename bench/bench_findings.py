"""Benchmark: findings for one report (cold and warm) and for a synthetic corpus.

    python bench/bench_findings.py                 # the seeds plus 1,400 synthetic sections
    python bench/bench_findings.py --sections 200  # a smaller corpus

``bench_findings(reports)`` returns the timings as a dict so other benchmarks
(plan timing) can call it and add their own rows.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.corpus import report_files  # noqa: E402
from assistant.datafiles import clear_cache  # noqa: E402
from assistant.findings import find_findings  # noqa: E402
from assistant.models import Report  # noqa: E402
from assistant.reports import parse_file  # noqa: E402
from assistant.settings import PROJECT_ROOT  # noqa: E402
from assistant.themes import load_taxonomy  # noqa: E402

PROMPTS = PROJECT_ROOT / "prompts"
WARM_RUNS = 5
BenchFn = Callable[[Sequence[Report]], dict]


def bench_findings(reports: Sequence[Report], prompts_dir: Path = PROMPTS) -> dict[str, float | int]:
    """Time ``find_findings``: first report cold (lexicons loaded), warm (median), then all reports.

    Wall-clock times, plus CPU time per report (steadier on a shared machine).
    """
    if not reports:
        raise ValueError("bench_findings needs at least one report")
    clear_cache()
    start = time.perf_counter()
    taxonomy = load_taxonomy(prompts_dir)
    find_findings(reports[0], taxonomy)
    cold = time.perf_counter() - start

    warm = []
    for _ in range(WARM_RUNS):
        start = time.perf_counter()
        find_findings(reports[0], taxonomy)
        warm.append(time.perf_counter() - start)

    start, cpu = time.perf_counter(), time.process_time()
    results = [find_findings(r, taxonomy) for r in reports]
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    shortfalls = sum(1 for rf in results for f in rf.findings if f.kind == "shortfall")
    return {
        "reports": len(reports),
        "findings_one_cold_s": round(cold, 4),
        "findings_one_warm_s": round(statistics.median(warm), 4),
        "findings_all_s": round(total, 3),
        "findings_per_report_ms": round(1000 * total / len(reports), 2),
        "findings_per_report_cpu_ms": round(1000 * cpu / len(reports), 2),
        "shortfalls": shortfalls,
        "strengths": sum(len(rf.findings) for rf in results) - shortfalls,
    }


def _synthetic_reports(sections: int, out_dir: Path) -> tuple[list[Report], float]:
    from bench.synthetic import generate, max_sections  # seed reports with authorities and statements varied

    start = time.perf_counter()
    reports = [parse_file(p) for p in generate(out_dir, min(sections, max_sections()))]
    return reports, time.perf_counter() - start


def seed_reports() -> list[Report]:
    """The project's seed reports, parsed."""
    return [parse_file(p) for p in report_files(PROJECT_ROOT / "seeds")]


def run(doc: str, bench_seeds: BenchFn, bench_corpus: BenchFn, argv: list[str] | None = None) -> int:
    """Shared command line: time the seeds, then a synthetic corpus of ``--sections`` reports; print JSON."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument(
        "--sections",
        type=int,
        default=1400,
        help="synthetic report sections, capped at authorities x statements (0: seeds only)",
    )
    args = parser.parse_args(argv)
    rows = {"seeds": bench_seeds(seed_reports())}
    if args.sections:
        with tempfile.TemporaryDirectory() as tmp:
            reports, parse_s = _synthetic_reports(args.sections, Path(tmp))
        rows["synthetic"] = {**bench_corpus(reports), "parse_all_s": round(parse_s, 2)}
    print(json.dumps(rows, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(__doc__, bench_findings, bench_findings, argv)


if __name__ == "__main__":
    raise SystemExit(main())
