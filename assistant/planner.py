"""Built-in action drafting: SMART actions from shortfalls, good practice from other reports.

Deterministic and offline. Each shortfall with verified evidence gets an action
composed from a playbook lever for its theme (prompts/playbook.yaml), filled
with the finding's own specifics: the inspectors' words for the gap, the
agreements, teams, groups or systems it names, and the partner involved.
Shortfalls on one theme get different levers; near-identical actions are merged.
Good practice comes only from other authorities' strengths on the same theme.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .citations import locate, verify_all
from .models import Action, ActionPlan, Citation, Finding, GoodPractice, Passage, Report, ReportFindings
from .playbook import Lever, Lexicon, Playbook, ThemePlay, default_playbook
from .text import fold

#: Actions whose content words overlap at least this much (Jaccard) say the same thing.
DUPLICATE_JACCARD = 0.8
#: Most other reports cited as good practice for one action.
GOOD_PRACTICE_LIMIT = 3
#: Strengths (best-scoring reports first) gathered and compared word by word for one theme.
MAX_CANDIDATES = 200
#: Most quotes cited for one authority's good practice.
MAX_GOOD_PRACTICE_QUOTES = 2
#: Most actions drafted for one shortfall (a merged finding may name distinct gaps).
MAX_ACTIONS_PER_SHORTFALL = 2
#: Cue words a quote must share with another lever to get an action of its own.
MIN_SPLIT_CUES = 3
#: Most named specifics woven into one action.
MAX_SPECIFICS = 2

PRIORITY_RANK = {"High": 0, "Medium": 1, "Low": 2}

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
_CAPITALISED = re.compile(r"^(?:[A-Z][a-z'’-]+|[A-Z]{2,}[a-z]?|[0-9]+)$")
_NAME_JOINERS = {"of", "and", "for", "on", "in", "the"}


@dataclass(frozen=True)
class _Strength:
    """Another authority's strength, with what ranks it: (-score, other statement?) and corpus order."""

    tier: tuple[int, bool]
    order: int
    report: Report
    finding: Finding


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
    pool = _StrengthPool(report, others)
    for d in drafts:
        label = theme_label(taxonomy, playbook, d.action.theme)
        d.action.good_practice = pool.pick(d.action.theme, playbook, label, d.shortfall_text, d.gap)
        if not d.action.good_practice:
            d.action.no_good_practice_note = playbook.message("no_good_practice", theme=label)
    drafts.sort(key=lambda d: (PRIORITY_RANK[d.action.priority], d.order))
    plan.actions = [d.action for d in drafts]
    plan.renumber()
    return plan


def theme_label(taxonomy, playbook: Playbook, theme_id: str) -> str:
    """The theme's label for use inside a sentence ("data and information sharing")."""
    known = taxonomy is not None and theme_id in taxonomy.ids
    label = taxonomy.label(theme_id) if known else playbook.play(theme_id).label
    return _lower_initial(label)


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
    shortfall_text = " ".join(_sentences_around(passages[c.passage_id], c.quote) for c in evidence)
    gap = excerpt(evidence[0].quote, lexicon)
    slots = {
        "authority": report.authority,
        "statement": report.quality_statement,
        "theme": theme_label(taxonomy, playbook, finding.theme),
        "partner": find_partner(shortfall_text, lexicon) or play.partner,
        "specific": _join(find_specifics(evidence, report, lexicon)) or play.subject,
        "gap": gap,
    }
    action = Action(
        id="A0",
        title=_upper_initial(lever.title.format(**slots)),
        theme=finding.theme,
        shortfall_ids=[finding.id],
        evidence=evidence,
        action=_upper_initial(lever.action.format(**slots)),
        owner=play.owner_of(lever),
        timescale=f"{lever.months} months",
        measures=[_upper_initial(m.format(**slots)) for m in [*lever.measures, playbook.closing_measure]],
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
        draft.action.title = f"{draft.action.title}: {_short(draft.gap, 8)}"


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


# --------------------------------------------------------------------------- good practice


def good_practice(
    theme: str,
    report: Report,
    others: Sequence[tuple[Report, ReportFindings]],
    playbook: Playbook | None = None,
    *,
    shortfall: str = "",
    taxonomy=None,
    limit: int = GOOD_PRACTICE_LIMIT,
) -> list[GoodPractice]:
    """Strengths on ``theme`` from other authorities' reports, best first, cited verbatim.

    Prefers higher-scoring reports, then strengths sharing more words with
    ``shortfall`` (the shortfall's text, if any). Each item's summary says in
    one sentence what to borrow. Reports of ``report``'s own authority are skipped.
    """
    playbook = playbook or default_playbook()
    label = theme_label(taxonomy, playbook, theme)
    gap = excerpt(shortfall, playbook.lexicon) if shortfall.strip() else ""
    return _StrengthPool(report, others).pick(theme, playbook, label, shortfall, gap, limit=limit)


class _StrengthPool:
    """The other authorities' strengths on a theme, gathered once per plan and theme.

    Candidates are ranked by their report's score (higher first), then reports
    of the same quality statement, then word overlap with the shortfall. Reports
    are scanned best-first and only until ``MAX_CANDIDATES`` strengths on the
    theme are found, so a plan costs about the same against 1,400 reports as
    against 20. Remembers which strengths it has offered, so among equally
    relevant strengths a plan spreads its good practice over different ones.
    """

    def __init__(self, report: Report, others: Sequence[tuple[Report, ReportFindings]]):
        self.report = report
        self.offered: Counter = Counter()
        own = report.authority.casefold()
        candidates = [
            ((-(other.score or 0), other.quality_statement != report.quality_statement), order, other, rf)
            for order, (other, rf) in enumerate(others)
            if other.id != report.id and other.authority.casefold() != own
        ]
        self.others = sorted(candidates, key=lambda c: (c[0], c[1]))
        self.by_theme: dict[str, list[_Strength]] = {}

    def candidates(self, theme: str) -> list[_Strength]:
        if theme not in self.by_theme:
            found: list[_Strength] = []
            for tier, order, other, rf in self.others:
                found += [
                    _Strength(tier, order, other, f) for f in rf.findings if f.theme == theme and f.kind == "strength"
                ]
                if len(found) >= MAX_CANDIDATES:
                    break
            self.by_theme[theme] = found
        return self.by_theme[theme]

    def pick(
        self, theme: str, playbook: Playbook, label: str, shortfall: str, gap: str, *, limit: int = GOOD_PRACTICE_LIMIT
    ) -> list[GoodPractice]:
        wanted = playbook.content_words(shortfall)
        per_report: dict[str, list[tuple[int, _Strength]]] = {}
        for s in self.candidates(theme):
            overlap = len(wanted & playbook.content_words(_finding_text(s.finding)))
            per_report.setdefault(s.report.id, []).append((overlap, s))

        def rank(scored: list[tuple[int, _Strength]]) -> tuple:
            first = scored[0][1]
            return first.tier, -max(o for o, _ in scored), first.order

        chosen: list[GoodPractice] = []
        for scored in sorted(per_report.values(), key=rank):
            item = self._borrow(scored, wanted, playbook, label, gap)
            if item is not None:
                chosen.append(item)
                if len(chosen) >= limit:
                    break
        return chosen

    def _borrow(
        self, scored: list[tuple[int, _Strength]], wanted: frozenset[str], playbook: Playbook, label: str, gap: str
    ) -> GoodPractice | None:
        """One report's most relevant strength, its most relevant quotes, and what to borrow.

        Ties go to a strength not yet offered in this plan, then to the better-evidenced one.
        """
        other = scored[0][1].report
        passages = {p.id: p for p in other.passages}
        ranked = sorted(scored, key=lambda c: (-c[0], self.offered[c[1].finding.id] > 0, -len(c[1].finding.citations)))
        for _, candidate in ranked:
            strength = candidate.finding
            cited = [c for c in verify_all(strength.citations, passages) if c.verified]
            if not cited:
                continue
            cited = _most_relevant(cited, wanted, playbook.content_words(strength.summary), playbook)
            self.offered[strength.id] += 1
            clause = _lower_initial(excerpt(cited[0].quote, playbook.lexicon, clause=False), other)
            slots = {"other": other.authority, "strength": clause, "authority": self.report.authority, "theme": label}
            summary = (
                playbook.message("good_practice", gap=gap, **slots)
                if gap
                else playbook.message("good_practice_theme", **slots)
            )
            return GoodPractice(authority=other.authority, report_id=other.id, summary=summary, citations=cited)
        return None


def _most_relevant(
    citations: list[Citation], wanted: frozenset[str], about: frozenset[str], playbook: Playbook
) -> list[Citation]:
    """The quotes sharing most words with the shortfall (counted twice) and with the strength's summary."""

    def relevance(c: Citation) -> int:
        words = playbook.content_words(c.quote)
        return 2 * len(words & wanted) + len(words & about)

    return sorted(citations, key=relevance, reverse=True)[:MAX_GOOD_PRACTICE_QUOTES]


def _finding_text(f: Finding) -> str:
    return " ".join([f.summary, *(c.quote for c in f.citations)])


# --------------------------------------------------------------------------- finding specifics


def excerpt(quote: str, lexicon: Lexicon, *, clause: bool = True) -> str:
    """The inspectors' words without their lead-in ("However, we heard that"), kept short.

    With ``clause`` the text is cut at the first clause break (for a gap);
    without, only at the length limit (for a strength, whose "which ..." part
    often carries the verb). The result is a run of the (folded) quote, so it
    can be shown in quotation marks; a cut made only for length ends in "…".
    """
    full = fold(quote).strip(" \"'")
    if clause:
        full = _after_contrast(full, lexicon)
    text = _strip_lead_in(full, lexicon) or full
    cut = len(text)
    lowered = text.lower()
    for brk in lexicon.clause_breaks if clause else [". ", "; "]:
        i = lowered.find(brk)
        while i >= 0 and len(text[:i].split()) < 4:
            i = lowered.find(brk, i + 1)
        if i >= 0:
            cut = min(cut, i)
    words = text[:cut].rstrip(" ,;:.").split()
    if len(words) <= lexicon.gap_words:
        return " ".join(words)
    end = lexicon.gap_words
    while end > 4 and not (_bare(words[end - 1]) not in lexicon.stopwords and _bare(words[end]) in lexicon.stopwords):
        end -= 1
    return " ".join(words[: end if end > 4 else lexicon.gap_words]).rstrip(" ,;:.") + "…"


def _after_contrast(text: str, lexicon: Lexicon) -> str:
    """In "X, but Y" the shortfall is Y: the text after the first contrast that leaves 3+ words."""
    lowered = text.lower()
    cuts = [i + len(c) for c in lexicon.contrasts if (i := lowered.find(c)) >= 0]
    cuts = [cut for cut in cuts if len(text[cut:].split()) >= 3]
    return text[min(cuts) :].strip() if cuts else text


def _strip_lead_in(text: str, lexicon: Lexicon) -> str:
    """Drop reporting lead-ins ("We heard from staff that") and leading connectives ("However,")."""
    connectives = sorted(lexicon.connectives, key=len, reverse=True)
    changed = True
    while changed and text:
        changed = False
        words = text.split()
        for k, word in enumerate(words[:12]):
            if _bare(word) in ("that", "how") and any(_bare(w) in lexicon.reporting for w in words[: min(k, 5)]):
                text = " ".join(words[k + 1 :])
                changed = True
                break
        lowered = text.lower()
        for c in connectives:
            if lowered.startswith(c) and (len(text) == len(c) or not text[len(c)].isalnum()):
                text = text[len(c) :].lstrip(" ,;:")
                changed = True
                break
    return text


def find_specifics(evidence: Sequence[Citation], report: Report, lexicon: Lexicon) -> list[str]:
    """What the shortfall names: proper names and noun phrases ending in an arrangement word.

    Looks in the gap clause of each quote first, then the whole quote, then the
    rest of its sentence, stopping at the first that names something. "these
    agreements" is resolved to the phrase the text named just before (in the
    passage or the one before it: "section 75 agreements").
    """
    passages = {p.id: p for p in report.passages}
    previous = {p.id: q.text for q, p in zip(report.passages, report.passages[1:])}
    found: list[str] = []
    for citation in evidence:
        passage = passages[citation.passage_id]
        span = _span(citation.quote, passage.text)
        before = f"{previous.get(passage.id, '')} {passage.text[: span[0]]}"
        quote = fold(passage.text[span[0] : span[1]] or citation.quote)
        gap = excerpt(quote, lexicon).rstrip("…")
        gap_at = quote.find(gap)
        sentence = passage.text[span[0] : _sentence_bounds(passage, span)[1]]
        candidates = ([(gap, before + " " + quote[:gap_at])] if gap_at >= 0 else []) + [(quote, before)]
        candidates.append((fold(sentence), fold(previous.get(passage.id, ""))))
        for text, context in candidates:
            phrases = _names(text, report.authority) + _noun_phrases(text, context, lexicon)
            if phrases:
                found += phrases
                break
    unique: list[str] = []
    for phrase in found:
        key = phrase.lower()
        if any(key in u.lower() for u in unique):
            continue
        unique = [u for u in unique if u.lower() not in key]
        unique.append(phrase)
    return unique[:MAX_SPECIFICS]


def _span(quote: str, text: str) -> tuple[int, int]:
    """Where ``quote`` sits in ``text``: exact match first (the usual case), else after folding."""
    i = text.find(quote)
    if i >= 0:
        return i, i + len(quote)
    return locate(quote, text) or (0, 0)


def _sentence_bounds(passage: Passage, span: tuple[int, int]) -> tuple[int, int]:
    """The start and end of the passage sentences a quote at ``span`` overlaps."""
    around = [t for t in passage.sentences if t.end > span[0] and t.start < max(span[1], span[0] + 1)]
    if not around:
        return span
    return min(around[0].start, span[0]), max(around[-1].end, span[1])


def _sentences_around(passage: Passage, quote: str) -> str:
    """The whole sentence(s) a quote comes from: its context for judging what it is about."""
    start, end = _sentence_bounds(passage, _span(quote, passage.text))
    return passage.text[start:end] or quote


def _tokens(text: str) -> list[re.Match]:
    return list(_TOKEN.finditer(text))


def _names(text: str, authority: str) -> list[str]:
    """Runs of two or more capitalised words ("Durham Mental Wellbeing Alliance"), with "the" if the text has it."""
    tokens = _tokens(text)
    names: list[str] = []
    i = 0
    while i < len(tokens):
        j, caps = i, 0
        while j < len(tokens) and (
            _CAPITALISED.match(tokens[j].group()) or (caps and tokens[j].group() in _NAME_JOINERS)
        ):
            caps += bool(_CAPITALISED.match(tokens[j].group()))
            j += 1
        while j > i and tokens[j - 1].group() in _NAME_JOINERS:
            j -= 1
        run = tokens[i:j]
        if run and run[0].group() in {"The", "A", "An", "This", "These"}:
            run = run[1:]
        if sum(1 for t in run if _CAPITALISED.match(t.group())) >= 2 and not text[run[-1].end() :].startswith("'"):
            name = text[run[0].start() : run[-1].end()]
            if name.casefold() not in authority.casefold() and not name.isupper():
                names.append(_with_article(text, run[0].start(), name))
        i = max(j, i + 1)
    return names


def _noun_phrases(text: str, before: str, lexicon: Lexicon) -> list[str]:
    """Noun phrases ending in a head noun ("integrated information systems"), resolved when bare.

    A head followed by a gerund or another head ("partnership working") is part
    of a compound, not a name, and is skipped.
    """
    tokens = _tokens(text)
    phrases: list[str] = []
    for k, tok in enumerate(tokens):
        head = tok.group().lower()
        if head not in lexicon.head_nouns:
            continue
        after = tokens[k + 1].group().lower() if k + 1 < len(tokens) else ""
        if after.endswith("ing") or after in lexicon.head_nouns:
            continue
        start = k
        while start > 0 and k - start < 3 and _modifier(tokens[start - 1].group(), lexicon):
            start -= 1
        if start < k:
            phrase = _case(text, tokens[start : k + 1])
            phrases.append(_with_article(text, tokens[start].start(), phrase))
        elif start > 0 and _bare(tokens[start - 1].group()) in lexicon.demonstratives:
            earlier = _noun_phrases(before, "", lexicon)
            match = [p for p in earlier if p.lower().split()[-1] == head] or [
                p for p in earlier if p.lower().split()[-1].rstrip("s") == head.rstrip("s")
            ]
            if match:
                phrases.append(match[-1])
    return phrases


def _modifier(word: str, lexicon: Lexicon) -> bool:
    lowered = _bare(word).replace("’", "'").removesuffix("'s")
    return lowered not in lexicon.stopwords and not lowered.endswith("ly") and lowered not in lexicon.demonstratives


def _case(text: str, tokens: list[re.Match]) -> str:
    """The phrase as written, with a sentence-initial capital lowered ("Recording systems" -> "recording systems")."""
    phrase = text[tokens[0].start() : tokens[-1].end()]
    first = tokens[0].group()
    sentence_start = not text[: tokens[0].start()].strip() or text[: tokens[0].start()].rstrip()[-1] in ".!?"
    if sentence_start and first[:1].isupper() and first[1:2].islower():
        phrase = phrase[0].lower() + phrase[1:]
    return phrase


def _with_article(text: str, start: int, phrase: str) -> str:
    return f"the {phrase}" if text[:start].lower().endswith("the ") else phrase


def find_partner(text: str, lexicon: Lexicon) -> str | None:
    """The partner the text names first (longest cue at the earliest position), if any."""
    lowered = fold(text).lower()
    best: tuple[int, int, str] | None = None
    for cue, partner in lexicon.partners.items():
        m = re.search(rf"\b{re.escape(cue.lower())}\b", lowered)
        if m and (best is None or (m.start(), -len(cue)) < (best[0], best[1])):
            best = (m.start(), -len(cue), partner)
    return best[2] if best else None


# --------------------------------------------------------------------------- small text helpers


def _join(items: list[str]) -> str:
    return " and ".join(items)


def _bare(word: str) -> str:
    return word.lower().strip(".,;:!?\"'()")


def _short(text: str, words: int) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def _upper_initial(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_initial(text: str, report: Report | None = None) -> str:
    """Lower the first letter unless the first word is an acronym or a proper noun in ``report``."""
    first = text.split(" ", 1)[0] if text else ""
    if not first or not first[:1].isupper() or first[1:2].isupper():
        return text
    if report is not None:
        pattern = re.compile(rf"[a-z,] {re.escape(first)}\b")
        if any(pattern.search(p.text) for p in report.passages):
            return text
    return text[:1].lower() + text[1:]
