"""Events API acks: a signed `event_callback` is acknowledged once its raw request is
durably queued; Bolt dispatches it in the worker (`bot.slack.event_requests`).

Why: an event's ack carries nothing (Slack only needs the 200), so nothing Bolt does for it
has to happen before the ack. Dispatching it on the web process cost more CPU than the
whole ack of a bare Bolt app, and the durable publish on top of it (a future per request,
confirmed across threads) as much again. Here the route verifies the signature
(`bot.slack.verify`), then `EventPublisher` group-commits every request that arrived in the
same turn of the event loop as one Celery message, off the loop on one thread, and answers
all of them at once: one thread hop per batch, not per request. Commands and clicks still
go through Bolt in the web process: their ack carries the listener's answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bot.slack.jobs import SlackJob
from bot.slack.publisher import MAX_BATCH, BatchSender
from integrations.observability.tracing import current_trace_context
from integrations.settings import Settings

# Request headers the worker's Bolt may read (the signature was checked here).
KEPT_HEADERS = ("content-type", "x-slack-retry-num", "x-slack-retry-reason")


def is_event_callback(payload: Mapping[str, Any] | None) -> bool:
    return payload is not None and payload.get("type") == "event_callback"


def request_job(text: str, headers: Mapping[str, str]) -> dict[str, Any]:
    kept = {name: headers[name] for name in KEPT_HEADERS if name in headers}
    data = {"body": text, "headers": kept, "trace_context": current_trace_context()}
    return SlackJob(kind="event_request", data=data).model_dump(mode="json")


class EventPublisher:
    """Group commit on the event loop: `publish` returns True once the broker took the job,
    False when it did not within `timeout` seconds (the caller answers 503)."""

    def __init__(self, settings: Settings, *, timeout: float) -> None:
        self._sender = BatchSender(settings)
        self._timeout = timeout
        # One thread: the sender's broker connection is used by one thread at a time.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bmad-slack-events")
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._sending = False

    async def publish(self, payload: dict[str, Any]) -> bool:
        loop = asyncio.get_running_loop()
        confirmed: asyncio.Future[bool] = loop.create_future()
        self._waiting.append((payload, confirmed))
        if len(self._waiting) == 1 and not self._sending:
            loop.call_soon(self._send_waiting)  # after the requests ready in this turn joined
        return await confirmed

    def _send_waiting(self) -> None:
        if self._sending or not self._waiting:
            return
        batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
        self._sending = True
        loop = asyncio.get_running_loop()
        payloads = [payload for payload, _ in batch]
        sent = asyncio.ensure_future(
            asyncio.wait_for(
                loop.run_in_executor(self._thread, self._sender.send, payloads), self._timeout
            )
        )
        sent.add_done_callback(lambda done: self._settle(batch, done))

    def _settle(
        self, batch: list[tuple[dict[str, Any], asyncio.Future[bool]]], done: asyncio.Future[None]
    ) -> None:
        """A timed-out batch may still reach the broker: Slack's retry of it is then
        answered once (the pipeline's event-id claim)."""
        self._sending = False
        ok = not done.cancelled() and done.exception() is None
        for _, confirmed in batch:
            if not confirmed.done():
                confirmed.set_result(ok)
        if self._waiting:
            self._send_waiting()
