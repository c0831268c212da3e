"""What each step kind does once a worker claimed it: agent task, deploy hook, notify.

Why separate from the engine: this is the only part that touches the outside world (LLM,
deploy hook) and may be slow; it runs outside any database transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select

from agents.analysis.by_task import REVIEW_TASKS
from agents.crew.runner import AgentResult, Upstream, run_task
from agents.crew.templates import render_lang
from agents.github_material import fetch_for_task, post_review
from agents.workflows.spec import StepSpec
from integrations.db.models import DeployHook
from integrations.db.session import tenant_session
from integrations.security.ssrf import UnsafeUrl, pin
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
    run_public_id: str = ""  # what outbound payloads (the deploy hook) carry
    upstream: list[Upstream] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)  # every succeeded step so far


class UserSafeError(RuntimeError):
    """A step failure whose message is ours and safe to show (no vendor text)."""


class DeployHookError(UserSafeError):
    """The tenant's deploy hook answered with an error (retried per the step's policy)."""


def perform(settings: Settings, ctx: StepContext) -> AgentResult:
    if ctx.kind == "agent":
        if not (ctx.agent and ctx.task):  # the template validator requires both
            raise ValueError(f"agent step {ctx.step!r} has no agent or task")
        fetched = fetch_for_task(settings, ctx.tenant_id, ctx.task, ctx.inputs, ctx.lang)
        result = run_task(
            settings,
            ctx.agent,
            ctx.task,
            inputs=ctx.inputs,
            upstream=ctx.upstream,
            lang=ctx.lang,
            timeout=ctx.spec.timeout_seconds,
            fetched=fetched,
        )
        if fetched is not None and fetched.files and ctx.task in REVIEW_TASKS:
            post_review(settings, ctx.tenant_id, ctx.inputs, ctx.run_id, result.text, ctx.lang)
        return result
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
    """Call the tenant's deploy hook with `action` deploy or rollback.

    Both actions share this one call (payload, Idempotency-Key per run and step), so a
    rollback is delivered exactly like the deploy it undoes. Without a hook a deploy is a
    labelled dry run and a rollback says plainly that nothing could be rolled back.
    """
    action = ctx.spec.action
    with tenant_session(settings.database_url, ctx.tenant_id) as session:
        url = session.scalars(select(DeployHook.url)).first()
    values: dict[str, Any] = {
        "service": ctx.inputs.get("service", ""),
        "environment": ctx.inputs.get("environment", ""),
        "tenant": ctx.tenant_id,
        "run_id": ctx.run_id,
    }
    if not url:
        name = "deploy_dry_run" if action == "deploy" else "rollback_no_hook"
        text = render_lang(f"workflows/{{lang}}/{name}.md", ctx.lang, **values)
        return AgentResult(text=text, data={"dry_run": True, "action": action}, mode="offline")
    payload = {
        "action": action,
        "run_id": ctx.run_public_id,
        "workflow": ctx.workflow,
        "service": values["service"],
        "environment": values["environment"],
        "plan": ctx.outputs.get("plan", ""),
        # Lets the receiver drop a repeated call for the same run (we retry on errors).
        "idempotency_key": f"{ctx.tenant_id}:{ctx.run_public_id}:{ctx.step}",
    }
    try:
        target = pin(settings, url)  # at every call: the hook's DNS may point inward by now
    except UnsafeUrl as err:
        raise DeployHookError(f"{action} hook refused: {err.code}") from err
    try:
        with httpx.Client(follow_redirects=False) as client:  # module-level post lacks extensions
            response = client.post(
                target.url,
                json=payload,
                timeout=min(ctx.spec.timeout_seconds, 60.0),
                headers={"Idempotency-Key": payload["idempotency_key"], **target.headers},
                extensions=target.extensions,
            )
    except httpx.HTTPError:
        raise DeployHookError(f"{action} hook could not be reached") from None
    if response.status_code >= 400:
        raise DeployHookError(f"{action} hook answered HTTP {response.status_code}")
    name = "deploy_called" if action == "deploy" else "rollback_called"
    text = render_lang(
        f"workflows/{{lang}}/{name}.md", ctx.lang, status=response.status_code, **values
    )
    return AgentResult(
        text=text,
        data={"dry_run": False, "status": response.status_code, "action": action},
        mode="offline",
    )
