"""Evidence units: build cost, good practice and plan latency at scale, chat latency and a chat load run.

    python bench/bench_evidence.py build --sections 1377     # units build vs passage-only build
    python bench/bench_evidence.py practice --sections 1377  # good practice for one shortfall, one plan (warm)
    python bench/bench_evidence.py scaled --copies 1376      # the same, ranking cost only (no index build)
    python bench/bench_evidence.py chat --sessions 20 --seconds 60   # load run on one Assistant (seed reports)

``build`` syncs the same synthetic corpus twice into fresh vectorstores: once
embedding every sentence (evidence units; passage vectors derived from them,
as the product does) and once embedding only passages (the old build), and
prints the ratio. ``practice`` times ``GoodPracticeFinder.for_action`` for one
shortfall against every other report and one whole built-in plan, warm.
``chat`` runs N threads, each a chat session asking a rotating list of
questions of one shared ``Assistant`` for S seconds, and prints errors,
p50/p95 latency and peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant import unit_vectors as units_module  # noqa: E402
from assistant.settings import PROJECT_ROOT, Settings  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import generate  # noqa: E402

QUESTIONS = [
    "What are the main shortfalls for Gloucestershire?",
    "What could Durham learn from others about co-production?",
    "Which council is best at data sharing?",
    "Which authority scored higher and why?",
    "How is the Better Care Fund used in Durham?",
    "What does Durham do for people who need homecare quickly?",
    "Where could Durham improve on co-production, and who does it better?",
    "Who scored 3 on this statement?",
]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _settings(work: Path, seeds: Path) -> Settings:
    return Settings(seeds_dir=seeds, vectorstore_dir=work / "vs", data_dir=work / "data", engine="builtin")


def _corpus(work: Path, sections: int) -> Path:
    seeds = work / "seeds"
    if sections <= 2:
        shutil.copytree(PROJECT_ROOT / "seeds", seeds)
    else:
        seeds.mkdir(parents=True)
        generate(seeds, sections)
    return seeds


def bench_build(sections: int) -> None:
    from assistant.corpus import load_corpus
    from assistant.index import Index

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        seeds = _corpus(work, sections)
        reports = load_corpus(_settings(work, seeds)).reports
        units_real = units_module.unit_vectors_of
        times = {}
        for name in ("passages only", "sentence units"):
            vs = work / name.replace(" ", "_")
            settings = Settings(seeds_dir=seeds, vectorstore_dir=vs, data_dir=work / "data", engine="builtin")
            if name == "passages only":

                def passages_only(embedder, passages):
                    vecs = embedder.encode([p.text for p in passages])
                    return np.asarray(vecs, dtype=np.float32), [1] * len(passages)

                units_module.unit_vectors_of = passages_only
            else:
                units_module.unit_vectors_of = units_real
            idx = Index(settings)
            start = time.perf_counter()
            idx.sync(reports)
            times[name] = time.perf_counter() - start
        units_module.unit_vectors_of = units_real
        n_passages = sum(len(r.passages) for r in reports)
        n_units = sum(len(units_module.unit_texts(p)) for r in reports for p in r.passages)
        print(f"reports {len(reports)}, passages {n_passages}, sentence units {n_units}")
        for name, t in times.items():
            print(f"build, {name}: {t:.1f} s")
        ratio = times["sentence units"] / times["passages only"]
        print(f"units build / passage-only build: {ratio:.2f} (target <= 1.3)")


def bench_practice(sections: int) -> None:
    from assistant.good_practice import GoodPracticeFinder
    from assistant.service import Assistant

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        seeds = _corpus(work, sections)
        start = time.perf_counter()
        a = Assistant(_settings(work, seeds))
        print(f"reports {len(a.reports())}; index build {time.perf_counter() - start:.1f} s")
        report = a.reports()[0]
        findings = a.findings(report)
        others = a.others(report)
        start = time.perf_counter()
        finder = GoodPracticeFinder(report, others, a.playbook, a.taxonomy, a.evidence)
        print(f"first finder (units classified, vectors loaded, pool built): {time.perf_counter() - start:.2f} s")
        shortfall = next(f for f in findings.findings if f.kind == "shortfall")
        finder.for_action(shortfall.citations, shortfall.summary, shortfall.theme)
        runs = []
        for _ in range(20):
            finder.used.clear()
            t = time.perf_counter()
            finder.for_action(shortfall.citations, shortfall.summary, shortfall.theme)
            runs.append(time.perf_counter() - t)
        gp = statistics.median(runs)
        print(f"good practice, one shortfall vs {len(others)} other reports, warm median: {gp * 1000:.1f} ms (<= 50)")
        engine = a.engine("builtin")
        engine.plan(report, findings, others)
        plans = []
        for _ in range(5):  # drafted each time (Assistant.plan would answer from its cache)
            t = time.perf_counter()
            engine.plan(report, findings, others)
            plans.append(time.perf_counter() - t)
        print(f"one plan drafted, warm median: {statistics.median(plans):.3f} s (<= 0.5)")
        print(f"peak RSS: {peak_rss_mb():.0f} MB (<= 600)")


def bench_practice_scaled(copies: int) -> None:
    """Good practice and a plan against ``copies`` other reports without building their index: each is
    the other seed report under another authority, reusing its sentence vectors (ranking cost only)."""
    from assistant.good_practice import GoodPracticeFinder
    from assistant.service import Assistant

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        a = Assistant(_settings(work, _corpus(work, 2)))
        report, source = a.reports()
        source_findings = a.findings(source)
        vectors = a.index.unit_vectors(source)
        others = []
        for i in range(copies):
            rid, name = f"authority-{i}/{source.id.split('/')[1]}", f"A{i}"
            passages = [
                p.model_copy(update={"id": f"{rid}/{p.id.rsplit('/', 1)[1]}", "report_id": rid, "authority": name})
                for p in source.passages
            ]
            copy = source.model_copy(update={"id": rid, "authority": name, "passages": passages})
            others.append((copy, source_findings))
        # The copies share one report's sentence vectors instead of a 1,376-report index build.
        a.evidence.vectors = lambda r: vectors if r.authority.startswith("A") else a.index.unit_vectors(r)  # type: ignore[method-assign,assignment]
        findings = a.findings(report)
        start = time.perf_counter()
        finder = GoodPracticeFinder(report, others, a.playbook, a.taxonomy, a.evidence)
        print(
            f"{copies} other reports: first finder (units classified, pool built): {time.perf_counter() - start:.1f} s"
        )
        assert finder.pool.vectors is not None
        print(
            f"pool: {len(finder.pool.units)} practice sentences, {finder.pool.vectors.nbytes / 1e6:.0f} MB of vectors"
        )
        shortfall = next(f for f in findings.findings if f.kind == "shortfall")
        finder.for_action(shortfall.citations, shortfall.summary, shortfall.theme)
        runs = []
        cpu = time.process_time()
        for _ in range(20):
            finder.used.clear()
            t = time.perf_counter()
            finder.for_action(shortfall.citations, shortfall.summary, shortfall.theme)
            runs.append(time.perf_counter() - t)
        cpu = (time.process_time() - cpu) / 20
        print(
            f"good practice, one shortfall, warm median: {statistics.median(runs) * 1000:.1f} ms "
            f"(CPU {cpu * 1000:.1f} ms; <= 50)"
        )
        engine = a.engine("builtin")
        engine.plan(report, findings, others)
        plans = []
        cpu = time.process_time()
        for _ in range(3):
            t = time.perf_counter()
            engine.plan(report, findings, others)
            plans.append(time.perf_counter() - t)
        cpu = (time.process_time() - cpu) / 3
        print(f"one plan drafted, warm median: {statistics.median(plans):.3f} s (CPU {cpu:.3f} s; <= 0.5)")
        print(f"load average {Path('/proc/loadavg').read_text().split()[0]}")
        print(f"peak RSS: {peak_rss_mb():.0f} MB (<= 600)")


def bench_chat(sessions: int, seconds: float) -> None:
    from assistant.chat import Chat
    from assistant.models import ChatContext
    from assistant.service import Assistant

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        a = Assistant(_settings(work, _corpus(work, 2)))
        chat = Chat(a)
        for q in QUESTIONS:  # warm
            chat.respond(q)
        single = []
        for q in QUESTIONS:
            t = time.perf_counter()
            chat.respond(q)
            single.append(time.perf_counter() - t)
        print(f"one chat answer, warm: median {statistics.median(single):.3f} s, worst {max(single):.3f} s (<= 0.3)")
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        stop = time.perf_counter() + seconds

        def session(n: int) -> None:
            context = ChatContext()
            i = n
            while time.perf_counter() < stop:
                q = QUESTIONS[i % len(QUESTIONS)]
                i += 1
                t = time.perf_counter()
                try:
                    turn = Chat(a).respond(q, context=context)
                    context = turn.context
                except Exception as exc:  # noqa: BLE001 - the load run counts every failure
                    with lock:
                        errors.append(f"{q}: {exc!r}")
                    continue
                with lock:
                    latencies.append(time.perf_counter() - t)

        threads = [threading.Thread(target=session, args=(n,)) for n in range(sessions)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        lat = sorted(latencies)
        p95 = lat[int(0.95 * (len(lat) - 1))] if lat else float("nan")
        print(
            f"load: {sessions} sessions x {seconds:.0f} s: {len(lat)} answers, {len(errors)} errors, "
            f"p50 {statistics.median(lat):.3f} s, p95 {p95:.3f} s (<= 1 s), peak RSS {peak_rss_mb():.0f} MB"
        )
        for e in errors[:5]:
            print("  error:", e)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    b = sub.add_parser("build")
    b.add_argument("--sections", type=int, default=100)
    p = sub.add_parser("practice")
    p.add_argument("--sections", type=int, default=100)
    s = sub.add_parser("scaled")
    s.add_argument("--copies", type=int, default=1376)
    c = sub.add_parser("chat")
    c.add_argument("--sessions", type=int, default=20)
    c.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args(argv)
    if args.what == "build":
        bench_build(args.sections)
    elif args.what == "practice":
        bench_practice(args.sections)
    elif args.what == "scaled":
        bench_practice_scaled(args.copies)
    else:
        bench_chat(args.sessions, args.seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
