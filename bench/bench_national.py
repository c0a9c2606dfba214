"""Benchmark the national view: 1,377 sections (153 councils × 9 statements) in the app and the planner.

    python bench/bench_national.py [--workdir DIR] [--sections 1377] [--runs 3] [--empty-index]
                                   [--no-browser] [--no-write]

Targets (issue 14), at 1,377 sections: app restart to a usable Chat page <= 4 s;
Reports page and score overview (heatmap) rendered <= 2 s; peer-filtered good
practice <= 50 ms per shortfall. The corpus is ``bench/synthetic.py``'s, its
index built with the real embedder the first time (minutes on 2 cores; keep it
with ``--workdir``). ``--empty-index`` skips embedding and index sync (in this
process and in the app server, as the scale tests do: ``tests/scale_helpers.py``)
for a busy machine; the figures then leave out the unchanged-index re-sync and the
embedder load (see "Index" in bench/README.md). Results are printed and written
to bench/README.md (section "National view").
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from local_settings import offline_settings  # noqa: E402
from readme_section import README, write_section  # noqa: E402
from synthetic import generate  # noqa: E402

from assistant.good_practice import GoodPracticeFinder, good_practice  # noqa: E402
from assistant.peers import PeerSelection, load_councils  # noqa: E402
from assistant.report_table import (  # noqa: E402
    ReportFilter,
    authority_order,
    filter_rows,
    page_of,
    report_rows,
    sort_rows,
)
from assistant.service import Assistant  # noqa: E402

TARGETS = {"chat_s": 4.0, "reports_s": 2.0, "overview_s": 2.0, "gp_ms": 50.0}
SAMPLE_REPORTS = 20


def prepare(root: Path, sections: int) -> dict[str, float]:
    """The synthetic corpus, its index and every report's findings (kept on disk), built once."""
    out: dict[str, float] = {}
    if not (root / "seeds").is_dir():
        generate(root / "seeds", sections)
    start = time.perf_counter()
    assistant = Assistant(offline_settings(root))
    out["open_s"] = time.perf_counter() - start
    start = time.perf_counter()
    for r in assistant.reports():
        assistant.findings(r, engine="builtin")
    out["findings_s"] = time.perf_counter() - start
    out["reports"] = len(assistant.reports())
    out["passages"] = len(assistant.passages)
    return out


def in_process(root: Path) -> dict[str, float]:
    """Table, heatmap data and peer-filtered good practice, timed in one warm process."""
    import altair as alt
    import pandas as pd

    out: dict[str, float] = {}
    start, cpu = time.perf_counter(), time.process_time()
    assistant = Assistant(offline_settings(root))
    out["open_s"], out["open_cpu_s"] = time.perf_counter() - start, time.process_time() - cpu
    reports = assistant.reports()
    start = time.perf_counter()
    for r in reports:  # read back from vectorstore/findings/
        assistant.findings(r, engine="builtin")
    out["findings_s"] = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    GoodPracticeFinder(
        reports[0], assistant.others(reports[0]), assistant.playbook, assistant.taxonomy, assistant.evidence
    )
    out["first_finder_s"], out["first_finder_cpu_s"] = time.perf_counter() - start, time.process_time() - cpu

    start = time.perf_counter()
    rows = report_rows(reports)
    shown = sort_rows(filter_rows(rows, ReportFilter(regions=["London"], scores=[2, 3])), "score (high first)")
    page_of(shown, 1, 25)
    out["table_ms"] = (time.perf_counter() - start) * 1000

    start = time.perf_counter()
    rows = report_rows(reports)
    order = authority_order(rows, "average score (low first)")
    frame = pd.DataFrame([{"a": r.authority, "s": r.quality_statement, "v": str(r.score)} for r in rows])
    chart = alt.Chart(frame).mark_rect().encode(x="s:N", y=alt.Y("a:N", sort=order), color="v:N")
    (chart + chart.mark_text().encode(text="v:N")).to_dict()
    out["heatmap_ms"] = (time.perf_counter() - start) * 1000

    councils = load_councils()
    for label, make in (
        ("all", lambda r: None),
        ("region", lambda r: PeerSelection.build(councils, region=councils.get(r.authority).region)),
        ("type", lambda r: PeerSelection.build(councils, council_type=councils.get(r.authority).type)),
    ):
        per_shortfall = []
        for report in reports[:: max(1, len(reports) // SAMPLE_REPORTS)][:SAMPLE_REPORTS]:
            shortfalls = [f for f in assistant.findings(report).findings if f.kind == "shortfall"]
            if not shortfalls:
                continue
            start = time.perf_counter()
            others = assistant.others(report, peers=make(report))
            for f in shortfalls:
                good_practice(
                    f.theme,
                    report,
                    others,
                    assistant.playbook,
                    shortfall=f.summary,
                    taxonomy=assistant.taxonomy,
                    evidence=assistant.evidence,  # the Assistant's units and pools, as the service uses them
                )
            per_shortfall.append((time.perf_counter() - start) * 1000 / len(shortfalls))
        out[f"gp_{label}_ms"] = statistics.median(per_shortfall)
        out[f"gp_{label}_max_ms"] = max(per_shortfall)
    return out


def browser_runs(root: Path, runs: int, *, empty_index: bool = False) -> list[dict[str, float]]:
    """Restart to a usable Chat page, then the Reports page and the heatmap, in headless Chromium."""
    from browser_helpers import browser_page, running_app

    results = []
    for _ in range(runs):
        shutil.rmtree(root / "data", ignore_errors=True)
        with browser_page() as page:
            started = time.perf_counter()
            launcher = [sys.executable, str(ROOT / "tests" / "scale_app.py")] if empty_index else None
            with running_app(root, launcher=launcher) as (url, _proc, health_s):
                page.goto(url)
                page.get_by_test_id("stChatInputTextArea").wait_for(timeout=300_000)
                input_s = time.perf_counter() - started
                page.get_by_text(re.compile(r"reports from \d+ councils loaded")).wait_for(timeout=300_000)
                chat_s = time.perf_counter() - started

                start = time.perf_counter()
                page.get_by_role("link", name="Reports").click()
                page.get_by_test_id("stDataFrame").first.wait_for()
                page.get_by_text("Full text").first.wait_for()
                _idle(page)
                reports_s = time.perf_counter() - start

                start = time.perf_counter()
                page.get_by_role("link", name="Score overview").click()
                # Vega draws large charts on a canvas, smaller ones as SVG.
                page.locator('[data-testid="stVegaLiteChart"] .marks').first.wait_for()
                _idle(page)
                overview_s = time.perf_counter() - start
                results.append(
                    {
                        "health_s": health_s,
                        "input_s": input_s,
                        "chat_s": chat_s,
                        "reports_s": reports_s,
                        "overview_s": overview_s,
                    }
                )
                print(f"run {len(results)}: {results[-1]}")
    return results


def _idle(page) -> None:
    page.wait_for_timeout(100)
    page.get_by_test_id("stStatusWidget").wait_for(state="detached", timeout=120_000)


def report(prep: dict, proc: dict, runs: list[dict], load: str, empty_index: bool = False) -> str:
    def ratio(value: float, key: str) -> str:
        return f"{value / TARGETS[key]:.2f}"

    lines = [
        "## National view",
        "",
        f"`python bench/bench_national.py` on {time.strftime('%Y-%m-%d')}: `bench/synthetic.py`'s "
        f"{int(prep['reports']):,} sections (153 councils × 9 statements, {int(prep['passages']):,} passages), "
        + (
            "index left empty (`--empty-index`: no embedding, no sync, no embedder load)"
            if empty_index
            else "real index (built-in embedder)"
        )
        + f", built-in engine, headless Chromium. Load average (2 cores) at the start: {load}.",
        "",
        "| measure | value | target | ratio |",
        "|---|---|---|---|",
    ]
    if runs:
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        each = {k: " / ".join(f"{r[k]:.2f}" for r in runs) for k in runs[0]}
        lines[2] += (
            f" Browser runs: chat input {each['input_s']} s, Reports page {each['reports_s']} s, "
            f"score overview {each['overview_s']} s."
        )
        lines += [
            f"| restart to `/_stcore/health` (median of {len(runs)}) | {med['health_s']:.2f} s | | |",
            f"| restart to a usable Chat page (chat input drawn, reports loading) | {med['input_s']:.2f} s | ≤ 4 s | "
            f"{ratio(med['input_s'], 'chat_s')} |",
            f"| restart to the reports loaded (sidebar: N reports from M councils) | {med['chat_s']:.2f} s | | |",
            f"| Reports page rendered (table, first report) | {med['reports_s']:.2f} s | ≤ 2 s | "
            f"{ratio(med['reports_s'], 'reports_s')} |",
            f"| score overview rendered ({int(prep['reports']):,}-cell heatmap) | {med['overview_s']:.2f} s | ≤ 2 s | "
            f"{ratio(med['overview_s'], 'overview_s')} |",
        ]
    lines += [
        f"| open the corpus in a fresh process (`Assistant`, caches read back), wall / CPU | "
        f"{proc['open_s']:.2f} s / {proc['open_cpu_s']:.2f} s | | |",
        f"| every report's findings read back | {proc['findings_s']:.2f} s | | |",
        f"| first good-practice finder, all {int(prep['reports']) - 1:,} others (units read back, pool built), "
        f"wall / CPU | {proc['first_finder_s']:.2f} s / {proc['first_finder_cpu_s']:.2f} s | | |",
        f"| Reports table: rows, filter, sort, page (in process) | {proc['table_ms']:.0f} ms | | |",
        f"| heatmap data and Vega-Lite spec (in process) | {proc['heatmap_ms']:.0f} ms | | |",
        f"| good practice per shortfall, peers = same region (median of {SAMPLE_REPORTS} reports) | "
        f"{proc['gp_region_ms']:.1f} ms | ≤ 50 ms | {ratio(proc['gp_region_ms'], 'gp_ms')} |",
        f"| good practice per shortfall, peers = same type | {proc['gp_type_ms']:.1f} ms | ≤ 50 ms | "
        f"{ratio(proc['gp_type_ms'], 'gp_ms')} |",
        f"| good practice per shortfall, all {int(prep['reports']) - 1:,} others (for comparison) | "
        f"{proc['gp_all_ms']:.1f} ms | | |",
        f"| worst report, peers = region / type | {proc['gp_region_max_ms']:.1f} / "
        f"{proc['gp_type_max_ms']:.1f} ms | | |",
        "",
        "Notes:",
        "- **Load.** Read the browser figures with the load average above: on a shared, busy machine they are "
        "several times the quiet-machine figures (compare `/_stcore/health`, 0.6 s quiet in the App section). "
        "Rerun on a quiet machine to check the 4 s and 2 s targets.",
        "- **Restart.** The Chat page's chat input is drawn before the reports load: the Assistant is built in a "
        "background thread that starts when a page first needs it (or 1 s after the first view), so the first "
        "drawing does not compete with it for the interpreter; the sidebar's report count and the chat tip follow "
        "once it is loaded. Parsed reports come back from `vectorstore/parsed/`, findings from "
        "`vectorstore/findings/` and classified evidence units from `vectorstore/evidence/`. After loading, a "
        "warm-up thread loads Altair's schema and Arrow (first Reports page and score overview), then, once no "
        "page has run for 2 s, every report's findings and the corpus-wide practice pool (first plan or "
        '"who is best"); a page visited while it runs shares the 2 cores with it. With `--empty-index` the '
        "unchanged-index re-sync "
        "(0.24 s fresh process at 1,030 sections) and the embedder load (0.36 s) are left out (see Index).",
        "- **Before (issue 14, first measurement, load average 9.85):** restart to the sidebar drawn 10.90 s, "
        "Reports page 4.45 s, score overview 4.73 s. This bench then ran for over 7 minutes with `--empty-index`: "
        "each `good_practice` call made its own `EvidenceBase` and classified the 98,081 sentences of the other "
        "reports again (units were not kept on disk, and only 256 reports' in memory); it now takes about a minute.",
        "- **Page runs.** Streamlit collects garbage after every page run (`runner.postScriptGC`); with the corpus "
        "loaded, a full collection walked about 0.45 million objects (0.8 million after the warm-up), 0.3–0.5 s "
        "per page run, most of a Reports page visit. The app now freezes what is loaded out of the collector's "
        "walks (`assistant/app/heap.py`, after loading and after the warm-up), and the Reports page draws only its "
        "open tab (a report's full text alone was over a hundred elements). Before these two changes (quiet "
        "machine, 3 runs): Reports page 2.23 s, score overview 1.71 s; the restart figure then also included "
        "importing the index and Chroma before the server started, which the bench's server now does on first "
        "import, like the real app (restart to the Chat page 3.65 s before).",
        "- **Ingest.** `python -m assistant ingest` also runs `Assistant.prepare` (every report's findings and "
        "classified evidence sentences, kept with the index): 128.5 s for the 1,377 sections from nothing, 4.2 s "
        "read back (measured once on 2026-12-02 with the index left empty). Without it the app's warm-up, or the "
        "first plan or question across councils, does that work after a restart.",
        "- **Heatmap.** 1,377 cells are drawn by Vega on a canvas (smaller selections as SVG, each cell with an "
        "accessible label); the page also offers *Open a report* as a list.",
        "- **Good practice.** Per shortfall: the peers' reports picked from the 1,376 others "
        "(`Assistant.others(report, peers=...)`) plus `good_practice` (a new `GoodPracticeFinder` per call, as "
        "the chat and the OpenAI engine use it) for each shortfall, divided by the shortfalls. A pool of 32 or "
        "more reports is cut from the corpus-wide pool (`Pool.select`) with its per-unit columns, instead of being "
        "rebuilt from every report's units; the worst report pays for the corpus-wide pool's first build.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, help="keep the corpus and its index here (reused when present)")
    parser.add_argument("--sections", type=int, default=1377)
    parser.add_argument("--runs", type=int, default=3, help="app restarts timed in the browser (median reported)")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--empty-index", action="store_true", help="skip embedding and index sync (busy machine)")
    parser.add_argument("--no-write", action="store_true", help="print only; do not update bench/README.md")
    args = parser.parse_args()
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    tmp = None
    root = args.workdir
    if root is None:
        tmp = tempfile.TemporaryDirectory(prefix="bench-national-")
        root = Path(tmp.name)
    if args.empty_index:
        from scale_helpers import without_index

        without_index(setattr)
    try:
        prep = prepare(root, args.sections)
        print(f"prepared: {prep}")
        proc = in_process(root)
        print(f"in process: {proc}")
        runs = [] if args.no_browser else browser_runs(root, args.runs, empty_index=args.empty_index)
    finally:
        if tmp is not None:
            tmp.cleanup()
    text = report(prep, proc, runs, load, args.empty_index)
    print(text)
    if not args.no_write:
        write_section("National view", text)
        print(f"written to {README}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
