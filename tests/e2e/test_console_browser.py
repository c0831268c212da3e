"""The web console in a real browser (issue 18): headless Chromium against `bmad serve`.

Sign in by a one-time link, chat a production deploy as a member until it waits, approve it
as an admin in the run page and see it succeed; the member sees no Approve button and a
forged POST with her own valid session and CSRF token is refused (403). Every page and the
API docs load only from 127.0.0.1; screenshots go to the test's tmp folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.browser_support import (
    bmad,
    chromium,
    clean_env,
    poll,
    require_chromium,
    serving,
)
from tests.e2e.test_serve_smoke import free_port

pytestmark = pytest.mark.slow


def _by_css(driver: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


# ReDoc's bundle always adds the Redocly logo from its CDN; our CSP (img-src 'self')
# refuses it, so it never leaves the machine: the browser reports the refusal.
CSP_REFUSED = ("https://cdn.redoc.ly/redoc/logo-mini.svg",)


def _only_local(driver: Any, base: str) -> None:
    """Nothing the page loaded came from anywhere but bmad, and no error in the console
    except the CSP refusing the one known foreign image."""
    urls = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".concat([document.location.href])"
    )
    foreign = [u for u in urls if not u.startswith(base)]
    problems = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    for url in foreign:
        assert url in CSP_REFUSED, urls
        refusal = [p for p in problems if url in p and "Content Security Policy" in p]
        assert refusal, (url, problems)
        problems = [p for p in problems if p not in refusal]
    assert not problems, problems


def _sign_in(driver: Any, link: str, base: str) -> None:
    driver.delete_all_cookies()
    driver.get(link)
    poll(lambda: driver.current_url == f"{base}/console/runs", 10, "not redirected to /console")
    assert "token" not in driver.current_url


def test_console_in_a_browser(tmp_path: Path) -> None:
    require_chromium()
    port = free_port()
    work = tmp_path / "install"
    work.mkdir()
    env = clean_env(BMAD_PUBLIC_URL=f"http://127.0.0.1:{port}")
    bmad(work, env, "migrate")
    ann_link = bmad(work, env, "console", "link", "--tenant", "local", "--user", "ann").strip()
    bmad(work, env, "users", "set-role", "mia", "member", "--tenant", "local")
    mia_link = bmad(work, env, "console", "link", "--tenant", "local", "--user", "mia").strip()
    shots = tmp_path / "screenshots"
    shots.mkdir()

    with serving(work, env, port) as base, chromium(tmp_path / "profile") as driver:
        # The API docs render from local assets.
        driver.get(f"{base}/docs")
        poll(lambda: _by_css(driver, ".swagger-ui .info .title"), 20, "Swagger UI did not render")
        driver.save_screenshot(str(shots / "docs.png"))
        _only_local(driver, base)
        driver.get(f"{base}/redoc")
        poll(lambda: _by_css(driver, "[role=search], .api-content"), 20, "ReDoc did not render")
        driver.save_screenshot(str(shots / "redoc.png"))
        _only_local(driver, base)

        # The member chats a production deploy; it waits for an admin.
        _sign_in(driver, mia_link, base)
        driver.get(f"{base}/console/chat")
        _say(driver, "deploy checkout-api to production")
        _say(driver, "yes")
        links = poll(lambda: _by_css(driver, "a.run-link"), 30, "no run was started")
        driver.save_screenshot(str(shots / "chat.png"))
        _only_local(driver, base)
        run_url = links[0].get_attribute("href")
        driver.get(run_url)
        _wait_status(driver, "waiting_approval")
        assert not _by_css(driver, "button#approve")  # a member may not approve
        driver.save_screenshot(str(shots / "run-member.png"))
        _only_local(driver, base)
        forged = _forged_approve(driver, base, run_url)
        assert forged.status_code == 403, forged.text

        # The same link does not work twice.
        driver.delete_all_cookies()
        driver.get(mia_link)
        assert "/console/signin" in driver.current_url
        assert not _by_css(driver, "#sign-out")
        driver.get_log("browser")  # drain: that 400 was the point

        # An admin finds it in the inbox and approves it in the run page.
        _sign_in(driver, ann_link, base)
        driver.get(f"{base}/console/approvals")
        assert "checkout-api" in driver.page_source
        driver.save_screenshot(str(shots / "approvals.png"))
        _only_local(driver, base)
        _by_css(driver, f'a[href="{run_url.removeprefix(base)}"]')[0].click()
        _by_css(driver, "input#confirm")[0].click()  # production: confirmed on purpose
        _by_css(driver, "button#approve")[0].click()
        _wait_status(driver, "succeeded")
        driver.save_screenshot(str(shots / "run-approved.png"))
        _only_local(driver, base)
        driver.get(f"{base}/console/runs")
        assert "succeeded" in driver.page_source
        driver.save_screenshot(str(shots / "runs.png"))
        _only_local(driver, base)
        driver.get(f"{base}/console/audit?action=approval.")
        assert "approval.approved.refused" in driver.page_source  # mia's forged POST
        assert "approval.approved" in driver.page_source
        driver.save_screenshot(str(shots / "audit.png"))
        _only_local(driver, base)

        # The administration pages render from local assets only (no script, inline SVG).
        for name, path in ADMIN_PAGES.items():
            driver.get(f"{base}{path}")
            assert _by_css(driver, "main h1"), (path, driver.page_source[:500])
            driver.save_screenshot(str(shots / f"{name}.png"))
            _only_local(driver, base)
        driver.get(f"{base}/console/keys")
        _by_css(driver, "form#create-key input[name=name]")[0].send_keys("browser test")
        _by_css(driver, "form#create-key button")[0].click()
        key = poll(lambda: _by_css(driver, "pre#new-key"), 10, "no key shown")[0].text
        assert key.startswith("bmad_") and "browser test" in driver.page_source

        _by_css(driver, "button#sign-out")[0].click()
        driver.get(f"{base}/console/runs")
        assert not _by_css(driver, "#sign-out")
    assert len(list(shots.glob("*.png"))) == 8 + len(ADMIN_PAGES)


ADMIN_PAGES = {
    "members": "/console/members",
    "keys": "/console/keys",
    "webhooks": "/console/webhooks",
    "usage": "/console/usage",
    "workflows": "/console/workflows",
    "workflow": "/console/workflows/production_deploy",
}


def _say(driver: Any, text: str) -> None:
    before = driver.page_source.count('id="reply"')
    box = _by_css(driver, "textarea#text")[0]
    box.send_keys(text)
    _by_css(driver, "button#send")[0].click()
    poll(lambda: text in driver.page_source and 'id="reply"' in driver.page_source, 30, text)
    assert before <= 1


def _wait_status(driver: Any, status: str) -> None:
    def current() -> bool:
        found = _by_css(driver, "#run-status")
        return bool(found) and found[0].text == status

    poll(current, 40, f"run did not reach {status}", step=driver.refresh)


def _forged_approve(driver: Any, base: str, run_url: str) -> httpx.Response:
    """The member's own session and CSRF token, posting the approve form she was not shown."""
    cookie = driver.get_cookie("bmad_console")["value"]
    csrf = re.search(r'name="csrf" value="([^"]+)"', driver.page_source)
    assert csrf is not None
    return httpx.post(
        f"{run_url}/approve",
        data={"csrf": csrf.group(1)},
        cookies={"bmad_console": cookie},
        timeout=10,
    )
