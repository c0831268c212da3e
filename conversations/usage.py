"""The text of a usage report: one function, shared by the chat, Slack and the API.

The facts (plan, period, runs and tokens used and left, next invoice) come from billing.
"""

from __future__ import annotations

from integrations.billing.usage import render_usage, usage_summary
from integrations.settings import Settings


def usage_text(settings: Settings, tenant_id: str, lang: str) -> str:
    """Plan, period, runs and tokens used and left, next invoice: the billing summary, the
    same one `/bmad usage` and `GET /api/v1/usage` give."""
    return render_usage(usage_summary(settings, tenant_id), lang)
