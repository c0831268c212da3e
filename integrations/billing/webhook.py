"""Apply verified Stripe webhook events to a tenant's plan and subscription state.

Each event id is inserted into `stripe_events` in the same transaction as the change, so a
redelivered event (Stripe retries, two replicas) changes nothing twice: the second insert
violates the primary key and its transaction rolls back. Every applied event is audited.

Stripe does not deliver in order. Subscription events carry the state of the subscription
when they were created, so one created before the newest applied one is stale: it is
recorded (outcome `stale`) and not applied - otherwise `subscription.deleted` followed by
a late `subscription.updated` would give a cancelled tenant its paid plan back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from integrations.billing.accounts import ensure_account, find_by_customer
from integrations.billing.customers import plan_for_price
from integrations.billing.plans import load_catalog
from integrations.db.events import record_audit
from integrations.db.models import BillingAccount, StripeEvent, Tenant
from integrations.db.session import admin_session, tenant_session
from integrations.email.outbox import queue_admin_emails
from integrations.observability.logging import get_logger
from integrations.observability.metrics import STRIPE_WEBHOOKS
from integrations.settings import Settings

log = get_logger(__name__)

HANDLED = (
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_failed",
)
PAID_STATES = ("active", "trialing")


def _get(obj: Any, *path: str) -> Any:
    """Walk nested Stripe objects / dicts; None when any step is missing."""
    for part in path:
        if obj is None:
            return None
        if isinstance(obj, list):
            obj = obj[int(part)] if len(obj) > int(part) else None
            continue
        obj = obj.get(part) if hasattr(obj, "get") else None
    return obj


def _moment(ts: Any) -> datetime | None:
    return datetime.fromtimestamp(int(ts), UTC) if ts else None


def _tenant_for(settings: Settings, obj: Any) -> str | None:
    tenant = _get(obj, "client_reference_id") or _get(obj, "metadata", "tenant_id")
    customer = _get(obj, "customer")
    if customer and not isinstance(customer, str):
        customer = _get(customer, "id")
    with admin_session(settings.database_url) as session:
        if tenant and session.get(Tenant, tenant) is not None:
            return str(tenant)
        if customer:
            account = find_by_customer(session, customer)
            if account is not None:
                return account.tenant_id
    return None


def process_event(settings: Settings, event: Any) -> str:
    """Apply one verified event; outcome: applied, stale, duplicate, ignored or unknown_tenant."""
    event_type = str(event["type"])
    created = int(_get(event.to_dict(), "created") or 0)
    obj = event["data"]["object"].to_dict(recursive=True)
    tenant_id = _tenant_for(settings, obj) if event_type in HANDLED else None
    outcome = "applied"
    try:
        if tenant_id is None:
            outcome = "ignored" if event_type not in HANDLED else "unknown_tenant"
            with admin_session(settings.database_url) as session:
                session.add(StripeEvent(id=event["id"], event_type=event_type, tenant_id=None))
        else:
            with tenant_session(settings.database_url, tenant_id) as session:
                session.add(StripeEvent(id=event["id"], event_type=event_type, tenant_id=tenant_id))
                session.flush()
                if _stale(session, tenant_id, event_type, created):
                    outcome = "stale"
                else:
                    _apply(settings, session, tenant_id, event_type, obj)
    except IntegrityError:
        outcome = "duplicate"
    STRIPE_WEBHOOKS.labels(event_type, outcome).inc()
    log.info("stripe_event", event_type=event_type, tenant_id=tenant_id, outcome=outcome)
    return outcome


def _stale(session: Session, tenant_id: str, kind: str, created: int) -> bool:
    """A subscription event older than the newest one applied; else remember its time."""
    if not kind.startswith("customer.subscription."):
        return False
    account = ensure_account(session, tenant_id)
    newest = account.subscription_event_created
    if newest is not None and created < newest:
        return True
    account.subscription_event_created = created
    return False


def _apply(settings: Settings, session: Session, tenant_id: str, kind: str, obj: Any) -> None:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:  # _tenant_for found it; only a concurrent delete gets here
        raise LookupError(f"tenant {tenant_id} is gone")
    account = ensure_account(session, tenant_id)
    before = {"plan": tenant.plan, "status": account.subscription_status}
    customer = _get(obj, "customer")
    if isinstance(customer, str) and not account.stripe_customer_id:
        account.stripe_customer_id = customer
    if kind == "checkout.session.completed":
        _checkout_completed(tenant, account, obj)
    elif kind in ("customer.subscription.created", "customer.subscription.updated"):
        _subscription_changed(settings, tenant, account, obj)
    elif kind == "customer.subscription.deleted":
        tenant.plan = load_catalog().default_plan
        account.subscription_status = "canceled"
        account.subscribed_at = None  # a new subscription meters from its own start
        account.stripe_subscription_id = None
        account.past_due_since = account.grace_until = None
    elif kind == "invoice.paid":
        if account.subscription_status in ("past_due", "unpaid", "none"):
            account.subscription_status = "active"
        account.past_due_since = account.grace_until = None
        period_end = _get(obj, "lines", "data", "0", "period", "end")
        if period_end:
            account.current_period_end = _moment(period_end)
    elif kind == "invoice.payment_failed":
        _payment_failed(settings, session, tenant, account, obj)
    record_audit(
        session,
        tenant_id,
        actor="stripe",
        action=f"billing.{kind}",
        target=str(_get(obj, "id") or ""),
        details={
            "before": before,
            "after": {"plan": tenant.plan, "status": account.subscription_status},
        },
        source="stripe",
    )


def _checkout_completed(tenant: Tenant, account: BillingAccount, obj: Any) -> None:
    subscription = _get(obj, "subscription")
    if isinstance(subscription, str):
        account.stripe_subscription_id = subscription
    plan = _get(obj, "metadata", "plan")
    if plan in load_catalog().plans and _get(obj, "payment_status") in (
        "paid",
        "no_payment_required",
    ):
        tenant.plan = plan
        account.subscription_status = "active"
        _mark_subscribed(account)


def _subscription_changed(
    settings: Settings, tenant: Tenant, account: BillingAccount, obj: Any
) -> None:
    status = str(_get(obj, "status") or "none")
    account.subscription_status = status
    account.stripe_subscription_id = str(_get(obj, "id") or "") or account.stripe_subscription_id
    item = _get(obj, "items", "data", "0")
    period_end = _get(item, "current_period_end") or _get(obj, "current_period_end")
    account.current_period_end = _moment(period_end) or account.current_period_end
    plan = plan_for_price(settings, _get(item, "price", "id")) or _get(obj, "metadata", "plan")
    if status in PAID_STATES:
        _mark_subscribed(account)
        if plan in load_catalog().plans:
            tenant.plan = plan
        account.past_due_since = account.grace_until = None
    elif status in ("canceled", "incomplete_expired"):
        tenant.plan = load_catalog().default_plan
    elif status in ("past_due", "unpaid") and account.past_due_since is None:
        _start_grace(settings, account)


def _mark_subscribed(account: BillingAccount) -> None:
    """The first moment the subscription was paid for (kept across later updates)."""
    if account.subscribed_at is None:
        account.subscribed_at = datetime.now(UTC)


def _start_grace(settings: Settings, account: BillingAccount) -> None:
    now = datetime.now(UTC)
    account.past_due_since = now
    account.grace_until = now + timedelta(days=settings.billing_grace_days)


def _payment_failed(
    settings: Settings, session: Session, tenant: Tenant, account: BillingAccount, obj: Any
) -> None:
    account.subscription_status = "past_due"
    if account.past_due_since is None:
        _start_grace(settings, account)
    amount = _get(obj, "amount_due")
    currency = str(_get(obj, "currency") or "").upper()
    grace_until = account.grace_until or datetime.now(UTC)
    queue_admin_emails(
        session,
        tenant.id,
        "payment_failed",
        {
            "tenant_name": tenant.name,
            "invoice_id": str(_get(obj, "id") or ""),
            "amount": f"{int(amount) / 100:.2f} {currency}".strip() if amount else "",
            "grace_until": grace_until.strftime("%Y-%m-%d %H:%M UTC"),
            "billing_url": settings.public_url.rstrip("/") + "/billing/upgrade",
        },
    )
