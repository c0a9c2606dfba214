"""Indexing benchmark: embedder throughput, index build, incremental sync, hybrid query latency, memory.

    python bench/bench_index.py                 # ~1,030 sections, ~20k passages (several minutes)
    python bench/bench_index.py --sections 60   # smoke run (under a minute)

Steps, all in a temp folder (``--workdir`` to keep it):
1. generate a synthetic corpus from the seeds (bench/synthetic.py) and load it
   with the project's corpus loader;
2. raw embedder throughput on the seed reports' sentences and passages;
3. build the index from all reports but one (passages/s, ratio to raw);
4. add the last report (seconds beyond its own embedding time);
5. in a fresh process, like a restarted app: re-sync the unchanged corpus,
   run hybrid queries (query embedding included), and read its peak RSS.
Figures and ratios are printed with their targets; copy them into bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import SEEDS, generate  # noqa: E402

from assistant.corpus import load_corpus  # noqa: E402
from assistant.embeddings import OnnxEmbedder, get_embedder  # noqa: E402
from assistant.index import Index  # noqa: E402
from assistant.models import Report  # noqa: E402
from assistant.reports import parse_file  # noqa: E402
from assistant.settings import Settings  # noqa: E402

DEFAULT_SECTIONS = 1030  # about 20,000 passages from the two seeds
RAW_SECONDS = 8.0  # measure raw throughput for at least this long
QUERIES = 300


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM where /proc has it: a child's ``ru_maxrss``
    starts from its parent's peak at fork, which would hide the loaded process's own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def raw_throughput(embedder, texts: list[str]) -> tuple[float, float]:
    """(texts/s, tokens/s) embedding ``texts`` repeatedly for about RAW_SECONDS."""
    embedder.encode(texts[:4])  # warm up
    done = tokens = 0
    per_pass = sum(len(e.ids) for e in embedder._tokenizer.encode_batch(texts))
    start = time.perf_counter()
    while time.perf_counter() - start < RAW_SECONDS:
        embedder.encode(texts)
        done += len(texts)
        tokens += per_pass
    seconds = time.perf_counter() - start
    return done / seconds, tokens / seconds


def token_count(embedder, texts: list[str]) -> int:
    return sum(len(e.ids) for e in embedder._tokenizer.encode_batch(texts))


def build_phase(args, work: Path) -> dict:
    reports_dir, store = work / "reports", work / "vectorstore"
    t = time.perf_counter()
    generate(reports_dir, args.sections)
    corpus = load_corpus(Settings(seeds_dir=reports_dir, vectorstore_dir=store))
    reports = corpus.reports
    out: dict = {
        "sections": args.sections,
        "reports": len(reports),
        "rejected_files": len(corpus.errors),
        "passages": sum(len(r.passages) for r in reports),
        "generate_and_parse_s": time.perf_counter() - t,
    }
    (work / "reports.jsonl").write_text("\n".join(r.model_dump_json() for r in reports), encoding="utf-8")

    settings = Settings(seeds_dir=reports_dir, vectorstore_dir=store)
    t = time.perf_counter()
    embedder = get_embedder(settings)
    out["embedder_load_s"] = time.perf_counter() - t
    assert isinstance(embedder, OnnxEmbedder), "the bench measures the built-in embedder"

    seed_reports = [parse_file(p) for p in sorted(SEEDS.iterdir()) if p.is_file()]
    seed_passages = [p.text for r in seed_reports for p in r.passages]
    seed_sentences = [s for r in seed_reports for p in r.passages for s in p.sentence_texts()]
    out["raw_sentences_per_s"], out["raw_sentence_tokens_per_s"] = raw_throughput(embedder, seed_sentences)
    out["raw_passages_per_s"], out["raw_passage_tokens_per_s"] = raw_throughput(embedder, seed_passages)

    base, last = reports[:-1], reports[-1]
    index = Index(settings, embedder=embedder)
    marks = iter(range(10, 101, 10))
    next_mark = [next(marks)]

    def progress(done: int, total: int) -> None:
        if total and done * 100 >= next_mark[0] * total:
            print(f"  built {done}/{total} passages", file=sys.stderr, flush=True)
            next_mark[0] = next(marks, 101)

    stats = index.sync(base, progress=progress)
    out["build_passages"] = stats.embedded_passages
    out["build_s"] = stats.seconds
    out["build_passages_per_s"] = stats.embedded_passages / stats.seconds
    out["build_tokens_per_s"] = token_count(embedder, [p.text for r in base for p in r.passages]) / stats.seconds

    t = time.perf_counter()
    embedder.encode([p.text for p in last.passages])
    own_embedding = time.perf_counter() - t
    stats = index.sync(reports)
    out["add_one_passages"] = stats.embedded_passages
    out["add_one_s"] = stats.seconds
    out["add_one_own_embedding_s"] = own_embedding
    out["add_one_overhead_s"] = stats.seconds - own_embedding
    out["build_peak_rss_mb"] = peak_rss_mb()
    return out


def loaded_phase(work: Path) -> dict:
    """A fresh process: load reports, embedder and index; re-sync unchanged; query; peak RSS."""
    reports = [Report.model_validate_json(line) for line in (work / "reports.jsonl").read_text().splitlines()]
    settings = Settings(seeds_dir=work / "reports", vectorstore_dir=work / "vectorstore")
    out: dict = {}
    t = time.perf_counter()
    index = Index(settings, embedder=get_embedder(settings))
    out["open_index_s"] = time.perf_counter() - t
    stats = index.sync(reports)
    out["resync_fresh_s"] = stats.seconds
    out["resync_fresh_embedded"] = stats.embedded_passages
    out["resync_warm_s"] = index.sync(reports).seconds

    rng = random.Random(0)
    latencies = []
    for n in range(QUERIES):
        report = rng.choice(reports)
        words = rng.choice(report.passages).text.split()
        start = rng.randrange(max(1, len(words) - 6))
        query = " ".join(words[start : start + rng.randint(3, 8)])
        filters = [{}, {}, {"authority": report.authority}, {"statement": report.quality_statement}][n % 4]
        t = time.perf_counter()
        index.search(query, k=8, **filters)
        latencies.append((time.perf_counter() - t) * 1000)
    latencies.sort()
    out["query_p50_ms"] = statistics.median(latencies)
    out["query_p95_ms"] = latencies[int(0.95 * len(latencies)) - 1]
    out["loaded_peak_rss_mb"] = peak_rss_mb()
    return out


def report(r: dict) -> None:
    def line(name: str, value: str, target: str = "", ok: bool | None = None) -> None:
        verdict = "" if ok is None else ("PASS" if ok else "MISS")
        print(f"{name:<44} {value:>22}  {target:<22} {verdict}")

    ratio_sentences = r["build_tokens_per_s"] / r["raw_sentence_tokens_per_s"]
    ratio_passages = r["build_tokens_per_s"] / r["raw_passage_tokens_per_s"]
    ratio_literal = r["build_passages_per_s"] / r["raw_sentences_per_s"]
    print(
        f"\ncorpus: {r['sections']} sections generated, {r['reports']} reports loaded "
        f"({r['rejected_files']} files rejected by the parser), {r['passages']} passages; "
        f"generate+parse {r['generate_and_parse_s']:.1f} s; embedder load {r['embedder_load_s']:.2f} s\n"
    )
    line(
        "raw embedder, seed sentences", f"{r['raw_sentences_per_s']:.0f}/s ({r['raw_sentence_tokens_per_s']:.0f} tok/s)"
    )
    line("raw embedder, seed passages", f"{r['raw_passages_per_s']:.0f}/s ({r['raw_passage_tokens_per_s']:.0f} tok/s)")
    line(
        "index build",
        f"{r['build_passages_per_s']:.0f}/s ({r['build_tokens_per_s']:.0f} tok/s)",
        f"{r['build_passages']} in {r['build_s']:.0f} s",
    )
    line("  ratio build / raw sentences, tokens/s", f"{ratio_sentences:.2f}", ">= 0.8", ratio_sentences >= 0.8)
    line("  ratio build / raw passages, tokens/s", f"{ratio_passages:.2f}", ">= 0.8", ratio_passages >= 0.8)
    line("  ratio build passages/s / raw sentences/s", f"{ratio_literal:.2f}", "(passages ~4x longer)")
    line("re-sync unchanged, fresh process", f"{r['resync_fresh_s']:.3f} s", "<= 1 s", r["resync_fresh_s"] <= 1.0)
    line("  (embedded on re-sync)", f"{r['resync_fresh_embedded']}", "0", r["resync_fresh_embedded"] == 0)
    line("re-sync unchanged, same process", f"{r['resync_warm_s']:.3f} s", "<= 1 s", r["resync_warm_s"] <= 1.0)
    line("load embedder + open index, fresh process", f"{r['open_index_s']:.2f} s")
    line("add one report: total", f"{r['add_one_s']:.2f} s", f"{r['add_one_passages']} passages")
    line("  beyond its own embedding", f"{r['add_one_overhead_s']:.2f} s", "<= 2 s", r["add_one_overhead_s"] <= 2.0)
    line("hybrid query p50 (incl. query embedding)", f"{r['query_p50_ms']:.1f} ms")
    line("hybrid query p95 (incl. query embedding)", f"{r['query_p95_ms']:.1f} ms", "<= 30 ms", r["query_p95_ms"] <= 30)
    line(
        "peak RSS, embedder + index loaded",
        f"{r['loaded_peak_rss_mb']:.0f} MB",
        "<= 600 MB",
        r["loaded_peak_rss_mb"] <= 600,
    )
    line("peak RSS, build process", f"{r['build_peak_rss_mb']:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", type=int, default=DEFAULT_SECTIONS, help="report sections to generate")
    parser.add_argument("--workdir", type=Path, help="keep the corpus and index here (default: a temp folder)")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--loaded-phase", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.loaded_phase:
        print(json.dumps(loaded_phase(args.loaded_phase)))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench_index_") as tmp:
        work = args.workdir or Path(tmp)
        results = build_phase(args, work)
        child = subprocess.run(
            [sys.executable, __file__, "--loaded-phase", str(work)], capture_output=True, text=True, check=True
        )
        results.update(json.loads(child.stdout.strip().splitlines()[-1]))
    report(results)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
