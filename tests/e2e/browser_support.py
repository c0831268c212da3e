"""Headless Chromium (Debian `chromium` + `chromium-driver`) driven by Selenium, and a
`bmad serve` subprocess on the embedded defaults, for the web console browser tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from tests.polling import wait_until
from tests.readiness import wait_ready

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
)
T = TypeVar("T")


def require_chromium() -> None:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        if os.environ.get("BMAD_REQUIRE_SERVICES"):
            pytest.fail("chromium and chromium-driver are required (.ci/run installs them)")
        pytest.skip("chromium / chromium-driver not installed (apt-get install ...)")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BMAD_", "OPENAI_", "SLACK_"))}
    return {**env, **extra}


def bmad(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@contextmanager
def serving(cwd: Path, env: dict[str, str], port: int) -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        poll(lambda: _up(base), 60, "bmad serve did not come up", proc.poll)
        ready = wait_ready(lambda path: httpx.get(f"{base}{path}", timeout=5))
        assert ready.status_code == 200, ready.text
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def poll(
    check: Callable[[], T],
    timeout: float,
    what: str,
    died: Callable[[], object] | None = None,
    step: Callable[[], object] | None = None,
) -> T:
    """`tests.polling.wait_until`; after each miss, fail at once if `died()` says the
    process exited, and call `step` (e.g. reload the page) before the next look."""

    def attempt() -> T:
        found = check()
        if not found:
            assert died is None or died() is None, f"{what}: the process exited"
            if step is not None:
                step()
        return found

    return wait_until(attempt, timeout, what, interval=0.2)


@contextmanager
def chromium(profile: Path) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
