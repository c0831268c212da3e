"""Tell a tenant's admins when usage passes 80% and 100% of a quota, once per period.

A Redis `SET NX` keeps the hot path cheap; the `quota_alerts` unique key is what makes
"once" hold across processes and Redis restarts. The email and the Slack DM request are
outbox events written in the same transaction as that row.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from integrations.billing.links import upgrade_url
from integrations.billing.period import Period
from integrations.billing.plans import Metric, load_catalog
from integrations.db.events import enqueue_event
from integrations.db.models import QuotaAlert, Tenant
from integrations.db.session import tenant_session
from integrations.email.outbox import admin_recipients, queue_admin_emails
from integrations.observability.logging import get_logger
from integrations.redis_store import get_redis, key
from integrations.settings import Settings

log = get_logger(__name__)
SLACK_DM_EVENT = "slack.admin_dm"


def crossed(used: int, limit: int | None) -> list[int]:
    """Thresholds (percent) that `used` has reached for `limit`."""
    if not limit:
        return []
    return [t for t in load_catalog().thresholds if used * 100 >= t * limit]


def maybe_alert(
    settings: Settings, tenant_id: str, metric: Metric, used: int, limit: int | None, period: Period
) -> list[int]:
    """Alert for each newly reached threshold; returns the thresholds alerted now."""
    alerted = []
    client = get_redis(settings.redis_url)
    for threshold in crossed(used, limit):
        guard = key(tenant_id, "quota_alert", metric, period.name, threshold)
        if not client.set(guard, 1, nx=True, ex=period.seconds_left + 86400):
            continue
        try:
            if _record_and_notify(settings, tenant_id, metric, threshold, used, limit, period):
                alerted.append(threshold)
        except Exception:
            # Never fail the caller (a run already started) over an alert; the next use
            # of the quota tries again, since the guard goes with the failure.
            client.delete(guard)
            log.warning("quota_alert_failed", tenant_id=tenant_id, threshold=threshold)
    return alerted


def _record_and_notify(
    settings: Settings,
    tenant_id: str,
    metric: Metric,
    threshold: int,
    used: int,
    limit: int | None,
    period: Period,
) -> bool:
    try:
        with tenant_session(settings.database_url, tenant_id) as session:
            session.add(
                QuotaAlert(
                    tenant_id=tenant_id, metric=metric, period=period.name, threshold=threshold
                )
            )
            session.flush()
            tenant = session.get(Tenant, tenant_id)
            facts = {
                "tenant_name": tenant.name if tenant else tenant_id,
                "plan": tenant.plan if tenant else "",
                "metric": metric,
                "threshold": threshold,
                "used": used,
                "limit": limit,
                "period": period.name,
                "upgrade_url": upgrade_url(settings, tenant_id),
            }
            queue_admin_emails(session, tenant_id, "quota_warning", facts)
            admins = [u.external_id for u in admin_recipients(session, with_email=False)]
            enqueue_event(
                session,
                tenant_id,
                SLACK_DM_EVENT,
                {"users": admins, "reply": "quota_warning", "facts": facts},
            )
    except IntegrityError:
        return False  # another process recorded this threshold first
    log.info("quota_threshold", tenant_id=tenant_id, metric=metric, threshold=threshold)
    return True
