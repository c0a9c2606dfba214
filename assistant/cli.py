"""``python -m assistant``: ingest, list, search, find shortfalls, draft and export plans, evaluate.

Every command builds or updates the index first if it needs to, so no
separate set-up step is required. Errors are one clear line on stderr and a
non-zero exit code, never a stack trace.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

from .models import Report
from .reports import ReportError, match_statement
from .settings import Settings


def _progress_bar(desc: str):
    """A tqdm bar created on the first callback (when the total is known)."""
    from tqdm import tqdm

    state: dict = {}

    def update(done: int, total: int) -> None:
        if total <= 0:
            return
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = tqdm(total=total, desc=desc, unit="passage", file=sys.stderr, leave=False)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


def _assistant(args, *, progress: bool = True):
    from .service import Assistant

    overrides = {"engine": args.engine} if getattr(args, "engine", None) else {}
    settings = Settings(**overrides)
    return Assistant(settings, progress=_progress_bar("Indexing") if progress else None)


def _print_json(data) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _report_rows(reports: list[Report]) -> list[dict]:
    return [r.summary() for r in reports]


def _resolve_authority(assistant, name: str | None) -> str | None:
    if not name:
        return None
    authorities = {r.authority for r in assistant.reports() if name.lower() in r.authority.lower()}
    exact = {a for a in authorities if a.lower() == name.lower()}
    authorities = exact or authorities
    if len(authorities) != 1:
        choices = ", ".join(sorted({r.authority for r in assistant.reports()}))
        raise LookupError(f"{'ambiguous' if authorities else 'unknown'} authority {name!r}; choices: {choices}")
    return authorities.pop()


def _resolve_statement(name: str | None) -> str | None:
    if not name:
        return None
    qs = match_statement(name, threshold=0.6)
    if qs is None:
        raise LookupError(f"unknown quality statement {name!r}")
    return qs.name


# ---------------------------------------------------------------------- commands


def cmd_ingest(args) -> int:
    assistant = _assistant(args)
    bad_given = []
    if args.paths:
        added, bad_given = assistant.add_files([Path(p) for p in args.paths], progress=_progress_bar("Indexing"))
        for r in added:
            print(f"Added {r.source}: {r.authority} — {r.quality_statement} ({len(r.passages)} passages)")
    s = assistant.sync_stats
    print(
        f"Index up to date: {len(assistant.reports())} reports "
        f"({s.added_reports} added, {s.updated_reports} updated, {s.removed_reports} removed, "
        f"{s.unchanged_reports} unchanged; {s.embedded_passages} passages embedded) in {s.seconds:.2f} s"
    )
    started = time.perf_counter()
    assistant.prepare(missing_only=True)
    print(
        f"Findings and evidence sentences ready for {len(assistant.reports())} reports "
        f"(kept with the index) in {time.perf_counter() - started:.2f} s"
    )
    for err in [*assistant.corpus.errors, *bad_given]:
        print(f"Rejected {err.source}: {err.reason}", file=sys.stderr)
    return 1 if bad_given else 0


def cmd_reports(args) -> int:
    assistant = _assistant(args)
    reports = assistant.reports()
    if args.format == "json":
        _print_json({"reports": _report_rows(reports), "errors": [e.model_dump() for e in assistant.corpus.errors]})
        return 0
    if not reports:
        print(f"No reports in {assistant.settings.seeds_dir}.")
    for r in reports:
        authority = f"{r.authority} (inferred)" if r.authority_inferred else r.authority
        statement = f"{r.quality_statement} (inferred)" if r.statement_inferred else r.quality_statement
        score = f"{'indicative ' if r.indicative else ''}{r.score} - {r.label}" if r.score else "no score"
        print(
            f"{r.id}\n  authority: {authority}\n  statement: {statement}\n  score: {score}\n"
            f"  passages: {len(r.passages)}\n  source: {r.source}"
        )
    for err in assistant.corpus.errors:
        print(f"Rejected {err.source}: {err.reason}", file=sys.stderr)
    return 0


def cmd_search(args) -> int:
    assistant = _assistant(args)
    hits = assistant.search(
        args.query,
        k=args.k,
        authority=_resolve_authority(assistant, args.authority),
        statement=_resolve_statement(args.statement),
        section=args.section,
    )
    if args.format == "json":
        _print_json(
            {
                "query": args.query,
                "hits": [
                    {
                        "passage_id": h.passage.id,
                        "score": round(h.score, 6),
                        "authority": h.passage.authority,
                        "quality_statement": h.passage.quality_statement,
                        "section": h.passage.section,
                        "subheading": h.passage.subheading,
                        "text": h.passage.text,
                        "dense_rank": h.dense_rank,
                        "bm25_rank": h.bm25_rank,
                    }
                    for h in hits
                ],
            }
        )
        return 0
    if not hits:
        print("No passages found.")
    for i, h in enumerate(hits, 1):
        where = f"{h.passage.authority} · {h.passage.quality_statement}" + (
            f" · {h.passage.subheading}" if h.passage.subheading else ""
        )
        print(f"{i}. [{h.passage.id}] score {h.score:.4f} — {where}\n   {h.passage.text}\n")
    return 0


def cmd_findings(args) -> int:
    from .export import findings_to_markdown

    assistant = _assistant(args)
    if args.authority:
        reports = [assistant.find_report(args.authority, _resolve_statement(args.statement))]
    else:
        reports = assistant.reports()
    results = [assistant.findings(r) for r in reports]
    if args.format == "json":
        _print_json(
            {
                "reports": [
                    {
                        "authority": rf.authority,
                        "quality_statement": rf.quality_statement,
                        "score": rf.score,
                        "report_id": rf.report_id,
                        "notes": rf.notes,
                        "findings": [f.model_dump(exclude={"report_id"}) for f in rf.findings],
                    }
                    for rf in results
                ]
            }
        )
    else:
        print(findings_to_markdown(results, assistant.taxonomy))
    return 0


def cmd_plan(args) -> int:
    from . import export

    assistant = _assistant(args)
    report = assistant.find_report(args.authority, _resolve_statement(args.statement))
    peers = None
    if args.peers:
        from .peers import load_councils, peer_selection

        peers = peer_selection(args.peers, load_councils(), own=report.authority)
    plan = assistant.plan(report, peers=peers)
    if args.start_date:
        from .plan_config import load_plan_config
        from .schedule import reschedule

        plan = reschedule(plan, args.start_date, load_plan_config())
    for note in plan.notes:
        print(f"Note: {note}", file=sys.stderr)
    if args.format == "docx":
        out = Path(args.out or f"{report.id.replace('/', '-')}-plan.docx")
        out.write_bytes(export.to_docx(plan, assistant.passages, taxonomy=assistant.taxonomy))
        print(f"Wrote {out}")
        return 0
    if args.format == "json":
        text = json.dumps(
            plan.model_dump(mode="json", exclude={"usage"} if plan.usage is None else set()),
            indent=2,
            ensure_ascii=False,
        )
    elif args.format == "csv":
        text = export.to_csv(plan)
    else:
        text = export.to_markdown(plan, assistant.passages, taxonomy=assistant.taxonomy)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"Wrote {args.out}")
    else:
        print(text)
    return 0


def cmd_eval(args) -> int:
    from .evaluate import DEFAULT_GOLD, format_eval, run_eval

    assistant = _assistant(args)
    gold = Path(args.gold) if args.gold else DEFAULT_GOLD
    plans = {r.id: assistant.plan(r) for r in assistant.reports()}
    findings = {r.id: assistant.findings(r) for r in assistant.reports()}
    result = run_eval(assistant.reports(), assistant.taxonomy, gold, findings=findings, plans=plans)
    if not args.gold:
        from .chat import Chat
        from .evaluate import Metric, chat_pass_rate, load_gold

        rate, failed = chat_pass_rate(Chat(assistant))
        threshold = load_gold(gold).thresholds.chat_pass_rate
        detail = f"{len(failed)} failed"
        result.metrics.append(Metric(name="chat_pass_rate", value=rate, threshold=threshold, detail=detail))
        result.good_practice_misses += [f"chat: {f}" for f in failed]
    print(format_eval(result))
    return 0 if result.passed else 1


# ---------------------------------------------------------------------- parser


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m assistant", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("ingest", help="parse reports and build/update the index")
    s.add_argument("paths", nargs="*", help="report files to add (copied into the reports folder)")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("reports", help="list parsed reports")
    s.add_argument("--format", choices=["table", "json"], default="table")
    s.set_defaults(func=cmd_reports)

    s = sub.add_parser("search", help="hybrid search over the passages")
    s.add_argument("query")
    s.add_argument("--authority")
    s.add_argument("--statement")
    s.add_argument("--section", choices=["what_people_expect", "commitment", "key_findings"])
    s.add_argument("-k", type=int, default=8)
    s.add_argument("--format", choices=["text", "json"], default="text")
    s.set_defaults(func=cmd_search)

    for name, func, helptext in (
        ("findings", cmd_findings, "shortfalls and strengths per report"),
        ("plan", cmd_plan, "draft an improvement plan for one report"),
    ):
        s = sub.add_parser(name, help=helptext)
        s.add_argument("--authority", required=name == "plan")
        s.add_argument("--statement")
        s.add_argument("--engine", choices=["builtin", "openai"])
        if name == "findings":
            s.add_argument("--format", choices=["md", "json"], default="md")
        else:
            s.add_argument("--format", choices=["md", "json", "csv", "docx"], default="md")
            s.add_argument("--out", help="write to this file instead of standard output")
            s.add_argument(
                "--start-date",
                type=_iso_date,
                help="plan start date, YYYY-MM-DD (default today): dates the milestones and targets",
            )
            s.add_argument(
                "--peers",
                help="good practice only from peers: 'region' or 'type' (the report's council's), "
                "a region or type name, or councils 'NAME,NAME'",
            )
        s.set_defaults(func=func)

    s = sub.add_parser("eval", help="score findings and plans against a gold annotation")
    s.add_argument("--gold", help="gold YAML file (default: tests/gold/seeds.yaml)")
    s.set_defaults(func=cmd_eval)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "k", 1) < 1:
        print("error: -k must be at least 1", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except (LookupError, ReportError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
