"""A synthetic corpus of report sections for benchmarks, grown from the seed reports.

Each generated file is a seed report with its authority renamed to another
English local authority (from the parser's gazetteer), its quality-statement
heading set to one of the nine statements, its key-findings paragraphs
shuffled and some sentences reordered or dropped, so that no two files share
a report id or an identical text. Files are written as ``.txt`` and parsed
with the project's own parser like any real report.

    python bench/synthetic.py OUT_DIR --sections 200
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.reports import authority_gazetteer, parse_file, quality_statements  # noqa: E402
from assistant.settings import PROJECT_ROOT  # noqa: E402
from assistant.text import sentence_spans, slugify  # noqa: E402

SEEDS = PROJECT_ROOT / "seeds"
KEY_FINDINGS = re.compile(r"^key findings", re.I)
#: A paragraph (not a heading) is at least this long.
MIN_PARAGRAPH = 100


def max_sections() -> int:
    """How many distinct (authority, quality statement) pairs exist."""
    return len(authority_gazetteer()) * len(quality_statements())


def generate(out_dir: Path, sections: int, *, seeds_dir: Path = SEEDS, seed: int = 0) -> list[Path]:
    """Write ``sections`` distinct synthetic report files into ``out_dir``; return their paths."""
    if not 1 <= sections <= max_sections():
        raise ValueError(f"sections must be between 1 and {max_sections()} (authorities x statements), got {sections}")
    templates = _templates(seeds_dir)
    rng = random.Random(seed)
    pairs = [(a, s.name) for a, _ in authority_gazetteer() for s in quality_statements()]
    rng.shuffle(pairs)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, (authority, statement) in enumerate(pairs[:sections]):
        text = _variant(templates[n % len(templates)], authority, statement, rng)
        path = out_dir / f"{n:04d}_{slugify(authority)}_{slugify(statement)}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


class _Template:
    def __init__(self, path: Path) -> None:
        report = parse_file(path)
        names = dict(authority_gazetteer()).get(report.authority, (report.authority,))
        self.lines = path.read_text(encoding="utf-8").splitlines()
        self.statement = report.quality_statement
        self.has_title = not report.authority_inferred
        self.name_pattern = re.compile(
            r"(?<![A-Za-z])(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?![A-Za-z])"
        )


def _templates(seeds_dir: Path) -> list[_Template]:
    files = sorted(p for p in seeds_dir.iterdir() if p.is_file() and not p.name.startswith("."))
    templates = [_Template(p) for p in files if p.suffix.lower() in (".txt", ".md")]
    if not templates:
        raise ValueError(f"no .txt or .md seed reports in {seeds_dir}")
    return templates


def _variant(template: _Template, authority: str, statement: str, rng: random.Random) -> str:
    lines = [template.name_pattern.sub(authority, ln) for ln in template.lines]
    lines = [statement if ln.strip().lower() == template.statement.lower() else ln for ln in lines]
    if not template.has_title:
        lines.insert(0, f"{authority}: local authority assessment")
    start = next((i for i, ln in enumerate(lines) if KEY_FINDINGS.match(ln.strip())), len(lines))
    slots = [i for i in range(start, len(lines)) if len(lines[i].strip()) >= MIN_PARAGRAPH]
    paragraphs = [_perturb(lines[i].strip(), rng) for i in slots]
    rng.shuffle(paragraphs)
    for i, text in zip(slots, paragraphs, strict=True):
        lines[i] = text
    return "\n".join(lines) + "\n"


def _perturb(paragraph: str, rng: random.Random) -> str:
    """Reorder the sentences of about half the paragraphs; drop one from some longer ones."""
    sentences = [paragraph[s:e] for s, e in sentence_spans(paragraph)]
    if len(sentences) >= 3 and rng.random() < 0.25:
        sentences.pop(rng.randrange(len(sentences)))
    if len(sentences) >= 2 and rng.random() < 0.5:
        rng.shuffle(sentences)
    return " ".join(sentences)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--sections", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    paths = generate(args.out_dir, args.sections, seed=args.seed)
    print(f"wrote {len(paths)} report files to {args.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
