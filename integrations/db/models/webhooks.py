"""Tables for inbound webhooks, API keys and outbound webhook delivery.

- `WebhookSource`: per tenant and source (generic, alertmanager, github): the encrypted
  HMAC secret or the hashed bearer token, the Slack channel to post in, and which events
  start which workflow.
- `ApiKey`: REST API keys, only their SHA-256 stored; `key_hash` is globally unique because
  the key itself is what tells us the tenant.
- `ProcessedDelivery`: (source, delivery id) seen once, so redeliveries do nothing.
- `AlertGroupRun`: one Alertmanager alert group (groupKey) -> one incident run and thread.
- `WebhookEndpoint`: a tenant's outbound receiver, its encrypted signing secret, its events
  and its failure streak.
- `WebhookDelivery`: one outbox event for one endpoint, retried with backoff.
- `WebhookAttempt`: the delivery log, one row per HTTP attempt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from integrations.db.base import Base, TenantScoped, Timestamped
from integrations.db.public_ids import PUBLIC_ID_LENGTH, public_id_factory


class WebhookSource(TenantScoped, Timestamped, Base):
    __tablename__ = "webhook_sources"
    __table_args__ = (UniqueConstraint("tenant_id", "source", name="uq_webhook_sources_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    secret_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # event name -> action name ("" disables); see bot.webhooks.github_events.
    event_actions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # GitHub only: API token (encrypted) to fetch PR files / compares, and whether the
    # review is posted back on the pull request (migration 0008_agents).
    api_token_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)
    post_reviews: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ApiKey(TenantScoped, Timestamped, Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The user the key acts as for role-checked actions (approve/reject/cancel).
    user_id: Mapped[str] = mapped_column(String(64), default="api")
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProcessedDelivery(TenantScoped, Timestamped, Base):
    __tablename__ = "processed_deliveries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source", "delivery_id", name="uq_processed_deliveries"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    delivery_id: Mapped[str] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(64), default="")


class AlertGroupRun(TenantScoped, Timestamped, Base):
    __tablename__ = "alert_group_runs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "group_key_hash", name="uq_alert_group_runs_group"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_key_hash: Mapped[str] = mapped_column(String(64))
    group_key: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="firing")
    run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    channel: Mapped[str | None] = mapped_column(String(64), nullable=True)
    thread_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    notifications: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookEndpoint(TenantScoped, Timestamped, Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(
        String(PUBLIC_ID_LENGTH), unique=True, default=public_id_factory("whe")
    )
    url: Mapped[str] = mapped_column(String(2000))
    secret_encrypted: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(String(200), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    # First failure of the current streak (None after any success): disabled once it is
    # older than BMAD_WEBHOOK_DISABLE_AFTER.
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookDelivery(TenantScoped, Timestamped, Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id", name="uq_webhook_deliveries_event_endpoint"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(64))
    # pending -> delivered | failed (gave up after the retry window). Deliveries of a
    # disabled endpoint stay pending and go out when it is enabled again.
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # Start of the current retry window (creation, re-enable or replay); None = created_at.
    window_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookAttempt(TenantScoped, Timestamped, Base):
    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    endpoint_id: Mapped[int] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str] = mapped_column(String(300), default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
