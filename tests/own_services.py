"""Redis and PostgreSQL servers of a test's own, on free ports, that a test may stop.

Why: fault tests stop and kill their services; the shared ones on 6379/5432 serve everyone
else on this machine. Each server keeps its data in the test's directory (Redis with AOF,
as production should), so a restart brings back what was acknowledged.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text

from integrations.slack.dispatcher import stop_dispatchers
from tests.polling import wait_until


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(check, what: str, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    """`tests.polling.wait_until`, counting an error of `check` (not up yet) as not yet."""

    def up() -> bool:
        try:
            return bool(check())
        except Exception:
            return False

    wait_until(up, timeout, f"{what} did not start")


class OwnRedis:
    """`redis-server` with AOF (appendfsync always) in `workdir`; `stop()` / `start()`."""

    def __init__(self, workdir: Path) -> None:
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.dir = workdir / f"redis-{self.port}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--dir", str(self.dir), "--appendonly", "yes", "--appendfsync", "always"]
        args += ["--save", "", "--daemonize", "no"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        _wait(client.ping, "redis-server")
        client.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=1)

    def __enter__(self) -> OwnRedis:
        return self

    def __exit__(self, *exc: object) -> None:
        # An app built on this Redis started a Slack dispatcher: it goes with its Redis
        # (else it logs a failed claim every 2 s into the rest of the session).
        stop_dispatchers(self.url)
        self.stop()


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.skip("PostgreSQL server binaries are not installed")
    return found[-1]


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root (CI containers): run it as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class OwnPostgres:
    """A PostgreSQL cluster made by `initdb` (trust auth, fsync off); `stop()` / `start()`.

    Its directory is a temp dir of its own (the postgres user must own it when we are root).
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix=f"bmad-pg-{self.port}-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        subprocess.run(
            _as_postgres(
                [_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"]
            ),
            check=True,
            capture_output=True,
        )
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.start()

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        pg_ctl = [_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", opts]
        subprocess.run(_as_postgres([*pg_ctl, "-w", "start"]), check=True, capture_output=True)

        def ready() -> bool:
            engine = create_engine(self.url, connect_args={"connect_timeout": 1})
            try:
                with engine.connect() as conn:
                    return conn.execute(text("select 1")).scalar() == 1
            finally:
                engine.dispose()

        _wait(ready, "postgres")

    def stop(self) -> None:
        subprocess.run(
            _as_postgres([_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]),
            capture_output=True,
        )

    def __enter__(self) -> OwnPostgres:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
