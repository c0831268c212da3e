"""The console channel: talk to the assistant in a terminal, or script it through a pipe.

Same turn pipeline as Slack and the API; the conversation key is
`tenant:console:<name>`, so two `bmad chat --conversation X` processes against the same
Redis continue one conversation. Workflow progress arrives as notices (a Redis stream per
conversation); scripted mode waits for the runs a turn started to settle before reading the
next line, printing notices as they come, so a script's output is complete and ordered.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable

import redis

from agents.notify import Notice, read_notices
from agents.workflows.service import WorkflowService
from bot.console_input import collect_message
from conversations.message import MAX_MESSAGE_CHARS, Message, conversation_key
from conversations.pipeline import get_pipeline
from conversations.replies import render
from conversations.reply import Reply
from integrations.billing.plans import default_plan_for
from integrations.db.events import record_audit
from integrations.db.migrate import upgrade
from integrations.db.models import Role
from integrations.db.session import admin_session, tenant_session
from integrations.db.tenants import create_tenant, role_of, set_role
from integrations.mrkdwn import slack_unescape
from integrations.observability.logging import get_logger
from integrations.settings import Settings

log = get_logger(__name__)

SETTLE_TIMEOUT_SECONDS = 120
POLL_SECONDS = 0.2
EXIT_WORDS = frozenset({"exit", "quit", "/exit", "/quit"})
# Turns whose work continues after the reply (runs started, resumed or being stopped).
_SETTLING_INTENTS = frozenset({"approve_run", "reject_run", "cancel_workflow"})

Printer = Callable[[str], None]


class ConsoleSession:
    def __init__(
        self, settings: Settings, tenant_id: str, user_id: str, conversation: str, out: Printer
    ) -> None:
        self.settings = settings
        self.tenant_id = tenant_id
        self.user_id = user_id
        self.conversation = conversation
        self.key = conversation_key(tenant_id, "console", conversation)
        self.out = out
        self.lang = "en"
        self._cursor = "0"
        self._print_lock = threading.Lock()

    # -- set-up -----------------------------------------------------------------------
    def prepare(self) -> None:
        """Migrate, make sure the tenant exists with the console user as its owner (whoever
        runs the console on this machine operates the installation; the change is audited),
        and skip notices of earlier sessions (they were printed then)."""
        upgrade(self.settings.database_url)
        with admin_session(self.settings.database_url) as session:
            create_tenant(
                session,
                self.tenant_id,
                self.tenant_id,
                default_plan_for(self.settings),
                actor=self.user_id,
                source="console",
            )
        with tenant_session(self.settings.database_url, self.tenant_id) as session:
            before = role_of(session, self.user_id)
            if before is not Role.owner:
                set_role(session, self.tenant_id, self.user_id, Role.owner)
                record_audit(
                    session,
                    self.tenant_id,
                    actor=self.user_id,
                    action="role.change",
                    target=self.user_id,
                    details={"from": before.value if before else None, "to": Role.owner.value},
                    source="console",
                )
        seen = self._read_notices("0")
        if seen:
            self._cursor = seen[-1][0]

    def _read_notices(self, after_id: str) -> list[tuple[str, Notice]]:
        """Notices after `after_id`; none while Redis is unreachable (the turn itself
        then answers that memory is unreachable, so the console keeps working)."""
        try:
            return read_notices(self.settings, self.tenant_id, self.key, after_id=after_id)
        except redis.RedisError as err:
            log.warning("console_notices_unreachable", conversation_id=self.key, error=str(err))
            return []

    def welcome(self) -> str:
        return render(
            "console_welcome",
            self.lang,
            conversation=self.conversation,
            user=self.user_id,
            tenant=self.tenant_id,
        )

    # -- turns ------------------------------------------------------------------------
    def send(self, text: str) -> Reply:
        message = Message(
            tenant_id=self.tenant_id,
            channel="console",
            conversation_key=self.key,
            user_id=self.user_id,
            text=text[:MAX_MESSAGE_CHARS],  # beyond every task's limit: refused in words
            event_id=f"console-{uuid.uuid4().hex}",
        )
        reply = get_pipeline(self.settings).handle(message)
        self.lang = reply.lang
        if reply.text:
            self._print(slack_unescape(reply.text))  # replies are Slack mrkdwn
        return reply

    def settle(self, reply: Reply) -> None:
        """Block until the runs this turn started or resumed settle, printing notices."""
        if not reply.run_ids or not (reply.kind == "started" or reply.intent in _SETTLING_INTENTS):
            self.print_new_notices()
            return
        waiter = threading.Thread(
            target=self._wait, args=(list(reply.run_ids),), name="settle", daemon=True
        )
        waiter.start()
        while waiter.is_alive():
            self.print_new_notices()
            waiter.join(POLL_SECONDS)
        self.print_new_notices()

    def _wait(self, run_ids: list[int]) -> None:
        started = time.monotonic()
        try:
            WorkflowService(self.settings).wait_settled(
                self.tenant_id, run_ids, timeout=SETTLE_TIMEOUT_SECONDS
            )
        except Exception:
            log.exception("console_wait_failed", conversation_id=self.key)
            return
        if time.monotonic() - started >= SETTLE_TIMEOUT_SECONDS:
            text = render(
                "console_timeout", self.lang, run_ids=run_ids, seconds=SETTLE_TIMEOUT_SECONDS
            )
            self._print(text)

    def print_new_notices(self) -> None:
        for notice_id, notice in self._read_notices(self._cursor):
            self._cursor = notice_id
            self._print(slack_unescape(format_notice(notice)))  # notices are Slack mrkdwn

    def _print(self, text: str) -> None:
        with self._print_lock:
            self.out(text)

    # -- modes ------------------------------------------------------------------------
    def run_script(self, lines: Iterable[str]) -> None:
        """One message per line; each turn's work settles before the next line is read."""
        for line in lines:
            text = line.strip()
            if not text:
                continue
            self.settle(self.send(text))

    def run_interactive(self, read: Callable[[str], str]) -> None:
        """A prompt loop; a background thread prints notices as they arrive. A pasted or
        fenced multi-line block is one message (`bot.console_input`)."""
        self._print(self.welcome())
        stop = threading.Event()
        watcher = threading.Thread(target=self._watch, args=(stop,), name="notices", daemon=True)
        watcher.start()
        try:
            while True:
                try:
                    text = collect_message(read).strip()
                except (EOFError, KeyboardInterrupt):
                    break
                if text.lower() in EXIT_WORDS:
                    break
                if text:
                    self.send(text)
        finally:
            stop.set()
            watcher.join(1)

    def _watch(self, stop: threading.Event) -> None:
        while not stop.wait(POLL_SECONDS * 2):
            try:
                self.print_new_notices()
            except Exception:
                log.exception("console_notices_failed", conversation_id=self.key)


def format_notice(notice: Notice) -> str:
    return render("console_notice", notice.lang, notice=notice)
