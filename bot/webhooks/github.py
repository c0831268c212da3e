"""POST /webhooks/github/{tenant}: verified with X-Hub-Signature-256, each delivery once.

`ping` answers 200; handled events start a run (see github_events); anything else is
acknowledged with 202 and ignored. `X-GitHub-Delivery` and the SHA-256 of the signed body
are claimed in the database before work starts: GitHub's redeliveries (same id) and a
captured body replayed under a made-up delivery id (the id is not signed) never start a
second run; if starting fails, both claims are released so a redelivery can try again.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from agents.workflows.errors import WorkflowError
from agents.workflows.views import RunView
from bot.errors import error_body
from bot.webhooks.config import SourceConfig
from bot.webhooks.github_events import GithubWork, decide
from bot.webhooks.http import (
    WebhookRejected,
    counted,
    parse_json,
    receiver_docs,
    require_json,
    settings_of,
    signature_rejected,
    source_config,
)
from bot.webhooks.slack_post import SlackUnavailable, post_to_slack, thread_conversation_key
from bot.webhooks.starts import UnknownAction, start_run, workflow_for
from conversations.message import conversation_key
from conversations.replies import render
from integrations.db.models import ProcessedDelivery
from integrations.db.session import tenant_session
from integrations.observability.logging import bound_context, get_logger
from integrations.settings import Settings
from integrations.webhooks_out.signing import SignatureError, verify_body

router = APIRouter(tags=["webhooks"])
log = get_logger(__name__)
SOURCE: Final = "github"
BODY_SOURCE = "github-body"  # the same signed body under a new delivery id is a replay


class GithubOut(BaseModel):
    status: str  # pong | started | duplicate | ignored
    run_id: str | None = None  # the run's public id (`run_…`)


_DOCS = receiver_docs(
    {"type": "object"},
    auth="X-Hub-Signature-256",
    extra={409: "refused by the plan's quota"},
)


@router.post(
    "/webhooks/github/{tenant}",
    response_model=GithubOut,
    openapi_extra=_DOCS["openapi_extra"],
    responses={
        **_DOCS["responses"],
        202: {"model": GithubOut, "description": "event not handled; ignored"},
    },
)
@counted("github")
async def github_webhook(tenant: str, request: Request) -> Any:
    settings = settings_of(request)
    require_json(request)
    body = await request.body()
    config = await run_in_threadpool(source_config, settings, tenant, SOURCE)
    try:
        verify_body(config.secret or "", request.headers.get("X-Hub-Signature-256"), body)
    except SignatureError as err:
        raise signature_rejected(err) from err
    event = request.headers.get("X-GitHub-Event", "")
    delivery = request.headers.get("X-GitHub-Delivery", "")
    if not event or not delivery or len(delivery) > 128:
        raise WebhookRejected(400, "missing_github_headers")
    payload = parse_json(body)
    if not isinstance(payload, dict):
        raise WebhookRejected(422, "invalid_payload")
    if event == "ping":
        return GithubOut(status="pong")
    work = decide(event, payload, config.event_actions)
    if work is None:
        return JSONResponse(status_code=202, content=GithubOut(status="ignored").model_dump())
    try:
        return await run_in_threadpool(_start_once, settings, config, (delivery, body), work)
    except WorkflowError as err:  # e.g. the plan's run quota: refused, nothing recorded
        return error_body(409, err.code, err.message)


def _start_once(
    settings: Settings, config: SourceConfig, signed: tuple[str, bytes], work: GithubWork
) -> Any:
    delivery, body = signed
    digest = hashlib.sha256(body).hexdigest()
    try:
        workflow, inputs = workflow_for(work.action, work.slots)
        inputs.update(work.inputs)
    except UnknownAction:
        log.warning("github_action_unknown", action=work.action, github_event=work.event)
        return JSONResponse(status_code=202, content=GithubOut(status="ignored").model_dump())
    if not _claim(settings, config.tenant_id, delivery, digest):
        return GithubOut(status="duplicate")
    try:
        run = _start(settings, config, delivery, work, workflow, inputs)
    except Exception:
        _release(settings, config.tenant_id, delivery, digest)
        raise
    with tenant_session(settings.database_url, config.tenant_id) as session:
        row = session.scalars(_claimed(delivery)).one()
        row.outcome = f"run:{run.id}"
    return GithubOut(status="started", run_id=run.public_id)


def _start(
    settings: Settings,
    config: SourceConfig,
    delivery: str,
    work: GithubWork,
    workflow: str,
    inputs: dict[str, Any],
) -> RunView:
    key = conversation_key(config.tenant_id, "webhook", f"github-{delivery}")
    if config.channel:
        text = render(f"webhooks/github_{work.event}", "en", **work.facts)
        try:
            ts = post_to_slack(settings, config.tenant_id, config.channel, text)
            key = thread_conversation_key(config.tenant_id, config.channel, ts)
        except SlackUnavailable:
            log.warning("github_not_posted", reason="slack_not_installed")
    with bound_context(conversation_id=key, tenant_id=config.tenant_id):
        run = start_run(
            settings,
            tenant_id=config.tenant_id,
            workflow=workflow,
            inputs=inputs,
            conversation_key=key,
            user_id="github",
        )
        log.info("github_run_started", run_id=run.id, github_event=work.event)
    return run


def _claimed(delivery: str):
    return select(ProcessedDelivery).where(
        ProcessedDelivery.source == SOURCE, ProcessedDelivery.delivery_id == delivery
    )


def _claim(settings: Settings, tenant_id: str, delivery: str, digest: str) -> bool:
    """Claim the delivery id and the signed body together: either seen before = replay."""
    try:
        with tenant_session(settings.database_url, tenant_id) as session:
            for source, ident in ((SOURCE, delivery), (BODY_SOURCE, digest)):
                session.add(
                    ProcessedDelivery(
                        tenant_id=tenant_id, source=source, delivery_id=ident, outcome="starting"
                    )
                )
    except IntegrityError:
        return False
    return True


def _release(settings: Settings, tenant_id: str, delivery: str, digest: str) -> None:
    with tenant_session(settings.database_url, tenant_id) as session:
        for source, ident in ((SOURCE, delivery), (BODY_SOURCE, digest)):
            session.execute(
                delete(ProcessedDelivery).where(
                    ProcessedDelivery.source == source, ProcessedDelivery.delivery_id == ident
                )
            )
