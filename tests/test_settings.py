"""One typed settings object: env vars, config file, secrets never shown."""

import pytest

from assistant.settings import Settings


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
