"""Per-tenant configuration of the inbound webhook sources.

Generic and GitHub receivers verify HMACs, so their secret is stored encrypted (Fernet,
`BMAD_SECRET_KEY`); Alertmanager sends a bearer token, so only its SHA-256 is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.db.events import record_audit
from integrations.db.models import Tenant, WebhookSource
from integrations.db.session import tenant_session
from integrations.security.compare import same_secret
from integrations.settings import Settings
from integrations.webhooks_out.crypto import decrypt_secret, encrypt_secret, hash_token

Source = Literal["generic", "alertmanager", "github"]
SOURCES: tuple[Source, ...] = ("generic", "alertmanager", "github")

# GitHub event -> the action (intent) it starts; a tenant may override or disable ("").
DEFAULT_GITHUB_ACTIONS = {
    "pull_request": "review_code",
    "workflow_run": "triage_incident",
    "release": "write_release_notes",
}


@dataclass(frozen=True)
class SourceConfig:
    tenant_id: str
    source: str
    secret: str | None
    token_hash: str | None
    channel: str | None
    event_actions: dict[str, str] = field(default_factory=dict)
    has_api_token: bool = False  # GitHub: the agents can fetch PR files / compares
    post_reviews: bool = False

    def token_matches(self, token: str) -> bool:
        return self.token_hash is not None and same_secret(self.token_hash, hash_token(token))


MIN_SECRET_LENGTH = 16


class UnknownTenant(LookupError):
    pass


class NotConfigured(LookupError):
    pass


def load_source(settings: Settings, tenant_id: str, source: Source) -> SourceConfig:
    """The tenant's configuration for `source`; refuses unknown tenants and missing secrets."""
    if not tenant_id or ":" in tenant_id or len(tenant_id) > 64:
        raise UnknownTenant(tenant_id)
    with tenant_session(settings.database_url, tenant_id) as session:
        if session.get(Tenant, tenant_id) is None:
            raise UnknownTenant(tenant_id)
        row = _find(session, source)
        if row is None or not row.enabled:
            raise NotConfigured(source)
        secret = decrypt_secret(settings, row.secret_encrypted) if row.secret_encrypted else None
        # Missing credential = refuse, never "accept all": an empty HMAC key is forgeable.
        if source == "alertmanager" and not row.token_hash:
            raise NotConfigured(source)
        if source != "alertmanager" and (secret is None or len(secret) < MIN_SECRET_LENGTH):
            raise NotConfigured(source)
        actions = dict(DEFAULT_GITHUB_ACTIONS) if source == "github" else {}
        actions.update({k: str(v) for k, v in (row.event_actions or {}).items()})
        return SourceConfig(
            tenant_id=tenant_id,
            source=source,
            secret=secret,
            token_hash=row.token_hash,
            channel=row.channel,
            event_actions=actions,
            has_api_token=row.api_token_encrypted is not None,
            post_reviews=bool(row.post_reviews),
        )


def configure_source(
    session: Session,
    settings: Settings,
    tenant_id: str,
    source: Source,
    *,
    secret: str | None = None,
    token: str | None = None,
    channel: str | None = None,
    event_actions: dict[str, str] | None = None,
    enabled: bool | None = None,
    api_token: str | None = None,
    post_reviews: bool | None = None,
    actor: str = "system",
    audit_source: str = "cli",
) -> WebhookSource:
    """Create or update; only the given fields change. Audited (never the secret itself)."""
    row = _find(session, source)
    created = row is None
    if row is None:
        row = WebhookSource(tenant_id=tenant_id, source=source, event_actions={})
        session.add(row)
    if secret is not None:
        row.secret_encrypted = encrypt_secret(settings, secret)
    if token is not None:
        row.token_hash = hash_token(token)
    if channel is not None:
        row.channel = channel or None
    if event_actions:
        row.event_actions = {**(row.event_actions or {}), **event_actions}
    if enabled is not None:
        row.enabled = enabled
    if api_token is not None:
        row.api_token_encrypted = encrypt_secret(settings, api_token) if api_token else None
    if post_reviews is not None:
        row.post_reviews = post_reviews
    session.flush()
    changed = {
        "secret": "replaced" if secret is not None else None,
        "token": "replaced" if token is not None else None,
        "channel": channel,
        "on": event_actions or None,
        "enabled": enabled,
    }
    record_audit(
        session,
        tenant_id,
        actor=actor,
        action="webhook.source_created" if created else "webhook.source_changed",
        target=f"source:{source}",
        details={k: v for k, v in changed.items() if v is not None},
        source=audit_source,
    )
    return row


def list_sources(session: Session) -> list[WebhookSource]:
    return list(session.scalars(select(WebhookSource).order_by(WebhookSource.source)))


def _find(session: Session, source: str) -> WebhookSource | None:
    return session.scalars(
        select(WebhookSource).where(WebhookSource.source == source)
    ).one_or_none()
