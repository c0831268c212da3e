"""Start a workflow run for an intent, the way a chat request for that intent would.

The intent catalog (conversations.nlu.catalog) says what handles an intent: one agent task
(run as `single_task`) or a workflow template; webhooks reuse that instead of keeping a
second mapping.
"""

from __future__ import annotations

from typing import Any

from agents.workflows.service import WorkflowService
from agents.workflows.views import RunView
from conversations.nlu.catalog import load_catalog
from integrations.settings import Settings


class UnknownAction(ValueError):
    """The configured action is not an intent that starts work."""


def workflow_for(intent: str, slots: dict[str, str]) -> tuple[str, dict[str, Any]]:
    spec = load_catalog().get(intent)
    target = spec.handler.run_for(slots) if spec is not None else None
    if target is None:
        raise UnknownAction(intent)
    workflow, inputs = target
    return workflow, dict(inputs)


def start_run(
    settings: Settings,
    *,
    tenant_id: str,
    workflow: str,
    inputs: dict[str, Any],
    conversation_key: str,
    user_id: str,
    lang: str = "en",
) -> RunView:
    return WorkflowService(settings).start(
        tenant_id=tenant_id,
        workflow=workflow,
        inputs=inputs,
        conversation_key=conversation_key,
        user_id=user_id,
        lang=lang,
    )
