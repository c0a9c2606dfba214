"""Shared fixtures: every test works on temp copies, never the real folders."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
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
    for var in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "ASSISTANT_ENGINE",
        "ASSISTANT_CONFIG",
        "CHROMA_HOST",
        "ASSISTANT_DATABASE_URL",
    ):
        monkeypatch.delenv(var, raising=False)
    return Settings(
        seeds_dir=seeds_dir,
        vectorstore_dir=tmp_path / "vectorstore",
        data_dir=tmp_path / "data",
        engine="builtin",
    )


_LEAKY_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ASSISTANT_ENGINE",
    "ASSISTANT_CONFIG",
    "CHROMA_HOST",
    "ASSISTANT_DATABASE_URL",
    "ASSISTANT_PROMPTS_DIR",
)


@pytest.fixture(scope="session")
def built_corpus(tmp_path_factory) -> Path:
    """The seed reports and their built index, built once per test session."""
    from local_settings import offline_settings

    from assistant.service import Assistant

    root = tmp_path_factory.mktemp("built-corpus")
    shutil.copytree(SEEDS, root / "seeds")
    Assistant(offline_settings(root))
    return root


@pytest.fixture
def app_settings(built_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Copies of the seeds and their built index for one test, exported through the environment
    (for code that builds its own Settings: the CLI, the app). Streamlit's resource cache is
    cleared afterwards so no Assistant outlives its temp folders."""
    for var in _LEAKY_ENV:
        monkeypatch.delenv(var, raising=False)
    for name in ("seeds", "vectorstore"):
        shutil.copytree(built_corpus / name, tmp_path / name)
    monkeypatch.setenv("ASSISTANT_SEEDS_DIR", str(tmp_path / "seeds"))
    monkeypatch.setenv("ASSISTANT_VECTORSTORE_DIR", str(tmp_path / "vectorstore"))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    yield Settings()
    import streamlit as st

    st.cache_resource.clear()


@pytest.fixture
def fake_openai():
    """A running OpenAI-compatible fake server on 127.0.0.1 (tests/fake_openai.py), stopped after the test."""
    from fake_openai import FakeOpenAI

    server = FakeOpenAI().start()
    yield server
    server.stop()


TEST_DATABASE_URL = os.environ.get("ASSISTANT_TEST_DATABASE_URL")


@pytest.fixture
def pg_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings on a fresh schema of the test PostgreSQL server (``ASSISTANT_TEST_DATABASE_URL``,
    started by scripts/start_postgres.sh), so runs never see each other's rows; skipped without one."""
    if not TEST_DATABASE_URL:
        pytest.skip("ASSISTANT_TEST_DATABASE_URL is not set (see scripts/start_postgres.sh)")
    from sqlalchemy import create_engine, text

    schema = f"ws_{uuid.uuid4().hex[:12]}"
    admin = create_engine(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in TEST_DATABASE_URL else "?"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", f"{TEST_DATABASE_URL}{sep}options=-csearch_path%3D{schema}")
    yield Settings(data_dir=tmp_path / "data")
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
