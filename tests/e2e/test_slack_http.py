"""Slack over HTTP against a real `bmad serve` (PostgreSQL + Redis), the real slack_sdk and
Bolt, and the local fake Slack Web API. Requests are signed exactly as Slack signs them."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e.slack_support import ServeProcess, post_signed, slack_env, slack_turns
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

    def send(self, body: str, **kw: object) -> httpx.Response:
        return post_signed(self.http, self.serve.base_url, body, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def stack(pg_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir: Path = tmp_path_factory.mktemp("slack")
    with FakeSlackAPI() as fake:
        serve = ServeProcess(slack_env(fake.api_url, pg_url, redis_url), workdir)
        # The ack must come well inside Slack's 3 s: the client gives up after 3 s.
        http = httpx.Client(timeout=3.0)
        try:
            yield Stack(fake, serve, http, pg_url)
        finally:
            http.close()
            serve.close()


def ids() -> tuple[str, str, str]:
    """A fresh team (tenant), user and channel per test: no shared keys or rows."""
    tag = uuid.uuid4().hex[:8].upper()
    return f"T{tag}", f"U{tag}", f"C{tag}"


def answered_marker(stack: Stack, team: str, user: str, channel: str, *, dm: bool = False) -> str:
    """Send a question after the requests under test and wait for its reply; returns the
    thread it was answered in. Proof that those requests are done, instead of watching a
    quiet period: whatever they handed to the after-ack pool was taken before the marker,
    and the channel's replies go out in order (one FIFO lane per channel)."""
    thread = P.new_ts()
    if dm:
        event = P.message(user, channel, "what can you do?", channel_type="im", thread_ts=thread)
    else:
        event = P.app_mention(user, channel, "what can you do?", ts=thread)
    assert stack.send(P.event_callback(team, event)).status_code == 200

    def marker_replies() -> list[SlackCall]:
        calls = stack.fake.calls_to("chat.postMessage", channel=channel)
        return [c for c in calls if c.params.get("thread_ts") == thread]

    wait_until(marker_replies, 30, "the marker's reply")
    return thread


def threads_answered(stack: Stack, channel: str) -> list[str | None]:
    return [
        c.params.get("thread_ts") for c in stack.fake.calls_to("chat.postMessage", channel=channel)
    ]


def test_url_verification_echoes_the_challenge(stack: Stack) -> None:
    response = stack.send(P.url_verification("c-123"))
    assert response.status_code == 200
    assert response.json() == {"challenge": "c-123"}


def test_a_wrong_signature_gets_401_and_is_not_processed(stack: Stack) -> None:
    team, user, channel = ids()
    body = P.event_callback(team, P.app_mention(user, channel, "help"))
    response = stack.send(body, secret="not-the-signing-secret")
    assert response.status_code == 401
    assert response.json()  # a JSON body, no traceback
    marker = answered_marker(stack, team, user, channel)
    assert threads_answered(stack, channel) == [marker]


def test_an_old_timestamp_gets_401_and_is_not_processed(stack: Stack) -> None:
    team, user, channel = ids()
    body = P.event_callback(team, P.app_mention(user, channel, "help"))
    response = stack.send(body, timestamp=int(time.time()) - 6 * 60)
    assert response.status_code == 401
    marker = answered_marker(stack, team, user, channel)
    assert threads_answered(stack, channel) == [marker]


def test_slash_help_answers_ephemerally_in_the_ack(stack: Stack) -> None:
    team, user, channel = ids()
    response = stack.send(P.slash_command(team, user, channel, "help"), form=True)
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    assert "/bmad status" in answer["text"]


def test_mention_is_answered_in_its_thread(stack: Stack) -> None:
    team, user, channel = ids()
    event = P.app_mention(user, channel, "what can you do?")
    response = stack.send(P.event_callback(team, event))
    assert response.status_code == 200
    (reply,) = stack.fake.wait_for("chat.postMessage", 1, timeout=20, channel=channel)
    assert reply.params["thread_ts"] == event["ts"]
    assert reply.params["text"]
    assert reply.token == "xoxb-test-bot-token"


def test_slack_retries_produce_one_reply(stack: Stack) -> None:
    team, user, channel = ids()
    duplicates_before = slack_turns(stack.serve, "duplicate")
    body = P.event_callback(team, P.app_mention(user, channel, "hello"))
    for retry in (None, 1, 2):
        assert stack.send(body, retry_num=retry).status_code == 200
    stack.fake.wait_for("chat.postMessage", 1, timeout=20, channel=channel)

    # Done once each delivery was answered or turned away as a duplicate (no other test
    # here sends a duplicate); only then is the count of replies final.
    def replies() -> int:
        return len(stack.fake.calls_to("chat.postMessage", channel=channel))

    wait_until(
        lambda: replies() + slack_turns(stack.serve, "duplicate") - duplicates_before >= 3,
        30,
        "all three deliveries to be answered or recognised as duplicates",
    )
    assert replies() == 1


def test_dm_slot_question_and_answer_top_level_like_a_person(stack: Stack) -> None:
    team, user, _ = ids()
    dm = f"D{user[1:]}"
    first = P.message(user, dm, "write a user story", channel_type="im")
    assert stack.send(P.event_callback(team, first)).status_code == 200
    (question,) = stack.fake.wait_for("chat.postMessage", 1, timeout=20, channel=dm)
    assert "thread_ts" not in question.params  # a top-level DM gets a top-level answer
    answer = P.message(user, dm, "password reset", channel_type="im")
    assert stack.send(P.event_callback(team, answer)).status_code == 200
    replies = stack.fake.wait_for("chat.postMessage", 2, timeout=20, channel=dm)
    assert len(replies) >= 2
    assert "thread_ts" not in replies[1].params
    assert replies[1].params["text"] != question.params["text"]
    # A message the user writes in a thread is answered in that thread.
    threaded = P.message(user, dm, "what can you do?", channel_type="im", thread_ts=first["ts"])
    assert stack.send(P.event_callback(team, threaded)).status_code == 200

    def in_thread() -> list:  # type: ignore[type-arg]
        calls = stack.fake.calls_to("chat.postMessage", channel=dm)
        return [c for c in calls if c.params.get("thread_ts") == first["ts"]]

    wait_until(in_thread, 20, "the reply in the DM thread")


def test_a_thread_the_assistant_answered_in_continues_without_a_mention(stack: Stack) -> None:
    team, user, channel = ids()
    mention = P.app_mention(user, channel, "write a user story")
    assert stack.send(P.event_callback(team, mention)).status_code == 200
    stack.fake.wait_for("chat.postMessage", 1, timeout=30, channel=channel)
    follow_up = P.message(
        user, channel, "password reset", channel_type="channel", thread_ts=mention["ts"]
    )
    assert stack.send(P.event_callback(team, follow_up)).status_code == 200
    replies = stack.fake.wait_for("chat.postMessage", 2, timeout=30, channel=channel)
    assert len(replies) >= 2
    assert replies[1].params["thread_ts"] == mention["ts"]
    # A plain message in a thread the assistant never joined is not for it.
    other = P.message(user, channel, "lunch?", channel_type="channel", thread_ts="1.000001")
    before = len(stack.fake.calls_to("chat.postMessage", channel=channel))
    assert stack.send(P.event_callback(team, other)).status_code == 200
    marker = answered_marker(stack, team, user, channel)
    after = threads_answered(stack, channel)[before:]
    assert set(after) <= {mention["ts"], marker}, after


def test_edits_joins_and_bot_messages_are_ignored(stack: Stack) -> None:
    team, user, _ = ids()
    dm = f"D{user[1:]}"
    for event in (
        P.message(user, dm, "edited", subtype="message_changed"),
        P.message(user, dm, "joined", subtype="channel_join"),
        P.message(user, dm, "from a bot", subtype="bot_message", bot_id="B999"),
    ):
        assert stack.send(P.event_callback(team, event)).status_code == 200
    marker = answered_marker(stack, team, user, dm, dm=True)
    assert threads_answered(stack, dm) == [marker]


def test_rate_limited_reply_is_retried_after_retry_after(stack: Stack) -> None:
    team, user, channel = ids()
    stack.fake.rate_limit("chat.postMessage", times=1, retry_after=1, channel=channel)
    assert stack.send(P.event_callback(team, P.app_mention(user, channel, "hi"))).status_code == 200
    stack.fake.wait_for("chat.postMessage", 1, timeout=20, channel=channel)
    attempts = stack.fake.calls_to("chat.postMessage", answered_ok=False, channel=channel)
    assert [a.status for a in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.9


def test_slash_subcommands_answer_ephemerally_through_response_url(stack: Stack) -> None:
    team, user, channel = ids()
    url = stack.fake.response_url(team)
    for command in ("runs", "agents"):
        body = P.slash_command(team, user, channel, command, response_url=url)
        assert stack.send(body, form=True).status_code == 200
    answers = stack.fake.wait_for("response_url", 2, timeout=20)
    texts = sorted(a.params["text"] for a in answers if a.params["url"].endswith(team))
    assert any("No workflow runs yet" in t for t in texts)
    assert any("crew" in t for t in texts)
    assert all(a.params["response_type"] == "ephemeral" for a in answers)


def test_app_home_is_published(stack: Stack) -> None:
    team, user, _ = ids()
    assert stack.send(P.event_callback(team, P.app_home_opened(user))).status_code == 200
    published = stack.fake.wait_for("views.publish", 1, timeout=20)
    mine = [c for c in published if c.params.get("user_id") == user]
    assert mine, published
    view = mine[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "home"
    shown = json.dumps(view["blocks"])
    for part in ("Recent runs", "Waiting for your approval", "Usage", "No workflow runs yet"):
        assert part in shown


def _click(stack: Stack, team: str, user: str, channel: str, call: object, action_id: str) -> None:
    message = P.posted_message(call.params, call.response["ts"])  # type: ignore[attr-defined]
    action = P.button_action(P.actions_block(message, action_id), action_id)
    body = P.block_actions(team, user, channel, message, action)
    assert stack.send(body, form=True).status_code == 200


def _with_button(calls: list, action_id: str) -> list:  # type: ignore[type-arg]
    return [c for c in calls if action_id in json.dumps(c.params.get("blocks") or [])]


def test_approval_button_refused_for_a_member_then_approved_by_an_admin(stack: Stack) -> None:
    from integrations.db.models import Role
    from integrations.db.session import tenant_session
    from integrations.db.tenants import set_role
    from tests.conftest import make_tenant

    team, requester, channel = ids()
    admin, member = f"UA{team[1:]}", f"UM{team[1:]}"
    make_tenant(stack.database_url, team)
    with tenant_session(stack.database_url, team) as session:
        set_role(session, team, admin, Role.admin)
        set_role(session, team, member, Role.member)
        set_role(session, team, requester, Role.member)

    mention = P.app_mention(requester, channel, "deploy checkout to production")
    assert stack.send(P.event_callback(team, mention)).status_code == 200
    (question,) = stack.fake.wait_for("chat.postMessage", 1, timeout=30, channel=channel)
    assert question.params["thread_ts"] == mention["ts"]
    _click(stack, team, requester, channel, question, "bmad_confirm_yes")
    (answered,) = stack.fake.wait_for("chat.update", 1, timeout=20, channel=channel)
    assert f"<@{requester}>" in json.dumps(answered.params["blocks"])

    def approval_requests() -> list:  # type: ignore[type-arg]
        calls = stack.fake.calls_to("chat.postMessage", channel=channel)
        return _with_button(calls, "bmad_approve")

    wait_until(approval_requests, 30, "the approval request")
    (request,) = approval_requests()
    assert request.params["thread_ts"] == mention["ts"]  # in the run's thread

    _click(stack, team, member, channel, request, "bmad_approve")
    (refusal,) = stack.fake.wait_for("chat.postEphemeral", 1, timeout=20, channel=channel)
    assert refusal.params["user"] == member
    assert "admin" in refusal.params["text"]
    updates = stack.fake.calls_to("chat.update", channel=channel)
    assert [u.params["ts"] for u in updates] == [question.response["ts"]]  # request untouched

    _click(stack, team, admin, channel, request, "bmad_approve")
    updates = stack.fake.wait_for("chat.update", 2, timeout=20, channel=channel)
    decided = updates[1].params
    assert decided["ts"] == request.response["ts"]
    blocks = decided["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert all(b["type"] != "actions" for b in blocks)  # no second decision possible
    assert f"Approved by <@{admin}>" in json.dumps(blocks)
