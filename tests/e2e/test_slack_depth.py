"""Issue 15 against a real `bmad serve` and the Slack stand-in: never silent (response_url),
fair pacing, interactions that belong to people, approvals with context, DMs with files,
commands as a workspace's first action."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.e2e.slack_support import ServeProcess, post_signed, slack_env
from tests.fakes import slack_payloads as P
from tests.fakes.slack_api import FakeSlackAPI, SlackCall
from tests.polling import wait_until

pytestmark = pytest.mark.slow


@dataclass
class Stack:
    fake: FakeSlackAPI
    serve: ServeProcess
    http: httpx.Client
    database_url: str
    serve_redis: str

    def send(self, body: str, **kw: Any) -> None:
        assert post_signed(self.http, self.serve.base_url, body, **kw).status_code == 200

    def command(self, team: str, user: str, channel: str, text: str, url: str) -> None:
        self.send(P.slash_command(team, user, channel, text, response_url=url), form=True)

    def click(self, team: str, user: str, channel: str, call: SlackCall, action_id: str) -> None:
        message = P.posted_message(call.params, call.response["ts"])
        action = P.button_action(P.actions_block(message, action_id), action_id)
        self.send(P.block_actions(team, user, channel, message, action), form=True)


@pytest.fixture(scope="module")
def stack(pg_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with FakeSlackAPI() as fake:
        serve = ServeProcess(
            slack_env(fake.api_url, pg_url, redis_url), tmp_path_factory.mktemp("s")
        )
        http = httpx.Client(timeout=3.0)
        try:
            yield Stack(fake, serve, http, pg_url, redis_url)
        finally:
            http.close()
            serve.close()


def ids() -> tuple[str, str, str]:
    tag = uuid.uuid4().hex[:8].upper()
    return f"T{tag}", f"U{tag}", f"C{tag}"


def responses(fake: FakeSlackAPI, url: str) -> list[SlackCall]:
    path = url.split(fake.base_url, 1)[1]
    return [c for c in fake.calls_to("response_url") if c.params["url"] == path]


def blocks_of(call: SlackCall) -> list[dict[str, Any]]:
    blocks = call.params.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def test_channel_without_the_bot_is_answered_through_response_url(stack: Stack) -> None:
    team, user, channel = ids()
    stack.fake.refuse_channel(channel)
    url = stack.fake.response_url()
    stack.command(team, user, channel, "agents", url)
    stack.command(team, user, channel, "what can you do?", url)
    answers = wait_until(
        lambda: [a for a in responses(stack.fake, url) if "crew" in a.params["text"]],
        30,
        "the answer listing the crew",
    )
    assert answers and answers[0].params["response_type"] == "ephemeral"
    replies = wait_until(  # where, then the answer itself
        lambda: responses(stack.fake, url)[2:], 30, "a third response_url answer"
    )
    texts = [a.params["text"] for a in responses(stack.fake, url)]
    assert replies and any("not a member" in t for t in texts), texts
    assert stack.fake.calls_to("chat.postMessage", channel=channel) == []


def test_a_burst_in_one_channel_does_not_delay_a_dm(stack: Stack) -> None:
    team, user, busy = ids()
    for i in range(30):
        stack.send(P.event_callback(team, P.app_mention(user, busy, f"what can you do? {i}")))
    dm = f"D{user[1:]}"
    stack.send(P.event_callback(team, P.message(user, dm, "what can you do?")))
    (dm_reply,) = stack.fake.wait_for("chat.postMessage", 1, timeout=20, channel=dm)
    burst = stack.fake.calls_to("chat.postMessage", channel=busy)
    # One post per second in the busy channel; the DM did not queue behind them.
    assert len([c for c in burst if c.at <= dm_reply.at]) < 10
    later = stack.fake.wait_for("chat.postMessage", 3, timeout=20, channel=busy)
    # Paced at about one per second: slots are reserved a second apart, so one late send
    # shortens the next gap but never the pace over several posts.
    assert later[-1].at - later[0].at >= 0.9 * (len(later) - 1)


def test_retry_after_pauses_only_that_channel(stack: Stack) -> None:
    team, user, limited = ids()
    other = f"C{uuid.uuid4().hex[:8].upper()}"
    stack.fake.rate_limit("chat.postMessage", times=1, retry_after=3, channel=limited)
    stack.send(P.event_callback(team, P.app_mention(user, limited, "what can you do?")))
    (refused,) = wait_until(
        lambda: stack.fake.calls_to("chat.postMessage", answered_ok=False, channel=limited),
        30,
        "the refused post",
    )
    stack.send(P.event_callback(team, P.app_mention(user, other, "what can you do?")))
    url = stack.fake.response_url()
    stack.command(team, user, limited, "what can you do?", url)  # its anchor waits too
    (elsewhere,) = stack.fake.wait_for("chat.postMessage", 1, timeout=20, channel=other)
    retried = stack.fake.wait_for("chat.postMessage", 1, timeout=20, channel=limited)[0]
    assert refused.status == 429
    assert elsewhere.at < retried.at  # the other channel went out during the pause
    assert retried.at - refused.at >= 2.9
    attempts = stack.fake.calls_to("chat.postMessage", answered_ok=False, channel=limited)
    assert [a for a in attempts if refused.at < a.at < retried.at] == []
    answered = wait_until(lambda: responses(stack.fake, url), 30, "the command's answer")
    assert any("slow down" in a.params["text"] for a in answered)


def _deploy_waiting_for_approval(stack: Stack) -> tuple[str, str, str, str, SlackCall]:
    from integrations.db.models import Role
    from integrations.db.session import tenant_session
    from integrations.db.tenants import set_role
    from tests.conftest import make_tenant

    team, requester, channel = ids()
    admin, other = f"UA{team[1:]}", f"UO{team[1:]}"
    make_tenant(stack.database_url, team)
    with tenant_session(stack.database_url, team) as session:
        set_role(session, team, admin, Role.admin)
        set_role(session, team, requester, Role.member)
    mention = P.app_mention(requester, channel, "deploy checkout to production")
    stack.send(P.event_callback(team, mention))
    (question,) = stack.fake.wait_for("chat.postMessage", 1, timeout=30, channel=channel)

    # Someone else's Yes changes nothing and tells them why.
    stack.click(team, other, channel, question, "bmad_confirm_yes")
    (refusal,) = stack.fake.wait_for("chat.postEphemeral", 1, timeout=20, channel=channel)
    assert refusal.params["user"] == other and f"<@{requester}>" in refusal.params["text"]
    assert stack.fake.calls_to("chat.update", channel=channel) == []
    # The requester's works.
    stack.click(team, requester, channel, question, "bmad_confirm_yes")
    stack.fake.wait_for("chat.update", 1, timeout=20, channel=channel)
    requests = wait_until(
        lambda: [
            c
            for c in stack.fake.calls_to("chat.postMessage", channel=channel)
            if "bmad_approve" in json.dumps(blocks_of(c))
        ],
        30,
        "the approval request",
    )
    assert len(requests) == 1
    return team, requester, admin, channel, requests[0]


def test_confirmation_and_approval_belong_to_people(stack: Stack) -> None:
    team, requester, admin, channel, request = _deploy_waiting_for_approval(stack)
    shown = json.dumps(blocks_of(request))
    for part in ("checkout", "production", f"<@{requester}>", "<!date^"):
        assert part in shown, part
    approve = P.actions_block(P.posted_message(request.params, "1"), "bmad_approve")
    assert approve["elements"][0]["confirm"]  # production: Slack asks "are you sure?"
    # The eligible approver got a DM about it.
    dms = stack.fake.wait_for("chat.postMessage", 1, timeout=20, channel=admin)
    assert "checkout" in dms[0].params["text"]

    run_id = approve["elements"][0]["value"]
    url = stack.fake.response_url()
    stack.command(team, admin, channel, f"approve {run_id}", url)

    def request_updated() -> list[SlackCall]:
        calls = stack.fake.calls_to("chat.update", channel=channel)
        return [c for c in calls if c.params["ts"] == request.response["ts"]]

    (updated,) = wait_until(request_updated, 30, "the approval request's update")
    decided = blocks_of(updated)
    assert all(b["type"] != "actions" for b in decided)  # buttons gone
    assert f"Approved by <@{admin}>" in json.dumps(decided)
    wait_until(lambda: responses(stack.fake, url), 30, "/bmad's answer to the admin")


def test_dm_with_a_python_file_is_reviewed(stack: Stack) -> None:
    team, user, _ = ids()
    dm = f"D{user[1:]}"
    code = "def total(items):\n    return eval('+'.join(items))\n"
    shared = stack.fake.add_file("totals.py", code, filetype="python", mimetype="text/x-python")
    image = stack.fake.add_file("screen.png", b"\x89PNG....", filetype="png", mimetype="image/png")
    stack.send(P.event_callback(team, P.file_share(user, dm, "review this", [shared, image])))
    replies = stack.fake.wait_for("chat.postMessage", 2, timeout=30, channel=dm)
    texts = " ".join(r.params["text"] for r in replies)
    assert "screen.png" in texts  # not a text file: told so, clearly
    assert "eval('+'.join(items))" in texts  # the request is the file's review

    def reviews() -> list[SlackCall]:
        calls = stack.fake.calls_to("chat.postMessage", channel=dm)
        return [c for c in calls if c.params.get("blocks") and "eval(" in json.dumps(blocks_of(c))]

    wait_until(reviews, 30, "the file's review")  # the reviewer's output is about that file
    (download,) = stack.fake.calls_to("file_download")
    assert download.token == "xoxb-test-bot-token"


def test_export_is_a_fresh_workspace_first_action_and_help_lists_it(stack: Stack) -> None:
    team, user, channel = ids()
    url = stack.fake.response_url()
    stack.command(team, user, channel, "export", url)
    (answer,) = wait_until(lambda: responses(stack.fake, url), 30, "the command's answer")
    assert "direct message" in answer.params["text"], answer.params["text"]
    body = P.slash_command(team, user, channel, "help")
    shown = post_signed(stack.http, stack.serve.base_url, body, form=True).json()["text"]
    for name in ("billing", "role", "export", "approve", "usage"):
        assert f"/bmad {name}" in shown


def test_a_cli_decision_updates_the_slack_request_too(stack: Stack) -> None:
    import subprocess
    import sys

    from tests.e2e.slack_support import ROOT, clean_env

    team, _requester, admin, channel, request = _deploy_waiting_for_approval(stack)
    approve = P.actions_block(P.posted_message(request.params, "1"), "bmad_approve")
    run_id = approve["elements"][0]["value"]
    env = {
        **clean_env(),
        "PYTHONPATH": str(ROOT),
        **slack_env(stack.fake.api_url, stack.database_url, stack.serve_redis),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "runs",
            "reject",
            run_id,
            "--user",
            admin,
            "--tenant",
            team,
            "--reason",
            "not during the freeze <!channel>",
        ],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    updates = [
        c
        for c in stack.fake.calls_to("chat.update", channel=channel)
        if c.params["ts"] == request.response["ts"]
    ]
    assert updates, "the CLI exited without updating the request message"
    shown = json.dumps(blocks_of(updates[-1]))
    assert f"Rejected by <@{admin}>" in shown
    # the approver's words, escaped: no mention of the whole channel
    assert "Reason: not during the freeze &lt;!channel&gt;" in shown, shown


def test_results_of_a_run_asked_where_the_bot_is_not_go_to_a_dm(stack: Stack) -> None:
    team, user, channel = ids()
    stack.fake.refuse_channel(channel)
    url = stack.fake.response_url()
    stack.command(team, user, channel, "write a user story for password reset", url)
    (result,) = stack.fake.wait_for("chat.postMessage", 1, timeout=60, channel=user)
    assert result.params.get("blocks")  # the agent's output, in the app's DM with the user
    assert stack.fake.calls_to("chat.postMessage", channel=channel) == []


def test_a_question_asked_through_response_url_can_be_answered(stack: Stack) -> None:
    from urllib.parse import urlencode

    team, user, channel = ids()
    stack.fake.refuse_channel(channel)
    url = stack.fake.response_url()
    stack.command(team, user, channel, "deploy checkout to production", url)
    (question,) = wait_until(
        lambda: [
            a for a in responses(stack.fake, url) if "bmad_confirm_yes" in json.dumps(a.params)
        ],
        30,
        "the question with its Yes button",
    )
    action = P.button_action(
        P.actions_block(question.params, "bmad_confirm_yes"), "bmad_confirm_yes"
    )
    click_url = stack.fake.response_url()
    payload = {  # a click in an ephemeral message: Slack sends no `message`
        "type": "block_actions",
        "user": {"id": user},
        "team": {"id": team},
        "api_app_id": P.APP_ID,
        "token": "legacy-token",
        "channel": {"id": channel, "name": "private"},
        "container": {"type": "message", "message_ts": "1.2", "is_ephemeral": True},
        "response_url": click_url,
        "trigger_id": "1.2.3",
        "actions": [{**action, "action_ts": P.new_ts()}],
    }
    stack.send(urlencode({"payload": json.dumps(payload)}), form=True)
    answers = wait_until(  # answered, then the reply
        lambda: responses(stack.fake, click_url)[1:], 30, "the reply after the click's answer"
    )
    first = responses(stack.fake, click_url)[0].params
    assert first["replace_original"] is True and f"<@{user}>" in first["text"]
    assert answers and stack.fake.calls_to("chat.postMessage", channel=channel) == []
