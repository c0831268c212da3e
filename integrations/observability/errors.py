"""Optional error tracking with Sentry (`SENTRY_DSN`); nothing is sent when it is unset.

Why scrub: an exception or log line can hold a user's message, a prompt, a token in a URL
or a header. Sentry gets the exception type, the stack (without local variables) and our
context ids; request bodies, cookies, user text and anything that looks like a secret are
removed in `before_send` / `before_breadcrumb`, whatever integration produced the event.
"""

from __future__ import annotations

import os
from typing import Any

from integrations.observability.logging import redact
from integrations.settings import Settings

FILTERED = "[filtered]"
# Keys whose values are people's words (messages, prompts, replies): never sent.
TEXT_KEYS = frozenset(
    {"text", "request_text", "request_context", "message_text", "prompt", "blocks", "body"}
)
_SENSITIVE_HEADERS = ("authorization", "cookie", "x-slack-signature", "stripe-signature")


def _drop_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: FILTERED if k in TEXT_KEYS else _drop_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_drop_text(v) for v in value]
    return value


def scrub_event(event: dict[str, Any], _hint: Any = None) -> dict[str, Any]:
    request = event.get("request")
    if isinstance(request, dict):
        for part in ("data", "cookies", "query_string"):
            if request.get(part):
                request[part] = FILTERED
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                k: FILTERED if k.lower() in _SENSITIVE_HEADERS else v for k, v in headers.items()
            }
    for frame_holder in (event.get("exception") or {}).get("values", []):
        for frame in (frame_holder.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    return redact(_drop_text(event))


def scrub_breadcrumb(crumb: dict[str, Any], _hint: Any = None) -> dict[str, Any]:
    return redact(_drop_text(crumb))


def configure_sentry(settings: Settings, component: str) -> bool:
    """Initialise sentry-sdk with the FastAPI and Celery integrations; False when off."""
    if settings.sentry_dsn is None:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.fastapi import FastApiIntegration
    from sentry_sdk.integrations.starlette import StarletteIntegration

    sentry_sdk.init(
        dsn=settings.sentry_dsn.get_secret_value(),
        environment=os.environ.get("SENTRY_ENVIRONMENT"),
        release=os.environ.get("SENTRY_RELEASE"),
        server_name=component,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,  # tracing is OpenTelemetry's job
        before_send=scrub_event,  # type: ignore[arg-type]
        before_breadcrumb=scrub_breadcrumb,
        integrations=[StarletteIntegration(), FastApiIntegration(), CeleryIntegration()],
    )
    # On the global scope: the component is the process's, so every event carries it, also
    # those of threads started before this call (their isolation scope is not this one).
    sentry_sdk.get_global_scope().set_tag("component", component)
    return True
