"""Replace (or add) one "## <title>" section of bench/README.md, leaving the others alone."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"


def write_section(title: str, text: str, readme: Path = README) -> None:
    """``text`` (which starts with its own ``## <title>`` heading) replaces that section, or is appended."""
    current = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    updated = (
        pattern.sub(lambda _: text + "\n", current) if pattern.search(current) else current.rstrip() + "\n\n" + text
    )
    readme.write_text(updated.rstrip() + "\n", encoding="utf-8")
