"""/console/audit: the tenant's audit log for admins and owners (the same records as
`bmad audit export`, oldest first, an action-prefix filter and an `after` cursor)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from bot.console_web.access import page
from bot.console_web.pages import show
from bot.console_web.session import Visitor, settings_of
from integrations.audit_log import iter_audit
from integrations.db.models import Role
from integrations.db.session import tenant_session

router = APIRouter(prefix="/console", include_in_schema=False)
AUDIT_ROLE = Role.admin
PAGE_SIZE = 50


@router.get("/audit")
def audit(
    request: Request,
    who: Annotated[Visitor, page(AUDIT_ROLE)],
    action: Annotated[str, Query(max_length=64, pattern=r"^[a-z_.]*$")] = "",
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> Response:
    with tenant_session(settings_of(request).database_url, who.user.tenant_id) as session:
        records = list(
            iter_audit(session, after_id=after, action_prefix=action or None, limit=PAGE_SIZE + 1)
        )
    shown = records[:PAGE_SIZE]
    more = shown[-1].id if len(records) > PAGE_SIZE else None
    return show(request, who, "audit.html.j2", records=shown, action=action, more=more)
