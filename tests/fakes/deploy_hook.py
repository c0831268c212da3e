"""A tenant's deploy endpoint (outside our system), speaking what `kind: deploy` steps send.

Why here: deploy steps POST a JSON payload to the tenant's hook (`agents/workflows/perform.py`).
Tests script the answers (`statuses`, served in order, then 200) and how long each answer
takes (`delay`): a slow deploy is how a test holds a step "running" long enough to kill its
worker or cancel its run - the slowness lives at the network edge, not in our code.

    with DeployHookServer(delay=3) as hook:
        set_deploy_hook(settings, tenant, hook.url)   # settings.webhook_allow_private = True
        ...
        hook.received   # every payload, in order
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from integrations.db.models import DeployHook
from integrations.db.session import tenant_session
from integrations.settings import Settings
from tests.fakes.http_server import LocalHTTPServer


class DeployHookServer(LocalHTTPServer):
    """Answers each POST after `delay` seconds with the next scripted status (else 200)."""

    poll_interval = 0.05

    def __init__(self, statuses: list[int] | None = None, delay: float = 0.0) -> None:
        super().__init__()
        self.statuses = list(statuses or [])
        self.delay = delay
        self.received: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"{self.base_url}/deploy"

    def make_handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with server._lock:
                    server.received.append(json.loads(body))
                    status = server.statuses.pop(0) if server.statuses else 200
                time.sleep(server.delay)  # the deploy takes its time (a fake, not our code)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                # A killed worker or a timed-out client went away: that is what the test wants.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(b"{}")

        return Handler


def set_deploy_hook(settings: Settings, tenant_id: str, url: str) -> None:
    """Store the tenant's deploy hook as `bmad deploy-hook set` does."""
    with tenant_session(settings.database_url, tenant_id) as session:
        session.add(DeployHook(tenant_id=tenant_id, url=url))
