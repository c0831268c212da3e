"""Slack's calls into the workflow engine, with each outcome turned into words.

Approve / reject / cancel from a button or from `/bmad`, status and recent runs: the
engine decides (roles, valid transitions); this module only maps its answers and errors
to texts, so listeners stay thin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from agents.workflows.errors import RunNotFound, WorkflowError
from agents.workflows.service import WorkflowService
from agents.workflows.views import RunView
from bot.slack.texts import status_words, text, workflow_title
from integrations.observability.logging import get_logger
from integrations.settings import Settings

log = get_logger(__name__)

RECENT_RUNS = 10
_DONE_TEXT = {"approve": "approved", "reject": "rejected", "cancel": "cancelled"}


@dataclass(frozen=True)
class Decision:
    ok: bool
    message: str
    decided_at: datetime


def _service(settings: Settings) -> WorkflowService:
    return WorkflowService(settings)


def decide(
    settings: Settings, team_id: str, run_id: int, user_id: str, action: str, lang: str
) -> Decision:
    """approve / reject / cancel `run_id` as `user_id`; the engine checks the role."""
    service = _service(settings)
    now = datetime.now(UTC)
    try:
        getattr(service, action)(team_id, run_id, user_id)
    except WorkflowError as err:  # not allowed (role), unknown run, invalid transition
        return Decision(False, err.message_in(lang), now)
    log.info("slack_run_decision", run_id=run_id, action=action, user=user_id)
    return Decision(True, text(_DONE_TEXT[action], lang, run_id=run_id), now)


def run_words(run: RunView, lang: str) -> dict[str, object]:
    """The run as people read it: workflow title and status in words, not identifiers."""
    return {
        "run": run,
        "title": workflow_title(run.workflow, lang),
        "status": status_words(run.status, lang),
    }


def run_line(run: RunView, lang: str) -> str:
    return text("run_line", lang, **run_words(run, lang))


def recent_runs(settings: Settings, team_id: str) -> list[RunView]:
    return list(_service(settings).list_runs(team_id, limit=RECENT_RUNS))


def describe_run(settings: Settings, team_id: str, run_id: int | None, lang: str) -> str:
    service = _service(settings)
    if run_id is None:
        runs = service.list_runs(team_id, limit=1)
        if not runs:
            return text("runs_none", lang)
        return text("run_status", lang, **run_words(runs[0], lang))
    try:
        return text("run_status", lang, **run_words(service.get(team_id, run_id), lang))
    except RunNotFound as err:
        return err.message_in(lang)
