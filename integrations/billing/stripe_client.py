"""The configured `stripe.StripeClient` (real SDK; `STRIPE_API_BASE` points it at a fake)."""

from __future__ import annotations

import stripe

from integrations.settings import Settings


class BillingNotConfigured(RuntimeError):
    """Stripe is not configured (no API key, or no price for the requested plan)."""


def stripe_client(settings: Settings) -> stripe.StripeClient:
    if settings.stripe_api_key is None:
        raise BillingNotConfigured("STRIPE_API_KEY is not set")
    bases: dict[str, str] = {}
    if settings.stripe_api_base:
        base = settings.stripe_api_base.rstrip("/")
        bases = {"api": base, "meter_events": base}
    return stripe.StripeClient(
        settings.stripe_api_key.get_secret_value(),
        base_addresses=bases,  # type: ignore[arg-type]
        max_network_retries=2,
    )
