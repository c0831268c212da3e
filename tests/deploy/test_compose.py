"""docker-compose.yml and .env.example (issue 16, point 8): per-service health checks that
fit the process, restart policies, Redis with AOF on a volume, one required secret key and
public URL for every container, and an .env.example that only names real settings."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from integrations.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
LONG_RUNNING = ("postgres", "redis", "web", "worker", "beat")


def test_each_process_has_its_own_health_check_and_restarts() -> None:
    for name in LONG_RUNNING:
        assert SERVICES[name]["restart"] == "unless-stopped", name
    assert SERVICES["migrate"]["restart"] == "on-failure"
    assert "/readyz" in " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert SERVICES["worker"]["healthcheck"]["test"][1:3] == ["bmad", "worker-ping"]
    # beat serves no HTTP: it must not inherit the image's web HEALTHCHECK
    assert SERVICES["beat"]["healthcheck"] == {"disable": True}
    assert SERVICES["migrate"]["healthcheck"] == {"disable": True}


def test_redis_is_durable() -> None:
    redis = SERVICES["redis"]
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command
    assert "redisdata:/data" in redis["volumes"] and "redisdata" in COMPOSE["volumes"]


def test_every_bmad_container_shares_one_required_key_and_public_url() -> None:
    for name in ("migrate", "web", "worker", "beat"):
        env = SERVICES[name]["environment"]
        assert env["BMAD_SECRET_KEY"].startswith("${BMAD_SECRET_KEY:?"), name
        assert env["BMAD_PUBLIC_URL"].startswith("${BMAD_PUBLIC_URL:?"), name
        assert env["BMAD_QUEUE"] == "celery"


def test_env_example_names_real_settings_and_requires_the_key() -> None:
    text = (ROOT / ".env.example").read_text()
    assert re.search(r"^BMAD_SECRET_KEY=$", text, re.M)
    assert re.search(r"^BMAD_PUBLIC_URL=$", text, re.M)
    names = set(re.findall(r"^#?\s*(BMAD_[A-Z0-9_]+)=", text, re.M))
    fields = {f"BMAD_{n.upper()}" for n in Settings.model_fields}
    assert names <= fields, names - fields


def test_the_worker_consumes_every_queue_the_web_publishes_to() -> None:
    """Turns go to the turn queue, steps to the step queue: a worker started with only one
    of them would leave chat replies (or workflow steps) waiting forever."""
    command = SERVICES["worker"]["command"]
    if "--queues" in command:
        consumed = set(command[command.index("--queues") + 1].split(","))
        settings = Settings(_env_file=None, celery_queue="bmad")
        assert set(settings.worker_queues) <= consumed
