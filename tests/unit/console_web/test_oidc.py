"""Console sign-in with OpenID Connect against a local provider that signs RS256 ID tokens.

The whole browser round trip runs: /console/oidc/login redirects to the provider, the
provider redirects back with a code, the callback exchanges it (Authlib, real HTTP), checks
the ID token against the provider's JWKS, and signs the person in - or refuses.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.app import create_app
from bot.console_web.session import SESSION_COOKIE
from integrations.db.models import Role
from integrations.db.session import tenant_session
from integrations.db.tenants import find_user, role_of
from integrations.email.addresses import set_email
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.fakes.oidc_provider import FakeOIDCProvider
from tests.unit.console_web.support import give_role

TEAM = "T0TEAM"
CLIENT_ID, CLIENT_SECRET = "bmad-console", "client-secret-for-tests"


@pytest.fixture
def provider() -> Iterator[FakeOIDCProvider]:
    with FakeOIDCProvider(CLIENT_ID, CLIENT_SECRET) as fake:
        yield fake


@pytest.fixture
def settings(embedded_settings: Settings, provider: FakeOIDCProvider) -> Settings:
    make_tenant(embedded_settings.database_url, TEAM)
    return embedded_settings.model_copy(
        update={
            "oidc_issuer": provider.base_url,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": SecretStr(CLIENT_SECRET),
        }
    )


def slack_person(team: str, user: str) -> dict[str, Any]:
    return {
        "sub": user,
        "https://slack.com/team_id": team,
        "https://slack.com/user_id": user,
        "name": "Ann Example",
    }


def round_trip(client: TestClient) -> httpx.Response:
    """What a browser does: login -> provider -> back to the callback."""
    start = client.get("/console/oidc/login", follow_redirects=False)
    assert start.status_code == 302, start.text
    authorize = urlsplit(start.headers["location"])
    query = parse_qs(authorize.query)
    assert query["redirect_uri"] == ["http://127.0.0.1:8000/console/oidc/callback"]
    assert query["state"][0] and query["nonce"][0]
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["location"])
    return client.get(f"{back.path}?{back.query}", follow_redirects=False)


def signed_in_cookie(response: httpx.Response) -> bool:
    return f"{SESSION_COOKIE}=" in response.headers.get("set-cookie", "")


def test_sign_in_with_slack_maps_workspace_and_user(
    settings: Settings, provider: FakeOIDCProvider
) -> None:
    provider.person = slack_person(TEAM, "U0ANN")
    client = TestClient(create_app(settings))
    done = round_trip(client)
    assert done.status_code == 303 and done.headers["location"] == "/console"
    assert signed_in_cookie(done)
    page = client.get("/console/runs")
    assert page.status_code == 200 and "U0ANN" in page.text and TEAM in page.text
    with tenant_session(settings.database_url, TEAM) as session:
        assert role_of(session, "U0ANN") is Role.member  # new people start as members
        user = find_user(session, "U0ANN")
        assert user is not None and user.display_name == "Ann Example"


def test_an_admin_keeps_their_role(settings: Settings, provider: FakeOIDCProvider) -> None:
    give_role(settings, TEAM, "U0ADM", Role.admin)
    provider.person = slack_person(TEAM, "U0ADM")
    client = TestClient(create_app(settings))
    assert round_trip(client).status_code == 303
    assert "(admin)" in client.get("/console/runs").text


def test_a_workspace_without_bmad_is_refused(
    settings: Settings, provider: FakeOIDCProvider
) -> None:
    provider.person = slack_person("T0NOTINSTALLED", "U0ANN")
    client = TestClient(create_app(settings))
    refused = round_trip(client)
    assert refused.status_code == 403 and "not installed BMAD" in refused.text
    assert not signed_in_cookie(refused)


@pytest.mark.parametrize("forgery", ["foreign_key", "audience", "nonce", "issuer", "expired"])
def test_a_forged_id_token_signs_nobody_in(
    settings: Settings, provider: FakeOIDCProvider, forgery: str
) -> None:
    provider.person = slack_person(TEAM, "U0EVE")
    provider.forge = forgery  # type: ignore[assignment]
    client = TestClient(create_app(settings))
    refused = round_trip(client)
    assert refused.status_code == 400, refused.text
    assert not signed_in_cookie(refused)
    assert "did not complete" in refused.text and "Traceback" not in refused.text
    with tenant_session(settings.database_url, TEAM) as session:
        assert find_user(session, "U0EVE") is None  # nothing written for a forged token


def test_a_callback_without_the_browsers_state_is_refused(
    settings: Settings, provider: FakeOIDCProvider
) -> None:
    """Login CSRF: a code obtained by an attacker, sent to a victim's browser, does nothing;
    a callback used twice does nothing the second time."""
    provider.person = slack_person(TEAM, "U0EVE")
    attacker = TestClient(create_app(settings))
    start = attacker.get("/console/oidc/login", follow_redirects=False)
    back = urlsplit(httpx.get(start.headers["location"]).headers["location"])
    victim = TestClient(create_app(settings))
    refused = victim.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert refused.status_code == 400 and not signed_in_cookie(refused)
    assert provider.token_requests == 0  # refused before the code was spent
    used = attacker.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert used.status_code == 303
    again = attacker.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert again.status_code == 400


def test_other_providers_sign_in_known_people_by_sub_or_verified_email(
    settings: Settings, provider: FakeOIDCProvider
) -> None:
    company = settings.model_copy(update={"oidc_tenant": TEAM})
    give_role(company, TEAM, "joanne", Role.member)
    with tenant_session(company.database_url, TEAM) as session:
        set_email(session, TEAM, "joanne", "Joanne@Example.com", actor="test", source="cli")
    client = TestClient(create_app(company))

    provider.person = {"sub": "idp|123", "email": "joanne@example.com", "email_verified": True}
    assert round_trip(client).status_code == 303
    assert "joanne" in client.get("/console/runs").text

    for person in (
        {"sub": "idp|123", "email": "joanne@example.com", "email_verified": False},
        {"sub": "idp|999", "email": "stranger@example.com", "email_verified": True},
    ):
        provider.person = person
        stranger = TestClient(create_app(company))
        refused = round_trip(stranger)
        assert refused.status_code == 403 and "not a member here" in refused.text
        assert not signed_in_cookie(refused)


def test_without_a_tenant_setting_other_providers_are_refused(
    settings: Settings, provider: FakeOIDCProvider
) -> None:
    provider.person = {"sub": "idp|1", "email": "a@example.com", "email_verified": True}
    refused = round_trip(TestClient(create_app(settings)))
    assert refused.status_code == 403 and "BMAD_OIDC_TENANT" in refused.text


def test_the_sign_in_button_only_when_configured(
    settings: Settings, embedded_settings: Settings
) -> None:
    with_oidc = TestClient(create_app(settings)).get("/console/runs")
    assert with_oidc.status_code == 401 and 'href="/console/oidc/login"' in with_oidc.text
    plain = TestClient(create_app(embedded_settings))
    assert "/console/oidc/login" not in plain.get("/console/runs").text
    assert plain.get("/console/oidc/login", follow_redirects=False).status_code == 404
