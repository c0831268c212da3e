"""/console/webhooks: the tenant's outbound endpoints and their delivery log, for admins.

Everything goes through `integrations.webhooks_out` as `bmad webhooks` does: registration
checks the URL (https, no private addresses) and shows the signing secret once, enabling
re-arms held deliveries, the test button sends one signed event through the real delivery
path and shows the receiver's answer. Each change is audited with source `console`.
Inbound sources are shown (receiver URL, what is set, never a secret); their secrets are
set with `bmad webhooks configure`, so they never pass through a browser.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from bot.console_web.access import Refused, form, page
from bot.console_web.pages import show
from bot.console_web.session import Visitor, settings_of
from bot.console_web.texts import texts
from bot.webhooks.config import list_sources
from integrations.db.models import Role
from integrations.db.public_ids import public_id_pattern
from integrations.db.session import tenant_session
from integrations.webhooks_out.endpoints import (
    EndpointError,
    add_endpoint,
    delivery_log,
    get_endpoint,
    list_endpoints,
    set_enabled,
)
from integrations.webhooks_out.events import WEBHOOK_EVENTS
from integrations.webhooks_out.probe import EndpointNotFound, send_test_event

router = APIRouter(prefix="/console", include_in_schema=False)
WEBHOOKS_ROLE = Role.admin
LOG_LINES = 50
EndpointId = Annotated[str, Path(max_length=64, pattern=public_id_pattern("whe"))]
Admin = Annotated[Visitor, page(WEBHOOKS_ROLE)]
AdminForm = Annotated[Visitor, form(WEBHOOKS_ROLE)]


def _page(request: Request, who: Visitor, status: int = 200, **shown: object) -> Response:
    with tenant_session(settings_of(request).database_url, who.user.tenant_id) as session:
        endpoints = list_endpoints(session)
        log = delivery_log(session, LOG_LINES)
        sources = list_sources(session)
    base = settings_of(request).public_url.rstrip("/")
    response = show(
        request,
        who,
        "webhooks.html.j2",
        endpoints=endpoints,
        log=log,
        event_types=WEBHOOK_EVENTS,
        sources=sources,
        receiver_base=f"{base}/webhooks",
        **{"secret": "", "problem": "", "test_result": None, **shown},
    )
    response.status_code = status
    return response


@router.get("/webhooks")
def webhooks(request: Request, who: Admin) -> Response:
    return _page(request, who)


@router.post("/webhooks")
def add(
    request: Request,
    who: AdminForm,
    url: Annotated[str, Form(min_length=1, max_length=2000)],
    events: Annotated[list[str], Form()],
    description: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    me = who.user
    settings = settings_of(request)
    try:
        with tenant_session(settings.database_url, me.tenant_id) as session:
            _, secret = add_endpoint(
                session,
                settings,
                me.tenant_id,
                url.strip(),
                events,
                description.strip(),
                actor=me.user_id,
                source="console",
            )
    except EndpointError as err:
        return _page(request, who, 422, problem=str(err))
    return _page(request, who, secret=secret)


@router.post("/webhooks/{endpoint_id}/{action}")
def endpoint_action(
    request: Request,
    who: AdminForm,
    endpoint_id: EndpointId,
    action: Annotated[str, Path(pattern="^(enable|disable|test)$")],
) -> Response:
    me = who.user
    settings = settings_of(request)
    if action == "test":
        try:
            attempt = send_test_event(settings, me.tenant_id, endpoint_id)
        except EndpointNotFound as err:
            raise Refused(who, "not_found", 404) from err
        if attempt is None:
            return _page(request, who, test_result=texts(who.lang)["webhook_test_not_sent"])
        answer = attempt.status_code if attempt.status_code is not None else attempt.error
        result = texts(who.lang)["webhook_test_result"].format(
            endpoint=endpoint_id, answer=answer, ms=attempt.duration_ms
        )
        return _page(request, who, test_result=result)
    with tenant_session(settings.database_url, me.tenant_id) as session:
        endpoint = get_endpoint(session, endpoint_id)
        if endpoint is None:
            raise Refused(who, "not_found", 404)
        set_enabled(session, endpoint, action == "enable", actor=me.user_id, source="console")
    return RedirectResponse("/console/webhooks", status_code=303)
