"""Fixtures for webhook and API tests: a tenant with sources configured and an API key."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from bot.api.keys import create_api_key
from bot.app import create_app
from bot.webhooks.config import configure_source
from integrations.db.session import tenant_session
from integrations.settings import Settings
from tests.conftest import make_tenant

GENERIC_SECRET = "whsec_generic_test"
GITHUB_SECRET = "whsec_github_test"
AM_TOKEN = "amtok_test_token"


@dataclass
class Tenant:
    id: str
    api_key: str
    settings: Settings


def setup_tenant(settings: Settings, tenant_id: str, channel: str | None = None) -> Tenant:
    make_tenant(settings.database_url, tenant_id)
    with tenant_session(settings.database_url, tenant_id) as session:
        _key, plain = create_api_key(session, tenant_id, name="tests")
        configure_source(session, settings, tenant_id, "generic", secret=GENERIC_SECRET)
        configure_source(
            session, settings, tenant_id, "github", secret=GITHUB_SECRET, channel=channel
        )
        configure_source(
            session, settings, tenant_id, "alertmanager", token=AM_TOKEN, channel=channel
        )
    return Tenant(tenant_id, plain, settings)


@pytest.fixture
def tenant(embedded_settings: Settings, tenant_id: str) -> Tenant:
    return setup_tenant(embedded_settings, tenant_id)


@pytest.fixture
def client(embedded_settings: Settings) -> TestClient:
    return TestClient(create_app(embedded_settings), raise_server_exceptions=False)
