"""Prometheus metrics. One module so names stay consistent; each layer records its own."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter("bmad_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram("bmad_http_request_seconds", "HTTP request latency", ["method", "route"])
READY_CHECKS = Gauge("bmad_ready_check_up", "1 when a readiness check passes", ["check"])
