"""Tenancy tables: tenants and their users. Other packages add their own model modules."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Enum, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from integrations.db.base import Base, TenantScoped, Timestamped


class Role(enum.StrEnum):
    owner = "owner"
    admin = "admin"
    member = "member"
    viewer = "viewer"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank

    def next_up(self) -> Role:
        """The role above this one (owner stays owner): where escalations go."""
        higher = [r for r in Role if r.rank > self.rank]
        return min(higher, key=lambda r: r.rank) if higher else self


_RANKS = {Role.viewer: 0, Role.member: 1, Role.admin: 2, Role.owner: 3}


class Tenant(Timestamped, Base):
    """A Slack workspace (id = team_id) or an API-only tenant. Its id is the tenant id."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str] = mapped_column(String(32), default="free")
    # Four eyes on production: off = the requester of a production run may not approve it.
    # On only for one-person teams (`bmad tenants set T --self-approval`).
    self_approval: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def tenant_id(self) -> str:
        return self.id


class User(TenantScoped, Timestamped, Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_id", name="uq_users_tenant_external"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    # Email kinds this user does not want (integrations.email: approval, digest, ...).
    email_opt_out: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    # "manual" (set-email / API, never overwritten) or "slack" (profile, refreshed).
    email_source: Mapped[str | None] = mapped_column(String(16), nullable=True)
    email_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", native_enum=False, length=16), default=Role.member
    )
