"""Signed links into billing pages (`/billing/upgrade`), safe to put in chat and email.

Why signed: the link names a tenant and opens a Stripe Checkout for it; the HMAC (keyed by
`billing_link_secret`) stops anyone from opening checkout pages for another tenant.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

from integrations.security.compare import same_secret
from integrations.settings import Settings

LINK_TTL = 14 * 24 * 3600


def _sign(secret: str, tenant_id: str, plan: str, expires: int) -> str:
    message = f"{tenant_id}|{plan}|{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def upgrade_url(settings: Settings, tenant_id: str, plan: str = "team") -> str:
    base = settings.public_url.rstrip("/") + "/billing/upgrade"
    if settings.billing_link_secret is None:
        return base  # the page itself asks the user to run `/bmad billing`
    expires = int(time.time()) + LINK_TTL
    sig = _sign(settings.billing_link_secret.get_secret_value(), tenant_id, plan, expires)
    return f"{base}?{urlencode({'tenant': tenant_id, 'plan': plan, 'exp': expires, 'sig': sig})}"


def verify_upgrade_link(
    settings: Settings, tenant_id: str, plan: str, expires: int, sig: str
) -> bool:
    if settings.billing_link_secret is None or expires < int(time.time()):
        return False
    expected = _sign(settings.billing_link_secret.get_secret_value(), tenant_id, plan, expires)
    return same_secret(expected, sig)
