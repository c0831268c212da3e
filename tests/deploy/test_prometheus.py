"""Alert rules and dashboards against a real Prometheus (Debian's `prometheus` package).

- `promtool check rules` and `promtool test rules` (deploy/prometheus/rules.test.yml);
- a real Prometheus scrapes a running `bmad serve` and `bmad worker` (+ beat) while a Slack
  event starts a run with LLM steps, an approval is decided over the API and a webhook
  arrives: every metric a dashboard or rule uses must then exist in Prometheus.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
import yaml

from agents.workflows.service import WorkflowService
from bot.api.keys import create_api_key
from integrations.db.models import Role
from integrations.db.session import tenant_session
from integrations.db.tenants import set_role
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.e2e.slack_support import ROOT, ServeProcess, clean_env, free_port, post_signed, slack_env
from tests.e2e.worker_support import Worker
from tests.fakes import slack_payloads as P
from tests.fakes.openai_server import FakeOpenAI, structured_reply
from tests.fakes.slack_api import FakeSlackAPI
from tests.polling import wait_until
from tests.unit.agents.conftest import place_template

RULES = ROOT / "deploy" / "prometheus" / "rules.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "rules.test.yml"
DASHBOARDS = sorted((ROOT / "deploy" / "grafana").glob("*.json"))
_METRIC = re.compile(r"\b(bmad_[a-z0-9_]+)\b")

STORY = {
    "title": "Password reset",
    "as_a": "user",
    "i_want": "to reset my password",
    "so_that": "I can log in again",
    "acceptance_criteria": [{"given": "a reset link", "when": "I open it", "then": "I can"}],
    "open_questions": [],
}
APPROVAL = """
name: test_ops_approval
steps:
  - {name: ask, kind: approval, role: admin}
  - {name: after, kind: notify, message: run_summary, needs: [ask]}
"""


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool missing: apt-get install prometheus (see .ci/run)")
    return found


def used_metrics() -> set[str]:
    exprs = [r["expr"] for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]]
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        exprs += [t["expr"] for p in board["panels"] for t in p["targets"]]
    return {m for e in exprs for m in _METRIC.findall(e)}


def test_rules_check_and_unit_tests() -> None:
    check = subprocess.run([promtool(), "check", "rules", str(RULES)], capture_output=True)
    assert check.returncode == 0, check.stdout + check.stderr
    unit = subprocess.run(
        [promtool(), "test", "rules", RULE_TESTS.name],
        cwd=RULE_TESTS.parent,
        capture_output=True,
    )
    assert unit.returncode == 0, unit.stdout + unit.stderr


def test_dashboards_are_grafana_json() -> None:
    titles = set()
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        assert board["uid"] and board["panels"], path.name
        titles.add(board["title"])
        for panel in board["panels"]:
            assert panel["targets"] and all(t["expr"] for t in panel["targets"]), panel
    assert len(titles) == 5
    assert "bmad_workflow_step_seconds_bucket" in used_metrics()


def _prometheus_config(path: Path, targets: dict[str, str]) -> None:
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": [target]}]}
            for job, target in targets.items()
        ],
    }
    path.write_text(yaml.safe_dump(config))


@pytest.mark.slow
def test_every_dashboard_and_rule_metric_exists_in_a_real_scrape(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        pytest.fail("prometheus missing: apt-get install prometheus (see .ci/run)")
    queue = f"bmad-prom-test-{uuid.uuid4().hex[:8]}"
    data = tmp_path / "data"
    worker_port, prom_port = free_port(), free_port()
    with FakeSlackAPI() as slack, FakeOpenAI() as llm:
        llm.responder = lambda request: structured_reply("UserStory", STORY)
        env = slack_env(
            slack.api_url,
            pg_url,
            redis_url,
            BMAD_QUEUE="celery",
            BMAD_CELERY_QUEUE=queue,
            BMAD_DATA_DIR=str(data),
            BMAD_WORKER_METRICS_PORT="0",
        )
        worker_env = {
            **clean_env(),
            "PYTHONPATH": str(ROOT),
            **env,
            "OPENAI_BASE_URL": llm.base_url,
            "OPENAI_API_KEY": "sk-test-prometheus",
            "BMAD_NLU_LLM_THRESHOLD": "0",  # the intent router never asks the fake LLM
        }
        worker = Worker(worker_env, tmp_path / "w.log", 2, (f"--metrics-port={worker_port}",))
        beat_log = (tmp_path / "beat.log").open("wb")
        beat = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "beat"],
            cwd=tmp_path,
            env={**clean_env(), "PYTHONPATH": str(ROOT), **env},
            stdout=beat_log,
            stderr=subprocess.STDOUT,
        )
        serve = prom = None
        try:
            worker.wait_ready()
            serve = ServeProcess(env, tmp_path)
            config = tmp_path / "prometheus.yml"
            _prometheus_config(
                config,
                {"bmad-web": f"127.0.0.1:{serve.port}", "bmad-worker": f"127.0.0.1:{worker_port}"},
            )
            check = subprocess.run(
                [promtool(), "check", "config", str(config)], capture_output=True
            )
            assert check.returncode == 0, check.stdout + check.stderr
            prom = subprocess.Popen(
                [
                    prometheus,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{prom_port}",
                ],
                stdout=subprocess.DEVNULL,
                stderr=(tmp_path / "prom.log").open("wb"),
            )
            _drive_traffic(serve.base_url, env, tmp_path, queue, redis_url, pg_url, data)
            missing = _wait_for_metrics(f"http://127.0.0.1:{prom_port}", used_metrics())
            assert not missing, f"metrics never scraped: {sorted(missing)}"
        finally:
            if prom is not None:
                prom.terminate()
                prom.wait(timeout=20)
            if serve is not None:
                serve.close()
            beat.terminate()
            beat.wait(timeout=20)
            beat_log.close()
            worker.stop()


def _drive_traffic(
    base_url: str,
    env: dict[str, str],
    tmp_path: Path,
    queue: str,
    redis_url: str,
    pg_url: str,
    data: Path,
) -> None:
    tag = uuid.uuid4().hex[:8].upper()
    with httpx.Client(timeout=5.0) as http:
        assert http.get(f"{base_url}/readyz").status_code == 200
        # A Slack event that starts a run (LLM steps on the worker, Slack posts).
        mention = P.app_mention(f"U{tag}", f"C{tag}", "write a user story for password reset")
        assert post_signed(http, base_url, P.event_callback(f"T{tag}", mention)).status_code == 200
        # An inbound webhook (refused: unknown source - still counted).
        http.post(f"{base_url}/webhooks/generic/nosuch", content=b"{}")
        # An approval decided over the API (the approval wait is recorded by the web).
        settings = Settings(
            database_url=pg_url,
            redis_url=redis_url,
            queue="celery",
            celery_queue=queue,
            data_dir=str(data),
            _env_file=None,
        )
        tenant = make_tenant(pg_url, f"t{tag.lower()}")
        with tenant_session(pg_url, tenant) as session:
            set_role(session, tenant, "admin-1", Role.admin)
            _row, key = create_api_key(session, tenant, name="ops", user_id="admin-1")
        place_template(settings, tenant, "test_ops_approval", APPROVAL)
        service = WorkflowService(settings)
        run = service.start(
            tenant_id=tenant,
            workflow="test_ops_approval",
            inputs={},
            conversation_key=f"{tenant}:api:ops",
            user_id="requester",
        )
        wait_until(
            lambda: service.get(tenant, run.id).status == "waiting_approval",
            60,
            "the run to wait for approval",
            interval=0.2,
        )
        approved = http.post(
            f"{base_url}/api/v1/runs/{run.public_id}/approve",
            headers={"Authorization": f"Bearer {key}"},
        )
        assert approved.status_code == 200, approved.text


def _wait_for_metrics(prom_url: str, wanted: set[str], timeout: float = 90.0) -> set[str]:
    """The metrics of `wanted` Prometheus still lacks once it has all, or at the timeout."""
    missing = set(wanted)

    def all_scraped() -> bool:
        nonlocal missing
        try:
            names = httpx.get(f"{prom_url}/api/v1/label/__name__/values", timeout=3).json()
            missing = wanted - set(names.get("data", []))
        except httpx.TransportError:
            pass
        return not missing

    with contextlib.suppress(AssertionError):
        wait_until(all_scraped, timeout, "every used metric in Prometheus", interval=1)
    return missing


def test_every_alert_has_a_runbook_section() -> None:
    doc = (ROOT / "docs" / "operations.md").read_text()
    headings = {line[4:].strip().lower() for line in doc.splitlines() if line.startswith("### ")}
    for group in yaml.safe_load(RULES.read_text())["groups"]:
        for rule in group["rules"]:
            if "alert" in rule:
                anchor = rule["annotations"]["runbook"].split("#", 1)[1]
                assert anchor == rule["alert"].lower() and anchor in headings, rule["alert"]
