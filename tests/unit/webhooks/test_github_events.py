from bot.webhooks.config import DEFAULT_GITHUB_ACTIONS
from bot.webhooks.github_events import decide
from tests.unit.webhooks import payloads


def test_pull_request_opened_and_synchronize_start_a_review() -> None:
    for action in ("opened", "synchronize"):
        work = decide("pull_request", payloads.github_pull_request(action), DEFAULT_GITHUB_ACTIONS)
        assert work is not None
        assert work.action == "review_code"
        assert work.slots == {"target": "https://github.com/acme/shop/pull/42"}
        assert work.facts["number"] == "42"


def test_other_pull_request_actions_are_ignored() -> None:
    for action in ("closed", "labeled", "edited"):
        pr = payloads.github_pull_request(action)
        assert decide("pull_request", pr, DEFAULT_GITHUB_ACTIONS) is None


def test_failed_workflow_run_starts_triage_only_on_failure() -> None:
    work = decide("workflow_run", payloads.github_workflow_run("failure"), DEFAULT_GITHUB_ACTIONS)
    assert work is not None and work.action == "triage_incident"
    assert work.slots == {"service": "acme/shop"}
    for conclusion in ("success", "cancelled", "skipped"):
        ok = payloads.github_workflow_run(conclusion)
        assert decide("workflow_run", ok, DEFAULT_GITHUB_ACTIONS) is None
    requested = payloads.github_workflow_run("failure", action="requested")
    assert decide("workflow_run", requested, DEFAULT_GITHUB_ACTIONS) is None


def test_release_published_writes_notes() -> None:
    work = decide("release", payloads.github_release(), DEFAULT_GITHUB_ACTIONS)
    assert work is not None and work.action == "write_release_notes"
    assert work.slots == {"version": "v1.4.0"}
    assert decide("release", payloads.github_release("created"), DEFAULT_GITHUB_ACTIONS) is None


def test_tenant_mapping_redirects_or_disables() -> None:
    actions = {**DEFAULT_GITHUB_ACTIONS, "pull_request": "security_review", "release": ""}
    work = decide("pull_request", payloads.github_pull_request(), actions)
    assert work is not None and work.action == "security_review"
    assert decide("release", payloads.github_release(), actions) is None
    assert decide("issues", {"action": "opened"}, actions) is None


def test_malformed_shapes_do_not_crash() -> None:
    assert decide("pull_request", {"action": "opened", "pull_request": "x"}, DEFAULT_GITHUB_ACTIONS)
    assert decide("release", {"action": "published", "release": None}, DEFAULT_GITHUB_ACTIONS)
