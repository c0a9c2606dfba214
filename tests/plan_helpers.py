"""Hand-built reports and findings for the planner, engine and export tests."""

from __future__ import annotations

from functools import lru_cache

from assistant.citations import verify
from assistant.models import Citation, Finding, FindingKind, Passage, Report, ReportFindings, SentenceSpan
from assistant.playbook import Playbook, load_playbook
from assistant.reports import parse_file
from assistant.settings import PROJECT_ROOT
from assistant.text import sentence_spans, slugify
from assistant.themes import Taxonomy, load_taxonomy

PROMPTS = PROJECT_ROOT / "prompts"
SEEDS = PROJECT_ROOT / "seeds"


def taxonomy() -> Taxonomy:
    return load_taxonomy(PROMPTS)


def playbook() -> Playbook:
    return load_playbook(PROMPTS)


@lru_cache(maxsize=1)
def seed_reports() -> tuple[Report, ...]:
    """The project's seed reports, parsed (read only), sorted by authority."""
    reports = [parse_file(p) for p in sorted(SEEDS.glob("*.txt"))]
    return tuple(sorted(reports, key=lambda r: r.authority))


def seed(authority_part: str) -> Report:
    return next(r for r in seed_reports() if authority_part.lower() in r.authority.lower())


def make_report(authority: str, statement: str, score: int | None, paragraphs: list[str]) -> Report:
    """A report whose key findings are ``paragraphs`` (one passage each)."""
    report_id = f"{slugify(authority)}/{slugify(statement)}"
    passages = [
        Passage(
            id=f"{report_id}/p{i:02d}",
            report_id=report_id,
            authority=authority,
            quality_statement=statement,
            section="key_findings",
            position=i,
            text=text,
            sentences=[SentenceSpan(start=s, end=e) for s, e in sentence_spans(text)],
        )
        for i, text in enumerate(paragraphs, start=1)
    ]
    return Report(
        id=report_id,
        authority=authority,
        quality_statement=statement,
        score=score,
        source=f"{report_id.replace('/', '_')}.txt",
        content_hash=report_id,
        passages=passages,
    )


def cite(report: Report, quote: str) -> Citation:
    """A verified citation of ``quote`` in the passage of ``report`` that holds it."""
    passages = {p.id: p for p in report.passages}
    for p in report.passages:
        checked = verify(Citation(passage_id=p.id, quote=quote), passages)
        if checked is not None and checked.verified:
            return checked
    raise AssertionError(f"quote not in {report.id}: {quote!r}")


def finding(report: Report, kind: FindingKind, n: int, theme: str, *quotes: str, summary: str | None = None) -> Finding:
    prefix = "s" if kind == "shortfall" else "g"
    return Finding(
        id=f"{report.id}/{prefix}{n:02d}",
        report_id=report.id,
        kind=kind,
        theme=theme,
        summary=summary or quotes[0],
        citations=[cite(report, q) for q in quotes],
    )


def findings_of(report: Report, *items: Finding) -> ReportFindings:
    return ReportFindings(
        report_id=report.id,
        authority=report.authority,
        quality_statement=report.quality_statement,
        score=report.score,
        findings=list(items),
    )
