"""App Home: recent runs, approvals waiting for this user, usage - one views.publish."""

from __future__ import annotations

from typing import Any

from agents.workflows.views import RunView
from bot.slack.blocks import home_view
from bot.slack.posting import outbound_for
from bot.slack.texts import text, workflow_title
from bot.slack.workflow_calls import recent_runs, run_line
from conversations.usage import usage_text
from integrations.db.models import Role
from integrations.db.session import tenant_session
from integrations.db.tenants import role_of
from integrations.observability.logging import get_logger
from integrations.settings import Settings

log = get_logger(__name__)


def _can_approve(run: RunView, role: Role | None) -> bool:
    """The same rule the engine applies on the click (admin when the step names no role)."""
    needed = Role(run.approval_role or Role.admin.value)
    return role is not None and role.at_least(needed)


def build_home(settings: Settings, team_id: str, user_id: str, lang: str = "en") -> dict[str, Any]:
    runs = recent_runs(settings, team_id)
    with tenant_session(settings.database_url, team_id) as session:
        role = role_of(session, user_id)
    approvals = [
        _approval_entry(r, lang) for r in runs if r.waiting_approval and _can_approve(r, role)
    ]
    return home_view(
        runs_lines=[run_line(r, lang) for r in runs],
        approvals=approvals,
        usage=usage_text(settings, team_id, lang),
        lang=lang,
    )


def _approval_entry(run: RunView, lang: str) -> tuple[str, int, str, dict[str, str]]:
    title = workflow_title(run.workflow, lang)
    facts = {k: run.inputs[k] for k in ("service", "environment", "version") if run.inputs.get(k)}
    line = text(
        "home_approval_line",
        lang,
        run=run,
        title=title,
        service=facts.get("service"),
        environment=facts.get("environment"),
    )
    return line, int(run.id), title, facts


def publish_home(settings: Settings, team_id: str, user_id: str) -> None:
    view = build_home(settings, team_id, user_id)
    outbound_for(settings, team_id).publish_home(user_id, view)
