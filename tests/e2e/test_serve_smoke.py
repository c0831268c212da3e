"""`bmad serve` on the embedded defaults, as a real subprocess."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.slack_support import stop_group
from tests.polling import wait_until
from tests.readiness import wait_ready

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_embedded_defaults(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BMAD_", "OPENAI_", "SLACK_"))}
    bmad = [sys.executable, "-m", "bot.cli"]
    subprocess.run([*bmad, "migrate"], cwd=tmp_path, env=env, check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen(
        [*bmad, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as a whole below
    )
    try:
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read().decode()  # type: ignore[union-attr]
            return False

        wait_until(up, 30, "bmad serve did not come up", interval=0.2)
        ready = wait_ready(lambda path: httpx.get(f"{base}{path}", timeout=5))
        assert ready.status_code == 200, ready.text
        assert (tmp_path / "bmad.db").exists()
    finally:
        stop_group(proc, timeout=10)
