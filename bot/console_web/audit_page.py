"""/console/audit: the tenant's audit log for admins and owners (the same records as
`bmad audit export`, oldest first, an action-prefix filter and an `after` cursor), and its
export as CSV or JSON lines, streamed so a long log is never held in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from bot.console_web.access import page
from bot.console_web.pages import show
from bot.console_web.session import Visitor, settings_of
from integrations.audit_log import CSV_COLUMNS, csv_row, iter_audit, json_line, position_of
from integrations.db.models import Role
from integrations.db.public_ids import public_id_pattern
from integrations.db.session import tenant_session
from integrations.settings import Settings

router = APIRouter(prefix="/console", include_in_schema=False)
AUDIT_ROLE = Role.admin
PAGE_SIZE = 50
Action = Annotated[str, Query(max_length=64, pattern=r"^[a-z_.]*$")]
EXPORTS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


@router.get("/audit")
def audit(
    request: Request,
    who: Annotated[Visitor, page(AUDIT_ROLE)],
    action: Action = "",
    after: Annotated[str, Query(max_length=64, pattern=public_id_pattern("aud"))] = "",
) -> Response:
    with tenant_session(settings_of(request).database_url, who.user.tenant_id) as session:
        # An entry that is gone (or another tenant's) starts again at the beginning.
        start = (position_of(session, after) if after else 0) or 0
        records = list(
            iter_audit(session, after_id=start, action_prefix=action or None, limit=PAGE_SIZE + 1)
        )
    shown = records[:PAGE_SIZE]
    more = shown[-1].id if len(records) > PAGE_SIZE else None
    return show(request, who, "audit.html.j2", records=shown, action=action, more=more)


@router.get("/audit/export")
def audit_export(
    request: Request,
    who: Annotated[Visitor, page(AUDIT_ROLE)],
    action: Action = "",
    fmt: Annotated[Literal["csv", "jsonl"], Query(alias="format")] = "csv",
) -> Response:
    tenant = who.user.tenant_id
    lines = _export_lines(settings_of(request), tenant, action, fmt)
    return StreamingResponse(
        lines,
        media_type=EXPORTS[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="audit-{tenant}.{fmt}"',
            "Cache-Control": "no-store",
        },
    )


def _export_lines(settings: Settings, tenant: str, action: str, fmt: str) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def csv_line(cells: list[str] | tuple[str, ...]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    if fmt == "csv":
        yield csv_line(CSV_COLUMNS)
    with tenant_session(settings.database_url, tenant) as session:
        for record in iter_audit(session, action_prefix=action or None):
            yield csv_line(csv_row(record)) if fmt == "csv" else json_line(record) + "\n"
