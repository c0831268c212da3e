"""OpenTelemetry tracing, configured by the standard `OTEL_*` environment; off when unset.

Why: nothing linked a Slack event to its turn, the LLM call, the queued step, the worker
that ran it and the Slack post. With `OTEL_EXPORTER_OTLP_ENDPOINT` (or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set, each process exports spans over OTLP/HTTP;
FastAPI, Celery, SQLAlchemy, Redis and httpx are instrumented, and the Celery
instrumentation carries the trace context in the task headers, so one Slack event is one
trace across web and worker. `OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER`,
`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SDK_DISABLED` ... are read by the SDK itself.

Our own spans (`span("bmad.turn")`, NLU, LLM call, step, Slack post) are no-ops when tracing
is off. Call `configure_tracing` once per process, after any fork: Celery pool children do
it in `worker_process_init` (a batch exporter thread does not survive a fork).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace

_configured = False
_lock = threading.Lock()
TRACER_NAME = "bmad"


def tracing_requested() -> bool:
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    if os.environ.get("OTEL_TRACES_EXPORTER", "otlp").lower() == "none":
        return False
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def configure_tracing(default_service: str) -> bool:
    """Install the SDK and the library instrumentations; False when tracing is off."""
    global _configured
    if not tracing_requested():
        return False
    with _lock:
        if _configured:
            return True
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        service = os.environ.get("OTEL_SERVICE_NAME") or default_service
        provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
        _instrument_libraries()
        _configured = True
    return True


def _instrument_libraries() -> None:
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    CeleryInstrumentor().instrument()  # context in task headers, producer and worker side
    SQLAlchemyInstrumentor().instrument(enable_commenter=False)
    RedisInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()


def instrument_app(app: Any) -> None:
    """Server spans for every FastAPI request (when tracing is on)."""
    if not _configured:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")


def flush(timeout_ms: int = 5000) -> None:
    """Export what is buffered (process exit, end of a CLI command)."""
    provider = trace.get_tracer_provider()
    force = getattr(provider, "force_flush", None)
    if force is not None:
        force(timeout_ms)


@contextmanager
def span(name: str, **attributes: Any) -> Iterator[trace.Span]:
    """One of our own spans; attributes with None values are left out."""
    tracer = trace.get_tracer(TRACER_NAME)
    attrs = {k: v for k, v in attributes.items() if v is not None}
    with tracer.start_as_current_span(name, attributes=attrs) as current:
        yield current


def current_trace_context() -> dict[str, str]:
    """The active trace as W3C headers (`traceparent`), to carry across a hand-off that is
    not a Celery message of its own (a batch, a queue between threads); {} when off."""
    from opentelemetry import propagate

    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


@contextmanager
def attached(carrier: dict[str, str] | None) -> Iterator[None]:
    """Continue the trace described by `carrier` (from `current_trace_context`)."""
    if not carrier:
        yield
        return
    from opentelemetry import context, propagate

    token = context.attach(propagate.extract(carrier))
    try:
        yield
    finally:
        context.detach(token)
