"""Shared fixtures: every test works on temp copies, never the real folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT, Settings

SEEDS = PROJECT_ROOT / "seeds"


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    """A temp reports folder holding copies of the project's seed reports."""
    d = tmp_path / "seeds"
    d.mkdir()
    for f in SEEDS.iterdir():
        if f.is_file():
            shutil.copy(f, d / f.name)
    return d


@pytest.fixture
def settings(tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on temp folders, built-in engine, no OpenAI configuration leaking in."""
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ASSISTANT_ENGINE", "ASSISTANT_CONFIG",
                "CHROMA_HOST", "ASSISTANT_DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)
    return Settings(
        seeds_dir=seeds_dir,
        vectorstore_dir=tmp_path / "vectorstore",
        data_dir=tmp_path / "data",
        engine="builtin",
    )
