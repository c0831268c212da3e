"""The worker's half of queued Events API requests (`bot.slack.event_acks`): Bolt
dispatches a queued request here, and the jobs its listeners hand off are collected and
returned, to run in this same task (`bot.slack.tasks`).

The web process verified the signature before queueing, and a queued request may be older
than Bolt's five-minute timestamp window, so this Bolt app checks none. Its listeners are
the same as the web's: the same event becomes the same job, only later and elsewhere.
"""

from __future__ import annotations

import threading
from typing import Any

from slack_bolt import App
from slack_bolt.request import BoltRequest

from bot.slack.bolt_app import build_bolt_app
from bot.slack.handoff import COLLECTED_JOBS
from bot.slack.jobs import SlackJob
from bot.slack.turn import TurnUnavailable
from integrations.observability.tracing import attached
from integrations.settings import Settings

_apps: dict[int, tuple[Settings, App]] = {}
_apps_lock = threading.Lock()


def worker_bolt(settings: Settings) -> App:
    """One Bolt app per process and settings; its token is checked on first use."""
    with _apps_lock:
        found = _apps.get(id(settings))
        if found is None or found[0] is not settings:
            app = build_bolt_app(settings, verify_token=False, signed_requests=False)
            found = _apps[id(settings)] = (settings, app)
        return found[1]


def jobs_of_request(settings: Settings, data: dict[str, Any]) -> list[SlackJob]:
    """Raise TurnUnavailable when Bolt could not dispatch it (authorization or a listener
    failed on an outage: it answers 500), so the task retries instead of dropping it."""
    request = BoltRequest(body=data["body"], headers=data.get("headers") or {}, mode="http")
    collected: list[SlackJob] = []
    request.context[COLLECTED_JOBS] = collected
    with attached(data.get("trace_context")):
        response = worker_bolt(settings).dispatch(request)
    if response.status >= 500:
        raise TurnUnavailable("slack_request_not_dispatched", before_acting=True)
    return collected
