"""The eval: gold annotation of the seeds, metrics and thresholds (runs in CI)."""

from __future__ import annotations

import shutil

import pytest
import yaml

from assistant.evaluate import DEFAULT_GOLD, GoldError, format_eval, load_gold, run_eval
from assistant.models import Action, ActionPlan, Citation, Finding, GoodPractice, ReportFindings
from assistant.reports import parse_file
from assistant.settings import PROJECT_ROOT
from assistant.themes import load_taxonomy

DURHAM = "county-durham/partnerships-and-communities"
GLOUCS = "gloucestershire/partnerships-and-communities"


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(PROJECT_ROOT / "prompts")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seeds")
    return [parse_file(shutil.copy(f, folder / f.name)) for f in sorted((PROJECT_ROOT / "seeds").iterdir())]


@pytest.fixture(scope="module")
def seed_eval(reports, taxonomy):
    return run_eval(reports, taxonomy, DEFAULT_GOLD)


def test_findings_on_the_seeds_meet_the_gold_thresholds(seed_eval):
    """The CI gate: fails when findings fall below the thresholds in tests/gold/seeds.yaml."""
    assert not seed_eval.errors, seed_eval.errors
    failing = [m for m in seed_eval.metrics if not m.passed]
    assert not failing, format_eval(seed_eval)
    assert seed_eval.passed
    assert {m.name for m in seed_eval.metrics} == {
        "shortfall_recall",
        "shortfall_precision",
        "strength_recall",
        "theme_accuracy",
        "verified_quote_rate",
    }


def test_gold_covers_both_seeds_with_shortfalls_and_strengths():
    gold = load_gold()
    assert {r.report for r in gold.reports} == {DURHAM, GLOUCS}
    for entry in gold.reports:
        assert len(entry.shortfalls) >= 10 and len(entry.strengths) >= 5


def _citation(report, pos, phrase):
    return Citation(passage_id=f"{report}/{pos}", quote=phrase, verified=True)


def _finding(report, n, kind, theme, *citations):
    return Finding(
        id=f"{report}/{kind[0]}{n:02d}",
        report_id=report,
        kind=kind,
        theme=theme,
        summary="x",
        citations=list(citations),
    )


def _findings_with(report_obj, *findings):
    return ReportFindings(
        report_id=report_obj.id,
        authority=report_obj.authority,
        quality_statement=report_obj.quality_statement,
        score=report_obj.score,
        findings=list(findings),
    )


def test_metrics_count_matches_misses_and_false_positives(reports, taxonomy):
    durham = next(r for r in reports if r.id == DURHAM)
    gloucs = next(r for r in reports if r.id == GLOUCS)
    found = {
        DURHAM: _findings_with(
            durham,
            _finding(
                DURHAM,
                1,
                "shortfall",
                "coproduction",
                _citation(DURHAM, "p17", "Co-production was not routine and to some felt tokenistic."),
            ),
            _finding(
                DURHAM,
                2,
                "shortfall",
                "mental_health",  # a supporting phrase counts for precision only
                _citation(
                    DURHAM, "p04", "some managers were completing significant hours outside of their core working hours"
                ),
            ),
            _finding(
                DURHAM,
                3,
                "shortfall",
                "other",  # not a shortfall in the gold
                _citation(DURHAM, "p07", "The Durham Mental Wellbeing Alliance was shared as a good example"),
            ),
            _finding(
                DURHAM,
                4,
                "shortfall",
                "workforce",  # right phrase, wrong passage
                _citation(DURHAM, "p16", "a focus on adult social care was at risk of being lost"),
            ),
        ),
        GLOUCS: _findings_with(gloucs),
    }
    result = run_eval(reports, taxonomy, DEFAULT_GOLD, findings=found)
    gold = load_gold()
    total = sum(len(e.shortfalls) for e in gold.reports)
    assert result.metric("shortfall_recall").value == pytest.approx(1 / total)
    assert result.metric("shortfall_precision").value == pytest.approx(2 / 4)
    assert result.metric("theme_accuracy").value == 1.0
    assert result.metric("strength_recall").value == 0.0
    assert result.metric("verified_quote_rate").value == pytest.approx(3 / 4)  # p16 quote is not in p16
    assert not result.passed
    text = format_eval(result)
    assert "FAILED" in text and "BELOW" in text and "missed shortfalls" in text


def _action(n, theme, text, evidence, good_practice=(), owner="Director of Adult Social Services"):
    return Action(
        id=f"A{n}",
        title=f"Action {n}",
        theme=theme,
        action=text,
        owner=owner,
        timescale="6 months",
        measures=["a measure"],
        evidence=list(evidence),
        good_practice=list(good_practice),
    )


def test_plan_metrics(reports, taxonomy):
    evidence = [_citation(GLOUCS, "p10", "Recording systems were often incompatible")]
    durham_gp = GoodPractice(
        authority="County Durham",
        report_id=DURHAM,
        summary="Borrow read-only access.",
        citations=[_citation(DURHAM, "p09", "Read only access to information systems was available")],
    )
    outcome_gp = GoodPractice(
        authority="County Durham",
        report_id=DURHAM,
        summary="Borrow what access meant.",
        citations=[_citation(DURHAM, "p09", "Access to this information meant that people")],
    )
    plan = ActionPlan(
        authority="Gloucestershire",
        quality_statement="Partnerships and communities",
        score=2,
        report_id=GLOUCS,
        actions=[
            _action(
                1,
                "data_sharing",
                "Agree a shared data protocol with health partners for recording systems.",
                evidence,
                [durham_gp],
            ),  # good practice where Durham has a strength: hit
            _action(
                2, "coproduction", "Set up a co-production board with people who draw on care.", evidence, [outcome_gp]
            ),  # an outcome sentence for the same shortfall: not acceptable
            _action(
                3,
                "data_sharing",
                "Agree a shared data protocol with health partners for recording systems.",
                evidence,
                owner="",
            ),  # duplicate of A1, and no owner: not SMART
            _action(4, "coproduction", "Review co-production with the voluntary sector.", []),  # no evidence
        ],
    )
    result = run_eval(reports, taxonomy, DEFAULT_GOLD, plans={GLOUCS: plan})
    # two (shortfall, sentence) pairs for "Recording systems were often incompatible": one acceptable
    assert result.metric("good_practice_precision").value == pytest.approx(1 / 2)
    wanted = sum(1 for i in load_gold().good_practice[0].items if i.cite)
    assert result.metric("good_practice_recall").value == pytest.approx(1 / wanted)
    assert result.metric("smart_completeness").value == pytest.approx(2 / 4)
    assert result.metric("duplicate_rate").value == pytest.approx(1 / 6)
    assert not result.metric("duplicate_rate").passed
    assert not result.passed


def test_no_plans_means_plan_metrics_are_not_measured(seed_eval):
    names = {m.name for m in seed_eval.metrics}
    assert "smart_completeness" not in names and "good_practice_precision" not in names


def _gold_copy(tmp_path, edit):
    data = yaml.safe_load(DEFAULT_GOLD.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "gold.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_stale_gold_fails_loudly(reports, taxonomy, tmp_path):
    def edit(data):
        data["reports"][0]["shortfalls"][0]["key"] = "a phrase that is nowhere in the report"
        data["reports"][1]["strengths"][0]["themes"] = ["not_a_theme"]

    result = run_eval(reports, taxonomy, _gold_copy(tmp_path, edit))
    assert not result.passed
    assert any("is not in the passage" in e for e in result.errors)
    assert any("not_a_theme" in e for e in result.errors)
    assert "gold error" in format_eval(result)


def test_gold_report_missing_from_the_corpus_fails(reports, taxonomy):
    result = run_eval([r for r in reports if r.id == DURHAM], taxonomy, DEFAULT_GOLD)
    assert not result.passed
    assert any(GLOUCS in e for e in result.errors)


def test_threshold_from_the_gold_file_decides(reports, taxonomy, tmp_path):
    path = _gold_copy(tmp_path, lambda d: d["thresholds"].update(strength_recall=1.0))
    result = run_eval(reports, taxonomy, path)
    assert result.metric("strength_recall").threshold == 1.0
    assert result.metric("strength_recall").passed is (result.metric("strength_recall").value == 1.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [("reports: [unclosed", "not valid YAML"), ("reports: []\n", "thresholds"), ("[1]", "invalid gold")],
)
def test_malformed_gold_errors_clearly(tmp_path, text, message):
    path = tmp_path / "gold.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GoldError, match=message):
        load_gold(path)
    with pytest.raises(GoldError, match="not found"):
        load_gold(tmp_path / "missing.yaml")


def test_seed_plans_meet_the_good_practice_floors(tmp_path_factory):
    """The CI gate for plans, as `python -m assistant eval` measures them (engine findings, the real index):
    good-practice precision and recall, SMART completeness, duplicates and plan defects against the floors
    in tests/gold/seeds.yaml."""
    from assistant.service import Assistant
    from assistant.settings import Settings

    root = tmp_path_factory.mktemp("eval-plans")
    shutil.copytree(PROJECT_ROOT / "seeds", root / "seeds")
    settings = Settings(seeds_dir=root / "seeds", vectorstore_dir=root / "vs", data_dir=root / "data", engine="builtin")
    a = Assistant(settings)
    reports = a.reports()
    plans = {r.id: a.plan(r) for r in reports}
    findings = {r.id: a.findings(r) for r in reports}
    result = run_eval(reports, a.taxonomy, DEFAULT_GOLD, findings=findings, plans=plans)
    assert not result.errors, result.errors
    for name in ("good_practice_precision", "good_practice_recall"):
        metric = result.metric(name)
        assert metric.passed, format_eval(result)
        assert metric.threshold >= 0.75
    assert result.passed, format_eval(result)
