"""Real-shaped webhook payloads (Alertmanager v4, GitHub), trimmed to the documented fields."""

from __future__ import annotations

import copy
from typing import Any

GROUP_KEY = '{}/{severity="critical"}:{alertname="ProbeFailure"}'


def alertmanager(status: str = "firing", group_key: str = GROUP_KEY, n: int = 1) -> dict[str, Any]:
    alerts = [
        {
            "status": status,
            "labels": {
                "alertname": "ProbeFailure",
                "instance": f"https://server{i}.example.org",
                "job": "http_checks",
                "service": "checkout",
                "severity": "critical",
            },
            "annotations": {
                "description": "Instance has been down for over 5m. Job: http_checks",
                "summary": "BlackBox Probe Failure: checkout",
            },
            "startsAt": "2026-11-26T13:08:45.828Z",
            "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-11-26T13:20:45.828Z",
            "generatorURL": "http://prometheus.example.org:9090/graph?g0.expr=probe_success+%3D%3D+0",
            "fingerprint": f"1a30ba71cca2921{i}",
        }
        for i in range(n)
    ]
    return {
        "receiver": "bmad",
        "status": status,
        "alerts": alerts,
        "groupLabels": {"alertname": "ProbeFailure"},
        "commonLabels": {
            "alertname": "ProbeFailure",
            "job": "http_checks",
            "service": "checkout",
            "severity": "critical",
        },
        "commonAnnotations": {"summary": "BlackBox Probe Failure: checkout"},
        "externalURL": "http://alertmanager.example.org:9093",
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
    }


_REPO = {
    "id": 1296269,
    "name": "shop",
    "full_name": "acme/shop",
    "private": False,
    "html_url": "https://github.com/acme/shop",
    "owner": {"login": "acme", "id": 1, "type": "Organization"},
}
_SENDER = {"login": "octocat", "id": 583231, "type": "User"}

GITHUB_PING = {
    "zen": "Keep it logically awesome.",
    "hook_id": 109948940,
    "hook": {"type": "Repository", "id": 109948940, "events": ["*"], "active": True},
    "repository": _REPO,
    "sender": _SENDER,
}


def github_pull_request(action: str = "opened") -> dict[str, Any]:
    return {
        "action": action,
        "number": 42,
        "pull_request": {
            "url": "https://api.github.com/repos/acme/shop/pulls/42",
            "id": 1,
            "html_url": "https://github.com/acme/shop/pull/42",
            "number": 42,
            "state": "open",
            "title": "Add coupon codes to checkout",
            "user": _SENDER,
            "head": {"ref": "coupons", "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e"},
            "base": {"ref": "main", "sha": "7638417db6d59f3c431d3e1f261cc637155684cd"},
        },
        "repository": copy.deepcopy(_REPO),
        "sender": _SENDER,
    }


def github_workflow_run(conclusion: str = "failure", action: str = "completed") -> dict[str, Any]:
    return {
        "action": action,
        "workflow_run": {
            "id": 30433642,
            "name": "CI",
            "head_branch": "main",
            "head_sha": "acb5820ced9479c074f688cc328bf03f341a511d",
            "event": "push",
            "status": "completed",
            "conclusion": conclusion,
            "html_url": "https://github.com/acme/shop/actions/runs/30433642",
            "run_number": 562,
        },
        "workflow": {"id": 159038, "name": "CI", "path": ".github/workflows/ci.yml"},
        "repository": copy.deepcopy(_REPO),
        "sender": _SENDER,
    }


def github_release(action: str = "published") -> dict[str, Any]:
    return {
        "action": action,
        "release": {
            "id": 2,
            "tag_name": "v1.4.0",
            "name": "Shop 1.4.0",
            "draft": False,
            "prerelease": False,
            "html_url": "https://github.com/acme/shop/releases/tag/v1.4.0",
            "body": "Coupons, faster checkout",
        },
        "repository": copy.deepcopy(_REPO),
        "sender": _SENDER,
    }
