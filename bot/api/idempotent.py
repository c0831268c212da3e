"""`Idempotency-Key` for API requests that start work (`POST /messages`, `POST /runs`).

The first complete answer is stored for 24 hours per tenant (`conversations.idempotency`,
in Redis) and a retry with the same key, caller and body gets that very answer again with
`Idempotent-Replayed: true`; the work happens once. A retry while the first is still running
gets 409; the same key with another body 422. A 429, 503 or 5xx is not stored: retrying
after Retry-After does the work.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable

from fastapi.responses import JSONResponse

from bot.api.keys import ApiPrincipal
from bot.errors import error_body
from conversations.idempotency import (
    KeyBusy,
    KeyReused,
    StoredResponse,
    begin_request,
    forget_request,
    store_response,
)
from integrations.redis_store import get_redis
from integrations.settings import Settings

REPLAYED_HEADER = "Idempotent-Replayed"


def once(
    settings: Settings,
    principal: ApiPrincipal,
    key: str | None,
    request: object,
    handle: Callable[[str], JSONResponse],
) -> JSONResponse:
    """`handle(request_id)` once per key; `request` (route and body) must match on retries.
    Without a key every call is handled, each with a fresh request id."""
    if key is None:
        return handle(uuid.uuid4().hex)
    client = get_redis(settings.redis_url)
    tenant = principal.tenant_id
    fingerprint = _fingerprint(principal, request)
    try:
        stored = begin_request(client, tenant, key, fingerprint)
    except KeyBusy:
        response = error_body(409, "request_in_progress", "a request with this key is running")
        response.headers["Retry-After"] = "1"
        return response
    except KeyReused:
        return error_body(
            422, "idempotency_key_reused", "this Idempotency-Key was used for another request"
        )
    if stored is not None:
        return JSONResponse(stored.body, stored.status, headers={REPLAYED_HEADER: "true"})
    try:
        response = handle(key)
    except BaseException:
        forget_request(client, tenant, key)
        raise
    if response.status_code in (429, 503) or response.status_code >= 500:
        forget_request(client, tenant, key)
    else:
        answer = StoredResponse(response.status_code, json.loads(bytes(response.body)))
        store_response(client, tenant, key, fingerprint, answer)
    return response


def _fingerprint(principal: ApiPrincipal, request: object) -> str:
    """Same key, same caller and request = the same request."""
    document = json.dumps([principal.user_id, request], sort_keys=True, default=str)
    return hashlib.sha256(document.encode()).hexdigest()
