"""`bmad runs`: operators inspect and decide workflow runs from the terminal."""

from __future__ import annotations

from typing import Any

import typer

from agents.workflows.service import RunView, WorkflowError, WorkflowService
from bot.cli.context import cli_settings, fail, print_json
from integrations.db.models import DeployHook
from integrations.db.session import admin_session, tenant_session
from integrations.db.tenants import UnknownTenantError, get_tenant
from integrations.security.ssrf import UnsafeUrl, check_url

runs_app = typer.Typer(help="List, inspect, approve, reject and cancel workflow runs.")

TENANT = typer.Option("local", "--tenant", help="tenant id")
JSON = typer.Option(False, "--json", help="print JSON")
USER = typer.Option(..., "--user", help="the user id deciding (role is checked)")


def _service() -> WorkflowService:
    settings = cli_settings()
    from bot.slack.wiring import register_slack_notifiers, slack_can_post

    if slack_can_post(settings):  # a decision here updates the Slack request message too
        register_slack_notifiers(settings)
    return WorkflowService(settings)


def _summary(run: RunView) -> dict[str, Any]:
    return {
        "id": run.id,
        "workflow": run.workflow,
        "status": run.status,
        "created_at": run.created_at.isoformat(),
    }


def _detail(run: RunView) -> dict[str, Any]:
    return {
        **_summary(run),
        "conversation_key": run.conversation_key,
        "user_id": run.user_id,
        "inputs": run.inputs,
        "waiting_approval": run.waiting_approval,
        "approval_role": run.approval_role,
        "error": run.error,
        "steps": [
            {"name": s.name, "agent": s.agent, "status": s.status, "output": s.output}
            for s in run.steps
        ],
    }


def _print_detail(run: RunView, json_out: bool) -> None:
    if json_out:
        print_json(_detail(run))
        return
    typer.echo(f"run {run.id}\t{run.workflow}\t{run.status}\t{run.created_at:%Y-%m-%d %H:%M}")
    if run.waiting_approval:
        typer.echo(f"waiting for approval: {run.waiting_approval} (role {run.approval_role})")
    for step in run.steps:
        typer.echo(f"  {step.name}\t{step.agent or step.kind}\t{step.status}")


@runs_app.command("list")
def list_(
    tenant: str = TENANT,
    status: str | None = typer.Option(None, help="only runs in this status"),
    limit: int = typer.Option(20, min=1, max=500),
    json_out: bool = JSON,
) -> None:
    """List the most recent runs of a tenant."""
    runs = _service().list_runs(tenant, status=status, limit=limit)
    if json_out:
        print_json([_summary(r) for r in runs])
        return
    for r in runs:
        typer.echo(f"{r.id}\t{r.workflow}\t{r.status}\t{r.created_at:%Y-%m-%d %H:%M}")


@runs_app.command("show")
def show(run_id: int, tenant: str = TENANT, json_out: bool = JSON) -> None:
    """Show a run with its steps (and their outputs with --json)."""
    try:
        _print_detail(_service().get(tenant, run_id), json_out)
    except WorkflowError as err:
        raise fail(err.message, 1) from err


def _settle(service: WorkflowService, tenant: str, run: RunView, wait: float) -> RunView:
    """Embedded mode runs steps in this process: finish them before the command exits."""
    if service.settings.queue == "eager" or wait > 0:
        service.wait_settled(tenant, [run.id], timeout=wait or 600.0)
        return service.get(tenant, run.id)
    return run


def _decide(
    action: str, run_id: int, user: str, tenant: str, json_out: bool, reason: str | None = None
) -> None:
    service = _service()
    try:
        if action == "reject":
            run = service.reject(tenant, run_id, user, reason)
        else:
            run = getattr(service, action)(tenant, run_id, user)
    except WorkflowError as err:
        raise fail(err.message, 1) from err
    _print_detail(_settle(service, tenant, run, 0), json_out)


@runs_app.command("start")
def start(
    workflow: str = typer.Argument(..., help="workflow name, e.g. feature_delivery"),
    inputs: list[str] = typer.Option([], "--input", "-i", help="key=value (repeatable)"),
    user: str = USER,
    tenant: str = TENANT,
    conversation: str = typer.Option("cli", help="conversation id notices go to"),
    lang: str = typer.Option("en", help="en or nl"),
    wait: float = typer.Option(0.0, help="seconds to wait for the run to settle (celery)"),
    json_out: bool = JSON,
) -> None:
    """Start a run (embedded mode waits until it needs an approval or finished)."""
    values: dict[str, str] = {}
    for item in inputs:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise fail(f"--input must be key=value, got {item!r}", 2)
        values[key.strip()] = value.strip()
    service = _service()
    try:
        run = service.start(
            tenant_id=tenant,
            workflow=workflow,
            inputs=values,
            conversation_key=f"{tenant}:console:{conversation}",
            user_id=user,
            lang=lang,
        )
    except WorkflowError as err:
        raise fail(err.message, 1) from err
    _print_detail(_settle(service, tenant, run, wait), json_out)


@runs_app.command("approve")
def approve(run_id: int, user: str = USER, tenant: str = TENANT, json_out: bool = JSON) -> None:
    """Approve the run's waiting approval step."""
    _decide("approve", run_id, user, tenant, json_out)


@runs_app.command("reject")
def reject(
    run_id: int,
    user: str = USER,
    tenant: str = TENANT,
    reason: str | None = typer.Option(None, help="why; kept and shown with the decision"),
    json_out: bool = JSON,
) -> None:
    """Reject the run's waiting approval step (the run is cancelled)."""
    _decide("reject", run_id, user, tenant, json_out, reason)


@runs_app.command("cancel")
def cancel(run_id: int, user: str = USER, tenant: str = TENANT, json_out: bool = JSON) -> None:
    """Cancel a run in any state that is not finished."""
    _decide("cancel", run_id, user, tenant, json_out)


@runs_app.command("set-deploy-hook")
def set_deploy_hook(
    url: str = typer.Argument(..., help="https URL the deploy step POSTs to; '' to remove"),
    tenant: str = TENANT,
) -> None:
    """Configure the URL production/non-production deploy steps call (else: dry run)."""
    settings = cli_settings()
    if url:
        try:
            check_url(settings, url)  # https, public addresses only (SSRF guard)
        except UnsafeUrl as err:
            raise fail(f"the deploy hook is refused: {err}", 2) from err
    try:
        with admin_session(settings.database_url) as session:
            get_tenant(session, tenant)
    except UnknownTenantError as err:
        raise fail(f"unknown tenant: {tenant}", 2) from err
    with tenant_session(settings.database_url, tenant) as session:
        hook = session.query(DeployHook).one_or_none()
        if not url:
            if hook is not None:
                session.delete(hook)
        elif hook is None:
            session.add(DeployHook(tenant_id=tenant, url=url))
        else:
            hook.url = url
    typer.echo("deploy hook removed" if not url else "deploy hook set")
