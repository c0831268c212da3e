"""Where Slack plugs into the processes: the web app, the Celery worker, Socket Mode.

`bmad serve` mounts the routes only when SLACK_SIGNING_SECRET is set (`bmad doctor` says
why when not); the worker imports the Slack turn task and registers the notifier, so
workflow notices posted from a worker reach Slack too.
"""

from __future__ import annotations

from fastapi import FastAPI
from slack_bolt import App
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.bolt_app import build_bolt_app
from bot.slack.event_acks import EventPublisher
from bot.slack.notifier import SlackNotifier
from bot.slack.routes import HANDOFF_TIMEOUT_SECONDS, mount_routes
from integrations.observability.logging import get_logger
from integrations.settings import Settings
from integrations.slack.installations import oauth_mode

log = get_logger(__name__)

NOTIFIER_KINDS = ("slack", "dm")


def register_slack_notifiers(settings: Settings) -> None:
    """The notifier, and this process's outbound dispatcher (it also sends what other
    processes queued, e.g. a CLI that exited)."""
    from agents.notify import register_notifier
    from integrations.slack.dispatcher import dispatcher_for

    notifier = SlackNotifier(settings)
    for kind in NOTIFIER_KINDS:
        register_notifier(kind, notifier)
    dispatcher_for(settings).ensure_running()


def bolt_app_for(settings: Settings, *, socket_mode: bool = False) -> tuple[App, bool]:
    """The Bolt app, and whether its authorization is settled (no I/O on any request).

    One workspace: Bolt verifies the token with auth.test at start; if Slack is unreachable
    then, it verifies on first use instead (and events go through the thread pool).
    """
    if oauth_mode(settings):
        return build_bolt_app(settings, signed_requests=not socket_mode), False
    try:
        return build_bolt_app(settings, signed_requests=not socket_mode), True
    except (SlackApiError, SlackClientError, OSError) as err:
        log.warning("slack_token_not_verified_at_start", error=type(err).__name__)
        return build_bolt_app(settings, verify_token=False, signed_requests=not socket_mode), False


def mount_slack(app: FastAPI, settings: Settings) -> None:
    if settings.queue == "celery":
        from agents.queue import ensure_configured

        ensure_configured(settings)  # the turn task is sent to the shared broker
    bolt, settled = bolt_app_for(settings)
    app.state.slack_bolt = bolt
    signing = settings.slack_signing_secret
    if signing is None:  # create_app mounts Slack only when it is set
        raise RuntimeError("mounting Slack needs BMAD_SLACK_SIGNING_SECRET")
    secret = signing.get_secret_value()
    queued = (  # with a broker, events are queued raw for the worker's Bolt
        EventPublisher(settings, timeout=HANDOFF_TIMEOUT_SECONDS)
        if settings.queue == "celery"
        else None
    )
    mount_routes(app, bolt, secret, inline_events=settled, queued_events=queued)
    register_slack_notifiers(settings)


def wire_worker(settings: Settings) -> None:
    """Called by `bmad worker` before it starts: Slack turn task + notifier (the worker
    registers the webhook notifier, which posts through Slack's, itself)."""
    import bot.slack.tasks  # noqa: F401 - registers bmad.slack.run_turn on the Celery app

    if slack_can_post(settings):
        register_slack_notifiers(settings)


def slack_can_post(settings: Settings) -> bool:
    return settings.slack_bot_token is not None or oauth_mode(settings)


def prepare_socket_mode(settings: Settings) -> App:
    """The Bolt app for `bmad slack socket`, with the same queue and notifier wiring."""
    if settings.queue == "celery":
        from agents.queue import ensure_configured

        ensure_configured(settings)
    bolt, _ = bolt_app_for(settings, socket_mode=True)
    register_slack_notifiers(settings)
    return bolt
