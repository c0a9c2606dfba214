"""Built-in action drafting: SMART actions from shortfalls, good practice from other reports.

Deterministic and offline. Each shortfall with verified evidence gets an action
composed from a playbook lever for its theme (prompts/playbook.yaml), filled
with the finding's own specifics: the inspectors' words for the gap, the
agreements, teams, groups or systems it names, and the partner involved.
Shortfalls on one theme get different levers; near-identical actions are merged.
Good practice comes from ``good_practice``; phrase mining from ``phrases``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .citations import verify_all
from .good_practice import StrengthPool
from .models import Action, ActionPlan, Citation, Finding, Passage, Report, ReportFindings
from .phrases import excerpt, find_partner, find_specifics, join_and, sentences_around, short_words, upper_initial
from .playbook import Lever, Lexicon, Playbook, ThemePlay, theme_label
from .text import fold

#: Actions whose content words overlap at least this much (Jaccard) say the same thing.
DUPLICATE_JACCARD = 0.8
#: Most actions drafted for one shortfall (a merged finding may name distinct gaps).
MAX_ACTIONS_PER_SHORTFALL = 2
#: Cue words a quote must share with another lever to get an action of its own.
MIN_SPLIT_CUES = 3

PRIORITY_RANK = {"High": 0, "Medium": 1, "Low": 2}


@dataclass
class _Draft:
    """An action while the plan is being drafted: its order and the shortfall text behind it."""

    action: Action
    order: tuple[int, int, int]
    gap: str
    shortfall_text: str


# --------------------------------------------------------------------------- the plan


def draft_plan(
    report: Report,
    findings: ReportFindings,
    others: Sequence[tuple[Report, ReportFindings]],
    playbook: Playbook,
    taxonomy,
) -> ActionPlan:
    """SMART actions for every evidenced shortfall, with good practice from the other reports.

    ``taxonomy`` supplies theme labels (``Taxonomy.label``); ``others`` are the
    other reports of the corpus with their findings.
    """
    if findings.report_id != report.id:
        raise ValueError(f"findings are for {findings.report_id!r}, not for report {report.id!r}")
    plan = ActionPlan(
        authority=report.authority,
        quality_statement=report.quality_statement,
        score=report.score,
        report_id=report.id,
        engine="builtin",
    )
    shortfalls = [f for f in findings.findings if f.kind == "shortfall"]
    if not shortfalls:
        plan.notes.append(
            playbook.message("no_shortfalls", authority=report.authority, statement=report.quality_statement)
        )
        return plan

    passages = {p.id: p for p in report.passages}
    used: dict[str, Counter] = {}
    drafts: list[_Draft] = []
    for index, finding in enumerate(shortfalls):
        evidence = [c for c in verify_all(finding.citations, passages) if c.verified]
        if not evidence:
            plan.notes.append(playbook.message("no_evidence", finding=finding.id, summary=finding.summary))
            continue
        counter = used.setdefault(playbook.key(finding.theme), Counter())
        drafts += _drafts(report, finding, evidence, passages, playbook, taxonomy, counter, index)

    drafts = _merge_duplicates(drafts, playbook, plan.notes)
    pool = StrengthPool(report, others)
    for d in drafts:
        label = theme_label(taxonomy, playbook, d.action.theme)
        d.action.good_practice = pool.pick(d.action.theme, playbook, label, d.shortfall_text, d.gap)
        if not d.action.good_practice:
            d.action.no_good_practice_note = playbook.message("no_good_practice", theme=label)
    drafts.sort(key=lambda d: (PRIORITY_RANK[d.action.priority], d.order))
    plan.actions = [d.action for d in drafts]
    plan.renumber()
    return plan


def _drafts(
    report: Report,
    finding: Finding,
    evidence: list[Citation],
    passages: dict[str, Passage],
    playbook: Playbook,
    taxonomy,
    used: Counter,
    index: int,
) -> list[_Draft]:
    """The finding's action(s): one per lever its evidence calls for (see ``_lever_groups``)."""
    play = playbook.play(finding.theme)
    groups = _lever_groups(play, finding, evidence, playbook, used)
    drafts = []
    for k, (lever, cited) in enumerate(groups):
        used[lever.id] += 1
        drafts.append(_compose(report, finding, lever, cited, passages, playbook, taxonomy, (index, k)))
    return drafts


def _lever_groups(
    play: ThemePlay, finding: Finding, evidence: list[Citation], playbook: Playbook, used: Counter
) -> list[tuple[Lever, list[Citation]]]:
    """The lever for the finding as a whole, plus, when some of its quotes name a distinct gap
    that another unused lever answers clearly (``MIN_SPLIT_CUES`` cue words), a second action
    for those quotes, so a merged finding's separate gaps are each answered.
    """
    words = playbook.content_words(" ".join([finding.summary, *(c.quote for c in evidence)]))
    main = _choose_lever(play, words, playbook, used)
    by_lever: dict[str, list[Citation]] = {}
    for c in evidence:
        quote_words = playbook.content_words(c.quote)
        hits, best = max(((len(quote_words & _cues(lv, playbook)), lv) for lv in play.levers), key=lambda h: h[0])
        if hits >= MIN_SPLIT_CUES and best.id != main.id and not used[best.id]:
            by_lever.setdefault(best.id, []).append(c)
    levers = {lever.id: lever for lever in play.levers}
    order = list(levers)
    extra = sorted(by_lever, key=lambda lid: (-len(by_lever[lid]), order.index(lid)))[: MAX_ACTIONS_PER_SHORTFALL - 1]
    moved = [c for lid in extra for c in by_lever[lid]]
    rest = [c for c in evidence if c not in moved]
    if not rest:  # every quote belongs elsewhere: the finding's own lever keeps them all
        return [(main, evidence)]
    return [(main, rest)] + [(levers[lid], by_lever[lid]) for lid in extra]


def _cues(lever: Lever, playbook: Playbook) -> frozenset[str]:
    return playbook.content_words(" ".join(lever.cues))


def _compose(
    report: Report,
    finding: Finding,
    lever: Lever,
    evidence: list[Citation],
    passages: dict[str, Passage],
    playbook: Playbook,
    taxonomy,
    order: tuple[int, int],
) -> _Draft:
    """One action from a lever, filled with what its evidence names."""
    lexicon = playbook.lexicon
    play = playbook.play(finding.theme)
    shortfall_text = " ".join(sentences_around(passages[c.passage_id], c.quote) for c in evidence)
    gap = excerpt(evidence[0].quote, lexicon)
    slots = {
        "authority": report.authority,
        "statement": report.quality_statement,
        "theme": theme_label(taxonomy, playbook, finding.theme),
        "partner": find_partner(shortfall_text, lexicon) or play.partner,
        "specific": join_and(find_specifics(evidence, report, lexicon)) or play.subject,
        "gap": gap,
    }
    action = Action(
        id="A0",
        title=upper_initial(lever.title.format(**slots)),
        theme=finding.theme,
        shortfall_ids=[finding.id],
        evidence=evidence,
        action=upper_initial(lever.action.format(**slots)),
        owner=play.owner_of(lever),
        timescale=f"{lever.months} months",
        measures=[upper_initial(m.format(**slots)) for m in [*lever.measures, playbook.closing_measure]],
        rag="Not started",
        priority=playbook.priority.priority(report.score, _severity(shortfall_text, lexicon), play.priority),
    )
    position = min(passages[c.passage_id].position for c in evidence)
    return _Draft(action=action, order=(position, *order), gap=gap, shortfall_text=shortfall_text)


def _choose_lever(play: ThemePlay, words: frozenset[str], playbook: Playbook, used: Counter) -> Lever:
    """The least-used lever of the theme, preferring the one whose cues the finding shares most."""

    def rank(item: tuple[int, Lever]) -> tuple[int, int, int]:
        i, lever = item
        return used[lever.id], -len(words & _cues(lever, playbook)), i

    return min(enumerate(play.levers), key=rank)[1]


def _severity(text: str, lexicon: Lexicon) -> int:
    lowered = fold(text).lower() + " "
    if any(cue in lowered for cue in lexicon.severe):
        return 1
    if any(cue in lowered for cue in lexicon.mild):
        return -1
    return 0


def _merge_duplicates(drafts: list[_Draft], playbook: Playbook, notes: list[str]) -> list[_Draft]:
    """Fold actions that say the same thing into the first, keeping every shortfall id and quote."""
    kept: list[_Draft] = []
    for d in drafts:
        words = playbook.content_words(d.action.action)
        twin = next(
            (k for k in kept if jaccard(words, playbook.content_words(k.action.action)) >= DUPLICATE_JACCARD), None
        )
        if twin is None:
            _unique_title(d, kept)
            kept.append(d)
            continue
        a = twin.action
        a.shortfall_ids += [s for s in d.action.shortfall_ids if s not in a.shortfall_ids]
        seen = {(c.passage_id, c.quote) for c in a.evidence}
        a.evidence += [c for c in d.action.evidence if (c.passage_id, c.quote) not in seen]
        a.priority = min(a.priority, d.action.priority, key=PRIORITY_RANK.__getitem__)
        twin.shortfall_text += " " + d.shortfall_text
        notes.append(
            playbook.message("merged", kept=", ".join(a.shortfall_ids[:1]), merged=", ".join(d.action.shortfall_ids))
        )
    return kept


def _unique_title(draft: _Draft, kept: list[_Draft]) -> None:
    titles = {k.action.title.lower() for k in kept}
    if draft.action.title.lower() in titles:
        draft.action.title = f"{draft.action.title}: {short_words(draft.gap, 8)}"


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0
