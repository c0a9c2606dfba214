"""Settings for a project folder made by a test or a bench: the built-in engine, no model endpoint."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.settings import PROJECT_ROOT, Settings

if TYPE_CHECKING:  # pragma: no cover
    from assistant.service import Assistant


def offline_settings(root: Path, *, vectorstore: str = "vectorstore") -> Settings:
    """Reports in ``root/seeds``, the index in ``root/<vectorstore>``, app data in ``root/data``; the
    built-in engine whatever the environment says."""
    return Settings(
        seeds_dir=root / "seeds",
        vectorstore_dir=root / vectorstore,
        data_dir=root / "data",
        engine="builtin",
        openai_api_key=None,
        openai_base_url=None,
    )


def seeded_assistant(root: Path) -> Assistant:
    """An ``Assistant`` on a copy of the project's seed reports in ``root`` (index built in ``root/vs``)."""
    from assistant.service import Assistant

    shutil.copytree(PROJECT_ROOT / "seeds", root / "seeds")
    return Assistant(offline_settings(root, vectorstore="vs"))
