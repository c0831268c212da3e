"""Issue 7's done-when against a REAL Prometheus Alertmanager (not payloads we wrote).

`prometheus-alertmanager` runs as a subprocess with a webhook receiver pointing at a real
`bmad serve` (PostgreSQL + Redis, Slack replaced by its local fake Web API), bearer token
set through `http_config.authorization`. Alerts go in through Alertmanager's own API, so
the grouping, `groupKey`, payload shape, auth header and resolved notifications are what
Alertmanager really sends:

- one firing alert group gives one `incident_response` run and one Slack thread;
- the same alert posted again plus a sibling in the same group makes Alertmanager notify
  the group again: bmad posts an update in that thread, no second run or thread;
- resolving the alerts posts the resolution in the same thread.

Skipped when the binary is absent, failed instead when BMAD_REQUIRE_SERVICES=1 (.ci/run
installs it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from tests.e2e.slack_support import ServeProcess, free_port, slack_env
from tests.e2e.test_alertmanager_e2e import _value, bmad
from tests.fakes.slack_api import FakeSlackAPI, SlackCall
from tests.polling import wait_until
from tests.services import unavailable

pytestmark = [pytest.mark.slow, pytest.mark.integration]
CHANNEL = "C0AMREAL1"
BINARY = "prometheus-alertmanager"
TIMEOUT = 60.0


@dataclass
class Alertmanager:
    """A real Alertmanager process on a free port; its output kept in a file."""

    proc: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        answer = httpx.post(f"{self.base_url}/api/v2/alerts", json=alerts, timeout=10)
        assert answer.status_code == 200, answer.text


@pytest.fixture
def alertmanager_binary() -> str:
    """The binary's path; requested first so nothing is started when it is missing."""
    binary = shutil.which(BINARY)
    if binary is None:
        unavailable("alertmanager", FileNotFoundError(f"{BINARY} not on PATH"))
    return str(binary)


def start_alertmanager(binary: str, tmp_path: Path, webhook_url: str, token: str) -> Alertmanager:
    config = {
        "route": {
            "receiver": "bmad",
            "group_by": ["alertname"],
            "group_wait": "1s",
            "group_interval": "2s",
            "repeat_interval": "1h",
        },
        "receivers": [
            {
                "name": "bmad",
                "webhook_configs": [
                    {
                        "url": webhook_url,
                        "send_resolved": True,
                        "http_config": {"authorization": {"type": "Bearer", "credentials": token}},
                    }
                ],
            }
        ],
    }
    config_path = tmp_path / "alertmanager.yml"
    config_path.write_text(json.dumps(config))  # JSON is YAML
    port = free_port()
    log_path = tmp_path / f"alertmanager-{port}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                binary,
                f"--config.file={config_path}",
                f"--storage.path={tmp_path / 'am-data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    am = Alertmanager(proc, f"http://127.0.0.1:{port}", log_path)

    def ready() -> bool:
        assert proc.poll() is None, f"alertmanager exited:\n{am.output()}"
        try:
            return httpx.get(f"{am.base_url}/-/ready", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(ready, 30, "alertmanager ready", interval=0.2)
    except BaseException:
        stop(proc)
        raise
    return am


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def alert(alertname: str, instance: str, *, resolved: bool = False) -> dict[str, Any]:
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "labels": {
            "alertname": alertname,
            "service": "checkout",
            "severity": "critical",
            "instance": instance,
        },
        "annotations": {"summary": "checkout p99 latency above 2s"},
        "startsAt": (now - timedelta(minutes=5)).isoformat(),
    }
    if resolved:
        body["endsAt"] = (now - timedelta(seconds=1)).isoformat()
    return body


@pytest.fixture
def stack(
    alertmanager_binary: str, pg_url: str, redis_url: str, tmp_path: Path
) -> Iterator[dict[str, Any]]:
    tenant = f"T{uuid.uuid4().hex[:10].upper()}"
    with FakeSlackAPI() as slack:
        env = slack_env(
            slack.api_url,
            pg_url,
            redis_url,
            BMAD_SECRET_KEY=Fernet.generate_key().decode(),
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
        serve = ServeProcess(env, tmp_path)
        try:
            url = f"{serve.base_url}/webhooks/alertmanager/{tenant}"
            am = start_alertmanager(alertmanager_binary, tmp_path, url, token)
            try:
                yield {"slack": slack, "serve": serve, "am": am, "key": api_key}
            finally:
                stop(am.proc)
        finally:
            serve.close()


def test_real_alertmanager_one_run_one_thread_resolution(stack: dict[str, Any]) -> None:
    slack: FakeSlackAPI = stack["slack"]
    serve: ServeProcess = stack["serve"]
    am: Alertmanager = stack["am"]
    name = f"CheckoutLatency{uuid.uuid4().hex[:6]}"

    def posts() -> list[SlackCall]:
        return slack.calls_to("chat.postMessage", channel=CHANNEL)

    def roots() -> list[SlackCall]:
        return [p for p in posts() if not p.params.get("thread_ts")]

    def replies(needle: str) -> list[SlackCall]:
        return [p for p in posts() if p.params.get("thread_ts") and needle in p.params["text"]]

    def runs() -> list[dict[str, Any]]:
        headers = {"Authorization": f"Bearer {stack['key']}"}
        answer = httpx.get(f"{serve.base_url}/api/v1/runs", headers=headers, timeout=10)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["runs"])

    def context() -> str:
        params = [p.params for p in posts()]
        return f"slack posts: {params}\nbmad:\n{serve.output()}\nalertmanager:\n{am.output()}"

    # firing: Alertmanager waits group_wait, then notifies bmad once for the group
    am.post_alerts([alert(name, "web-1")])
    first = wait_until(roots, TIMEOUT, "the firing thread", interval=0.2)
    assert len(first) == 1, context()
    root_ts = first[0].response["ts"]
    assert name in first[0].params["text"], context()
    started = wait_until(runs, TIMEOUT, "one incident run", interval=0.2)
    assert [r["workflow"] for r in started] == ["incident_response"], context()

    # repeat: the same alert again (Alertmanager dedups it) and a sibling in the same group,
    # which makes Alertmanager notify the group again after group_interval
    am.post_alerts([alert(name, "web-1"), alert(name, "web-2")])
    update = wait_until(
        lambda: replies(f"Still firing: *{name}*"),
        TIMEOUT,
        "the repeat update in the thread",
        interval=0.2,
    )
    assert {p.params["thread_ts"] for p in update} == {root_ts}, context()
    assert len(roots()) == 1, context()
    assert [r["id"] for r in runs()] == [started[0]["id"]], context()

    # resolved: both alerts end; Alertmanager sends the group's resolved notification
    am.post_alerts([alert(name, "web-1", resolved=True), alert(name, "web-2", resolved=True)])
    resolution = wait_until(
        lambda: replies(f"Resolved: {name}*"), TIMEOUT, "the resolution in the thread", interval=0.2
    )
    assert [p.params["thread_ts"] for p in resolution] == [root_ts], context()
    assert len(roots()) == 1, context()
    assert [r["id"] for r in runs()] == [started[0]["id"]], context()
