"""Listing runs costs a fixed number of queries, however many runs the page holds: the
console's runs page and `GET /api/v1/runs` list up to 500 at a time (was one query per run
for its steps)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from agents.workflows.service import WorkflowService
from integrations.db.session import engine_for
from integrations.settings import Settings


@contextmanager
def counted(settings: Settings) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    engine = engine_for(settings.database_url)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _start(service: WorkflowService, tenant: str, n: int) -> None:
    runs = [
        service.start(
            tenant_id=tenant,
            workflow="release",
            inputs={"version": f"1.{i}", "changes": "faster search"},
            conversation_key=f"{tenant}:api:list{i}",
            user_id="alice-admin",
        )
        for i in range(n)
    ]
    service.wait_settled(tenant, [r.id for r in runs], timeout=60)


def test_listing_runs_does_not_query_once_per_run(
    embedded_settings: Settings, service: WorkflowService, tenant: str
) -> None:
    _start(service, tenant, 12)
    with counted(embedded_settings) as few:
        assert len(service.list_runs(tenant, limit=2)) == 2
    with counted(embedded_settings) as many:
        listed = service.list_runs(tenant, limit=12)
    assert len(listed) == 12 and all(r.steps for r in listed)
    assert [s.name for s in listed[0].steps] == [s.name for s in listed[-1].steps]
    assert len(many) == len(few), many
