"""`bmad secrets rotate`: re-encrypt every stored secret under the current BMAD_SECRET_KEY.

Rotation: set the new key as BMAD_SECRET_KEY and the old one as BMAD_SECRET_KEY_PREVIOUS
on every process (both decrypt, the new one encrypts), run this once, then drop the
previous key. Secrets that neither key opens are counted, left as they are and never logged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from integrations.db.models import WebhookEndpoint, WebhookSource
from integrations.db.session import admin_session
from integrations.observability.logging import get_logger
from integrations.settings import Settings
from integrations.webhooks_out.crypto import SecretUnreadableError, rotate_secret

log = get_logger(__name__)
# Every encrypted column: (model, attribute). Add new ones here.
ENCRYPTED: tuple[tuple[type[WebhookSource | WebhookEndpoint], str], ...] = (
    (WebhookSource, "secret_encrypted"),
    (WebhookEndpoint, "secret_encrypted"),
)


@dataclass
class RotationReport:
    rotated: int = 0
    unreadable: int = 0


def rotate_all(settings: Settings) -> RotationReport:
    report = RotationReport()
    with admin_session(settings.database_url) as session:
        for model, column in ENCRYPTED:
            rows: Iterable[WebhookSource | WebhookEndpoint] = session.scalars(select(model))
            for row in rows:
                token = getattr(row, column)
                if not token:
                    continue
                try:
                    setattr(row, column, rotate_secret(settings, token))
                except SecretUnreadableError:
                    report.unreadable += 1
                    log.error("secret_rotation_unreadable", table=model.__tablename__, id=row.id)
                    continue
                report.rotated += 1
    return report
