"""The eval: findings (and optionally plans) measured against a gold annotation.

The gold file (``tests/gold/seeds.yaml`` by default) lists, per report, every
shortfall and borrowable strength as a verbatim key phrase, its passage and
its acceptable themes, plus the thresholds. ``run_eval`` computes shortfall
recall and precision, strength recall, theme accuracy and the verified-quote
rate; given plans, also the good-practice hit rate, SMART completeness and the
duplicate rate. ``EvalResult.passed`` is False when any metric misses its
threshold or the gold does not fit the reports (the CLI then exits non-zero).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, computed_field, model_validator

from .citations import verify
from .findings import find_findings
from .models import ActionPlan, Citation, Finding, Passage, Report, ReportFindings
from .plan_checks import check_plan
from .settings import PROJECT_ROOT
from .text import fold
from .themes import Taxonomy, tokens

DEFAULT_GOLD = PROJECT_ROOT / "tests" / "gold" / "seeds.yaml"


class GoldError(ValueError):
    """The gold file is missing or malformed; the message says where and why."""


class GoldItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=8, description="verbatim phrase a matching quote must contain")
    passage: str = Field(pattern=r"^p\d{2,}$")
    themes: list[str] = Field(min_length=1, description="acceptable theme ids, best first")
    also: list[str] = Field(default_factory=list, description="further verbatim phrases of the same item")

    def phrases(self) -> list[str]:
        return [self.key, *self.also]


class GoldReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    report: str = Field(description="report id")
    shortfalls: list[GoldItem] = Field(default_factory=list)
    strengths: list[GoldItem] = Field(default_factory=list)


class GoldCite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    passage: str = Field(pattern=r"^p\d{2,}$")
    key: str = Field(min_length=8, description="verbatim phrase of the acceptable sentence")


class GoldPracticeItem(BaseModel):
    """For one gold shortfall: the other report's sentences a planner may cite, or none and why."""

    model_config = ConfigDict(extra="forbid")

    shortfall: str = Field(description="the gold shortfall's key")
    cite: list[GoldCite] = Field(default_factory=list)
    none: str | None = Field(default=None, description="why the other report shows nothing comparable")

    @model_validator(mode="after")
    def _one_of(self) -> GoldPracticeItem:
        if bool(self.cite) == bool(self.none):
            raise ValueError(f"{self.shortfall!r}: give either `cite` or `none`")
        return self


class GoldPractice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    report: str = Field(description="the report whose plan is scored")
    source: str = Field(description="the other report the practice comes from")
    items: list[GoldPracticeItem] = Field(min_length=1)


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shortfall_recall: float = Field(ge=0, le=1)
    shortfall_precision: float = Field(ge=0, le=1)
    strength_recall: float = Field(ge=0, le=1)
    theme_accuracy: float = Field(ge=0, le=1)
    verified_quote_rate: float = Field(ge=0, le=1)
    good_practice_precision: float = Field(ge=0, le=1)
    good_practice_recall: float = Field(ge=0, le=1)
    chat_pass_rate: float = Field(default=0.0, ge=0, le=1)
    smart_completeness: float = Field(ge=0, le=1)
    duplicate_rate: float = Field(ge=0, le=1, description="a maximum")
    plan_defects: float = Field(default=0, ge=0, description="a maximum: plan_checks defects across the plans")


class Gold(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    thresholds: Thresholds
    duplicate_jaccard: float = Field(default=0.8, gt=0, le=1)
    reports: list[GoldReport] = Field(min_length=1)
    good_practice: list[GoldPractice] = Field(default_factory=list)


class Metric(BaseModel):
    name: str
    value: float | None = Field(description="None when not measured (e.g. no plans given)")
    threshold: float
    maximum: bool = Field(default=False, description="the threshold is an upper bound")
    detail: str = ""

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form; mypy cannot see through it
    @property
    def passed(self) -> bool:
        if self.value is None:
            return True
        return self.value <= self.threshold if self.maximum else self.value >= self.threshold


class ReportEval(BaseModel):
    report_id: str
    missed_shortfalls: list[str] = Field(default_factory=list)
    false_positives: list[str] = Field(default_factory=list)
    missed_strengths: list[str] = Field(default_factory=list)
    theme_mismatches: list[str] = Field(default_factory=list)


class EvalResult(BaseModel):
    gold_path: str
    metrics: list[Metric] = Field(default_factory=list)
    reports: list[ReportEval] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list, description="gold that does not fit the reports")
    good_practice_misses: list[str] = Field(
        default_factory=list, description="good practice cited that the gold does not accept, or missing"
    )

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form; mypy cannot see through it
    @property
    def passed(self) -> bool:
        return not self.errors and all(m.passed for m in self.metrics)

    def metric(self, name: str) -> Metric:
        return next(m for m in self.metrics if m.name == name)


def load_gold(path: Path | str = DEFAULT_GOLD) -> Gold:
    path = Path(path)
    if not path.is_file():
        raise GoldError(f"{path}: gold file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise GoldError(f"{path}: not valid YAML: {err}") from None
    try:
        return Gold.model_validate(data)
    except ValidationError as err:
        where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        raise GoldError(f"{path}: invalid gold file: {where}") from None


# ---------------------------------------------------------------------- matching


def _has(text: str, phrase: str) -> bool:
    return fold(phrase).lower() in fold(text).lower()


def _cites(citation: Citation, report_id: str, item: GoldItem, phrases: Sequence[str]) -> bool:
    return citation.passage_id == f"{report_id}/{item.passage}" and any(_has(citation.quote, p) for p in phrases)


def _matching(findings: Iterable[Finding], report_id: str, item: GoldItem, phrases: Sequence[str]) -> Finding | None:
    return next((f for f in findings if any(_cites(c, report_id, item, phrases) for c in f.citations)), None)


def _check_gold(entry: GoldReport, report: Report, taxonomy: Taxonomy) -> list[str]:
    """Gold phrases must occur in their passages and name known themes: a stale gold fails loudly."""
    passages = {p.id: p for p in report.passages}
    known = set(taxonomy.ids) | {taxonomy.fallback.id}
    errors = []
    for item in entry.shortfalls + entry.strengths:
        passage = passages.get(f"{report.id}/{item.passage}")
        if passage is None:
            errors.append(f"{report.id}: gold passage {item.passage} does not exist")
            continue
        errors += [
            f"{passage.id}: gold phrase {p!r} is not in the passage"
            for p in item.phrases()
            if not _has(passage.text, p)
        ]
        errors += [f"{passage.id}: gold theme {t!r} is not in the taxonomy" for t in item.themes if t not in known]
    return errors


# ---------------------------------------------------------------------- plans


def _verified(citations: Iterable[Citation], passages: Mapping[str, Passage]) -> tuple[int, int]:
    checked = [verify(c, passages) for c in citations]
    return sum(1 for c in checked if c is not None and c.verified), len(checked)


def _smart(plan: ActionPlan, passages: Mapping[str, Passage]) -> tuple[int, int]:
    complete = 0
    for a in plan.actions:
        evidence_ok = _verified(a.evidence, passages)[0] >= 1
        fields_ok = all(s.strip() for s in (a.action, a.owner, a.timescale, a.rag, a.priority))
        measures_ok = any(m.strip() for m in a.measures)
        complete += bool(evidence_ok and fields_ok and measures_ok)
    return complete, len(plan.actions)


def _duplicates(plan: ActionPlan, jaccard: float) -> tuple[int, int]:
    words = [set(tokens(a.action)) for a in plan.actions]
    pairs = list(combinations(words, 2))
    dupes = sum(1 for a, b in pairs if a and b and len(a & b) / len(a | b) >= jaccard)
    return dupes, len(pairs)


def _good_practice(plan: ActionPlan, gold: Gold, detail: list[str]) -> tuple[int, int, int, int]:
    """(acceptable cited pairs, cited pairs, shortfalls answered, shortfalls with practice) for one plan.

    An action answers the gold shortfalls whose key (or supporting phrase) its
    evidence quotes; every distinct sentence of the source report it cites as
    good practice is one (shortfall, sentence) pair.
    """
    entry = next((g for g in gold.good_practice if g.report == plan.report_id), None)
    report = next((r for r in gold.reports if r.report == plan.report_id), None)
    if entry is None or report is None:
        return 0, 0, 0, 0
    shortfalls = {s.key: s for s in report.shortfalls}
    good = cited_n = answered = wanted = 0
    for item in entry.items:
        gold_item = shortfalls.get(item.shortfall)
        if gold_item is None:
            continue
        pid = f"{plan.report_id}/{gold_item.passage}"
        cited: dict[tuple[str, str], Citation] = {}
        for action in plan.actions:
            if not any(
                c.passage_id == pid and any(_has(c.quote, p) for p in gold_item.phrases()) for c in action.evidence
            ):
                continue
            for gp in action.good_practice:
                for c in gp.citations:
                    if c.passage_id.startswith(entry.source + "/"):
                        cited.setdefault((c.passage_id, fold(c.quote)), c)
        ok = [
            c
            for c in cited.values()
            if any(c.passage_id == f"{entry.source}/{a.passage}" and _has(c.quote, a.key) for a in item.cite)
        ]
        good += len(ok)
        cited_n += len(cited)
        if item.cite:
            wanted += 1
            answered += bool(ok)
        for c in cited.values():
            if c not in ok:
                detail.append(
                    f"{plan.report_id}: {item.shortfall[:50]}… <- {c.passage_id.rsplit('/', 1)[-1]}: {c.quote[:70]}…"
                )
        if item.cite and not ok:
            detail.append(f"{plan.report_id}: {item.shortfall[:50]}… got no acceptable practice")
    return good, cited_n, answered, wanted


# ---------------------------------------------------------------------- the eval


def _score_findings(entry: GoldReport, rf: ReportFindings, counts: Counter[str]) -> ReportEval:
    """Match one report's findings against its gold entry, adding to ``counts``."""
    shortfalls = [f for f in rf.findings if f.kind == "shortfall"]
    strengths = [f for f in rf.findings if f.kind == "strength"]
    detail = ReportEval(report_id=rf.report_id)
    for item in entry.shortfalls:
        match = _matching(shortfalls, rf.report_id, item, [item.key])
        if match is None:
            detail.missed_shortfalls.append(f"{item.passage}: {item.key}")
            continue
        counts["shortfalls_found"] += 1
        if match.theme in item.themes:
            counts["themes_right"] += 1
        else:
            detail.theme_mismatches.append(
                f"{item.passage}: {item.key} -> {match.theme} (gold {', '.join(item.themes)})"
            )
    for f in shortfalls:
        if any(_matching([f], rf.report_id, item, item.phrases()) for item in entry.shortfalls):
            counts["predicted_true"] += 1
        else:
            detail.false_positives.append(f"{f.id.rsplit('/', 1)[-1]}: {f.summary}")
    for item in entry.strengths:
        if _matching(strengths, rf.report_id, item, [item.key]) is None:
            detail.missed_strengths.append(f"{item.passage}: {item.key}")
        else:
            counts["strengths_found"] += 1
    counts["gold_shortfalls"] += len(entry.shortfalls)
    counts["gold_strengths"] += len(entry.strengths)
    counts["predicted"] += len(shortfalls)
    return detail


def _score_plan(
    plan: ActionPlan, gold: Gold, passages: Mapping[str, Passage], counts: Counter[str], detail: list[str]
) -> None:
    quotes = [c for a in plan.actions for c in [*a.evidence, *(c for g in a.good_practice for c in g.citations)]]
    good, cited, answered, wanted = _good_practice(plan, gold, detail)
    for name, (hits, total) in {
        "verified": _verified(quotes, passages),
        "smart": _smart(plan, passages),
        "duplicate": _duplicates(plan, gold.duplicate_jaccard),
        "gp_precision": (good, cited),
        "gp_recall": (answered, wanted),
    }.items():
        counts[name] += hits
        counts[f"{name}_of"] += total


def run_eval(
    reports: Sequence[Report],
    taxonomy: Taxonomy,
    gold_path: Path | str = DEFAULT_GOLD,
    plans: Mapping[str, ActionPlan] | Sequence[ActionPlan] | None = None,
    findings: Mapping[str, ReportFindings] | None = None,
) -> EvalResult:
    """Measure findings (``find_findings`` unless ``findings`` by report id are given) and plans.

    ``plans`` may be a list of plans or a mapping of report id to plan.
    """
    gold = load_gold(gold_path)
    plans = list(plans.values()) if isinstance(plans, Mapping) else plans
    by_id = {r.id: r for r in reports}
    passages = {p.id: p for r in reports for p in r.passages}
    result = EvalResult(gold_path=str(gold_path))
    counts: Counter[str] = Counter()
    for entry in gold.reports:
        report = by_id.get(entry.report)
        if report is None:
            result.errors.append(f"gold report {entry.report!r} is not among the reports: {', '.join(by_id) or 'none'}")
            continue
        errors = _check_gold(entry, report, taxonomy)
        if errors:
            result.errors += errors
            continue
        rf = findings[report.id] if findings and report.id in findings else find_findings(report, taxonomy)
        result.reports.append(_score_findings(entry, rf, counts))
        ok, n = _verified((c for f in rf.findings for c in f.citations), passages)
        counts["verified"] += ok
        counts["verified_of"] += n
    result.errors += _check_good_practice_gold(gold, passages)
    for plan in plans or []:
        _score_plan(plan, gold, passages, counts, result.good_practice_misses)
        counts["plan_defects"] += len(check_plan(plan))
    result.metrics = _metrics(counts, gold.thresholds, with_plans=plans is not None)
    return result


def _check_good_practice_gold(gold: Gold, passages: Mapping[str, Passage]) -> list[str]:
    """Errors in the good-practice gold: a shortfall key not in the findings gold, a key not in its passage."""
    errors = []
    for practice in gold.good_practice:
        keys = {s.key for g in gold.reports if g.report == practice.report for s in g.shortfalls}
        for item in practice.items:
            if item.shortfall not in keys:
                errors.append(f"good practice gold: {item.shortfall!r} is not a gold shortfall of {practice.report}")
            for a in item.cite:
                passage = passages.get(f"{practice.source}/{a.passage}")
                if passage is None or not _has(passage.text, a.key):
                    errors.append(f"good practice gold: {a.key!r} is not in {practice.source}/{a.passage}")
    return errors


def _metrics(counts: Counter[str], t: Thresholds, *, with_plans: bool) -> list[Metric]:
    """Each metric as hits over total against its threshold (plan metrics only when plans were scored)."""
    metrics = []
    rows = [
        ("shortfall_recall", "shortfalls_found", "gold_shortfalls", False),
        ("shortfall_precision", "predicted_true", "predicted", False),
        ("strength_recall", "strengths_found", "gold_strengths", False),
        ("theme_accuracy", "themes_right", "shortfalls_found", False),
        ("verified_quote_rate", "verified", "verified_of", False),
    ]
    if with_plans:
        rows += [
            ("good_practice_precision", "gp_precision", "gp_precision_of", False),
            ("good_practice_recall", "gp_recall", "gp_recall_of", False),
            ("smart_completeness", "smart", "smart_of", False),
            ("duplicate_rate", "duplicate", "duplicate_of", True),
        ]
    if with_plans:
        metrics.append(_defects_metric(counts["plan_defects"], t.plan_defects))
    for name, hits, total, maximum in rows:
        value = counts[hits] / counts[total] if counts[total] else None
        metrics.append(
            Metric(
                name=name,
                value=value,
                threshold=getattr(t, name),
                maximum=maximum,
                detail=f"{counts[hits]}/{counts[total]}",
            )
        )
    return metrics


def _defects_metric(defects: int, threshold: float) -> Metric:
    """Plan-quality defects (``plan_checks``): a count, not a rate."""
    return Metric(name="plan_defects", value=defects, threshold=threshold, maximum=True, detail=str(defects))


def format_eval(result: EvalResult) -> str:
    """A plain-text report of the eval: metrics against thresholds, then what was missed."""
    lines = [f"Eval against {result.gold_path}: {'PASSED' if result.passed else 'FAILED'}", ""]
    lines.append(f"{'metric':<24} {'value':>7} {'':<11} {'threshold':>11}  result")
    for m in result.metrics:
        value = "n/a" if m.value is None else f"{m.value:.3f}"
        bound = f"{'<=' if m.maximum else '>='} {m.threshold:.2f}"
        verdict = "ok" if m.passed else "ABOVE" if m.maximum else "BELOW"
        lines.append(f"{m.name:<24} {value:>7} {'(' + m.detail + ')':<11} {bound:>11}  {verdict}")
    for error in result.errors:
        lines.append(f"gold error: {error}")
    if result.good_practice_misses:
        lines += ["", "good practice not in the gold:"] + [f"  - {m}" for m in result.good_practice_misses]
    for r in result.reports:
        sections = [
            ("missed shortfalls", r.missed_shortfalls),
            ("predicted shortfalls not in gold", r.false_positives),
            ("theme differs from gold", r.theme_mismatches),
            ("missed strengths", r.missed_strengths),
        ]
        if any(items for _, items in sections):
            lines += ["", r.report_id]
            for title, items in sections:
                lines += [f"  {title}:"] + [f"    - {i}" for i in items] if items else []
    return "\n".join(lines)


# ---------------------------------------------------------------------- chat

DEFAULT_CHAT_GOLD = PROJECT_ROOT / "tests" / "gold" / "chat.yaml"


class ChatQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ask: str = Field(min_length=3)
    must_quote: list[str] = Field(default_factory=list)
    must_not_quote: list[str] = Field(default_factory=list)
    must_say: list[str] = Field(default_factory=list)
    context: str | None = None


class ChatGold(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    questions: list[ChatQuestion] = Field(min_length=1)


def chat_pass_rate(chat, path: Path | str = DEFAULT_CHAT_GOLD) -> tuple[float, list[str]]:
    """Share of gold chat questions answered with the expected quotes and words, and the failures."""
    from .models import ChatContext

    gold = ChatGold.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
    failed: list[str] = []
    for q in gold.questions:
        turn = chat.respond(q.ask, context=ChatContext(authority=q.context))
        quotes = " ".join(c.quote for c in turn.citations if c.verified)
        ok = (
            all(_has(quotes, p) for p in q.must_quote)
            and not any(_has(quotes, p) for p in q.must_not_quote)
            and all(_has(turn.reply, p) for p in q.must_say)
        )
        if not ok:
            failed.append(f"{q.ask} -> {turn.intent}")
    return (len(gold.questions) - len(failed)) / len(gold.questions), failed
