"""Built-in plan drafting: a few workstreams, each answering related shortfalls with 1-3 actions.

Deterministic and offline. Shortfalls with verified evidence are grouped into
workstreams (``prompts/plan.yaml``: related themes plus the words of each
shortfall's sentence), as many as the report's score allows. Each workstream's
shortfalls are answered by one to three actions composed from playbook levers
(``prompts/playbook.yaml``), filled with what the evidence names; every quoted
shortfall is cited by the action that answers it. Actions build on the work and
programmes the report names (``initiatives``), start "In progress" where the
report says work has started, and never set up what the report says exists.
Priority follows impact on people and risk and rises when the council has
recognised the gap; measures carry a baseline source and a dated target, with
an outcome for people tied to the report's I-statement. Good practice comes from
``good_practice`` (one call site, ``_good_practice``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from .citations import verify_all
from .good_practice import ActionQuery, GoodPracticeFinder
from .initiatives import already_exists, find_initiatives, folded, is_mitigation, is_recognised, relevant
from .models import (
    Action,
    ActionPlan,
    Citation,
    Finding,
    Governance,
    Initiative,
    MeasureDetail,
    Passage,
    Priority,
    Report,
    ReportFindings,
    Workstream,
)
from .phrases import excerpt, find_partner, find_specifics, join_and, lower_initial, sentences_around, upper_initial
from .plan_config import InitiativeCues, PlanConfig, load_initiative_cues, load_plan_config
from .playbook import Lever, Playbook, theme_label
from .schedule import baseline_text, measure_target, milestones, months_of, people_outcome, span_workstreams
from .text import fold
from .themes import Taxonomy

PRIORITY_RANK = {"High": 0, "Medium": 1, "Low": 2}
#: Clause boundaries a quote is cut at, before the words on work under way.
_CLAUSE_CUTS = (", but ", " but ", "; ", " and the ", " and ", ", ")
#: Fewest words a quote cut before its mitigation keeps.
MIN_CUT_WORDS = 5


@dataclass
class _Item:
    """A shortfall being planned: its evidence, context, sentence words and workstream."""

    finding: Finding
    evidence: list[Citation]
    context: list[Citation]
    text: str
    words: frozenset[str]
    position: int
    family: str = "default"
    in_progress: bool = False
    recognised: bool = False
    action: Action | None = None  # the drafted action this item stands for (plans drafted by a model)


@dataclass
class _Stream:
    family: str
    items: list[_Item] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)

    @property
    def position(self) -> int:
        return min(i.position for i in self.items)


@dataclass
class _Drafting:
    """What the drafting of one plan shares: the report, its data files and the phrase counters."""

    report: Report
    playbook: Playbook
    config: PlanConfig
    cues: InitiativeCues
    taxonomy: Taxonomy
    start: date
    initiatives: list[Initiative]
    passages: dict[str, Passage]
    turns: Counter = field(default_factory=Counter)

    @classmethod
    def of(
        cls,
        report: Report,
        playbook: Playbook,
        taxonomy: Taxonomy,
        config: PlanConfig,
        cues: InitiativeCues,
        start: date,
    ) -> _Drafting:
        """The drafting context of ``report``: its initiatives and passages by id."""
        return cls(
            report=report,
            playbook=playbook,
            config=config,
            cues=cues,
            taxonomy=taxonomy,
            start=start,
            initiatives=find_initiatives(report, cues),
            passages={p.id: p for p in report.passages},
        )

    def turn(self, name: str) -> int:
        """The next alternative of a phrase (each phrase's alternatives are used in turn)."""
        self.turns[name] += 1
        return self.turns[name] - 1


# --------------------------------------------------------------------------- the plan


def draft_plan(
    report: Report,
    findings: ReportFindings,
    others: Sequence[tuple[Report, ReportFindings]],
    playbook: Playbook,
    taxonomy: Taxonomy,
    *,
    start: date | None = None,
    config: PlanConfig | None = None,
    cues: InitiativeCues | None = None,
    evidence_base=None,
) -> ActionPlan:
    """A workstream plan for every evidenced shortfall, with good practice from the other reports.

    ``taxonomy`` supplies theme labels (``Taxonomy.label``); ``others`` are the
    other reports of the corpus with their findings; ``start`` (default today)
    dates the milestones; ``evidence_base`` (an ``evidence.EvidenceBase``) lets
    good practice rank by meaning.
    """
    if findings.report_id != report.id:
        raise ValueError(f"findings are for {findings.report_id!r}, not for report {report.id!r}")
    config = config or load_plan_config()
    cues = cues or load_initiative_cues()
    start = start or date.today()
    plan = ActionPlan(
        **report.ref(),
        engine="builtin",
        start_date=start,
        lead_member=config.governance.lead_member,
        i_statement=report.i_statements[0] if report.i_statements else None,
    )
    shortfalls = [f for f in findings.findings if f.kind == "shortfall"]
    if not shortfalls:
        plan.notes.append(
            playbook.message("no_shortfalls", authority=report.authority, statement=report.quality_statement)
        )
        return plan
    d = _Drafting.of(report, playbook, taxonomy, config, cues, start)
    items = []
    for finding in shortfalls:
        evidence = [c for c in verify_all(finding.citations, d.passages) if c.verified]
        if not evidence:
            plan.notes.append(playbook.message("no_evidence", finding=finding.id, summary=finding.summary))
            continue
        items.append(_item(d, finding, evidence))
    streams = _size(d, _group(d, items), config.workstream_limit(report.score))
    plan.initiatives = d.initiatives
    _order(plan, [_workstream(d, s) for s in streams])
    _good_practice(d, plan, others, evidence_base)
    _finish(plan, config, len(items))
    return plan


def _order(plan: ActionPlan, built: list[tuple[Workstream, list[Action], int]]) -> None:
    """Workstreams by priority then by where their evidence first appears, numbered W1…, with their actions
    numbered in that order (``ws.action_ids`` follow the renumbering)."""
    built.sort(key=lambda b: (PRIORITY_RANK[b[0].priority], b[2]))
    plan.actions, plan.workstreams = [], []
    for n, (ws, actions, _) in enumerate(built, start=1):
        ws.id = f"W{n}"
        for a in actions:
            a.workstream = ws.id
        plan.actions += actions
        plan.workstreams.append(ws)
    old_ids = [id(a) for a in plan.actions]
    plan.renumber()
    renamed = dict(zip(old_ids, (a.id for a in plan.actions), strict=True))
    for ws, actions, _ in built:
        ws.action_ids = [renamed[id(a)] for a in actions]
    for a in plan.actions:
        a.milestones = [m.model_copy(update={"action_id": a.id}) for m in a.milestones]


def _finish(plan: ActionPlan, config: PlanConfig, shortfalls: int) -> None:
    """Workstream spans, governance and the plan on a page."""
    span_workstreams(plan)
    plan.governance = governance(plan, config)
    plan.summary = plan_on_a_page(plan, config, shortfalls)


# --------------------------------------------------------------------------- shortfalls


def _item(d: _Drafting, finding: Finding, evidence: list[Citation]) -> _Item:
    """A shortfall's evidence split into the gap itself and the work under way it mentions."""
    gap_quotes: list[Citation] = []
    context: list[Citation] = []
    for c in evidence:
        if not is_mitigation(c.quote, d.cues):
            gap_quotes.append(c)
            continue
        cut = _cut_before_mitigation(c.quote, d.cues)
        if cut:
            gap_quotes.append(c.model_copy(update={"quote": cut}))
        context.append(c)
    if not gap_quotes:  # every quote is about work under way: keep them, the shortfall is still named
        gap_quotes, context = evidence, []
    context += [c for c in verify_all(finding.context, d.passages) if c.verified and c not in context]
    sentences = " ".join(sentences_around(d.passages[c.passage_id], c.quote) for c in evidence)
    text = " ".join([finding.summary, sentences])
    return _Item(
        finding=finding,
        evidence=gap_quotes,
        context=context,
        text=text,
        words=d.playbook.content_words(text),
        position=min(d.passages[c.passage_id].position for c in evidence),
        in_progress=any(
            cue in folded(sentences) for cue in d.cues.in_progress if cue not in ("was being", "were being")
        ),
        recognised=is_recognised(sentences, d.cues)
        or any(is_recognised(d.passages[c.passage_id].text, d.cues) for c in evidence),
    )


def _cut_before_mitigation(quote: str, cues: InitiativeCues) -> str | None:
    """The quote up to the clause that turns to work under way, when that leaves a shortfall."""
    lowered = fold(quote).lower()
    at = min((lowered.find(c) for c in cues.mitigation if c in lowered), default=-1)
    if at <= 0:
        return None
    head = quote[:at]
    for cut in _CLAUSE_CUTS:
        i = head.rfind(cut)
        if i > 0 and len(head[:i].split()) >= MIN_CUT_WORDS:
            return head[:i].rstrip(" ,;")
    return None


# --------------------------------------------------------------------------- workstreams


def _group(d: _Drafting, items: list[_Item]) -> list[_Stream]:
    """Each shortfall joins the workstream its theme and its sentence's words point to."""
    families = d.config.workstreams
    cue_words = {k: d.playbook.content_words(" ".join(f.cues)) for k, f in families.items()}
    streams: dict[str, _Stream] = {}
    for item in items:
        own = d.config.family_of_theme(item.finding.theme)

        def score(name: str, item: _Item = item, own: str = own) -> tuple[int, int]:
            prior = d.config.theme_weight if name == own else 0
            return prior + len(item.words & cue_words[name]), name == own

        item.family = max((k for k in families if k != "default"), key=score, default="default")
        if score(item.family)[0] < d.config.theme_weight:
            item.family = own
        streams.setdefault(item.family, _Stream(family=item.family)).items.append(item)
    return sorted(streams.values(), key=lambda s: s.position)


def _size(d: _Drafting, streams: list[_Stream], limit: int) -> list[_Stream]:
    """Merge the smallest workstreams into their nearest until the plan has at most ``limit``.

    Among the smallest, the merge that keeps every workstream within its number of actions is
    preferred (merging into a full workstream would fold unrelated shortfalls into one action).
    """
    families = d.config.workstreams
    for s in streams:
        s.titles = s.titles or [families[s.family].title]
    while len(streams) > max(1, limit):
        fewest = min(len(s.items) for s in streams)
        pairs = [(s, t) for s in streams if len(s.items) == fewest for t in streams if t is not s]
        small, into = min(pairs, key=lambda p: _merge_cost(d, p[0], p[1]))
        into.items += small.items
        merged = families[into.family].merged_titles.get(small.family) or families[small.family].merged_titles.get(
            into.family
        )
        into.titles = [merged] if merged and len(into.titles) == 1 else into.titles + small.titles
        streams = [s for s in streams if s is not small]
    return sorted(streams, key=lambda s: s.position)


def _merge_cost(d: _Drafting, small: _Stream, into: _Stream) -> tuple[int, int, int, int, int]:
    """How bad merging ``small`` into ``into`` is (lower is better): not a near workstream, actions over the
    limit, how far down ``small``'s near list, fewer shared words; of equals, the later workstream merges."""
    near = d.config.workstreams[small.family].near
    rank = near.index(into.family) if into.family in near else len(near)
    overflow = 0
    if into.family in near:  # a workstream not near is ranked after every near one, however full
        items = into.items + small.items
        overflow = max(
            0,
            len(_assign_levers(d, _lever_candidates(d, into.family, items), items))
            - d.config.action_limit(d.report.score),
        )
    shared = len(frozenset().union(*(i.words for i in small.items)) & frozenset().union(*(i.words for i in into.items)))
    return int(into.family not in near), overflow, rank, -shared, -small.position


def _workstream(d: _Drafting, stream: _Stream) -> tuple[Workstream, list[Action], int]:
    family = d.config.workstreams[stream.family]
    themes = list(dict.fromkeys(i.finding.theme for i in stream.items))
    label = theme_label(d.taxonomy, d.playbook, themes[0])
    title = _stream_title(stream, label)
    priority, rationale = _priority(d, stream.items)
    groups = _lever_groups(d, stream)
    actions = [
        _compose(d, theme, lever, group, family.outcome, priority, n)
        for n, (theme, lever, group) in enumerate(groups, 1)
    ]
    builds_on = list(dict.fromkeys(b for a in actions for b in a.builds_on))
    owners = [a.owner for a in actions]
    ws = Workstream(
        id="W0",
        title=title,
        themes=themes,
        priority=priority,
        rationale=rationale,
        recognised=any(i.recognised for i in stream.items),
        shortfall_ids=[i.finding.id for i in stream.items],
        outcome=family.outcome,
        lead=Counter(owners).most_common(1)[0][0],
        partner_lead=next((a.partner_lead for a in actions if a.partner_lead), None),
        builds_on=builds_on,
        dependencies=list(dict.fromkeys(dep for t in stream.titles for dep in _family_by_title(d, t).dependencies)),
        risks=list(dict.fromkeys(r for t in stream.titles for r in _family_by_title(d, t).risks)),
        resources=d.config.language.resources.format(owners=series(list(dict.fromkeys(owners)))),
    )
    return ws, actions, stream.position


def _family_by_title(d: _Drafting, title: str):
    return next((f for f in d.config.workstreams.values() if f.title == title), d.config.workstreams["default"])


def _stream_title(stream: _Stream, label: str) -> str:
    titles = list(dict.fromkeys(t.replace("{theme}", label) for t in stream.titles))
    if len(titles) == 1:
        return upper_initial(titles[0])
    first, second = titles[0], lower_initial(titles[1])
    return upper_initial(f"{first}, and {second}") if len(titles) == 2 else upper_initial(first)


def _priority(d: _Drafting, items: list[_Item]) -> tuple[Priority, str]:
    """Priority by impact on people and risk, raised when the council recognised the gap; the reason."""
    rules = d.config.priority
    text = fold(" ".join(i.text for i in items)).lower()
    hits = sorted(
        ((name, impact) for name, impact in rules.impacts.items() if any(c in text for c in impact.cues)),
        key=lambda h: -h[1].points,
    )[:2]
    score = d.report.score
    points = (rules.score_points.get(score, rules.unscored_points) if score else rules.unscored_points) + sum(
        h[1].points for h in hits
    )
    level = rules.level(points)
    recognised = any(i.recognised for i in items)
    if recognised and level != "High":
        level = "High" if level == "Medium" else "Medium"
    reasons = [h[1].reason for h in hits] or [rules.no_impact_reason]
    if recognised:
        reasons.append(rules.recognised_reason)
    template = d.config.language.rationale[d.turn("rationale") % len(d.config.language.rationale)]
    return level, template.format(priority=level, priority_lower=level.lower(), reasons=series(reasons))


# --------------------------------------------------------------------------- actions


def _lever_groups(d: _Drafting, stream: _Stream) -> list[tuple[str, Lever, list[_Item]]]:
    """Shortfalls grouped by the lever that answers them, at most the score's number of actions."""
    candidates = _lever_candidates(d, stream.family, stream.items)
    ordered = list(_assign_levers(d, candidates, stream.items).values())
    limit = d.config.action_limit(d.report.score)
    while len(ordered) > limit:
        ordered = _merge_closest(ordered, candidates, d.playbook)
    return [
        (theme, lever, items) for theme, lever, items in sorted(ordered, key=lambda g: min(i.position for i in g[2]))
    ]


def _lever_candidates(d: _Drafting, family: str, items: list[_Item]) -> list[tuple[str, Lever]]:
    """(theme, lever) pairs that may answer ``items`` in a workstream of ``family``: the levers of their themes
    and of the family's, less those setting up what the report says exists."""
    themes = list(dict.fromkeys(i.finding.theme for i in items))
    candidates: list[tuple[str, Lever]] = []
    for theme in dict.fromkeys([*themes, *d.config.workstreams[family].themes]):
        play = d.playbook.play(theme)
        candidates += [
            (theme, lv) for lv in play.levers if not any(already_exists(c, d.report, d.cues) for c in lv.creates)
        ]
    if not candidates:
        play = d.playbook.play(themes[0])
        candidates = [(themes[0], lv) for lv in play.levers]
    return candidates


def _assign_levers(
    d: _Drafting, candidates: list[tuple[str, Lever]], items: list[_Item]
) -> dict[str, tuple[str, Lever, list[_Item]]]:
    """Each shortfall with the lever whose cue words its sentence shares most (its own theme's first)."""
    groups: dict[str, tuple[str, Lever, list[_Item]]] = {}
    for item in items:

        def fit(c: tuple[str, Lever], item: _Item = item) -> tuple[int, bool, int]:
            own = 1 if c[0] == item.finding.theme else 0
            return len(item.words & _cues(c[1], d.playbook)) + own, c[1].id not in groups, -candidates.index(c)

        theme, lever = max(candidates, key=fit)
        groups.setdefault(lever.id, (theme, lever, []))[2].append(item)
    return groups


def _merge_closest(
    groups: list[tuple[str, Lever, list[_Item]]], candidates: list[tuple[str, Lever]], playbook: Playbook
) -> list[tuple[str, Lever, list[_Item]]]:
    """Fold the two action groups whose shortfalls share most words into one, with the lever fitting both."""

    def words(g: tuple[str, Lever, list[_Item]]) -> frozenset[str]:
        return frozenset().union(*(i.words for i in g[2]))

    def similarity(a: int, b: int) -> float:
        wa, wb = words(groups[a]), words(groups[b])
        return len(wa & wb) / len(wa | wb) if wa | wb else 0.0

    pairs = [(a, b) for a in range(len(groups)) for b in range(a + 1, len(groups))]
    a, b = max(pairs, key=lambda p: (similarity(*p), -p[1]))
    keep, fold_in = (a, b) if len(groups[a][2]) >= len(groups[b][2]) else (b, a)
    items = groups[keep][2] + groups[fold_in][2]
    union = frozenset().union(*(i.words for i in items))
    theme, lever = max(
        [groups[keep][:2], groups[fold_in][:2], *candidates],
        key=lambda c: len(union & _cues(c[1], playbook)),
    )
    groups[keep] = (theme, lever, items)
    return [g for k, g in enumerate(groups) if k != fold_in]


def _cues(lever: Lever, playbook: Playbook) -> frozenset[str]:
    return playbook.content_words(" ".join(lever.cues))


def _compose(
    d: _Drafting, theme: str, lever: Lever, items: list[_Item], outcome: str, priority: Priority, n: int
) -> Action:
    """One action from a lever of ``theme``, filled with what its shortfalls' evidence names."""
    lexicon = d.playbook.lexicon
    play = d.playbook.play(theme)
    evidence = [c for i in items for c in i.evidence]
    shortfall_text = " ".join(i.text for i in items)
    specifics = find_specifics(evidence, d.report, lexicon)
    slots = {
        "authority": d.report.authority,
        "statement": d.report.quality_statement,
        "theme": theme_label(d.taxonomy, d.playbook, theme),
        "partner": find_partner(shortfall_text, lexicon) or play.partner,
        "specific": join_and(specifics) or play.subject,
        "gap": excerpt(evidence[0].quote, lexicon),
    }
    text = upper_initial(lever.action.format(**slots))
    near = {c.passage_id for i in items for c in [*i.evidence, *i.context]}
    generic = d.playbook.content_words(" ".join(d.cues.generic))
    own = frozenset().union(*(i.words for i in items)) - generic
    kinds = [k.lower() for k in lever.extends]
    built = [i for i in d.initiatives if any(k in folded(f"{i.name} {i.citation.quote}") for k in kinds)][:1]
    built = built or relevant(d.initiatives, own, near, lambda t: d.playbook.content_words(t) - generic)[:1]
    if built and folded(built[0].name).strip("‘’").removeprefix("the ") in folded(text):
        pass  # the action already names it
    elif built:
        template = d.config.language.builds_on[d.turn("builds_on") % len(d.config.language.builds_on)]
        text = upper_initial(template.format(initiative=built[0].name, action=lower_initial(text)))
    in_progress = any(i.in_progress for i in items) or any(b.status == "in progress" for b in built)
    action = Action(
        id=f"A{n}",
        title=_title(lever, slots, specifics, d.playbook),
        theme=theme,
        shortfall_ids=[i.finding.id for i in items],
        evidence=evidence,
        action=text,
        owner=play.owner_of(lever),
        partner_lead=play.partner_lead_of(lever) if "{partner}" in lever.action else None,
        timescale=f"{lever.months} months",
        months=lever.months,
        rag="In progress" if in_progress else "Not started",
        priority=priority,
        builds_on=[b.name for b in built],
        context=[c for i in items for c in i.context],
    )
    _measures(d, action, lever, slots, outcome)
    return action


def _title(lever: Lever, slots: dict[str, str], specifics: list[str], playbook: Playbook) -> str:
    """The lever's title, with fewer specifics (or none) when they would repeat one of its words."""
    title = upper_initial(lever.title.format(**slots))
    if not repeats_a_word(title, playbook):
        return title
    if len(specifics) > 1:
        first = upper_initial(lever.title.format(**{**slots, "specific": specifics[0]}))
        if not repeats_a_word(first, playbook):
            return first
    head = lever.title.split("{specific}")[0].rstrip()
    for tail in (" for", " of", " in", " across", " between", " on"):
        head = head.removesuffix(tail)
    return upper_initial(head.format(**slots).rstrip(" :,")) or title


def repeats_a_word(title: str, playbook: Playbook) -> bool:
    """True when a title uses one content word twice ("Performance framework for performance ...")."""
    words = [w for w in (playbook.content_words(t) for t in title.split()) if w]
    flat = [next(iter(w)) for w in words]
    return len(flat) != len(set(flat))


def _measures(d: _Drafting, action: Action, lever: Lever, slots: dict[str, str], outcome: str) -> None:
    """Measures with a baseline source and a dated target; deliverables become milestones; a people outcome."""
    texts = [upper_initial(template.format(**slots)) for template in lever.measures]
    _set_measures(d, action, texts, lever.months, outcome)


def _set_measures(d: _Drafting, action: Action, texts: list[str], months: int, outcome: str) -> None:
    """Measures with a baseline source and a dated target plus an outcome for people; deliverables among
    ``texts`` become the action's delivery milestone."""
    m = d.config.measures
    deliverables: list[str] = []
    details: list[MeasureDetail] = []
    for text in texts:
        if m.is_deliverable(text):
            deliverables.append(text)
            continue
        what, target = _target(text)
        details.append(
            MeasureDetail(
                what=what,
                baseline=baseline_text(m.source_for(what), d.start, d.config),
                target=target,
                target_date=measure_target(d.start, months, d.config),
            )
        )
    statement = d.report.i_statements[0] if d.report.i_statements else outcome
    details.append(people_outcome(statement, d.start, months, d.config, d.turn("people_outcome")))
    action.measure_details = details
    action.measures = [x.line() for x in details]
    action.milestones = milestones(
        action, d.start, d.config, deliverables[0].rstrip(".") if deliverables else None, baseline_needed=True
    )


def _target(text: str) -> tuple[str, str]:
    """A measure's wording and its target: "(target 90%)", a direction, or one to agree."""
    lowered = text.lower()
    if "(target " in lowered:
        at = lowered.index("(target ")
        return text[:at].rstrip(" ,"), text[at + 8 :].rstrip(")").strip()
    for word, target in (
        ("falling", "a fall on the baseline"),
        ("reduced", "a fall on the baseline"),
        ("fewer", "a fall on the baseline"),
        ("rising", "a rise on the baseline"),
        ("rises", "a rise on the baseline"),
        ("increased", "a rise on the baseline"),
        ("improves", "a rise on the baseline"),
    ):
        if word in lowered:
            return text, target
    return text, "to be agreed once the baseline is set"


# --------------------------------------------------------------------------- good practice


def _good_practice(
    d: _Drafting, plan: ActionPlan, others: Sequence[tuple[Report, ReportFindings]], evidence_base=None
) -> None:
    """Good practice per action (one quote on one action only), its lead-ins varied across the plan."""
    finder = GoodPracticeFinder(d.report, others, d.playbook, d.taxonomy, evidence_base)
    queries = [
        ActionQuery(
            a.evidence,
            f"{a.title}. {a.action}",
            a.theme,
            excerpt(a.evidence[0].quote, d.playbook.lexicon) if a.evidence else "",
        )
        for a in plan.actions
    ]
    finder.prepare([q.text for q in queries])
    used: set[tuple[str, str]] = set()
    for a, (picked, _) in zip(plan.actions, finder.for_actions(queries), strict=True):
        label = theme_label(d.taxonomy, d.playbook, a.theme)
        kept = []
        for gp in picked:
            quotes = {(c.passage_id, fold(c.quote)) for c in gp.citations}
            if quotes & used:
                continue
            used |= quotes
            for name in ("good_practice", "good_practice_theme"):
                gp.summary = d.playbook.revary(name, gp.summary, d.turns["good_practice"])
            gp.summary = gp.summary.replace("….", "…").replace("..", ".")
            d.turn("good_practice")
            kept.append(gp)
        a.good_practice = kept
        if not kept:
            notes = d.config.language.no_good_practice
            a.no_good_practice_note = notes[d.turn("no_good_practice") % len(notes)].format(theme=label)


# --------------------------------------------------------------------------- governance and summary


def series(items: list[str]) -> str:
    """ "A, B and C"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def governance(plan: ActionPlan, config: PlanConfig) -> Governance:
    g = config.governance
    joint = [w.title.lower() for w in plan.workstreams if w.partner_lead]
    return Governance(
        lead_member=plan.lead_member or g.lead_member,
        senior_owner=g.senior_owner,
        approval=g.approval,
        scrutiny=g.scrutiny,
        health_and_wellbeing_board=g.health_and_wellbeing_board.format(joint=series(joint) or "all workstreams"),
        delivery_group=g.delivery_group,
        cadence=list(g.cadence),
    )


def plan_on_a_page(plan: ActionPlan, config: PlanConfig, shortfalls: int) -> list[str]:
    """The one-page summary: scope, lead member, workstreams by priority, what it builds on, outcome."""
    lang = config.language
    ends = [w.end for w in plan.workstreams if w.end]
    start = plan.start_date or date.today()
    months = max(((e.year - start.year) * 12 + e.month - start.month for e in ends), default=0)
    gov = plan.governance or governance(plan, config)
    lines = [
        lang.summary_intro.format(
            count=len(plan.workstreams),
            shortfalls=shortfalls,
            actions=len(plan.actions),
            months=months,
            start=f"{start.day} {start:%B %Y}",
        ),
        lang.summary_lead.format(lead_member=gov.lead_member, senior_owner=gov.senior_owner),
    ]
    built = list(dict.fromkeys(b for w in plan.workstreams for b in w.builds_on))
    if built:
        lines.append(lang.summary_builds_on.format(initiatives=series(built)))
    if plan.i_statement:
        lines.append(lang.summary_outcome.format(i_statement=plan.i_statement))
    return lines


# --------------------------------------------------------------------------- plans drafted by a model


def structure_plan(
    plan: ActionPlan,
    report: Report,
    playbook: Playbook,
    taxonomy: Taxonomy,
    *,
    workstream_titles: Sequence[str | None] = (),
    start: date | None = None,
    config: PlanConfig | None = None,
    cues: InitiativeCues | None = None,
) -> ActionPlan:
    """A plan of drafted actions (the model's) given the same shape as the built-in plan.

    Actions are grouped into workstreams (by the title the model gave each, else
    by theme and words, merged down to the score's number), given priority and
    rationale by impact, measures with baselines and dated targets, milestones,
    what they build on, governance and the plan on a page. ``workstream_titles``
    is aligned with ``plan.actions``.
    """
    config = config or load_plan_config()
    cues = cues or load_initiative_cues()
    start = start or plan.start_date or date.today()
    plan = plan.model_copy(deep=True)
    plan.start_date = start
    plan.lead_member = plan.lead_member or config.governance.lead_member
    plan.i_statement = plan.i_statement or (report.i_statements[0] if report.i_statements else None)
    if not plan.actions:
        return plan
    d = _Drafting.of(report, playbook, taxonomy, config, cues, start)
    plan.initiatives = d.initiatives
    titles = list(workstream_titles) + [None] * (len(plan.actions) - len(workstream_titles))
    streams = _model_streams(d, plan, titles)
    ordered = _size(d, sorted(streams, key=lambda s: s.position), config.workstream_limit(report.score))
    _order(plan, [_model_workstream(d, s) for s in ordered])
    _finish(plan, config, len({i for a in plan.actions for i in a.shortfall_ids}))
    return plan


def _model_streams(d: _Drafting, plan: ActionPlan, titles: Sequence[str | None]) -> list[_Stream]:
    """Each drafted action as a shortfall item (``_Item.action``), grouped by the workstream title the model
    gave it, else by the family its theme and words point to."""
    streams: dict[str, _Stream] = {}
    for a, title in zip(plan.actions, titles, strict=True):
        finding = Finding(
            id=a.shortfall_ids[0] if a.shortfall_ids else a.id,
            report_id=d.report.id,
            kind="shortfall",
            theme=a.theme,
            summary=a.title,
            citations=a.evidence,
        )
        item = _item(d, finding, [c for c in a.evidence if c.passage_id in d.passages] or a.evidence)
        a.evidence, a.context = item.evidence, item.context
        item.action = a
        _group(d, [item])
        key = (title or "").strip() or item.family
        stream = streams.setdefault(key, _Stream(family=item.family))
        stream.items.append(item)
        stream.titles = [key if key not in d.config.workstreams else d.config.workstreams[key].title]
    return list(streams.values())


def _model_workstream(d: _Drafting, s: _Stream) -> tuple[Workstream, list[Action], int]:
    """A workstream of drafted actions: priority by impact, each action finished (``_finish_model_action``)."""
    config = d.config
    priority, rationale = _priority(d, s.items)
    family = config.workstreams.get(s.family, config.workstreams["default"])
    actions = [i.action for i in s.items if i.action is not None]
    for a in actions:
        _finish_model_action(d, a, family.outcome, priority)
    label = theme_label(d.taxonomy, d.playbook, actions[0].theme)
    ws = Workstream(
        id="W0",
        title=_stream_title(s, label),
        themes=list(dict.fromkeys(a.theme for a in actions)),
        priority=priority,
        rationale=rationale,
        recognised=any(i.recognised for i in s.items),
        shortfall_ids=[i for a in actions for i in a.shortfall_ids],
        outcome=family.outcome,
        lead=Counter(a.owner for a in actions).most_common(1)[0][0],
        partner_lead=next((a.partner_lead for a in actions if a.partner_lead), None),
        builds_on=list(dict.fromkeys(b for a in actions for b in a.builds_on)),
        dependencies=list(family.dependencies),
        risks=list(family.risks),
        resources=config.language.resources.format(owners=series(list(dict.fromkeys(a.owner for a in actions)))),
    )
    return ws, actions, s.position


def _finish_model_action(d: _Drafting, a: Action, outcome: str, priority: Priority) -> None:
    """A drafted action's measures, milestones, what it builds on and its starting status."""
    a.months = a.months or months_of(a.timescale) or 6
    a.priority = priority
    _set_measures(d, a, list(a.measures), a.months, outcome)
    text = fold(a.action).lower()
    a.builds_on = [i.name for i in d.initiatives if fold(i.name).lower().strip("‘’") in text]
    if any(i.status == "in progress" for i in d.initiatives if i.name in a.builds_on) and a.rag == "Not started":
        a.rag = "In progress"
