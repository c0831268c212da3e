"""The `bmad serve` helper of the end-to-end tests leaves no process behind: not when the
server does not come up in time, not after a `with` block."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.slack_support import ServeProcess, slack_env
from tests.fakes.slack_api import FakeSlackAPI

pytestmark = pytest.mark.slow


def _group_gone(proc: subprocess.Popen[bytes]) -> bool:
    """No process is left in the group the server led (it was started in a session of its
    own, so the group id is its pid)."""
    try:
        os.killpg(proc.pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_server_that_does_not_come_up_in_time_is_stopped(tmp_path: Path) -> None:
    started: list[subprocess.Popen[bytes]] = []

    class Watched(ServeProcess):
        def _wait_healthy(self, timeout: float) -> None:
            started.append(self.proc)
            super()._wait_healthy(timeout)

    with pytest.raises(RuntimeError, match="did not come up"):
        Watched({}, tmp_path, startup_timeout=0)  # the deadline passes at the first look
    (proc,) = started
    assert proc.poll() is not None
    assert _group_gone(proc)


def test_leaving_the_with_block_stops_the_server_and_its_group(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    with FakeSlackAPI() as fake:
        with ServeProcess(slack_env(fake.api_url, pg_url, redis_url), tmp_path) as serve:
            assert httpx.get(f"{serve.base_url}/healthz", timeout=5).status_code == 200
            proc = serve.proc
            assert not _group_gone(proc)
        assert proc.poll() is not None
        assert _group_gone(proc)
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{serve.base_url}/healthz", timeout=2)
