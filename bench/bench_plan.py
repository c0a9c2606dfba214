"""Benchmark: findings + action plan for one report (cold and warm) and for a synthetic corpus.

    python bench/bench_plan.py                 # the seeds plus 1,400 synthetic sections
    python bench/bench_plan.py --sections 200  # a smaller corpus

Each plan is drafted against every other report of its corpus (good practice
is looked up across all of them), as the service does. Targets: one report's
findings + plan <= 0.5 s warm; the whole 1,400-section corpus <= 5 minutes.
CPU seconds are printed next to wall seconds: on a shared machine they show the
cost without the wait for a core.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.datafiles import clear_cache  # noqa: E402
from assistant.findings import find_findings  # noqa: E402
from assistant.findings_cache import FindingsCache  # noqa: E402
from assistant.models import Report, ReportFindings  # noqa: E402
from assistant.planner import draft_plan  # noqa: E402
from assistant.playbook import load_playbook  # noqa: E402
from assistant.settings import PROJECT_ROOT  # noqa: E402
from assistant.themes import load_taxonomy  # noqa: E402
from bench.bench_findings import bench_findings, run  # noqa: E402

PROMPTS = PROJECT_ROOT / "prompts"
WARM_RUNS = 5
TARGET_ONE_WARM_S = 0.5
TARGET_ALL_S = 300.0


def bench_plan(reports: Sequence[Report], prompts_dir: Path = PROMPTS) -> dict[str, float | int]:
    """Time findings + plan: the first report cold (data files loaded) and warm, then every report."""
    if not reports:
        raise ValueError("bench_plan needs at least one report")
    clear_cache()
    start = time.perf_counter()
    taxonomy, playbook = load_taxonomy(prompts_dir), load_playbook(prompts_dir)
    others = [(r, find_findings(r, taxonomy)) for r in reports[1:]]  # the corpus the plan borrows from
    others_s = time.perf_counter() - start
    start = time.perf_counter()
    draft_plan(reports[0], find_findings(reports[0], taxonomy), others, playbook, taxonomy)
    cold = time.perf_counter() - start

    warm = []
    for _ in range(WARM_RUNS):
        start = time.perf_counter()
        draft_plan(reports[0], find_findings(reports[0], taxonomy), others, playbook, taxonomy)
        warm.append(time.perf_counter() - start)

    start, cpu_start = time.perf_counter(), time.process_time()
    corpus = [(r, find_findings(r, taxonomy)) for r in reports]
    findings_s, findings_cpu = time.perf_counter() - start, time.process_time() - cpu_start
    plans = [draft_plan(r, rf, corpus[:i] + corpus[i + 1 :], playbook, taxonomy) for i, (r, rf) in enumerate(corpus)]
    total, total_cpu = time.perf_counter() - start, time.process_time() - cpu_start
    saved_s, load_s = _findings_on_disk(corpus, prompts_dir)
    actions = sum(len(p.actions) for p in plans)
    one_warm = statistics.median(warm)
    return {
        "reports": len(reports),
        "plan_one_cold_s": round(cold, 4),
        "plan_one_cold_with_corpus_findings_s": round(cold + others_s, 3),
        "plan_one_warm_s": round(one_warm, 4),
        "plan_one_warm_vs_target": round(one_warm / TARGET_ONE_WARM_S, 3),
        "findings_all_s": round(findings_s, 2),
        "findings_all_save_s": round(saved_s, 2),
        "findings_all_load_from_disk_s": round(load_s, 2),
        "findings_load_vs_find": round(load_s / findings_s, 3),
        "findings_and_plans_all_s": round(total, 2),
        "all_vs_target": round(total / TARGET_ALL_S, 3),
        "findings_and_plans_all_cpu_s": round(total_cpu, 2),
        "plan_per_report_ms": round(1000 * (total - findings_s) / len(reports), 2),
        "plan_per_report_cpu_ms": round(1000 * (total_cpu - findings_cpu) / len(reports), 2),
        "actions": actions,
        "actions_with_good_practice": sum(1 for p in plans for a in p.actions if a.good_practice),
    }


def _findings_on_disk(corpus: list[tuple[Report, ReportFindings]], prompts_dir: Path) -> tuple[float, float]:
    """Seconds to save every report's findings, and to read them all back (an app restart's path)."""
    with tempfile.TemporaryDirectory() as tmp:
        cache = FindingsCache(Path(tmp), prompts_dir)
        start = time.perf_counter()
        for report, found in corpus:
            cache.put(report, found)
        saved = time.perf_counter() - start
        start = time.perf_counter()
        loaded = [cache.get(report) for report, _ in corpus]
        load = time.perf_counter() - start
    assert all(x is not None for x in loaded), "a saved report's findings did not load"
    return saved, load


def main(argv: list[str] | None = None) -> int:
    return run(__doc__, lambda seeds: {**bench_findings(seeds), **bench_plan(seeds)}, bench_plan, argv)


if __name__ == "__main__":
    raise SystemExit(main())
