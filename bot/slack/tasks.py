"""Celery tasks for Slack jobs (BMAD_QUEUE=celery), on the turn queue.

Live on the bot side because a turn needs `conversations`, which the `agents` Celery tasks
may not import; `bot.slack.wiring.wire_worker` makes the worker import this module.
`acks_late`: a job whose worker dies is redelivered; turns are answered once whatever
happens twice (the pipeline's event-id claim).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from agents.queue import celery_app
from bot.outage import OUTAGE_ERRORS
from bot.slack.event_requests import jobs_of_request
from bot.slack.jobs import SlackJob, run_job, trace_of
from bot.slack.listeners import JOB_HANDLERS
from bot.slack.publisher import RUN_JOBS_TASK
from bot.slack.turn import SlackTurn, TurnUnavailable, run_turn
from integrations.backoff import call_outlasting
from integrations.observability.tracing import attached
from integrations.settings import Settings, get_settings

# Redis / PostgreSQL / broker down while a job runs: retry with backoff (for ~15 minutes),
# never acknowledge it as done - Slack was told we have it.
RETRY_OUTAGES = {
    "autoretry_for": (TurnUnavailable, *OUTAGE_ERRORS),
    "retry_backoff": 1,
    "retry_backoff_max": 30,
    "retry_jitter": False,
    "max_retries": 40,
}


IN_PROCESS_RETRY_SECONDS = 60.0
T = TypeVar("T")


@celery_app.task(name="bmad.slack.run_job", acks_late=True, ignore_result=True, **RETRY_OUTAGES)
def run_slack_job(payload: dict[str, Any]) -> None:
    job = SlackJob.model_validate(payload)
    settings = get_settings()
    if job.kind != "event_request":
        _run(settings, job)
        return
    # A queued Events API request: Bolt turns it into jobs here (bot.slack.event_requests).
    jobs = _outlasting(lambda: jobs_of_request(settings, job.data))
    for each in jobs:
        _run(settings, each)


def _run(settings: Settings, job: SlackJob) -> None:
    if job.kind == "turn":  # this execution's claim on the event id (see SlackTurn)
        job.data["claim_token"] = uuid.uuid4().hex
    _outlasting(lambda: run_job(settings, job, JOB_HANDLERS))


def _outlasting(work: Callable[[], T]) -> T:
    """A short outage is waited out here: a Celery retry needs the broker that may be the
    very thing that is down (then the message returns after the visibility timeout).
    Only a turn that failed before acting runs again; after acting, a retry could act
    twice, so that is left to Celery (a new execution: its claim sees a duplicate)."""
    return call_outlasting(
        work,
        (TurnUnavailable, *OUTAGE_ERRORS),
        within=IN_PROCESS_RETRY_SECONDS,
        when=lambda err: not isinstance(err, TurnUnavailable) or err.before_acting,
        event="slack_job_retry",
    )


@celery_app.task(name=RUN_JOBS_TASK, acks_late=True, ignore_result=True, **RETRY_OUTAGES)
def run_slack_jobs(payloads: list[dict[str, Any]]) -> None:
    """A batch from one web process: one job runs here, more fan out to one task each, so
    jobs of different conversations run in parallel on all workers."""
    if len(payloads) == 1:
        run_slack_job(payloads[0])
        return
    queue = get_settings().turn_queue
    for payload in payloads:
        with attached(trace_of(payload)):  # each job's task joins its request's trace
            run_slack_job.apply_async(args=[payload], queue=queue)


@celery_app.task(name="bmad.slack.run_turn", acks_late=True, ignore_result=True)
def run_slack_turn(payload: dict[str, Any]) -> None:
    """Messages published by an older web process (before jobs); kept for rolling deploys."""
    run_turn(get_settings(), SlackTurn.model_validate(payload))


@celery_app.task(name="bmad.slack.run_turns", acks_late=True, ignore_result=True)
def run_slack_turns(payloads: list[dict[str, Any]]) -> None:
    for payload in payloads:
        run_slack_turn(payload)
