"""`bmad apikeys` and `bmad webhooks` in-process (Typer's runner) on an embedded database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from bot.cli.main import app
from integrations.db.migrate import upgrade
from integrations.settings import get_settings
from tests.conftest import make_tenant

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("BMAD_DATABASE_URL", url)
    monkeypatch.setenv("BMAD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BMAD_LOG_JSON", "false")
    monkeypatch.setenv("BMAD_WEBHOOK_ALLOW_PRIVATE", "1")  # local receiver URLs below
    get_settings.cache_clear()
    upgrade(url)
    make_tenant(url, "tcli")
    yield url
    get_settings.cache_clear()
    structlog.reset_defaults()  # the CLI configured logging onto the runner's closed stream


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_apikeys_create_list_revoke(db: str) -> None:
    code, out = run("apikeys", "create", "--tenant", "tcli", "--name", "ci", "--user", "U1")
    assert code == 0
    key = out.splitlines()[0]
    assert key.startswith("bmad_")
    code, out = run("apikeys", "list", "--tenant", "tcli", "--json")
    (row,) = json.loads(out.strip().splitlines()[-1])
    assert key not in out and row["user"] == "U1" and not row["revoked"]
    assert run("apikeys", "revoke", row["prefix"], "--tenant", "tcli")[0] == 0
    code, out = run("apikeys", "list", "--tenant", "tcli", "--json")
    assert json.loads(out.strip().splitlines()[-1])[0]["revoked"] is True
    assert run("apikeys", "revoke", "nope", "--tenant", "tcli")[0] == 1
    assert run("apikeys", "create", "--tenant", "nobody", "--user", "U1")[0] == 2
    # a key without a user acts for nobody: only as an explicit read-only key
    assert run("apikeys", "create", "--tenant", "tcli")[0] == 2
    code, out = run("apikeys", "create", "--tenant", "tcli", "--scope", "read")
    assert code == 0 and out.strip().startswith("bmad_")
    assert run("apikeys", "create", "--tenant", "tcli", "--user", "U1", "--scope", "read")[0] == 2


def test_webhooks_configure_and_show_without_secrets(db: str) -> None:
    code, out = run(
        "webhooks", "configure", "--tenant", "tcli", "--source", "github", "--generate-secret",
        "--channel", "C0DEV", "--on", "pull_request=security_review", "--on", "release=",
    )  # fmt: skip
    assert code == 0, out
    secret = out.split("secret: ", 1)[1].split()[0]
    code, out = run("webhooks", "show", "--tenant", "tcli")
    (row,) = json.loads(out.strip().splitlines()[-1])
    assert secret not in out
    assert row["secret"] is True and row["channel"] == "C0DEV"
    assert row["on"] == {"pull_request": "security_review", "release": ""}


@pytest.mark.parametrize(
    "args",
    [
        ("--source", "gitlab", "--generate-secret"),
        ("--source", "generic", "--secret", "short"),
        ("--source", "alertmanager", "--generate-secret"),
        ("--source", "github", "--generate-token"),
        ("--source", "github", "--on", "pull_request=make_coffee"),
        ("--source", "github", "--on", "no-equals-sign"),
    ],
)
def test_webhooks_configure_refuses_bad_input(db: str, args: tuple[str, ...]) -> None:
    code, _ = run("webhooks", "configure", "--tenant", "tcli", *args)
    assert code == 2
    assert run("webhooks", "show", "--tenant", "tcli")[1].strip().splitlines()[-1] == "[]"


def test_endpoints_deliveries_and_drain(db: str) -> None:
    bad = run(
        "webhooks", "endpoint-add", "--tenant", "tcli", "--url", "ftp://x", "--event", "run.failed"
    )
    assert bad[0] == 2
    code, out = run(
        "webhooks", "endpoint-add", "--tenant", "tcli", "--url", "http://127.0.0.1:9/x",
        "--event", "run.failed",
    )  # fmt: skip
    assert code == 0 and "secret: whsec_" in out
    code, out = run("webhooks", "endpoints", "--tenant", "tcli")
    (endpoint,) = json.loads(out.strip().splitlines()[-1])
    assert endpoint["enabled"] and "secret" not in endpoint
    assert (
        run("webhooks", "endpoint-enable", str(endpoint["id"]), "--tenant", "tcli", "--off")[0] == 0
    )
    code, out = run("webhooks", "drain")
    assert code == 0 and json.loads(out.strip().splitlines()[-1])["dispatched"] == 0
    # port 9 (discard) refuses: the test event fails, is logged, and the command says so
    code, out = run("webhooks", "test", str(endpoint["id"]), "--tenant", "tcli")
    assert code == 1 and json.loads(out.strip().splitlines()[-1])["ok"] is False
    code, out = run("webhooks", "deliveries", "--tenant", "tcli")
    (attempt,) = json.loads(out.strip().splitlines()[-1])
    assert attempt["event"] == "webhook.test" and attempt["ok"] is False


def test_webhooks_configure_github_api_token_is_stored_encrypted(db: str) -> None:
    from sqlalchemy import select

    from integrations.db.models import WebhookSource
    from integrations.db.session import tenant_session

    token = "ghp_cli_token_value_0123456789abcdef"
    code, out = run(
        "webhooks", "configure", "github", "--tenant", "tcli",
        "--secret", "whsec_0123456789abcdef", "--api-token", token, "--post-reviews",
    )  # fmt: skip
    assert code == 0, out
    assert token not in out
    with tenant_session(db, "tcli") as session:
        row = session.scalars(select(WebhookSource).where(WebhookSource.source == "github")).one()
        assert row.post_reviews is True
        assert row.api_token_encrypted and token not in row.api_token_encrypted
    code, out = run("webhooks", "show", "--tenant", "tcli")
    shown = json.loads(out.strip().splitlines()[-1])
    assert shown[0]["api_token"] is True and shown[0]["post_reviews"] is True
    assert token not in out
    code, out = run("webhooks", "configure", "alertmanager", "--tenant", "tcli", "--api-token", "x")
    assert code == 2 and "github" in out
