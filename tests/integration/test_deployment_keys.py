"""One secret key for a deployment (issue 17): refuse to start without it, doctor says so,
rotation re-encrypts stored secrets."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.main import app
from bot.doctor import run_doctor
from integrations.db.models import WebhookEndpoint
from integrations.db.session import tenant_session
from integrations.settings import (
    ConfigurationError,
    Settings,
    get_settings,
    require_deployment_keys,
)
from integrations.webhooks_out.crypto import SecretUnreadableError, decrypt_secret
from integrations.webhooks_out.endpoints import add_endpoint
from integrations.webhooks_out.rotation import rotate_all
from tests.conftest import make_tenant

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("command", [["serve"], ["worker"], ["beat"]])
def test_a_postgres_deployment_refuses_to_start_without_the_secret_key(
    command: list[str], pg_url: str, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defect: without BMAD_SECRET_KEY every process wrote its own key file, so a secret
    stored by one could not be read by another (`webhook_secret_unreadable`)."""
    for name in ("BMAD_SECRET_KEY", "BMAD_PRIVACY_PSEUDONYM_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BMAD_DATABASE_URL", pg_url)
    monkeypatch.setenv("BMAD_REDIS_URL", redis_url)
    monkeypatch.setenv("BMAD_QUEUE", "celery")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, command)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "BMAD_SECRET_KEY" in result.output and "BMAD_PRIVACY_PSEUDONYM_KEY" in result.output


def test_embedded_default_needs_no_keys(embedded_settings: Settings) -> None:
    require_deployment_keys(embedded_settings)
    with pytest.raises(ConfigurationError, match="BMAD_SECRET_KEY"):
        require_deployment_keys(embedded_settings.model_copy(update={"redis_url": "redis://x"}))


def test_doctor_exits_non_zero_without_the_keys(service_settings: Settings) -> None:
    out: list[str] = []
    assert run_doctor(service_settings, out.append) == 1
    assert any("BMAD_SECRET_KEY NOT SET" in line for line in out)
    keyed = service_settings.model_copy(
        update={
            "secret_key": SecretStr(Fernet.generate_key().decode()),
            "privacy_pseudonym_key": SecretStr("p" * 40),
        }
    )
    out = []
    assert run_doctor(keyed, out.append) == 0
    assert "  keys: ok" in out
    assert any(line.startswith("  users without an email address:") for line in out)


def test_rotation_re_encrypts_stored_secrets(service_settings: Settings, tenant_id: str) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before = service_settings.model_copy(
        # a local endpoint URL: the SSRF guard (issue 14) must allow private addresses
        update={"secret_key": SecretStr(old), "webhook_allow_private": True}
    )
    tenant = make_tenant(service_settings.database_url, tenant_id)
    with tenant_session(before.database_url, tenant) as session:
        _endpoint, secret = add_endpoint(
            session, before, tenant, "http://127.0.0.1:9/x", ["run.failed"]
        )
    during = before.model_copy(
        update={"secret_key": SecretStr(new), "secret_key_previous": SecretStr(old)}
    )
    after = before.model_copy(update={"secret_key": SecretStr(new)})

    def stored() -> str:
        with tenant_session(before.database_url, tenant) as session:
            return session.scalars(select(WebhookEndpoint.secret_encrypted)).one()

    with pytest.raises(SecretUnreadableError):
        decrypt_secret(after, stored())  # the new key alone cannot read it yet
    assert decrypt_secret(during, stored()) == secret  # previous key still decrypts
    report = rotate_all(during)
    assert report.rotated >= 1
    assert decrypt_secret(after, stored()) == secret  # re-encrypted under the new key
