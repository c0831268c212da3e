"""/console/usage: the plan, this period's use against it (per day and per agent), and for
those who may manage billing the Stripe Checkout and Customer Portal buttons.

The figures are `usage_summary` (the same answer as `/bmad usage` and `GET /api/v1/usage`)
and the ledger; the Stripe links come from `bot.billing.links`, as `/bmad billing` does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from agents.access import can
from bot.billing.links import (
    BILLING_ERRORS,
    billing_links,
    billing_refusal,
    billing_refusal_status,
)
from bot.console_web.access import Refused, form, page
from bot.console_web.charts import bars
from bot.console_web.pages import show
from bot.console_web.session import Visitor, settings_of
from integrations.billing.breakdown import usage_by_agent, usage_by_day
from integrations.billing.period import current_period
from integrations.billing.plans import load_catalog
from integrations.billing.usage import usage_summary
from integrations.db.models import Role
from integrations.db.session import tenant_session

router = APIRouter(prefix="/console", include_in_schema=False)
USAGE_ROLE = Role.admin


@router.get("/usage")
def usage(request: Request, who: Annotated[Visitor, page(USAGE_ROLE)]) -> Response:
    settings = settings_of(request)
    summary = usage_summary(settings, who.user.tenant_id)
    period = current_period()
    with tenant_session(settings.database_url, who.user.tenant_id) as session:
        days = usage_by_day(session, period)
        agents = usage_by_agent(session, period)
    labels = [d.day.isoformat() for d in days]
    month = (period.end - period.start).days
    catalog = load_catalog()
    return show(
        request,
        who,
        "usage.html.j2",
        summary=summary,
        agents=agents,
        run_bars=bars(labels, [d.runs for d in days], month),
        token_bars=bars(labels, [d.llm_tokens for d in days], month),
        paid_plans=[p for p in catalog.plans if p != catalog.default_plan],
        may_bill=can(who.user_role, "manage_billing"),
    )


@router.post("/billing")
def billing(
    request: Request,
    who: Annotated[Visitor, form()],
    plan: Annotated[str, Form(max_length=32)] = "team",
    go: Annotated[str, Form(pattern="^(checkout|portal)$")] = "checkout",
) -> Response:
    """Any signed-in user may ask: `billing_links` checks manage_billing and says who can."""
    me = who.user
    try:
        checkout, portal = billing_links(
            settings_of(request), me.tenant_id, me.user_id, plan, who.lang, source="console"
        )
    except BILLING_ERRORS as err:
        status, code = billing_refusal_status(err)
        raise Refused(
            who, code, status, billing_refusal(err, me.tenant_id, plan, who.lang)
        ) from err
    return RedirectResponse(checkout if go == "checkout" else portal, status_code=303)
