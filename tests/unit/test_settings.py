import pytest

from integrations.settings import ConfigurationError, Settings, load_settings


def test_defaults_are_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("BMAD_DATABASE_URL", "BMAD_REDIS_URL", "BMAD_QUEUE", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    s = Settings(_env_file=None)
    assert s.database_url == "sqlite:///./bmad.db"
    assert s.embedded_redis and s.queue == "eager" and not s.llm_configured


def test_celery_queue_without_redis_names_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BMAD_QUEUE", "celery")
    monkeypatch.delenv("BMAD_REDIS_URL", raising=False)
    with pytest.raises(ConfigurationError, match="BMAD_REDIS_URL"):
        load_settings()


def test_bad_value_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BMAD_CONVERSATION_TTL", "-5")
    with pytest.raises(ConfigurationError, match="BMAD_CONVERSATION_TTL"):
        load_settings()


def test_vendor_names_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    s = load_settings()
    assert s.openai_api_key is not None and s.openai_api_key.get_secret_value() == "sk-test"
    assert s.slack_api_url == "http://127.0.0.1:9/api/"
    assert s.llm_configured
