"""Issue 16 done-when, end to end with real processes (`bmad serve` + `bmad worker`,
Celery on Redis, PostgreSQL), a fake Slack Web API and a local OTLP/HTTP receiver:

- one Slack event that starts a run is one trace with web and worker spans (the turn, NLU,
  the step and the Slack post among them), context carried through the Celery headers;
- every non-empty line both processes print meanwhile is JSON, and the turn's trace_id is
  in both processes' lines;
- the web lines of the request carry its request_id, and there is one access line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from tests.e2e.slack_support import ROOT, ServeProcess, clean_env, post_signed, slack_env
from tests.e2e.worker_support import Worker
from tests.fakes import slack_payloads as P
from tests.fakes.otlp_receiver import OTLPReceiver
from tests.fakes.slack_api import FakeSlackAPI

pytestmark = pytest.mark.slow


def _json_lines(path: Path, offset: int) -> list[dict]:
    lines = path.read_bytes()[offset:].decode(errors="replace").splitlines()
    parsed = []
    for line in lines:
        if not line.strip():
            continue
        try:
            parsed.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"not JSON in {path.name}: {line!r}") from None
    return parsed


def test_one_slack_event_is_one_trace_in_json_logs(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    queue = f"bmad-otel-test-{uuid.uuid4().hex[:8]}"
    with OTLPReceiver() as otlp, FakeSlackAPI() as fake:
        env = slack_env(
            fake.api_url,
            pg_url,
            redis_url,
            BMAD_QUEUE="celery",
            BMAD_CELERY_QUEUE=queue,
            BMAD_LOG_JSON="true",
            BMAD_WORKER_METRICS_PORT="0",
            BMAD_DATA_DIR=str(tmp_path / "data"),
            OTEL_EXPORTER_OTLP_ENDPOINT=otlp.base_url,
            OTEL_BSP_SCHEDULE_DELAY="200",
        )
        worker = Worker({**clean_env(), "PYTHONPATH": str(ROOT), **env}, tmp_path / "w.log", 1)
        serve = None
        try:
            worker.wait_ready()
            serve = ServeProcess(env, tmp_path)
            serve_log, worker_log = serve.log_path, worker.log
            offsets = (serve_log.stat().st_size, worker_log.stat().st_size)

            tag = uuid.uuid4().hex[:8].upper()
            team, user, channel = f"T{tag}", f"U{tag}", f"C{tag}"
            mention = P.app_mention(user, channel, "write a user story for the password reset")
            with httpx.Client(timeout=5.0) as http:
                sent = post_signed(
                    http,
                    serve.base_url,
                    P.event_callback(team, mention),
                    # the caller's request id is kept (and echoed)
                )
            assert sent.status_code == 200
            request_id = sent.headers["x-request-id"]

            steps = otlp.wait_for(lambda s: s.name == "bmad.step", timeout=90)
            assert steps, worker.log.read_text()[-3000:]
            trace_id = steps[0].trace_id
            posts = otlp.wait_for(
                lambda s: s.name == "bmad.slack.post" and s.trace_id == trace_id, timeout=30
            )
            assert posts, [(s.service, s.name, s.trace_id) for s in otlp.spans]
            in_trace = otlp.wait_for(lambda s: s.trace_id == trace_id, timeout=5)
            services = {s.service for s in in_trace}
            names = {s.name for s in in_trace}
            assert {"bmad-web", "bmad-worker"} <= services, services
            assert {"bmad.turn", "bmad.nlu", "bmad.step", "bmad.slack.post"} <= names, names
            # One event, one trace: the turn of this event is in no other trace.
            turns = [s for s in otlp.spans if s.name == "bmad.turn"]
            assert {s.trace_id for s in turns} == {trace_id}

            web_lines = _json_lines(serve_log, offsets[0])
            worker_lines = _json_lines(worker_log, offsets[1])
            assert any(line.get("trace_id") == trace_id for line in web_lines), web_lines
            assert any(line.get("trace_id") == trace_id for line in worker_lines)
            # (the start-up probe's /healthz line may be written after the offsets were taken)
            access = [
                line
                for line in web_lines
                if line.get("event") == "http_request" and line.get("route") != "/healthz"
            ]
            assert [(a["method"], a["route"], a["status"]) for a in access] == [
                ("POST", "/slack/events", 200)
            ]
            assert access[0]["request_id"] == request_id
            assert all(line["level"] for line in web_lines + worker_lines)
        finally:
            if serve is not None:
                serve.close()
            worker.stop()


def test_tracing_is_off_without_otel_environment() -> None:
    code = (
        "from integrations.observability.tracing import configure_tracing;"
        "print(configure_tracing('x'))"
    )
    env = {k: v for k, v in clean_env().items() if not k.startswith("OTEL_")}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.stdout.strip() == "False", out.stderr
