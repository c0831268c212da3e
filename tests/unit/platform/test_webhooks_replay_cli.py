"""`bmad webhooks replay --since` re-queues the tenant's events for their endpoints."""

from __future__ import annotations

from integrations.db.events import enqueue_event
from integrations.db.session import tenant_session
from tests.unit.platform.conftest import run


def test_replay_since(db: str) -> None:
    code, out = run(
        "webhooks", "endpoint-add", "--tenant", "tcli", "--url", "http://127.0.0.1:9/x",
        "--event", "run.failed", "--event", "run.cancelled",
    )  # fmt: skip
    assert code == 0 and "whsec_" in out
    with tenant_session(db, "tcli") as session:
        enqueue_event(session, "tcli", "run.failed", {"run_id": 1})
        enqueue_event(session, "tcli", "run.cancelled", {"run_id": 2})
        enqueue_event(session, "tcli", "run.started", {"run_id": 3})  # not subscribed
    code, out = run("webhooks", "replay", "--since", "2000-01-01", "--tenant", "tcli")
    assert code == 0 and "2 deliveries queued" in out
    code, out = run("webhooks", "replay", "--since", "2999-01-01", "--tenant", "tcli")
    assert code == 0 and "0 deliveries queued" in out
    assert run("webhooks", "replay", "--since", "2000-01-01", "--tenant", "tcli",
               "--endpoint", "99")[0] == 1  # fmt: skip
    code, out = run("audit", "export", "--tenant", "tcli", "--action", "webhook.replayed")
    assert code == 0 and out.count("webhook.replayed") == 2
