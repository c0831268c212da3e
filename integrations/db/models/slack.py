"""Per-tenant Slack preferences (the installation itself lives in slack_sdk's tables)."""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from integrations.db.base import Base, TenantScoped, Timestamped


class SlackSettings(TenantScoped, Timestamped, Base):
    """Who hears about approval requests: a user group (`S…`) mentioned in the request
    message; without one, each eligible approver gets a DM."""

    __tablename__ = "slack_settings"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_slack_settings_tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    approvers_group: Mapped[str | None] = mapped_column(String(32), nullable=True)
