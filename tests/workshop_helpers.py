"""Small hand-built findings, plan and passages for the workshop tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from assistant.models import (
    Action,
    ActionPlan,
    Citation,
    Finding,
    GoodPractice,
    Passage,
    ReportFindings,
)
from assistant.settings import PROJECT_ROOT
from assistant.workshop.agenda import build_agenda, load_workshop_prompts
from assistant.workshop.domain import WorkshopDraft

REPORT = "testshire/partnerships-and-communities"
PROMPTS_DIR: Path = PROJECT_ROOT / "prompts"


def passage(n: int, text: str) -> Passage:
    return Passage(
        id=f"{REPORT}/p{n:02d}",
        report_id=REPORT,
        authority="Testshire",
        quality_statement="Partnerships and communities",
        section="key_findings",
        position=n,
        text=text,
    )


PASSAGES = {
    p.id: p
    for p in [
        passage(1, "Staff said a lack of integrated information systems caused delays to people's care."),
        passage(2, "Co-production was not routine and to some felt tokenistic. Consultation was an afterthought."),
        passage(3, "People were not always told when their worker changed, which was confusing and upsetting."),
    ]
}


def finding(n: int, theme: str, summary: str, pid: int, quote: str) -> Finding:
    return Finding(
        id=f"{REPORT}/s{n:02d}",
        report_id=REPORT,
        kind="shortfall",
        theme=theme,
        summary=summary,
        citations=[Citation(passage_id=f"{REPORT}/p{pid:02d}", quote=quote)],
    )


FINDINGS = ReportFindings(
    report_id=REPORT,
    authority="Testshire",
    quality_statement="Partnerships and communities",
    score=2,
    findings=[
        finding(
            1,
            "data_sharing",
            "Information systems are not integrated, delaying care.",
            1,
            "a lack of integrated information systems caused delays",
        ),
        finding(
            2,
            "coproduction",
            "Co-production is not routine and feels tokenistic.",
            2,
            "Co-production was not routine and to some felt tokenistic",
        ),
        finding(3, "coproduction", "Consultation comes too late.", 2, "Consultation was an afterthought"),
        finding(
            4,
            "communication_continuity",
            "People are not told when workers change.",
            3,
            "a quote that is not in the passage at all",
        ),
        Finding(
            id=f"{REPORT}/g01",
            report_id=REPORT,
            kind="strength",
            theme="data_sharing",
            summary="Good strategic links.",
            citations=[],
        ),
    ],
)


def action(n: int, theme: str, shortfalls: list[int], title: str, gp: bool = False) -> Action:
    return Action(
        id=f"A{n}",
        title=title,
        theme=theme,
        shortfall_ids=[f"{REPORT}/s{s:02d}" for s in shortfalls],
        action=f"Do {title.lower()}.",
        owner="Director of Adult Social Services",
        timescale="6 months",
        measures=["Measured quarterly"],
        good_practice=[GoodPractice(authority="Exampleton", summary="Exampleton runs a shared care record.")]
        if gp
        else [],
    )


PLAN = ActionPlan(
    authority="Testshire",
    quality_statement="Partnerships and communities",
    score=2,
    report_id=REPORT,
    actions=[
        action(1, "data_sharing", [1], "Shared care record access", gp=True),
        action(2, "coproduction", [2, 3], "Co-production charter"),
        action(3, "communication_continuity", [4], "Tell people when workers change"),
        action(4, "workforce", [], "Workforce plan"),
    ],
)


def draft(dots: int = 3, plan: ActionPlan | None = PLAN) -> WorkshopDraft:
    items = build_agenda(
        FINDINGS, plan, PASSAGES, load_workshop_prompts(PROMPTS_DIR), {"data_sharing": "Data and information sharing"}
    )
    return WorkshopDraft(
        title="Partnerships workshop",
        date=dt.date(2026, 12, 1),
        expected_participants=25,
        dots_per_participant=dots,
        report_id=REPORT,
        authority="Testshire",
        quality_statement="Partnerships and communities",
        score=2,
        items=items,
        base_plan=plan,
    )


def hammer(store, participants: int = 20, ideas_each: int = 5, dots: int = 3) -> dict:
    """Many participants at once: join, add ideas and vote past their dots, in threads.

    Each participant also votes from a second "tab" (another thread holding the
    same token) to race against themselves. Returns what the threads saw and
    the workshop afterwards, with the elapsed time and operations per second.
    """
    import random
    import threading
    import time
    from collections import Counter

    from assistant.workshop.domain import DotsExhausted, WorkshopError

    created = store.create(draft(dots=dots))
    snap = store.facilitate(created.facilitator_token).snapshot()
    items = [it.id for it in snap.items]
    cands = [c.id for c in snap.candidates()]
    lock = threading.Lock()
    placed: Counter[int] = Counter()
    refused: Counter[str] = Counter()
    errors: list[BaseException] = []
    ops: Counter[str] = Counter()
    start_gate = threading.Barrier(participants * 2)

    def tab(token: str, seed: int, ideas: int) -> None:
        rng = random.Random(seed)
        try:
            me = store.participant(token)
            start_gate.wait()
            for n in range(ideas):
                me.add_idea(rng.choice(items), f"idea {n} from {token[:6]}")
                with lock:
                    ops["idea"] += 1
            for _ in range(dots + 2):
                cand = rng.choice(cands)
                try:
                    me.vote(cand)
                    with lock:
                        placed[cand] += 1
                        ops["vote"] += 1
                except DotsExhausted:
                    with lock:
                        refused["dots"] += 1
                        ops["vote"] += 1
                except WorkshopError:  # a clash with our own other tab: refused, never counted
                    with lock:
                        refused["clash"] += 1
                        ops["vote"] += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    tokens = [store.join(created.join_code, f"P{i}")[1] for i in range(participants)]
    threads = [
        threading.Thread(target=tab, args=(t, i * 2 + k, ideas_each if k == 0 else 0))
        for i, t in enumerate(tokens)
        for k in range(2)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    after = store.facilitate(created.facilitator_token).snapshot()
    total_ops = sum(ops.values())
    return {
        "errors": errors,
        "placed": placed,
        "refused": refused,
        "after": after,
        "elapsed": elapsed,
        "ops": total_ops,
        "ops_per_s": total_ops / elapsed,
        "participants": participants,
        "ideas_each": ideas_each,
        "dots": dots,
    }


def check_hammer(result: dict) -> None:
    """Exact tallies: every idea and dot stored once, no one over their dots."""
    after = result["after"]
    assert not result["errors"], result["errors"]
    ideas = [i for it in after.items for i in it.ideas]
    assert len(ideas) == result["participants"] * result["ideas_each"]
    assert len({i.text for i in ideas}) == len(ideas)
    tallies = {c.id: c.votes for c in after.candidates() if c.votes}
    assert tallies == dict(result["placed"])
    assert all(p.dots_used == result["dots"] for p in after.participants)  # each tried more than their dots
    assert after.total_votes() == result["participants"] * result["dots"]
