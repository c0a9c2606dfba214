"""The loaded reports as table rows with region and council type: search, filters, sort and pages.

Used by the Reports page (its table) and the score overview (its heatmap), so
both pages filter the same way. Region and type come from the council
reference data (``peers.load_councils``); a report whose authority is not
one of the 153 councils gets "unknown".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from .models import Report
from .peers import Councils, load_councils
from .text import fold

UNKNOWN = "unknown"
SortKey = Literal["authority", "statement", "score (low first)", "score (high first)", "region", "council type"]
SORT_KEYS: tuple[SortKey, ...] = (
    "authority",
    "statement",
    "score (low first)",
    "score (high first)",
    "region",
    "council type",
)


class ReportRow(BaseModel):
    """One report as the Reports page and the overview show it."""

    report_id: str
    authority: str
    authority_inferred: bool = False
    quality_statement: str
    statement_inferred: bool = False
    score: int | None = None
    label: str | None = None
    region: str = UNKNOWN
    council_type: str = UNKNOWN
    passages: int = 0
    source: str = ""

    def table_row(self) -> dict[str, object]:
        return {
            "authority": self.authority + (" (inferred)" if self.authority_inferred else ""),
            "region": self.region,
            "council type": self.council_type,
            "quality statement": self.quality_statement + (" (inferred)" if self.statement_inferred else ""),
            "score": self.score,
            "label": self.label,
            "passages": self.passages,
            "file": self.source,
        }


class ReportFilter(BaseModel):
    """What the user narrowed the reports to; an empty field means "any"."""

    text: str = Field(default="", description="words found in the authority, statement, label or file name")
    authorities: list[str] = Field(default_factory=list)
    statements: list[str] = Field(default_factory=list)
    scores: list[int | None] = Field(default_factory=list, description="1-4; None for reports with no score")
    regions: list[str] = Field(default_factory=list)
    council_types: list[str] = Field(default_factory=list)

    def admits(self, row: ReportRow) -> bool:
        if self.authorities and row.authority not in self.authorities:
            return False
        if self.statements and row.quality_statement not in self.statements:
            return False
        if self.scores and row.score not in self.scores:
            return False
        if self.regions and row.region not in self.regions:
            return False
        if self.council_types and row.council_type not in self.council_types:
            return False
        if self.text.strip():
            hay = fold(
                f"{row.authority} {row.quality_statement} {row.label or ''} {row.region} {row.council_type} "
                f"{row.source}"
            ).lower()
            return all(word in hay for word in fold(self.text).lower().split())
        return True

    @property
    def active(self) -> bool:
        return bool(
            self.text.strip()
            or self.authorities
            or self.statements
            or self.scores
            or self.regions
            or self.council_types
        )


def report_rows(reports: Iterable[Report], councils: Councils | None = None) -> list[ReportRow]:
    """A row per report, with its council's region and type."""
    councils = councils or load_councils()
    rows = []
    for r in reports:
        council = councils.match(r.authority)
        rows.append(
            ReportRow(
                report_id=r.id,
                authority=r.authority,
                authority_inferred=r.authority_inferred,
                quality_statement=r.quality_statement,
                statement_inferred=r.statement_inferred,
                score=r.score,
                label=r.label,
                region=council.region if council else UNKNOWN,
                council_type=council.type if council else UNKNOWN,
                passages=len(r.passages),
                source=r.source,
            )
        )
    return rows


def filter_rows(rows: Iterable[ReportRow], flt: ReportFilter) -> list[ReportRow]:
    return [row for row in rows if flt.admits(row)]


def sort_rows(rows: Iterable[ReportRow], key: SortKey = "authority") -> list[ReportRow]:
    """Sorted by the key, then authority and statement; reports with no score last."""

    def base(r: ReportRow) -> tuple[str, str]:
        return (r.authority.lower(), r.quality_statement.lower())

    if key == "statement":
        return sorted(rows, key=lambda r: (r.quality_statement.lower(), r.authority.lower()))
    if key == "score (low first)":
        return sorted(rows, key=lambda r: (r.score is None, r.score or 0, *base(r)))
    if key == "score (high first)":
        return sorted(rows, key=lambda r: (r.score is None, -(r.score or 0), *base(r)))
    if key == "region":
        return sorted(rows, key=lambda r: (r.region == UNKNOWN, r.region, *base(r)))
    if key == "council type":
        return sorted(rows, key=lambda r: (r.council_type == UNKNOWN, r.council_type, *base(r)))
    return sorted(rows, key=base)


def page_count(total: int, size: int) -> int:
    return max(1, -(-total // max(size, 1)))


def page_of(rows: Sequence[ReportRow], page: int, size: int) -> list[ReportRow]:
    """Page ``page`` (1-based, clamped to the pages there are) of ``size`` rows."""
    page = min(max(page, 1), page_count(len(rows), size))
    return list(rows[(page - 1) * size : page * size])


AuthorityOrder = Literal["authority", "average score (low first)", "average score (high first)", "region"]
AUTHORITY_ORDERS: tuple[AuthorityOrder, ...] = (
    "authority",
    "average score (low first)",
    "average score (high first)",
    "region",
)


def authority_order(rows: Iterable[ReportRow], key: AuthorityOrder = "authority") -> list[str]:
    """The authorities of the rows in the order the overview lists them (unscored reports ignored in averages)."""
    scores: dict[str, list[int]] = {}
    regions: dict[str, str] = {}
    for r in rows:
        scores.setdefault(r.authority, [])
        regions[r.authority] = r.region
        if r.score is not None:
            scores[r.authority].append(r.score)

    def mean(a: str) -> float:
        return sum(scores[a]) / len(scores[a]) if scores[a] else 0.0

    names = sorted(scores, key=str.lower)
    if key == "average score (low first)":
        return sorted(names, key=lambda a: (not scores[a], mean(a)))
    if key == "average score (high first)":
        return sorted(names, key=lambda a: (not scores[a], -mean(a)))
    if key == "region":
        return sorted(names, key=lambda a: (regions[a] == UNKNOWN, regions[a]))
    return names
