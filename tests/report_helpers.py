"""Report texts made for tests from the seeds."""

from __future__ import annotations

from pathlib import Path


def renamed_durham(seeds_dir: Path, authority: str) -> str:
    """The County Durham seed with the authority renamed."""
    durham = next(p for p in seeds_dir.iterdir() if "County Durham" in p.read_text(encoding="utf-8"))
    return durham.read_text(encoding="utf-8").replace("County Durham", authority).replace("Durham", authority)


def whole_assessment(seeds_dir: Path, authority: str) -> str:
    """A Markdown whole assessment: the Durham seed's Partnerships section, renamed, then a Safeguarding section."""
    partnerships = renamed_durham(seeds_dir, authority).split("\n", 1)[1]  # without its title line
    return (
        f"# {authority} County Council: local authority assessment\n\n## Theme 2: Providing support\n\n"
        f"{partnerships}\n\n## Theme 3: Ensuring safety\n\n## Safeguarding\n\nScore: 2\n\n"
        "## Key findings for this quality statement\n\nThe safeguarding adults board was well attended. However, "
        "there was a backlog of enquiries and people were not always kept informed of progress.\n"
    )
