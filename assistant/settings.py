"""The one settings object: environment variables, then an optional config file.

Precedence (highest first): explicit keyword arguments, environment variables,
the config file named by ``ASSISTANT_CONFIG`` (TOML or YAML; default
``assistant.toml`` in the working directory if present), then defaults.
Secrets are ``SecretStr`` and never appear in ``repr``, logs or the UI.
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
    vectorstore_dir: Path = Field(default=PROJECT_ROOT / "vectorstore")
    data_dir: Path = Field(default=PROJECT_ROOT / "data", description="Chats, plans, workshops.")
    prompts_dir: Path = Field(default=PROJECT_ROOT / "prompts")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite under data_dir.")

    engine: Literal["builtin", "openai"] = "builtin"
    model: str = "gpt-4o-mini"
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "openai_api_key")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "openai_base_url")
    )
    temperature: float = 0.0
    timeout_s: float = 60.0
    max_retries: int = 2
    #: "builtin" (offline ONNX MiniLM) or "openai" (only when configured).
    embedder: Literal["builtin", "openai"] = "builtin"
    openai_embedding_model: str = "text-embedding-3-small"

    chroma_host: str | None = Field(default=None, validation_alias=AliasChoices("CHROMA_HOST", "chroma_host"))
    chroma_port: int = Field(default=8000, validation_alias=AliasChoices("CHROMA_PORT", "chroma_port"))

    max_report_bytes: int = 20 * 1024 * 1024

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        return (init_settings, env_settings, _ConfigFileSource(settings_cls), file_secret_settings)

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
