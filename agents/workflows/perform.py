"""What each step kind does once a worker claimed it: agent task, deploy hook, notify.

Why separate from the engine: this is the only part that touches the outside world (LLM,
deploy hook) and may be slow; it runs outside any database transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select

from agents.crew.runner import AgentResult, Upstream, run_task
from agents.crew.templates import render_lang
from agents.workflows.spec import StepSpec
from integrations.db.models import DeployHook
from integrations.db.session import tenant_session
from integrations.settings import Settings


@dataclass
class StepContext:
    tenant_id: str
    run_id: int
    workflow: str
    step_id: int
    step: str
    kind: str
    agent: str | None
    task: str | None
    attempt: int
    lang: str
    inputs: dict[str, str]
    spec: StepSpec
    conversation_key: str = ""
    upstream: list[Upstream] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)  # every succeeded step so far


class DeployHookError(RuntimeError):
    """The tenant's deploy hook answered with an error (retried per the step's policy)."""


def perform(settings: Settings, ctx: StepContext) -> AgentResult:
    if ctx.spec.sleep_input and ctx.inputs.get(ctx.spec.sleep_input):
        # Test-only templates; never longer than the step may take.
        time.sleep(min(float(ctx.inputs[ctx.spec.sleep_input]), ctx.spec.timeout_seconds))
    if ctx.kind == "agent":
        assert ctx.agent and ctx.task
        return run_task(
            settings,
            ctx.agent,
            ctx.task,
            inputs=ctx.inputs,
            upstream=ctx.upstream,
            lang=ctx.lang,
            timeout=ctx.spec.timeout_seconds,
        )
    if ctx.kind == "deploy":
        return _deploy(settings, ctx)
    if ctx.kind == "notify":
        text = render_lang(
            f"workflows/{{lang}}/{ctx.spec.message}.md",
            ctx.lang,
            run_id=ctx.run_id,
            workflow=ctx.workflow,
            inputs=ctx.inputs,
            outputs=ctx.outputs,
        )
        return AgentResult(text=text, data={}, mode="offline")
    raise ValueError(f"step kind {ctx.kind!r} cannot be performed by a worker")


def _deploy(settings: Settings, ctx: StepContext) -> AgentResult:
    with tenant_session(settings.database_url, ctx.tenant_id) as session:
        url = session.scalars(select(DeployHook.url)).first()
    values: dict[str, Any] = {
        "service": ctx.inputs.get("service", ""),
        "environment": ctx.inputs.get("environment", ""),
        "tenant": ctx.tenant_id,
    }
    if not url:
        text = render_lang("workflows/{lang}/deploy_dry_run.md", ctx.lang, **values)
        return AgentResult(text=text, data={"dry_run": True}, mode="offline")
    payload = {
        "run_id": ctx.run_id,
        "workflow": ctx.workflow,
        "service": values["service"],
        "environment": values["environment"],
        "plan": ctx.outputs.get("plan", ""),
        # Lets the receiver drop a repeated call for the same run (we retry on errors).
        "idempotency_key": f"{ctx.tenant_id}:{ctx.run_id}:{ctx.step}",
    }
    response = httpx.post(
        url,
        json=payload,
        timeout=min(ctx.spec.timeout_seconds, 60.0),
        headers={"Idempotency-Key": payload["idempotency_key"]},
    )
    if response.status_code >= 400:
        raise DeployHookError(f"deploy hook answered HTTP {response.status_code}")
    text = render_lang(
        "workflows/{lang}/deploy_called.md", ctx.lang, status=response.status_code, **values
    )
    return AgentResult(
        text=text, data={"dry_run": False, "status": response.status_code}, mode="offline"
    )
