"""One typed settings object: env vars, config file, secrets never shown."""

import re

import pytest

from assistant.settings import PROJECT_ROOT, Settings


def test_env_and_aliases(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_ENGINE", "openai")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-123")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("ASSISTANT_SEEDS_DIR", str(tmp_path))
    monkeypatch.setenv("CHROMA_HOST", "localhost")
    s = Settings()
    assert s.engine == "openai" and s.openai_configured and s.seeds_dir == tmp_path
    assert s.chroma_host == "localhost"
    assert "sk-secret-123" not in repr(s) and "sk-secret-123" not in str(s.public_summary())
    assert s.public_summary()["key_set"] is True


def test_config_file(monkeypatch, tmp_path):
    cfg = tmp_path / "assistant.toml"
    cfg.write_text('model = "llama3"\nengine = "openai"\n')
    monkeypatch.setenv("ASSISTANT_CONFIG", str(cfg))
    monkeypatch.delenv("ASSISTANT_ENGINE", raising=False)
    assert (Settings().model, Settings().engine) == ("llama3", "openai")
    monkeypatch.setenv("ASSISTANT_ENGINE", "builtin")  # env beats file
    assert Settings().engine == "builtin"


def test_missing_config_file_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ValueError, match="not a file"):
        Settings()


def test_database_default_is_sqlite_under_data_dir(tmp_path):
    assert Settings(data_dir=tmp_path).database == f"sqlite:///{tmp_path / 'assistant.db'}"


def _readme_table_variables() -> set[str]:
    """The environment variables named in the first column of the README's configuration table."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_every_setting_has_a_description():
    missing = [name for name, info in Settings.model_fields.items() if not (info.description or "").strip()]
    assert missing == []


def test_readme_configuration_table_matches_the_settings():
    documented = _readme_table_variables()
    variables = {v for names in Settings.env_names().values() for v in names}
    assert documented - variables == set(), "the README names variables no setting reads"
    assert variables - documented == set(), "settings missing from the README's configuration table"


@pytest.mark.parametrize(
    ("variable", "value", "field", "expected"),
    [
        ("ASSISTANT_PROMPTS_DIR", "/tmp/p", "prompts_dir", "/tmp/p"),
        ("ASSISTANT_MAX_REPORT_BYTES", "1000", "max_report_bytes", 1000),
        ("ASSISTANT_OPENAI_EMBEDDING_MODEL", "nomic", "openai_embedding_model", "nomic"),
        ("CHROMA_PORT", "9001", "chroma_port", 9001),
        ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1", "openai_base_url", "http://127.0.0.1:9/v1"),
    ],
)
def test_env_names_are_the_variables_settings_read(monkeypatch, variable, value, field, expected):
    assert variable in Settings.env_names()[field]
    monkeypatch.setenv(variable, value)
    got = getattr(Settings(), field)
    assert (str(got) if field == "prompts_dir" else got) == expected
