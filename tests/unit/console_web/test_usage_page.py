"""Plan and usage in the console: figures from real runs, the per-day chart and per-agent
table, and Stripe Checkout / Portal through the real SDK against the local Stripe stand-in."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from agents.workflows.service import WorkflowService
from bot.app import create_app
from integrations.db.models import Role
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.fakes.stripe_api import FakeStripe
from tests.unit.console_web.support import give_role, sign_in

TENANT = "webu"


@pytest.fixture
def settings(embedded_settings: Settings) -> Settings:
    make_tenant(embedded_settings.database_url, TENANT)  # free plan: 20 runs a month
    give_role(embedded_settings, TENANT, "olga", Role.owner)
    give_role(embedded_settings, TENANT, "mia", Role.member)
    return embedded_settings


def _client(settings: Settings, user: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(settings))
    return client, sign_in(client, settings, TENANT, user)


def _story_runs(settings: Settings, n: int) -> None:
    service = WorkflowService(settings)
    ids = [
        service.start(
            tenant_id=TENANT,
            workflow="single_task",
            inputs={
                "agent": "product_owner",
                "task": "write_user_story",
                "feature": f"exporting invoices as PDF {i}",
                "request_text": f"a user story for exporting invoices as PDF, variant {i}",
            },
            conversation_key=f"{TENANT}:web:mia",
            user_id="mia",
        ).id
        for i in range(n)
    ]
    service.wait_settled(TENANT, ids, timeout=30)


def test_usage_shows_this_periods_runs_per_day_and_per_agent(settings: Settings) -> None:
    _story_runs(settings, 3)
    client, _ = _client(settings, "olga")
    page = client.get("/console/usage")
    assert page.status_code == 200
    summary = page.text.split('id="usage-summary"')[1].split("</table>")[0]
    assert re.search(r"<th>Runs</th><td>3 / 20</td>", summary), summary
    today = datetime.now(UTC).date().isoformat()
    runs_chart = page.text.split('id="runs-per-day"')[1].split("</svg>")[0]
    assert f"<title>{today}: 3</title>" in runs_chart
    assert runs_chart.count("<rect") == datetime.now(UTC).day  # one bar per day so far
    agents = page.text.split('id="usage-agents"')[1]
    assert re.search(r"<td>product_owner</td><td>3</td>", agents), agents


def test_members_do_not_see_usage_or_billing(settings: Settings) -> None:
    client, csrf = _client(settings, "mia")
    assert client.get("/console/usage").status_code == 403
    refused = client.post("/console/billing", data={"plan": "team", "csrf": csrf})
    assert refused.status_code == 403 and "admin" in refused.text  # a refusal, not a conflict


def test_checkout_and_portal_redirect_to_stripe(settings: Settings) -> None:
    with FakeStripe() as stripe_api:
        billed = settings.model_copy(
            update={
                "stripe_api_key": SecretStr("sk_test_x"),
                "stripe_api_base": stripe_api.base_url,
                "stripe_price_ids": {"team": "price_team"},
            }
        )
        client, csrf = _client(billed, "olga")
        page = client.get("/console/usage")
        assert 'id="checkout"' in page.text and 'id="portal"' in page.text
        checkout = client.post(
            "/console/billing",
            data={"plan": "team", "go": "checkout", "csrf": csrf},
            follow_redirects=False,
        )
        assert checkout.status_code == 303
        assert checkout.headers["location"] == stripe_api.checkout_sessions[-1]["url"]
        portal = client.post(
            "/console/billing",
            data={"plan": "team", "go": "portal", "csrf": csrf},
            follow_redirects=False,
        )
        assert portal.headers["location"] == stripe_api.portal_sessions[-1]["url"]
        unknown = client.post("/console/billing", data={"plan": "platinum", "csrf": csrf})
        assert unknown.status_code == 422 and "Unknown plan" in unknown.text  # bad input
        forged = client.post("/console/billing", data={"plan": "team", "csrf": "nope"})
        assert forged.status_code == 403
        assert len(stripe_api.checkout_sessions) == 2  # nothing more was asked of Stripe
        stripe_api.fail_next(500, times=10)  # Stripe is down: a retry later may work
        down = client.post("/console/billing", data={"plan": "team", "csrf": csrf})
        assert down.status_code == 503 and "scripted failure" not in down.text


def test_without_stripe_the_buttons_say_billing_is_not_set_up(settings: Settings) -> None:
    client, csrf = _client(settings, "olga")
    answer = client.post("/console/billing", data={"plan": "team", "csrf": csrf})
    assert answer.status_code == 409 and "not set up" in answer.text
