"""Prometheus Alertmanager webhook payload, version 4 (as Alertmanager documents it).

Unknown fields are ignored (Alertmanager adds fields over time); the ones we use are
checked strictly.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

AlertStatus = Literal["firing", "resolved"]


class Alert(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: AlertStatus
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: str = ""
    endsAt: str = ""
    generatorURL: str = ""
    fingerprint: str = ""


class AlertmanagerPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: Literal["4"]
    groupKey: str = Field(min_length=1, max_length=4000)
    truncatedAlerts: int = Field(0, ge=0)
    status: AlertStatus
    receiver: str = ""
    groupLabels: dict[str, str] = Field(default_factory=dict)
    commonLabels: dict[str, str] = Field(default_factory=dict)
    commonAnnotations: dict[str, str] = Field(default_factory=dict)
    externalURL: str = ""
    alerts: list[Alert] = Field(default_factory=list, max_length=1000)

    def label(self, *names: str) -> str:
        for name in names:
            for labels in (self.commonLabels, self.groupLabels):
                if labels.get(name):
                    return labels[name]
        return ""

    def annotation(self, *names: str) -> str:
        for name in names:
            if self.commonAnnotations.get(name):
                return self.commonAnnotations[name]
            for alert in self.alerts:
                if alert.annotations.get(name):
                    return alert.annotations[name]
        return ""

    def facts(self) -> dict[str, object]:
        """What the Slack texts and the incident run are told about this group."""
        firing = [a for a in self.alerts if a.status == "firing"]
        return {
            "alertname": self.label("alertname"),
            "service": self.label("service", "job", "app", "namespace"),
            "severity": self.label("severity"),
            "summary": self.annotation("summary", "description", "message"),
            "firing": len(firing) + (self.truncatedAlerts if self.status == "firing" else 0),
            "total": len(self.alerts) + self.truncatedAlerts,
            "url": self.externalURL,
            "instances": [a.labels.get("instance", "") for a in firing[:10]],
        }

    def triage_inputs(self, limit: int = 4000) -> dict[str, str]:
        """What the incident triage reads (labels, annotations, start, graph and runbook).

        The first firing alert speaks for the group (group labels are common to all); the
        earliest `startsAt` is when the incident began. Values are text run inputs.
        """
        firing = [a for a in self.alerts if a.status == "firing"] or self.alerts
        first = firing[0] if firing else Alert(status=self.status)
        labels = {**self.groupLabels, **self.commonLabels, **first.labels}
        annotations = {**self.commonAnnotations, **first.annotations}
        starts = sorted(
            a.startsAt for a in firing if a.startsAt and not a.startsAt.startswith("0001")
        )
        summary = annotations.get("summary") or annotations.get("description") or ""
        return {
            "labels": "\n".join(f"{k}={v}" for k, v in sorted(labels.items()))[:limit],
            "annotations": "\n".join(f"{k}: {v}" for k, v in sorted(annotations.items()))[:limit],
            "starts_at": starts[0] if starts else "",
            "generator_url": first.generatorURL[:2000],
            "runbook_url": (annotations.get("runbook_url") or annotations.get("runbook") or "")[
                :2000
            ],
            "request_text": "\n".join(
                p for p in (summary, annotations.get("description", "")) if p
            )[:limit],
        }
