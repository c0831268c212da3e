"""A signed pull_request event for a configured repository: the review fetches the PR's
files from GITHUB_API_URL (the stand-in checks the token and pages with Link headers),
names the changed file and its finding, and posts one PR comment when asked to."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from agents.workflows.service import WorkflowService
from bot.app import create_app
from bot.webhooks.config import configure_source
from integrations.db.session import tenant_session
from integrations.settings import Settings
from integrations.webhooks_out.signing import sign_body
from tests.fakes.github_api import FakeGitHub
from tests.unit.webhooks import payloads
from tests.unit.webhooks.conftest import GITHUB_SECRET, setup_tenant

TOKEN = "ghp_test_token_for_the_stand_in_0001"
REPO = "acme/shop"
DB_PATCH = (
    "@@ -1,6 +1,8 @@\n"
    " import sqlite3\n"
    "+import subprocess\n"
    " \n"
    " \n"
    " def coupon(conn, code):\n"
    '-    return conn.execute("SELECT * FROM coupons WHERE code = ?", (code,)).fetchone()\n'
    '+    subprocess.run("echo " + code, shell=True)\n'
    '+    return conn.execute("SELECT * FROM coupons WHERE code = \'" + code + "\'").fetchone()\n'
)
FILES = [
    {"filename": "README.md", "patch": "@@ -1 +1,2 @@\n # Shop\n+Coupons are supported."},
    {"filename": "assets/logo.png", "status": "modified"},  # binary: no patch
    {"filename": "shop/coupons.py", "patch": DB_PATCH},
]


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(token=TOKEN, page_size=2) as fake:
        fake.add_pull(REPO, 42, FILES, title="Add coupon codes to checkout")
        yield fake


def _setup(settings: Settings, tenant_id: str, token: str, post: bool) -> TestClient:
    tenant = setup_tenant(settings, tenant_id)
    with tenant_session(settings.database_url, tenant.id) as session:
        configure_source(session, settings, tenant.id, "github", api_token=token, post_reviews=post)
    return TestClient(create_app(settings))


def _send(client: TestClient, tenant_id: str, event: str, payload: dict, delivery: str) -> str:
    body = json.dumps(payload).encode()
    response = client.post(
        f"/webhooks/github/{tenant_id}",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery,
            "X-Hub-Signature-256": sign_body(GITHUB_SECRET, body),
        },
    )
    assert response.status_code == 200, response.text
    return str(response.json()["run_id"])  # the public id


def _output(settings: Settings, tenant_id: str, run: int | str) -> str:
    """`run`: the public id a webhook answered with, or the number a chat reply carries."""
    service = WorkflowService(settings)
    run_id = run if isinstance(run, int) else service.resolve(tenant_id, run)
    service.wait_settled(tenant_id, [run_id], timeout=60)
    run = service.get(tenant_id, run_id)
    assert run.status == "succeeded"
    return run.steps[0].output or ""


def test_pull_request_review_fetches_paginated_files_and_posts_one_comment(
    embedded_settings: Settings, tenant_id: str, github: FakeGitHub
) -> None:
    settings = embedded_settings.model_copy(update={"github_api_url": github.base_url})
    client = _setup(settings, tenant_id, TOKEN, post=True)
    run_id = _send(client, tenant_id, "pull_request", payloads.github_pull_request(), "d-1")
    review = _output(settings, tenant_id, run_id)

    assert "`shop/coupons.py:6` [high] *Command injection (shell=True)*" in review
    assert "`shop/coupons.py:7` [medium] *SQL injection*" in review
    assert "Fetched: pull request acme/shop#42" in review
    assert "assets/logo.png" in review  # honestly listed as not read (no text diff)
    assert "Ran bandit" in review
    files_pages = [p for m, p in github.requests if p.endswith("/pulls/42/files")]
    assert len(files_pages) == 2  # 3 files, 2 per page: the Link header was followed
    assert github.unauthorized == 0
    comments = github.comments[(REPO, 42)]
    assert len(comments) == 1 and "shop/coupons.py:7" in comments[0]
    number = WorkflowService(settings).resolve(tenant_id, run_id)  # people say "run 12"
    assert f"run #{number}" in comments[0] and TOKEN not in comments[0]


def test_a_refused_token_is_reported_honestly_and_nothing_is_posted(
    embedded_settings: Settings, tenant_id: str, github: FakeGitHub
) -> None:
    settings = embedded_settings.model_copy(update={"github_api_url": github.base_url})
    client = _setup(settings, tenant_id, "ghp_wrong_token_000000000000000000", post=True)
    run_id = _send(client, tenant_id, "pull_request", payloads.github_pull_request(), "d-2")
    review = _output(settings, tenant_id, run_id)
    assert "GitHub could not be read (the API token was refused)" in review
    assert "Bad credentials" not in review and (REPO, 42) not in github.comments


def test_the_size_cap_is_noted(
    embedded_settings: Settings, tenant_id: str, github: FakeGitHub
) -> None:
    settings = embedded_settings.model_copy(
        update={"github_api_url": github.base_url, "github_max_diff_bytes": 100}
    )
    client = _setup(settings, tenant_id, TOKEN, post=False)
    run_id = _send(client, tenant_id, "pull_request", payloads.github_pull_request(), "d-3")
    review = _output(settings, tenant_id, run_id)
    assert "size cap of 0 KB: shop/coupons.py" in review
    assert (REPO, 42) not in github.comments  # --post-reviews not set


def test_release_notes_use_the_compare_between_the_previous_tag_and_this_one(
    embedded_settings: Settings, tenant_id: str, github: FakeGitHub
) -> None:
    github.tags[REPO] = ["v1.4.0", "v1.3.2", "v1.3.1"]
    github.compares[(REPO, "v1.3.2", "v1.4.0")] = [
        "feat: coupon codes at checkout\n\nLong description",
        "fix: rounding of discounts",
        "Merge pull request #41 from acme/coupons",
        "Remove the legacy v1 coupon API",
    ]
    settings = embedded_settings.model_copy(update={"github_api_url": github.base_url})
    client = _setup(settings, tenant_id, TOKEN, post=False)
    run_id = _send(client, tenant_id, "release", payloads.github_release(), "d-4")
    notes = _output(settings, tenant_id, run_id)
    assert "*Release notes v1.4.0*" in notes
    assert "### Added\n- coupon codes at checkout" in notes
    assert "### Fixed\n- rounding of discounts" in notes
    assert "### Removed\n- Remove the legacy v1 coupon API" in notes
    assert "Merge pull request" not in notes
    assert "Source: acme/shop v1.3.2...v1.4.0" in notes


def test_with_a_model_the_fetched_diff_is_in_the_prompt(
    embedded_settings: Settings, tenant_id: str, github: FakeGitHub
) -> None:
    from pydantic import SecretStr

    from tests.fakes.openai_server import FakeOpenAI, structured_reply

    review = {
        "summary": "shell=True with user input in shop/coupons.py",
        "findings": [
            {
                "location": "shop/coupons.py:6",
                "issue": "command injection",
                "suggestion": "pass a list, no shell",
            }
        ],
        "open_questions": [],
    }
    with FakeOpenAI() as llm:
        llm.push(structured_reply("CodeReview", review))
        settings = embedded_settings.model_copy(
            update={
                "github_api_url": github.base_url,
                "openai_base_url": llm.base_url,
                "openai_api_key": SecretStr("sk-test"),
            }
        )
        client = _setup(settings, tenant_id, TOKEN, post=True)
        run_id = _send(client, tenant_id, "pull_request", payloads.github_pull_request(), "d-5")
        output = _output(settings, tenant_id, run_id)
        user = next(m for m in llm.requests[0]["messages"] if m["role"] == "user")["content"]
    assert "### shop/coupons.py" in user and 'subprocess.run("echo " + code, shell=True)' in user
    assert "assets/logo.png" in user  # the note about what was not read
    assert "shop/coupons.py:6" in output
    assert "shop/coupons.py:6" in github.comments[(REPO, 42)][0]


def test_from_chat_a_pull_request_link_and_a_tag_range_are_fetched(
    embedded_settings: Settings, tenant_id: str, github: FakeGitHub
) -> None:
    from tests.unit.conversations.chat_helper import Chat

    settings = embedded_settings.model_copy(update={"github_api_url": github.base_url})
    _setup(settings, tenant_id, TOKEN, post=False)
    github.compares[(REPO, "v1.3.2", "v1.4.0")] = ["feat: gift cards", "fix: VAT rounding"]
    chat = Chat(settings, tenant_id)
    reply = chat.say("Can you review https://github.com/acme/shop/pull/42 ?")
    assert reply.run_ids, reply.text
    review = _output(settings, tenant_id, reply.run_ids[0])
    assert "`shop/coupons.py:7` [medium] *SQL injection*" in review

    reply = chat.say("Write release notes for repo acme/shop v1.3.2...v1.4.0")
    assert reply.run_ids, reply.text
    service = WorkflowService(settings)
    service.wait_settled(tenant_id, reply.run_ids, timeout=60)
    notes = next(s.output for s in service.get(tenant_id, reply.run_ids[0]).steps if s.output)
    assert "### Added\n- gift cards" in notes and "### Fixed\n- VAT rounding" in notes
    assert "*Release notes v1.4.0*" in notes
