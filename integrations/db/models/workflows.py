"""Durable workflow state: runs, their steps, an append-only event trail, deploy hooks.

Why in the database (not in Redis or Celery): a run must survive worker crashes and
restarts, transitions are guarded by conditional UPDATEs on these rows, and the event
trail doubles as the record of who approved what and when.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from integrations.db.base import Base, TenantScoped, Timestamped, utcnow
from integrations.db.public_ids import PUBLIC_ID_LENGTH, public_id_factory


class WorkflowRun(TenantScoped, Timestamped, Base):
    __tablename__ = "workflow_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(
        String(PUBLIC_ID_LENGTH), unique=True, default=public_id_factory("run")
    )
    workflow: Mapped[str] = mapped_column(String(64), index=True)
    # pending -> running -> waiting_approval -> succeeded | failed | cancelled
    status: Mapped[str] = mapped_column(String(24), default="pending", index=True)
    conversation_key: Mapped[str] = mapped_column(String(300), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(8), default="en")
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The template as it was when the run started: later template edits never change a run.
    template: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Set once the run_finished notice went out (the sweeper re-sends when it is missing).
    finish_notified_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )


class WorkflowStep(TenantScoped, Base):
    __tablename__ = "workflow_steps"
    __table_args__ = (UniqueConstraint("run_id", "name", name="uq_workflow_steps_run_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("workflow_runs.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(16))
    agent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    task: Mapped[str | None] = mapped_column(String(64), nullable=True)
    is_compensation: Mapped[bool] = mapped_column(Boolean, default=False)
    # pending | queued | running | waiting_approval | succeeded | failed | rejected
    # | expired | skipped | cancelled
    status: Mapped[str] = mapped_column(String(24), default="pending", index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    output: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    mode: Mapped[str | None] = mapped_column(String(16), nullable=True)  # offline | llm
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # A running step whose lease passed belongs to a dead worker: the sweeper re-queues it.
    lease_until: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    approval_role: Mapped[str | None] = mapped_column(String(16), nullable=True)
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The reason the approver gave with the decision, in their words (None: none given).
    decision_note: Mapped[str | None] = mapped_column(Text, nullable=True)


class WorkflowEvent(TenantScoped, Timestamped, Base):
    """Append-only: the history of a run (never updated or deleted by the engine)."""

    __tablename__ = "workflow_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("workflow_runs.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[str | None] = mapped_column(String(64), nullable=True)
    type: Mapped[str] = mapped_column(String(48))
    actor: Mapped[str | None] = mapped_column(String(64), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DeployHook(TenantScoped, Timestamped, Base):
    """The URL a tenant's deploy step calls; without one, deploys are labelled dry runs."""

    __tablename__ = "deploy_hooks"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_deploy_hooks_tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(1000))
