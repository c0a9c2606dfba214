"""A small crafted corpus for chat tests: several statements per authority and councils from several
regions and types, grown from the seed reports with ``bench/synthetic.py``'s variant writer.

Gloucestershire (a South West county) has three statements; Devon (South West county) and Wiltshire
(South West unitary) are its region's peers; Barnet and Camden are London boroughs; Sunderland is in
the North East. Scores are set per report so that comparisons have something to explain.
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

from assistant.settings import PROJECT_ROOT

SCORE_LABELS = {
    1: "1 - Evidence shows significant shortfalls",
    2: "2 - Evidence shows some shortfalls",
    3: "3 - Evidence shows a good standard",
    4: "4 - Evidence shows an exceptional standard",
}
PARTNERSHIPS = "Partnerships and communities"
#: (authority, quality statement, seed template: 0 Gloucestershire's text, 1 Durham's, score)
SECTIONS: tuple[tuple[str, str, int, int], ...] = (
    ("Gloucestershire", PARTNERSHIPS, 0, 2),
    ("Gloucestershire", "Assessing needs", 0, 2),
    ("Gloucestershire", "Safeguarding", 1, 3),
    ("Devon", PARTNERSHIPS, 1, 3),
    ("Wiltshire", PARTNERSHIPS, 1, 4),
    ("Barnet", PARTNERSHIPS, 1, 3),
    ("Camden", PARTNERSHIPS, 0, 2),
    ("Sunderland", PARTNERSHIPS, 1, 4),
)


def write_corpus(folder: Path) -> Path:
    """``folder`` filled with the crafted sections (one ``.txt`` each)."""
    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    from synthetic import _templates, _variant

    templates = _templates(PROJECT_ROOT / "seeds")
    rng = random.Random(7)
    folder.mkdir(parents=True, exist_ok=True)
    for n, (authority, statement, template, score) in enumerate(SECTIONS):
        text = _variant(templates[template], authority, statement, rng)
        text = re.sub(r"(?m)^Score: \d\s*$", f"Score: {score}", text, count=1)
        text = re.sub(r"(?m)^\d - Evidence shows [^\n]*$", SCORE_LABELS[score], text, count=1)
        (folder / f"{n:02d}_{authority.lower()}_{statement.split()[0].lower()}.txt").write_text(text, encoding="utf-8")
    return folder
