"""Offline incident triage from what the alert says: labels, annotations, start time,
runbook and generator URL (Alertmanager), or the user's description.

Why these fields: they are the only observations the offline path has; the timeline and
blast radius come from them, the next checks point at the runbook and the alert's graph.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agents.analysis.text_facts import error_statements, numbers

SCOPE_LABELS = ("service", "job", "app", "namespace", "cluster", "region", "env", "environment")


def parse_pairs(text: str, sep: str = "=") -> dict[str, str]:
    out: dict[str, str] = {}
    for line in (text or "").splitlines():
        key, found, value = line.partition(sep)
        if found and key.strip():
            out[key.strip()] = value.strip()
    return out


def triage(inputs: dict[str, str], text: str, now: datetime | None = None) -> dict[str, Any]:
    labels = parse_pairs(inputs.get("labels", ""))
    annotations = parse_pairs(inputs.get("annotations", ""), ":")
    started = _parse_time(inputs.get("starts_at", ""))
    started = started.astimezone(UTC) if started else None
    now = now or datetime.now(UTC)
    minutes = int((now - started).total_seconds() // 60) if started else None
    severity = inputs.get("severity") or labels.get("severity", "")
    return {
        "alertname": inputs.get("alertname") or labels.get("alertname", ""),
        "service": inputs.get("service") or labels.get("service", ""),
        "severity": severity,
        "summary": inputs.get("summary") or annotations.get("summary", ""),
        "description": annotations.get("description", ""),
        "scope": {k: labels[k] for k in SCOPE_LABELS if labels.get(k)},
        "instances": [v for k, v in labels.items() if k in ("instance", "pod", "host")],
        "labels": labels,
        "starts_at": started.strftime("%Y-%m-%d %H:%M UTC") if started else "",
        "minutes_firing": minutes if minutes is not None and minutes >= 0 else None,
        "runbook_url": inputs.get("runbook_url") or annotations.get("runbook_url", ""),
        "generator_url": inputs.get("generator_url", ""),
        "dashboard_url": annotations.get("dashboard_url") or annotations.get("dashboard", ""),
        "errors": error_statements(text),
        "figures": numbers(text, 5),
        "from_alert": bool(labels or inputs.get("alertname")),
    }


def _parse_time(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.year < 2000:  # Alertmanager's zero time for "unknown"
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
