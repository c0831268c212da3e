"""The real slack_sdk WebClient against the local fake Slack API, through the outbound
lanes and this process's dispatcher: Retry-After on 429, long outputs uploaded as a file
(files_upload_v2) after a short Block Kit message, broadcast markup defused."""

import uuid

import pytest
from pydantic import SecretStr

from bot.slack.posting import post_output
from integrations.settings import Settings
from integrations.slack.outbound import MAX_INLINE_CHARS, SlackOutbound, slack_outbound
from tests.fakes.slack_api import FakeSlackAPI


@pytest.fixture
def slack():  # type: ignore[no-untyped-def]
    with FakeSlackAPI() as server:
        yield server


def _outbound(slack: FakeSlackAPI) -> SlackOutbound:
    settings = Settings(
        slack_api_url=slack.api_url, slack_bot_token=SecretStr("xoxb-1"), _env_file=None
    )
    return slack_outbound(settings, f"t{uuid.uuid4().hex[:8]}", "xoxb-1")


def test_rate_limited_post_is_retried_after_retry_after(slack: FakeSlackAPI) -> None:
    slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    _outbound(slack).send("C1", "hello", thread_ts="1.1")
    slack.wait_for("chat.postMessage", 1, timeout=10)
    attempts = slack.calls_to("chat.postMessage", answered_ok=False)
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.9  # waited for Retry-After
    assert attempts[1].params["thread_ts"] == "1.1"
    assert attempts[1].token == "xoxb-1"


def test_a_synchronous_post_returns_the_ts(slack: FakeSlackAPI) -> None:
    ts = _outbound(slack).post("C1", "anchor")
    (call,) = slack.calls_to("chat.postMessage")
    assert call.response["ts"] == ts


def test_long_output_goes_up_as_a_file_with_a_summary(slack: FakeSlackAPI) -> None:
    body = "line of output\n" * (MAX_INLINE_CHARS // 10)
    post_output(_outbound(slack), "C9", "5.5", body, lang="en", title="Plan", agent="Architect")
    (message,) = slack.wait_for("chat.postMessage", 1, timeout=10)
    blocks = message.params["blocks"]
    assert blocks[0]["type"] == "header"
    assert str(len(body)) in blocks[1]["text"]["text"]  # the summary, not the body
    assert "Architect" in blocks[-1]["elements"][0]["text"]
    (complete,) = slack.wait_for("files.completeUploadExternal", 1, timeout=10)
    assert complete.params["thread_ts"] == "5.5" and complete.params["channel_id"] == "C9"
    assert complete.at >= message.at  # the file follows its message
    (upload,) = slack.calls_to("upload")
    assert slack.uploads[upload.params["file_id"]].decode() == body


def test_short_output_is_inline_block_kit(slack: FakeSlackAPI) -> None:
    post_output(_outbound(slack), "C2", None, "done", lang="nl", agent="QA", step="plan", tokens=42)
    (message,) = slack.wait_for("chat.postMessage", 1, timeout=10)
    assert message.params["blocks"][0]["text"]["text"] == "done"
    assert message.params["blocks"][-1]["elements"][0]["text"] == "QA · plan · 42 tokens"
    assert slack.calls_to("files.completeUploadExternal") == []


def test_offline_output_does_not_say_zero_tokens(slack: FakeSlackAPI) -> None:
    post_output(_outbound(slack), "C4", None, "done", lang="en", agent="QA", step="plan", tokens=0)
    (message,) = slack.wait_for("chat.postMessage", 1, timeout=10)
    assert message.params["blocks"][-1]["elements"][0]["text"] == "QA · plan"


def test_user_text_cannot_make_the_bot_broadcast(slack: FakeSlackAPI) -> None:
    quoted = "<@U1> asked: deploy <!channel> and <!here|@here> <!subteam^S1|@ops> <@U2>"
    post_output(_outbound(slack), "C3", "1.1", quoted, lang="en")
    (message,) = slack.wait_for("chat.postMessage", 1, timeout=10)
    sent = str(message.params["text"]) + str(message.params["blocks"])
    assert "<!" not in sent
    assert "@channel" in sent and "@here" in sent and "@ops" in sent
    assert "<@U1>" in sent and "<@U2>" in sent  # naming a person is not a broadcast
