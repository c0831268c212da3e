"""A firing alert's labels, annotations, start time and graph URL reach the incident triage."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from agents.workflows.service import WorkflowService
from tests.unit.webhooks import payloads
from tests.unit.webhooks.conftest import AM_TOKEN, Tenant


def test_triage_names_the_alert_service_summary_start_and_next_checks(
    client: TestClient, tenant: Tenant
) -> None:
    payload = payloads.alertmanager("firing", n=2)
    for alert in payload["alerts"]:
        alert["labels"]["namespace"] = "shop-prod"
        alert["annotations"]["runbook_url"] = "https://runbooks.example.org/probe-failure"
    response = client.post(
        f"/webhooks/alertmanager/{tenant.id}",
        content=json.dumps(payload),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {AM_TOKEN}"},
    )
    assert response.status_code == 200, response.text
    service = WorkflowService(tenant.settings)
    run_id = service.resolve(tenant.id, response.json()["run_id"])
    service.wait_settled(tenant.id, [run_id], timeout=60)
    run = service.get(tenant.id, run_id)
    assert run.inputs["generator_url"].startswith("http://prometheus.example.org:9090/graph")
    assert "namespace=shop-prod" in run.inputs["labels"]
    triage = next(s.output for s in run.steps if s.name == "triage") or ""
    assert "Alert *ProbeFailure* (critical) on checkout: BlackBox Probe Failure: checkout" in triage
    assert "- 2026-11-26 13:08 UTC: started firing" in triage  # startsAt in the timeline
    assert "Instance has been down for over 5m" in triage
    assert "namespace: shop-prod" in triage and "https://server0.example.org" in triage
    assert "- Follow the runbook: https://runbooks.example.org/probe-failure" in triage
    assert "probe_success" in triage  # the alert's graph (generatorURL) as a next check
    assert "offline" in triage.lower()
