"""Link markup and mentions from users reach Slack inert; the bot's own markup stays live."""

from __future__ import annotations

import json
import time

from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.app import create_app
from bot.slack.texts import text
from conversations.replies import render
from integrations.settings import Settings
from integrations.webhooks_out.signing import sign
from tests.fakes.slack_api import FakeSlackAPI
from tests.polling import wait_until
from tests.unit.webhooks.conftest import GENERIC_SECRET, setup_tenant

PHISH = "<https://evil.example/login|Session expired>"


def test_phishing_link_in_a_request_is_inert_in_the_slack_post(
    embedded_settings: Settings, tenant_id: str
) -> None:
    with FakeSlackAPI() as slack:
        settings = embedded_settings.model_copy(
            update={"slack_bot_token": SecretStr("xoxb-inert"), "slack_api_url": slack.api_url}
        )
        setup_tenant(settings, tenant_id)
        client = TestClient(create_app(settings))
        body = json.dumps(
            {"text": f"write a user story for {PHISH} <@U0BOSS>", "channel": "C0INERT1"}
        ).encode()
        ts = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "X-BMAD-Timestamp": str(ts),
            "X-BMAD-Signature": sign(GENERIC_SECRET, ts, body),
        }
        r = client.post(f"/webhooks/generic/{tenant_id}", content=body, headers=headers)
        assert r.status_code == 200, r.text

        # Posts are queued (issue 15's dispatcher): wait until the reply quoting the request
        # went out, then check every message posted so far.
        def posted_with_the_quote() -> list[str]:
            posted = [c.params.get("text", "") for c in slack.calls_to("chat.postMessage")]
            return posted if any("evil.example" in m for m in posted) else []

        posted = wait_until(posted_with_the_quote, 10, "the reply quoting the request")
        assert posted, "the reply was posted"
        for message in posted:
            assert "<https://evil" not in message and "<@U0BOSS>" not in message
        assert any("evil.example" in m for m in posted), posted  # shown, as text


def test_templates_keep_their_own_markup_live() -> None:
    url = "https://github.com/o/r/pull/1?a=1&b=2"
    rendered = render(
        "webhooks/github_pull_request",
        "en",
        repo="o/r",
        number=1,
        title=PHISH,
        url=url,
    )
    assert "<https://github.com/o/r/pull/1?a=1&amp;b=2|" in rendered  # our link, live
    assert PHISH not in rendered and "&lt;https://evil.example/login|Session expired&gt;" in (
        rendered
    )
    asked = text("asked", "en", user="U1", text=PHISH)
    assert asked.startswith("<@U1>") and PHISH not in asked


def test_email_html_escapes_user_and_model_text() -> None:
    from integrations.email.templates import render_email

    evil = '<script>steal()</script><a href="https://evil.example/login">Session expired</a>'
    mail = render_email(
        "approval_request",
        "en",
        run_id=7,
        approval_role="admin",
        text=evil,
        thread_url="https://slack.example/t/1",
        title="Deploy <b>now</b>",
    )
    assert "<script>" not in mail.html and '<a href="https://evil' not in mail.html
    assert "&lt;script&gt;" in mail.html


def test_model_output_in_a_step_result_is_posted_inert(embedded_settings: Settings) -> None:
    from agents.notify import Notice
    from bot.slack.notifier import SlackNotifier

    with FakeSlackAPI() as slack:
        settings = embedded_settings.model_copy(
            update={"slack_bot_token": SecretStr("xoxb-inert"), "slack_api_url": slack.api_url}
        )
        output = f"Done. *Next*: log in again: {PHISH} and tell <@U0BOSS> & <!here>"
        SlackNotifier(settings).notify(
            Notice(
                tenant_id="T0INERT",
                conversation_key="T0INERT:slack:C0INERT1:1700000000.000100",
                run_id=1,
                kind="step_result",
                text=output,
                title="Step 1",
                agent="developer",
                step="build",
            )
        )
        (call,) = slack.wait_for("chat.postMessage", 1, timeout=10)  # queued (issue 15)
        posted = str(call.params)
    assert "<https://evil" not in posted and "<@U0BOSS>" not in posted
    assert "&lt;https://evil.example/login|Session expired&gt;" in posted
    assert "*Next*" in posted  # markdown from the model still formats
