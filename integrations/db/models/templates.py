"""Tenant workflow templates, stored in the database so every replica sees the same ones.

Versioned and append-only: each save is a new row with the next version; a delete is a
tombstone row (`deleted`), so `show` can tell "deleted" from "never existed" and the audit
trail keeps every version. The newest row of a (tenant, name) is the template in force.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from integrations.db.base import Base, TenantScoped, Timestamped


class WorkflowTemplateRow(TenantScoped, Timestamped, Base):
    __tablename__ = "workflow_templates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name", "version", name="uq_workflow_templates_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(128), default="")
