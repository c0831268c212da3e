import os
from pathlib import Path

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


@pytest.mark.parametrize("name", ["BMAD_STRIPE_PRICE_IDS", "BMAD_STRIPE_METER_EVENTS"])
def test_json_setting_that_is_not_json_is_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "notjson")
    with pytest.raises(ConfigurationError) as err:
        load_settings()
    message = str(err.value)
    assert name in message and "JSON" in message
    assert "\n" not in message


def test_cli_prints_one_line_for_a_bad_json_setting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("BMAD_")}
    env["BMAD_STRIPE_PRICE_IDS"] = "notjson"
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "doctor"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "BMAD_STRIPE_PRICE_IDS" in lines[0], out.stderr
