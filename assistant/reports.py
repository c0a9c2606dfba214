"""Parse CQC local authority assessment sections into typed ``Report`` objects.

Reads ``.txt``, ``.md``, ``.html`` (a saved CQC page) and ``.pdf`` (text
layer), turns the file into blocks (headings and paragraphs), then walks them:
title, quality statement, score and label, "What people expect", "The local
authority commitment", "Key findings for this quality statement" with its
sub-headings and paragraphs. Authority and statement missing from the text are
inferred and flagged as inferred; a manifest entry (``overrides``) always wins.

A file may hold one quality statement (the usual published page) or a whole
assessment with several: each statement heading followed by its own score or
section headings starts a section, and each section becomes its own ``Report``
whose ``source`` is ``<file>#<statement-slug>`` (the manifest key for it too).
Anything that is not a report raises ``ReportError`` naming the file and why.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import yaml

from .models import Passage, Report, SectionName, SentenceSpan
from .peers import load_councils
from .text import fold, sentence_spans, slugify

DATA_DIR = Path(__file__).parent / "data"
SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

SCORE_LABELS = {
    1: "Evidence shows significant shortfalls",
    2: "Evidence shows some shortfalls",
    3: "Evidence shows a good standard",
    4: "Evidence shows an exceptional standard",
}


class ReportError(ValueError):
    """A file that is not a usable report; ``str()`` names the file and the reason."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


# --------------------------------------------------------------------------- reference data


@dataclass(frozen=True)
class QualityStatement:
    name: str
    theme: str
    aliases: tuple[str, ...]
    commitment: str

    @property
    def slug(self) -> str:
        return slugify(self.name)


@lru_cache(maxsize=1)
def quality_statements() -> tuple[QualityStatement, ...]:
    rows = yaml.safe_load((DATA_DIR / "quality_statements.yaml").read_text(encoding="utf-8"))
    return tuple(QualityStatement(r["name"], r["theme"], tuple(r.get("aliases", [])), r["commitment"]) for r in rows)


@lru_cache(maxsize=1)
def authority_gazetteer() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(official name, all names to look for) for every English local authority (``data/councils.csv``)."""
    return tuple((c.name, c.names) for c in load_councils())


def _key(text: str) -> str:
    """Fold for tolerant heading comparison: lower case, '&' as 'and', no punctuation."""
    text = fold(text).lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


@lru_cache(maxsize=1)
def _statement_names() -> tuple[tuple[str, QualityStatement], ...]:
    """(folded name, statement) for every name and alias."""
    return tuple((_key(name), qs) for qs in quality_statements() for name in (qs.name, *qs.aliases))


@lru_cache(maxsize=4096)
def match_statement(text: str, threshold: float = 0.88) -> QualityStatement | None:
    """The quality statement a heading-like line names, matched tolerantly."""
    k = _key(re.sub(r"^(quality statement|theme \d+)\s*[:\-]?\s*", "", fold(text), flags=re.I))
    if not k or len(k) > 80:
        return None
    best, best_ratio = None, 0.0
    for name, qs in _statement_names():
        if name == k:
            return qs
        matcher = SequenceMatcher(None, name, k)
        # The quick ratios are upper bounds of ratio(): most lines are ruled out without computing it.
        if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
            continue
        ratio = matcher.ratio()
        if ratio > best_ratio:
            best, best_ratio = qs, ratio
    return best if best_ratio >= threshold else None


# --------------------------------------------------------------------------- reading files


def _check_text(source: str, text: str) -> str:
    if "\x00" in text:
        raise ReportError(source, "looks like a binary file, not a text report")
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t\f")
    if controls > max(10, len(text) // 100):
        raise ReportError(source, "looks like a binary file, not a text report")
    if not text.strip():
        raise ReportError(source, "the file is empty")
    return text


def _decode(source: str, data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise ReportError(source, "looks like a binary file, not a text report")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return _check_text(source, data.decode(enc))
        except UnicodeDecodeError:
            continue
    raise ReportError(source, "is not readable text (unknown encoding)")


def _html_blocks(source: str, data: bytes) -> list[str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(source, data), "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "form", "noscript", "button", "svg"]):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    blocks = []
    for el in root.find_all(["h1", "h2", "h3", "h4", "h5", "p", "li"]):
        if el.name in ("p", "li") and el.find_parent(["p", "li"]) is not None:
            continue
        text = " ".join(el.get_text(" ").split())
        if text:
            blocks.append(text)
    return blocks


def _pdf_text(source: str, data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ReportError(source, f"is not a readable PDF ({exc})") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise ReportError(source, "the PDF has no text layer (scanned image?); export it as text or HTML")
    return text


_TERMINAL = re.compile(r"[.!?:;\"'\u2019\u201d)]\s*$")


def _reflow(lines: list[str]) -> list[str]:
    """Join lines wrapped inside a paragraph (PDF, hard-wrapped Markdown).

    A line continues the previous one when it starts in lower case, or when the
    previous line fills the wrap width (within 15%) without ending a sentence.
    Text with one paragraph per line (lines far longer than any wrap width) is
    only joined on lower-case continuations, so long headings stay headings.
    """
    if not lines:
        return []
    width = max(len(ln) for ln in lines)
    wrapped = width <= 150
    out: list[str] = [lines[0]]
    for line in lines[1:]:
        prev = out[-1]
        fills = wrapped and len(prev) >= 0.85 * width and not _TERMINAL.search(prev)
        if line[0].islower() and not _TERMINAL.search(prev) or fills:
            out[-1] = f"{prev} {line}"
        else:
            out.append(line)
    return out


def _text_blocks(text: str, *, markdown: bool) -> list[str]:
    lines = [ln.strip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    if markdown:
        lines = [re.sub(r"^(#{1,6}\s+|[*+-]\s+|>\s*)", "", ln) for ln in lines]
        lines = [re.sub(r"(\*\*|__)(.+?)\1", r"\2", ln) for ln in lines]
    groups: list[list[str]] = [[]]
    for ln in lines:
        if ln:
            groups[-1].append(ln)
        elif groups[-1]:
            groups.append([])
    blocks: list[str] = []
    for g in groups:
        blocks.extend(_reflow(g))
    return [b for b in blocks if b]


def read_blocks(source: str, data: bytes, suffix: str) -> list[str]:
    """The file's headings and paragraphs, in order, as plain strings."""
    if suffix in (".html", ".htm"):
        return _html_blocks(source, data)
    if suffix == ".pdf":
        if not data.startswith(b"%PDF"):
            raise ReportError(source, "has a .pdf name but is not a PDF file")
        return _text_blocks(_pdf_text(source, data), markdown=False)
    return _text_blocks(_decode(source, data), markdown=suffix in (".md", ".markdown"))


# --------------------------------------------------------------------------- structure

_TITLE = re.compile(r"^(?P<name>.+?)\s*[:\-\u2013\u2014]?\s*(local authority )?assessment\s*$", re.I)
_SCORE = re.compile(
    r"^(?P<ind>indicative\s+)?score\s*[:\-\u2013]?\s*(?P<n>[1-4])(?:\s*(?:/\s*4|out of 4))?"
    r"(?:\s*[:\-\u2013\u2014]\s*(?:[1-4]\s*[:\-\u2013\u2014]\s*)?(?P<label>.+))?$",
    re.I,
)
_LABEL = re.compile(r"^(?P<n>[1-4])\s*[:\-\u2013\u2014]\s*(?P<label>evidence shows .+)$", re.I)
_SECTIONS: dict[str, SectionName] = {
    "what people expect": "what_people_expect",
    "the local authority commitment": "commitment",
    "local authority commitment": "commitment",
    "key findings for this quality statement": "key_findings",
    "key findings": "key_findings",
}
_NOISE = {"downloads", "download", "print", "share", "back to top", "contents", "skip to main content"}
_THEME_HEADING = re.compile(r"^theme\s+\d+\b", re.I)  # "Theme 2: Providing support" between sections


def _is_subheading(block: str, nxt: str | None) -> bool:
    words = block.split()
    return (
        nxt is not None
        and len(block) <= 100
        and 1 <= len(words) <= 14
        and not _TERMINAL.search(block.rstrip(":"))
        and not block[0].islower()
        and len(nxt) > len(block)
    )


@dataclass
class _Draft:
    """What the walk over a section's blocks has read so far, and where it is."""

    title_authority: str | None = None
    statement: QualityStatement | None = None
    score: int | None = None
    label: str | None = None
    indicative: bool = False
    expect: list[str] = field(default_factory=list)
    commitment: list[str] = field(default_factory=list)
    findings: list[tuple[str | None, str]] = field(default_factory=list)  # (sub-heading, paragraph)
    saw_structure: bool = False
    saw_heading: bool = False  # a "What people expect" / commitment / "Key findings" heading
    section: SectionName | None = None  # the section heading the walk is under
    subheading: str | None = None

    def read(self, block: str, nxt: str | None) -> None:
        """One block (``nxt`` is the one after it): a heading, a metadata line or a paragraph."""
        k = _key(block)
        if k in _NOISE:
            return
        if k in _SECTIONS or k.rstrip(":") in _SECTIONS:
            self.section, self.subheading, self.saw_structure, self.saw_heading = _SECTIONS[k], None, True, True
            return
        if self._metadata(block) or (_THEME_HEADING.match(block) and len(block.split()) <= 12):
            return
        self._content(block, nxt)

    def _metadata(self, block: str) -> bool:
        """Read a score, score label, quality statement or title line; False when ``block`` is none of them."""
        folded = fold(block)
        if (m := _SCORE.match(folded)) and self.score is None:
            self.score, self.indicative, self.saw_structure = int(m["n"]), bool(m["ind"]), True
            if m["label"]:
                self.label = m["label"].strip()
            return True
        if (m := _LABEL.match(folded)) and self.section != "key_findings":
            self.score = self.score or int(m["n"])
            self.label = m["label"].strip()
            return True
        if self.section is None and self.statement is None and (qs := match_statement(block)):
            self.statement, self.saw_structure = qs, True
            return True
        untitled = self.section is None and self.title_authority is None and self.statement is None
        title = _TITLE.match(folded) if untitled and len(block) < 120 else None
        if title and not _key(title["name"]).startswith("local authority"):
            self.title_authority = title["name"].strip(" :-")
            return True
        return False

    def _content(self, block: str, nxt: str | None) -> None:
        if self.section == "what_people_expect":
            self.expect.append(block)
        elif self.section == "commitment":
            self.commitment.append(block)
        elif self.section == "key_findings" or (self.section is None and self.score is not None and len(block) > 100):
            self.section = "key_findings"
            if _is_subheading(block, nxt):
                self.subheading = block.rstrip(":").strip()
            else:
                self.findings.append((self.subheading, block))


def _walk(blocks: list[str]) -> _Draft:
    d = _Draft()
    for i, raw in enumerate(blocks):
        d.read(raw.strip(), blocks[i + 1] if i + 1 < len(blocks) else None)
    return d


def _is_section_heading(block: str) -> bool:
    return _key(block) in _SECTIONS or _key(block).rstrip(":") in _SECTIONS or bool(_SCORE.match(fold(block)))


def _statement_heading(block: str) -> QualityStatement | None:
    return match_statement(block) if len(block.split()) <= 12 else None


def split_sections(blocks: list[str]) -> list[list[str]]:
    """A file's blocks cut into one section per quality statement it covers.

    A statement heading starts a section only when its own score line or a
    section heading follows within a few blocks, so a sub-heading that happens
    to name a statement ("Prevention") does not. A file with fewer than two
    such headings is one section; otherwise what comes before the first (title,
    summary) belongs to none.
    """
    heading = [_statement_heading(b) is not None for b in blocks]
    starts = []
    for i in (i for i, h in enumerate(heading) if h):
        for j in range(i + 1, min(i + 6, len(blocks))):
            if heading[j]:
                break
            if _is_section_heading(blocks[j]):
                starts.append(i)
                break
    if len(starts) < 2:
        return [blocks]
    bounds = starts + [len(blocks)]
    return [blocks[a:b] for a, b in pairwise(bounds)]


def infer_authority(text: str) -> str | None:
    """The local authority a report talks about most, from the gazetteer."""
    folded = fold(text)
    best: tuple[int, int, str] | None = None
    for official, names in authority_gazetteer():
        count = 0
        for name in names:
            count += len(re.findall(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", folded))
        if count:
            # Prefer more mentions, then the longer (more specific) official name.
            cand = (count, len(official), official)
            if best is None or cand > best:
                best = cand
    # A name mentioned only as part of a longer one ("Gloucestershire" inside
    # "South Gloucestershire") is counted for both; the longer wins only with as many mentions.
    return best[2] if best else None


def infer_statement(commitment: str, text: str) -> QualityStatement | None:
    c = _key(commitment)
    for qs in quality_statements():
        if c and _key(qs.commitment) in c:
            return qs
    for qs in quality_statements():
        if _key(qs.name) in _key(text[:2000]):
            return qs
    return None


def _canonical_authority(name: str) -> str:
    council = load_councils().match(name)
    if council is not None:
        return council.name
    return re.sub(r"\s+(county|city|borough|metropolitan borough)?\s*council$", "", name, flags=re.I).strip()


# --------------------------------------------------------------------------- public API


def parse_text(
    blocks_or_text: list[str] | str,
    source: str,
    *,
    content_hash: str,
    overrides: dict | None = None,
    whole_file: list[str] | None = None,
) -> Report:
    """Build a ``Report`` from blocks (or plain text) of one section.

    ``whole_file`` is the file's blocks when the section is one of several:
    its title names the authority, and all its text counts when the authority
    is inferred. Such a section needs its own section headings (a summary table
    of scores has none).
    """
    blocks = _text_blocks(blocks_or_text, markdown=False) if isinstance(blocks_or_text, str) else blocks_or_text
    d = _structure(blocks, source, whole_file)
    overrides = overrides or {}
    full_text = "\n".join(whole_file or blocks)
    authority, authority_inferred = _authority(d, overrides, full_text, source)
    statement, statement_inferred = _statement(d, overrides, full_text, source)
    score = overrides.get("score", d.score)
    report = Report(
        id=f"{slugify(authority)}/{slugify(statement)}",
        authority=authority,
        authority_inferred=authority_inferred,
        quality_statement=statement,
        statement_inferred=statement_inferred,
        score=score,
        label=_score_label(d.label, score),
        indicative=d.indicative,
        i_statements=d.expect,
        commitment=" ".join(d.commitment) or None,
        source=source,
        content_hash=content_hash,
    )
    report.passages = _passages(d, report)
    return report


def _structure(blocks: list[str], source: str, whole_file: list[str] | None) -> _Draft:
    """The section's blocks walked; ``ReportError`` when they are not a CQC assessment section."""
    d = _walk(blocks)
    if whole_file is not None:
        if not d.saw_heading:
            raise ReportError(source, "no 'What people expect' or 'Key findings' heading")
        d.title_authority = d.title_authority or _walk(whole_file).title_authority
    if not d.saw_structure or not d.findings:
        raise ReportError(
            source,
            "no recognisable CQC assessment structure (expected a score line or 'Key findings' heading "
            "followed by paragraphs)",
        )
    return d


def _authority(d: _Draft, overrides: dict, full_text: str, source: str) -> tuple[str, bool]:
    """The authority (and whether it was inferred): the manifest's, the title's, else the one named most."""
    if overrides.get("authority"):
        return str(overrides["authority"]).strip(), False
    if d.title_authority:
        return _canonical_authority(d.title_authority), False
    authority = infer_authority(full_text)
    if not authority:
        raise ReportError(
            source,
            "could not tell which local authority this report is about (no title line and no known "
            "authority named); set it in the reports.yaml manifest",
        )
    return authority, True


def _statement(d: _Draft, overrides: dict, full_text: str, source: str) -> tuple[str, bool]:
    """The quality statement (and whether it was inferred): the manifest's, the heading's, else from the text."""
    if overrides.get("quality_statement"):
        qs = match_statement(str(overrides["quality_statement"]), threshold=0.6)
        return (qs.name if qs else str(overrides["quality_statement"]).strip()), False
    if d.statement:
        return d.statement.name, False
    qs = infer_statement(" ".join(d.commitment), full_text)
    if qs is None:
        raise ReportError(
            source,
            "could not tell which quality statement this section covers; set it in the reports.yaml manifest",
        )
    return qs.name, True


def _score_label(label: str | None, score: int | None) -> str | None:
    """The score's label as written ("Evidence shows ..."), else the standard one for the score."""
    label = label or (SCORE_LABELS.get(score) if score else None)
    return re.sub(r"^[1-4]\s*[:\-\u2013\u2014]\s*", "", label).strip() if label else label


def _passages(d: _Draft, report: Report) -> list[Passage]:
    """The I-statements, the commitment and the key-findings paragraphs, numbered in document order, each
    carrying its report's id, authority and quality statement."""
    ordered: list[tuple[SectionName, str | None, str]] = [
        *(("what_people_expect", None, t) for t in d.expect),
        *(("commitment", None, t) for t in d.commitment),
        *(("key_findings", sub, t) for sub, t in d.findings),
    ]
    return [
        Passage(
            id=f"{report.id}/p{n:02d}",
            report_id=report.id,
            authority=report.authority,
            quality_statement=report.quality_statement,
            section=section,
            subheading=sub,
            position=n,
            text=text,
            sentences=[SentenceSpan(start=s, end=e) for s, e in sentence_spans(text)],
        )
        for n, (section, sub, text) in enumerate(ordered, start=1)
    ]


def content_hash(data: bytes, overrides: dict | None = None, section: str = "") -> str:
    h = hashlib.sha256(data)
    if overrides:
        h.update(repr(sorted(overrides.items())).encode())
    if section:
        h.update(section.encode())
    return h.hexdigest()


def _check_size(source: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise ReportError(source, f"is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit")


def parse_reports(
    data: bytes, source: str, *, manifest: dict[str, dict] | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[Report]:
    """Every quality-statement section of one file (given its bytes and name), in file order.

    ``manifest`` maps ``source`` (and ``source#statement-slug`` for one section
    of a multi-section file) to overrides. In a multi-section file, the file's
    own entry sets only the authority, and a section without a key-findings
    structure (a summary table of scores, say) is skipped.
    """
    suffix = Path(source).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ReportError(source, f"unsupported file type '{suffix or '(none)'}'; use {', '.join(SUPPORTED_SUFFIXES)}")
    _check_size(source, len(data), max_bytes)
    if not data.strip():
        raise ReportError(source, "the file is empty")
    manifest = manifest or {}
    whole_file = read_blocks(source, data, suffix)
    sections = split_sections(whole_file)
    if len(sections) == 1:
        overrides = manifest.get(source)
        return [parse_text(sections[0], source, content_hash=content_hash(data, overrides), overrides=overrides)]
    file_entry = {k: v for k, v in (manifest.get(source) or {}).items() if k == "authority"}
    reports: list[Report] = []
    skipped: list[ReportError] = []
    for blocks in sections:
        heading = _statement_heading(blocks[0])
        assert heading is not None, "split_sections starts every section at a statement heading"
        slug = heading.slug
        key = f"{source}#{slug}"
        overrides = {**file_entry, **(manifest.get(key) or {})}
        try:
            reports.append(
                parse_text(
                    blocks,
                    key,
                    content_hash=content_hash(data, overrides, slug),
                    overrides=overrides,
                    whole_file=whole_file,
                )
            )
        except ReportError as exc:
            skipped.append(exc)
    if not reports:
        raise ReportError(
            source, f"none of its {len(sections)} quality statement sections could be read (first: {skipped[0].reason})"
        )
    return reports


def _single(reports: list[Report], source: str) -> Report:
    if len(reports) > 1:
        raise ReportError(source, f"holds {len(reports)} quality statement sections; read it with parse_reports")
    return reports[0]


def parse_bytes(
    data: bytes, source: str, *, overrides: dict | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Report:
    """Parse a one-section report given its bytes and file name."""
    manifest = {source: overrides} if overrides else None
    return _single(parse_reports(data, source, manifest=manifest, max_bytes=max_bytes), source)


def read_report_file(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """A report file's bytes; ``ReportError`` when it is missing or too big."""
    path = Path(path)
    if not path.is_file():
        raise ReportError(path.name, "no such file")
    _check_size(path.name, path.stat().st_size, max_bytes)
    return path.read_bytes()


def parse_file_reports(
    path: str | Path, manifest: dict[str, dict] | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[Report]:
    """Every quality-statement section of one report file. Raises ``ReportError`` with the file name and why."""
    path = Path(path)
    return parse_reports(read_report_file(path, max_bytes=max_bytes), path.name, manifest=manifest, max_bytes=max_bytes)


def parse_file(path: str | Path, overrides: dict | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Report:
    """Parse a one-section report file. Raises ``ReportError`` with the file name and why."""
    path = Path(path)
    manifest = {path.name: overrides} if overrides else None
    return _single(parse_file_reports(path, manifest, max_bytes=max_bytes), path.name)
