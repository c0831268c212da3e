"""Start and stop real `bmad worker` processes for the Celery end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.polling import wait_until
from tests.services import DEPLOYMENT_KEYS

ROOT = Path(__file__).resolve().parents[2]


def worker_env(database_url: str, redis_url: str, queue: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BMAD_", "OPENAI_"))}
    env.update(
        BMAD_DATABASE_URL=database_url,
        BMAD_REDIS_URL=redis_url,
        BMAD_QUEUE="celery",
        BMAD_CELERY_QUEUE=queue,
        BMAD_DATA_DIR=str(data_dir),
        BMAD_LOG_JSON="false",
        BMAD_WORKER_METRICS_PORT="0",  # tests that scrape a worker pass --metrics-port
        **DEPLOYMENT_KEYS,
    )
    return env


class Worker:
    """One `bmad worker` in its own process group, so SIGKILL takes its children too."""

    def __init__(
        self, env: dict[str, str], log: Path, concurrency: int = 2, extra: tuple[str, ...] = ()
    ) -> None:
        self.log = log
        self.handle = log.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "worker",
                f"--concurrency={concurrency}",
                *extra,
            ],
            cwd=ROOT,
            env=env,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        def ready() -> bool:
            text = self.log.read_bytes().decode(errors="replace")
            if " ready." in text:
                return True
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited early:\n{text[-3000:]}")
            return False

        wait_until(ready, timeout, "worker did not become ready", interval=0.2)

    def kill(self) -> None:
        """SIGKILL the whole process group: no graceful shutdown, no acks."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.handle.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.handle.close()
