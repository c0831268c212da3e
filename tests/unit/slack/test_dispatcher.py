"""What a refused outbound call becomes: the answer still reaches the user (response_url,
else their DM), a revoked token is reloaded once (never a retry loop)."""

import json
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from integrations.settings import Settings
from integrations.slack.dispatcher import RELEASE_RETRY_SECONDS, dispatcher_for
from integrations.slack.lanes import LEASE_MS
from integrations.slack.outbound import slack_outbound
from tests.fakes.slack_api import FakeSlackAPI
from tests.own_services import OwnRedis
from tests.polling import wait_until


def _settings(slack: FakeSlackAPI, token: str = "xoxb-1") -> Settings:
    return Settings(slack_api_url=slack.api_url, slack_bot_token=SecretStr(token), _env_file=None)


def _team() -> str:
    return f"T{uuid.uuid4().hex[:8]}"


def test_a_channel_without_the_bot_falls_back_to_response_url() -> None:
    with FakeSlackAPI() as slack:
        slack.refuse_channel("CPRIV")
        out = slack_outbound(_settings(slack), _team(), "xoxb-1")
        out.send("CPRIV", "your answer", fallback_url=slack.response_url("r1"), fallback_user="U1")
        (answer,) = slack.wait_for("response_url", 1, timeout=10)
    assert answer.params["text"] == "your answer"
    assert answer.params["response_type"] == "ephemeral"


def test_without_a_response_url_the_answer_goes_to_the_users_dm() -> None:
    with FakeSlackAPI() as slack:
        slack.refuse_channel("CGONE", "channel_not_found")
        out = slack_outbound(_settings(slack), _team(), "xoxb-1")
        out.send("CGONE", "your answer", fallback_user="U7")
        (dm,) = slack.wait_for("chat.postMessage", 1, timeout=10, channel="U7")
    assert dm.params["text"] == "your answer"


def test_a_revoked_token_is_reloaded_once_not_retried_forever() -> None:
    with FakeSlackAPI() as slack:
        slack.revoke("xoxb-old")
        out = slack_outbound(_settings(slack, "xoxb-old"), _team(), "xoxb-old")
        # With an idempotency key too: the dispatcher's own retry is the same job, not a
        # second enqueue to drop (a reinstall was never answered when it was dropped).
        out.send("C1", "hello", once="Ev1:reply:message")

        def sent(text: str) -> list:  # type: ignore[type-arg]
            calls = slack.calls_to("chat.postMessage", answered_ok=False, channel="C1")
            return [c for c in calls if c.params["text"] == text]

        wait_until(lambda: len(sent("hello")) >= 2, 10, "two tries of hello")
        # A marker behind it on the same (FIFO) lane: once it was tried, any third attempt
        # of "hello" would have been tried before it.
        out.send("C1", "marker")
        wait_until(lambda: len(sent("marker")) >= 2, 10, "two tries of the marker")  # reloaded
        assert [a.response.get("error") for a in sent("hello")] == ["token_revoked"] * 2


def test_an_expired_response_url_ends_in_the_users_dm() -> None:
    with FakeSlackAPI() as slack:
        url = slack.response_url("old")
        slack.expire_response_url(url)
        out = slack_outbound(_settings(slack), _team(), "xoxb-1")
        out.respond(url, "your late answer", fallback_user="U9")
        (dm,) = slack.wait_for("chat.postMessage", 1, timeout=10, channel="U9")
    assert dm.params["text"] == "your late answer"


def test_exit_flush_with_redis_gone_does_not_raise() -> None:
    """Defect: a process exiting while Redis was down printed a traceback from the atexit
    flush (what is queued is in Redis anyway; there is nothing to send it from)."""
    from integrations.slack.dispatcher import Dispatcher
    from tests.e2e.test_serve_smoke import free_port

    settings = Settings(redis_url=f"redis://127.0.0.1:{free_port()}/0", _env_file=None)
    dispatcher = Dispatcher(settings)
    dispatcher.ensure_running()
    try:
        dispatcher.flush(timeout=1.0)  # raised redis.ConnectionError
    finally:
        dispatcher.stop()
    dispatcher.flush(timeout=1.0)  # a stopped dispatcher has nothing to flush


def test_a_post_sent_as_redis_goes_down_is_released_not_sent_again(tmp_path: Path) -> None:
    """Defect (fault test, issue 13): Slack took the message, then Redis went away before
    the dispatcher released the job's lease; the failed release was only logged, so when
    Redis came back (AOF keeps the lease) the job was reaped and posted a second time.
    The release is now retried through the outage: the lease goes, nothing is re-sent."""
    with OwnRedis(tmp_path) as redis_server, FakeSlackAPI() as slack:
        restarted = threading.Event()

        def post_then_outage(params: dict[str, Any]) -> dict[str, Any]:
            redis_server.stop()  # Slack has the message; Redis is gone before the release

            def back() -> None:
                time.sleep(1.0)  # the outage itself, not a synchronisation
                redis_server.start()
                restarted.set()

            threading.Thread(target=back, daemon=True).start()
            return {"ok": True, "channel": params.get("channel"), "ts": "1.000001"}

        slack.responders["chat.postMessage"] = post_then_outage
        settings = _settings(slack).model_copy(update={"redis_url": redis_server.url})
        dispatcher = dispatcher_for(settings)
        client = redis_server.client()
        try:
            out = slack_outbound(settings, _team(), "xoxb-1")
            out.send("C1", "sent once")
            wait_until(restarted.is_set, 15, "Redis to come back")
            wait_until(
                lambda: client.zcard(dispatcher.lanes.inflight_key) == 0,
                20,
                "the sent job's lease to be released once Redis is back",
            )
            assert dispatcher.lanes.reap() == 0  # nothing left to send again
            assert RELEASE_RETRY_SECONDS < LEASE_MS / 1000  # released before anyone could reap
            assert len(slack.calls_to("chat.postMessage")) == 1
        finally:
            dispatcher.stop()  # before its Redis goes
            client.close()


def test_a_queued_post_is_not_reported_failed_by_what_comes_after_the_enqueue(
    tmp_path: Path,
) -> None:
    """Defect (fault test, issue 13: one reply posted twice): `submit` enqueued the job and
    then read the lane's depth for a metric; when Redis went away between the two, submit
    raised although the job was queued, the turn's reply post was retried and the reply
    went out twice. Here Redis refuses that read (an ACL without LLEN; the dispatcher's
    claim needs it too, so nothing is sent): submit returns and the job is on its lane."""
    with OwnRedis(tmp_path) as redis_server, FakeSlackAPI() as slack:
        admin = redis_server.client()
        admin.execute_command("ACL", "SETUSER", "poster", "on", ">pw", "~*", "&*", "+@all", "-llen")
        url = f"redis://poster:pw@127.0.0.1:{redis_server.port}/0"
        settings = _settings(slack).model_copy(update={"redis_url": url})
        dispatcher = dispatcher_for(settings)
        try:
            out = slack_outbound(settings, _team(), "xoxb-1")
            out.send("C1", "queued once")  # raised NoPermissionError from the depth metric
            # On its lane - or leased: the dispatcher's claim script pops the job before
            # its LLEN is refused (a failing script keeps the writes it made), and the
            # lease takes it back later. Either way it is queued exactly once.
            (lane,) = admin.keys("bmad:*:slack:lane:post:C1")
            queued = [json.loads(j)["params"]["text"] for j in admin.lrange(lane, 0, -1)]
            for inflight in admin.keys("bmad:*:slack:lanes:inflight*"):
                leased = admin.zrange(inflight, 0, -1)
                queued += [json.loads(e.split(b"#", 1)[1])["params"]["text"] for e in leased]
            assert queued == ["queued once"]
        finally:
            dispatcher.stop()
            admin.close()


def test_a_reply_queued_again_after_an_outage_is_sent_once() -> None:
    """A turn's reply post is retried when Redis fails mid-way (a long reply is a message
    and a file: the message may be queued before the file's enqueue fails). The retry
    queues the same jobs under the same keys, and a key queued once is not queued again."""
    with FakeSlackAPI() as slack:
        out = slack_outbound(_settings(slack), _team(), "xoxb-1")
        for _ in range(2):  # the post, then its retry
            out.send("C1", "the answer", once="Ev1:reply:0")
            out.upload_text("C1", "the long part", filename="a.md", title="A", once="Ev1:reply:1")
        out.send("C1", "marker")  # same lane, FIFO: once it is out, the rest is too
        wait_until(
            lambda: any(c.params["text"] == "marker" for c in slack.calls_to("chat.postMessage")),
            15,
            "the marker",
        )
        texts = [c.params["text"] for c in slack.calls_to("chat.postMessage")]
        completes = slack.calls_to("files.completeUploadExternal")
    assert texts == ["the answer", "marker"]
    assert len(completes) == 1


def test_a_tests_own_redis_takes_its_dispatchers_with_it(tmp_path: Path) -> None:
    """Defect (CI, stop 24): an app built on a test's own Redis started a dispatcher that
    outlived the Redis; it logged a claim failure every 2 s for the rest of the session,
    and one line landed in another test's captured CLI output. Leaving `OwnRedis` stops
    the dispatchers on it."""
    with OwnRedis(tmp_path) as redis_server, FakeSlackAPI() as slack:
        settings = _settings(slack).model_copy(update={"redis_url": redis_server.url})
        dispatcher = dispatcher_for(settings)
        dispatcher.ensure_running()
        assert dispatcher.running
    wait_until(lambda: not dispatcher.running, 10, "the dispatcher to stop")
