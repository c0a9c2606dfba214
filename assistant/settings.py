"""The one settings object: environment variables, then an optional config file.

Precedence (highest first): explicit keyword arguments, environment variables,
the config file named by ``ASSISTANT_CONFIG`` (TOML or YAML; default
``assistant.toml`` in the working directory if present), then defaults.
Secrets are ``SecretStr`` and never appear in ``repr``, logs or the UI. Every
field has a description; ``Settings.env_names()`` gives each field's environment
variables, and a test checks the README's configuration table against them.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

#: The project root (the folder holding ``assistant/``, ``prompts/``, ``seeds/``).
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _config_file_values() -> dict[str, Any]:
    name = os.environ.get("ASSISTANT_CONFIG")
    path = Path(name) if name else Path("assistant.toml")
    if not path.is_file():
        if name:
            raise ValueError(f"ASSISTANT_CONFIG points to {path}, which is not a file")
        return {}
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"config file {path} must hold a table/mapping of settings")
    return {str(k).lower(): v for k, v in data.items()}


class _ConfigFileSource(PydanticBaseSettingsSource):
    def get_field_value(self, field, field_name):  # pragma: no cover - unused by __call__
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return _config_file_values()


class Settings(BaseSettings):
    """Paths, engine and endpoints. Build once per process (CLI) or per server (app)."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore", populate_by_name=True)

    seeds_dir: Path = Field(default=PROJECT_ROOT / "seeds", description="The reports folder.")
    vectorstore_dir: Path = Field(
        default=PROJECT_ROOT / "vectorstore",
        description="The persisted index (Chroma, BM25) and the built-in findings found so far; rebuilt, never "
        "committed.",
    )
    data_dir: Path = Field(default=PROJECT_ROOT / "data", description="Chats, plans and workshops (SQLite).")
    prompts_dir: Path = Field(
        default=PROJECT_ROOT / "prompts",
        description="Prompts, playbook, taxonomy, cue lists and templates (YAML and Markdown files).",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL for chats, plans and workshops, e.g. postgresql://user:pw@host/db; "
        "default SQLite under data_dir.",
    )

    engine: Literal["builtin", "openai"] = Field(
        default="builtin", description="Which engine drafts: builtin (offline) or openai (a model)."
    )
    model: str = Field(default="gpt-4o-mini", description="The model name the OpenAI-compatible endpoint serves.")
    openai_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_API_KEY", "openai_api_key"),
        description="Key for the OpenAI-compatible endpoint; never printed, logged or shown.",
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "openai_base_url"),
        description="Base URL of any OpenAI-compatible server (OpenAI, Azure, vLLM, Ollama, llama.cpp).",
    )
    temperature: float = Field(default=0.0, description="Sampling temperature of model calls.")
    timeout_s: float = Field(default=60.0, description="Seconds before a model call is given up.")
    max_retries: int = Field(default=2, description="Retries of a failed model call (with backoff).")
    embedder: Literal["builtin", "openai"] = Field(
        default="builtin",
        description="builtin (offline ONNX MiniLM) or openai (only when configured); switching rebuilds the index.",
    )
    openai_embedding_model: str = Field(
        default="text-embedding-3-small", description="The embedding model when embedder is openai."
    )

    chroma_host: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CHROMA_HOST", "chroma_host"),
        description="A Chroma server (chroma run) to use instead of the embedded store.",
    )
    chroma_port: int = Field(
        default=8000,
        validation_alias=AliasChoices("CHROMA_PORT", "chroma_port"),
        description="The Chroma server's port.",
    )

    max_report_bytes: int = Field(default=20 * 1024 * 1024, description="Largest report file accepted, in bytes.")

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        return (init_settings, env_settings, _ConfigFileSource(settings_cls), file_secret_settings)

    @classmethod
    def env_names(cls) -> dict[str, list[str]]:
        """Each field's environment variables: its aliases, else ``ASSISTANT_<FIELD>``."""
        prefix = str(cls.model_config.get("env_prefix", ""))
        out: dict[str, list[str]] = {}
        for name, info in cls.model_fields.items():
            alias = info.validation_alias
            choices = alias.choices if isinstance(alias, AliasChoices) else [alias] if alias else []
            names = [c.upper() for c in choices if isinstance(c, str)]
            out[name] = list(dict.fromkeys(names)) or [f"{prefix}{name}".upper()]
        return out

    @property
    def openai_configured(self) -> bool:
        return self.openai_api_key is not None or bool(self.openai_base_url)

    @property
    def database(self) -> str:
        """The SQLAlchemy URL for chats, plans and workshops."""
        return self.database_url or f"sqlite:///{self.data_dir / 'assistant.db'}"

    def public_summary(self) -> dict[str, Any]:
        """What may be shown to a user: never the key."""
        return {
            "engine": self.engine,
            "model": self.model if self.engine == "openai" else None,
            "base_url": self.openai_base_url if self.engine == "openai" else None,
            "key_set": self.openai_api_key is not None,
            "seeds_dir": str(self.seeds_dir),
            "vectorstore_dir": str(self.vectorstore_dir),
            "chroma": f"{self.chroma_host}:{self.chroma_port}" if self.chroma_host else "embedded",
        }
