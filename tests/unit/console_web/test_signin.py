"""One-time sign-in links, the session cookie, CSRF and sign-out."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from freezegun import freeze_time

from bot.app import create_app
from bot.console_web.session import SESSION_COOKIE
from bot.console_web.signing import make_link_token
from integrations.db.models import Role
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.unit.console_web.support import csrf_of, give_role, sign_in

TENANT = "webt"


@pytest.fixture
def settings(embedded_settings: Settings) -> Settings:
    make_tenant(embedded_settings.database_url, TENANT)
    give_role(embedded_settings, TENANT, "ann", Role.admin)
    return embedded_settings


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


def test_link_signs_in_once_and_leaves_the_url(client: TestClient, settings: Settings) -> None:
    token = make_link_token(settings, TENANT, "ann")
    first = client.get(f"/console/signin?token={token}", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/console"  # no token in the address bar
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # http public URL: a Secure cookie would never come back
    assert token not in cookie
    page = client.get("/console/runs")
    assert page.status_code == 200 and "ann" in page.text
    other = TestClient(create_app(settings))
    again = other.get(f"/console/signin?token={token}", follow_redirects=False)
    assert again.status_code == 400
    assert SESSION_COOKIE not in again.headers.get("set-cookie", "")


def test_secure_cookie_when_the_public_url_is_https(settings: Settings) -> None:
    https = settings.model_copy(update={"public_url": "https://bmad.example.com"})
    client = TestClient(create_app(https))
    token = make_link_token(https, TENANT, "ann")
    r = client.get(f"/console/signin?token={token}", follow_redirects=False)
    assert "Secure" in r.headers["set-cookie"]


def test_expired_tampered_and_foreign_links_are_refused(settings: Settings) -> None:
    client = TestClient(create_app(settings))
    with freeze_time(time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - 16 * 60))):
        old = make_link_token(settings, TENANT, "ann")
    assert client.get(f"/console/signin?token={old}").status_code == 400
    good = make_link_token(settings, TENANT, "ann")
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    assert client.get(f"/console/signin?token={tampered}").status_code == 400
    other_install = settings.model_copy(update={"data_dir": settings.data_dir + "-other"})
    foreign = make_link_token(other_install, TENANT, "ann")
    assert client.get(f"/console/signin?token={foreign}").status_code == 400
    assert client.get("/console/runs").status_code == 401


def test_pages_need_a_session(client: TestClient) -> None:
    for path in ("/console/runs", "/console/approvals", "/console/chat", "/console/runs/1"):
        assert client.get(path).status_code == 401
    forged = client.post("/console/runs/1/approve", data={"csrf": "x"})
    assert forged.status_code == 401
    client.cookies.set(SESSION_COOKIE, "not-a-signed-value", path="/console")
    assert client.get("/console/runs").status_code == 401


def test_sign_out_needs_the_csrf_token_then_ends_the_session(
    client: TestClient, settings: Settings
) -> None:
    csrf = sign_in(client, settings, TENANT, "ann")
    assert client.post("/console/signout", data={}).status_code == 403
    assert client.post("/console/signout", data={"csrf": "wrong"}).status_code == 403
    assert client.get("/console/runs").status_code == 200
    kept = client.cookies.get(SESSION_COOKIE)  # someone copied the cookie before sign-out
    out = client.post("/console/signout", data={"csrf": csrf})
    assert out.status_code == 200
    assert client.get("/console/runs").status_code == 401
    replay = TestClient(create_app(settings), cookies={SESSION_COOKIE: kept})
    assert replay.get("/console/runs").status_code == 401  # the session itself has ended
    refused = replay.post("/console/keys", data={"name": "after", "csrf": csrf})
    assert refused.status_code == 401


def test_every_form_carries_the_csrf_token(client: TestClient, settings: Settings) -> None:
    csrf = sign_in(client, settings, TENANT, "ann")
    for path in ("/console/runs", "/console/chat", "/console/approvals"):
        html = client.get(path).text
        forms = html.count('method="post"')
        assert forms >= 2 and html.count(f'name="csrf" value="{csrf}"') == forms, path
    assert csrf_of(client.get("/console/chat").text) == csrf


def test_a_user_whose_role_was_removed_is_signed_out(
    client: TestClient, settings: Settings
) -> None:
    sign_in(client, settings, TENANT, "ann")
    from integrations.db.models import User
    from integrations.db.session import tenant_session

    with tenant_session(settings.database_url, TENANT) as session:
        for user in session.query(User).filter_by(external_id="ann"):
            session.delete(user)
    assert client.get("/console/runs").status_code == 401


def test_pages_have_a_strict_csp_and_are_not_cached(client: TestClient, settings: Settings) -> None:
    sign_in(client, settings, TENANT, "ann")
    r = client.get("/console/runs")
    csp = r.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "default-src 'none'" in csp
    assert r.headers["cache-control"] == "no-store"
    assert "<script" not in r.text
    assert client.get("/console/static/console.css").status_code == 200


def test_an_idle_session_expires_and_each_page_renews_it(
    client: TestClient, settings: Settings
) -> None:
    with freeze_time("2026-03-02 08:00:00") as clock:
        sign_in(client, settings, TENANT, "ann")
        clock.tick(7 * 3600)
        assert client.get("/console/runs").status_code == 200  # re-signed: 8 h from now
        clock.tick(7 * 3600)
        assert client.get("/console/runs").status_code == 200
        clock.tick(8 * 3600 + 1)
        assert client.get("/console/runs").status_code == 401
