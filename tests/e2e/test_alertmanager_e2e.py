"""Done-when for issue 7, against a real `bmad serve` (PostgreSQL + Redis), configured only
through the CLI, with Slack replaced by its local fake Web API:

- an Alertmanager sequence (firing, repeat, resolved) with the bearer token gives one
  incident run, one Slack thread, and the resolution in that thread;
- POST /api/v1/messages answers "what can you do" with a key and 401 without;
- the embedded outbox poller delivers the run's `run.started` event, signed, to an endpoint
  registered with `bmad webhooks endpoint-add`; `bmad webhooks test` reaches it too.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from standardwebhooks.webhooks import Webhook

from tests.e2e.slack_support import ROOT, ServeProcess, clean_env, slack_env
from tests.fakes.slack_api import FakeSlackAPI
from tests.polling import wait_until
from tests.unit.webhooks import payloads
from tests.unit.webhooks.receiver import Receiver

pytestmark = pytest.mark.slow
CHANNEL = "C0ALERTS9"


def bmad(env: dict[str, str], cwd: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env={**clean_env(), "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _value(output: str, label: str) -> str:
    return next(line.split(": ", 1)[1] for line in output.splitlines() if line.startswith(label))


@pytest.fixture
def stack(pg_url: str, redis_url: str, tmp_path: Path) -> Iterator[dict]:  # type: ignore[type-arg]
    tenant = f"T{uuid.uuid4().hex[:10].upper()}"
    with FakeSlackAPI() as slack, Receiver([200]) as receiver:
        env = slack_env(
            slack.api_url,
            pg_url,
            redis_url,
            BMAD_SECRET_KEY=Fernet.generate_key().decode(),
            BMAD_WEBHOOK_POLL_SECONDS="0.5",
            BMAD_WEBHOOK_ALLOW_PRIVATE="1",  # the receiver listens on 127.0.0.1
            BMAD_DATA_DIR=str(tmp_path / "data"),
        )
        bmad(env, tmp_path, "tenants", "create", tenant)
        out = bmad(
            env, tmp_path, "webhooks", "configure", "--tenant", tenant,
            "--source", "alertmanager", "--generate-token", "--channel", CHANNEL,
        )  # fmt: skip
        token = _value(out, "token")
        api_key = bmad(
            env, tmp_path, "apikeys", "create", "--tenant", tenant, "--user", "U1"
        ).strip()
        out = bmad(
            env, tmp_path, "webhooks", "endpoint-add", "--tenant", tenant,
            "--url", receiver.url, "--event", "run.started",
        )  # fmt: skip
        secret = _value(out, "secret")
        endpoint_id = _value(out, "endpoint")
        serve = ServeProcess(env, tmp_path)
        try:
            yield {
                "tenant": tenant,
                "token": token,
                "key": api_key,
                "slack": slack,
                "receiver": receiver,
                "secret": secret,
                "endpoint_id": endpoint_id,
                "serve": serve,
                "env": env,
                "cwd": tmp_path,
            }
        finally:
            serve.close()


def test_alertmanager_sequence_and_api(stack: dict) -> None:  # type: ignore[type-arg]
    base, tenant = stack["serve"].base_url, stack["tenant"]
    slack: FakeSlackAPI = stack["slack"]
    url = f"{base}/webhooks/alertmanager/{tenant}"
    auth = {"Authorization": f"Bearer {stack['token']}"}
    with httpx.Client(timeout=30) as http:
        assert http.post(url, json=payloads.alertmanager("firing")).status_code == 401
        first = http.post(url, json=payloads.alertmanager("firing", n=1), headers=auth)
        assert first.status_code == 200, stack["serve"].output()
        run_id = first.json()["run_id"]
        repeat = http.post(url, json=payloads.alertmanager("firing", n=3), headers=auth)
        assert repeat.json() == {"status": "updated", "run_id": run_id}
        resolved = http.post(url, json=payloads.alertmanager("resolved", n=3), headers=auth)
        assert resolved.json() == {"status": "resolved", "run_id": run_id}

        key = {"Authorization": f"Bearer {stack['key']}"}
        runs = http.get(f"{base}/api/v1/runs", headers=key).json()["runs"]
        assert [(r["id"], r["workflow"]) for r in runs] == [(run_id, "incident_response")]

        body = {"conversation_id": "e2e", "user": "U1", "text": "what can you do"}
        assert http.post(f"{base}/api/v1/messages", json=body).status_code == 401
        answer = http.post(f"{base}/api/v1/messages", json=body, headers=key)
        assert answer.status_code == 200
        assert answer.json()["intent"] == "help" and answer.json()["text"]

    posts = slack.calls_to("chat.postMessage", channel=CHANNEL)
    roots = [p for p in posts if not p.params.get("thread_ts")]
    assert len(roots) == 1, [p.params for p in posts]
    in_thread = [p for p in posts if p.params.get("thread_ts")]
    root_ts = in_thread[0].params["thread_ts"]
    assert {p.params["thread_ts"] for p in in_thread} == {root_ts}
    assert any("Resolved" in p.params["text"] for p in in_thread)

    receiver: Receiver = stack["receiver"]
    wait_until(  # the embedded poller delivered run.started
        lambda: len(receiver.requests) >= 1, 30, "the delivery of run.started", interval=0.1
    )
    delivered = receiver.requests[0]
    event = json.loads(delivered.body)
    assert event["type"] == "run.started" and event["data"]["run_id"] == run_id
    # Signed by the Standard Webhooks spec since issue 17 (webhook-id/-timestamp/-signature);
    # verify with the reference library as any receiver would (it also checks the timestamp).
    assert Webhook(stack["secret"]).verify(delivered.body, delivered.headers) == event
    out = bmad(
        stack["env"], stack["cwd"], "webhooks", "test", stack["endpoint_id"],
        "--tenant", tenant,
    )  # fmt: skip
    assert json.loads(out)["ok"] is True
    assert json.loads(receiver.requests[-1].body)["type"] == "webhook.test"
