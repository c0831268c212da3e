"""Deploy steps: dry run without a hook, the tenant's hook called when set, retries with
backoff on errors and the compensation step when the retries run out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agents.notify import read_notices
from agents.workflows.service import WorkflowService
from integrations.settings import Settings
from tests.fakes.deploy_hook import DeployHookServer, set_deploy_hook
from tests.unit.agents.conftest import place_template


@pytest.fixture
def embedded_settings(embedded_settings: Settings) -> Settings:
    """The hook server listens on 127.0.0.1: the SSRF guard is off for these tests."""
    return embedded_settings.model_copy(update={"webhook_allow_private": True})


@pytest.fixture
def hook() -> Iterator[DeployHookServer]:
    with DeployHookServer() as server:
        yield server


FAST_DEPLOY = """
name: deploy
steps:
  - {name: plan, kind: agent, agent: devops, task: deploy}
  - name: deploy
    kind: deploy
    needs: [plan]
    timeout_seconds: 10
    retry: {max_attempts: 3, backoff_seconds: 0.1, backoff_factor: 2}
    on_failure: deploy_failed
  - {name: notify, kind: notify, message: deploy_done, needs: [deploy]}
compensations:
  - {name: deploy_failed, kind: notify, message: deploy_failed}
"""


def _start(service: WorkflowService, tenant: str):  # type: ignore[no-untyped-def]
    run = service.start(
        tenant_id=tenant,
        workflow="deploy",
        inputs={"service": "checkout", "environment": "staging"},
        conversation_key=f"{tenant}:api:c1",
        user_id="bob-member",
    )
    service.wait_settled(tenant, [run.id], timeout=30)
    return service.get(tenant, run.id)


def test_without_a_hook_the_deploy_is_a_labelled_dry_run(
    embedded_settings: Settings, service: WorkflowService, tenant: str
) -> None:
    run = _start(service, tenant)
    assert run.status == "succeeded"
    deploy = next(s for s in run.steps if s.name == "deploy")
    assert deploy.output.startswith("_Dry run") and "nothing was deployed" in deploy.output
    assert "checkout to staging" in deploy.output


def test_hook_errors_are_retried_with_backoff_then_succeed(
    embedded_settings: Settings, service: WorkflowService, tenant: str, hook: DeployHookServer
) -> None:
    place_template(embedded_settings, tenant, "deploy", FAST_DEPLOY)
    set_deploy_hook(embedded_settings, tenant, hook.url)
    hook.statuses[:] = [503, 502]
    run = _start(service, tenant)
    assert run.status == "succeeded"
    assert len(hook.received) == 3
    assert {r["idempotency_key"] for r in hook.received} == {f"{tenant}:{run.public_id}:deploy"}
    assert hook.received[0]["service"] == "checkout" and "checkout" in hook.received[0]["plan"]
    assert "HTTP 200" in next(s.output for s in run.steps if s.name == "deploy")
    notices = [n for _, n in read_notices(embedded_settings, tenant, f"{tenant}:api:c1")]
    assert [n.step for n in notices if n.kind in ("step_result", "info")] == [
        "plan",
        "deploy",
        "notify",
    ]


def test_when_retries_run_out_the_compensation_step_runs_and_the_run_fails(
    embedded_settings: Settings, service: WorkflowService, tenant: str, hook: DeployHookServer
) -> None:
    place_template(embedded_settings, tenant, "deploy", FAST_DEPLOY)
    set_deploy_hook(embedded_settings, tenant, hook.url)
    hook.statuses[:] = [500, 500, 500]
    run = _start(service, tenant)
    assert run.status == "failed"
    assert {s.name: s.status for s in run.steps} == {
        "plan": "succeeded",
        "deploy": "failed",
        "notify": "skipped",
        "deploy_failed": "succeeded",
    }
    assert "HTTP 500" in run.error
    notices = [n for _, n in read_notices(embedded_settings, tenant, f"{tenant}:api:c1")]
    assert "failed" in next(n.text for n in notices if n.step == "deploy_failed")
    assert notices[-1].kind == "run_finished" and "deploy" in notices[-1].text


ROLLBACK_DEPLOY = FAST_DEPLOY.replace(
    "  - {name: deploy_failed, kind: notify, message: deploy_failed}",
    "  - {name: deploy_failed, kind: deploy, action: rollback, retry: {max_attempts: 1}}",
)


def test_a_failed_deploy_calls_the_hooks_rollback_and_reports_it(
    embedded_settings: Settings, service: WorkflowService, tenant: str, hook: DeployHookServer
) -> None:
    place_template(embedded_settings, tenant, "deploy", ROLLBACK_DEPLOY)
    set_deploy_hook(embedded_settings, tenant, hook.url)
    hook.statuses[:] = [500, 500, 500, 202]
    run = _start(service, tenant)
    assert run.status == "failed"
    assert [r["action"] for r in hook.received] == ["deploy"] * 3 + ["rollback"]
    rollback = hook.received[-1]
    assert rollback["idempotency_key"] == f"{tenant}:{run.public_id}:deploy_failed"
    assert rollback["service"] == "checkout" and rollback["environment"] == "staging"
    output = next(s.output for s in run.steps if s.name == "deploy_failed")
    assert "roll back" in output and "HTTP 202" in output


def test_the_built_in_rollback_without_a_hook_says_so(
    embedded_settings: Settings, service: WorkflowService, tenant: str
) -> None:
    from agents.workflows.loader import load_template
    from agents.workflows.perform import StepContext, perform

    spec = load_template(embedded_settings, tenant, "deploy").step("deploy_failed")
    assert spec.kind == "deploy" and spec.action == "rollback"
    for lang, words in (
        ("en", "nothing was rolled back"),
        ("nl", "niets automatisch teruggedraaid"),
    ):
        ctx = StepContext(
            tenant_id=tenant, run_id=7, workflow="deploy", step_id=1, step="deploy_failed",
            kind="deploy", agent=None, task=None, attempt=1, lang=lang,
            inputs={"service": "checkout", "environment": "staging"}, spec=spec,
        )  # fmt: skip
        assert words in perform(embedded_settings, ctx).text


def test_a_run_that_produced_nothing_is_not_charged_but_a_failed_deploy_after_a_plan_is(
    embedded_settings: Settings, service: WorkflowService, tenant: str, hook: DeployHookServer
) -> None:
    from integrations.billing import counters
    from integrations.billing.period import current_period

    only_deploy = (
        "name: deploy\nsteps:\n  - name: deploy\n    kind: deploy\n"
        "    retry: {max_attempts: 2, backoff_seconds: 0.05}\n"
    )
    place_template(embedded_settings, tenant, "deploy", only_deploy)
    set_deploy_hook(embedded_settings, tenant, hook.url)
    hook.statuses[:] = [500, 500]
    run = _start(service, tenant)
    assert run.status == "failed" and run.error == "deploy hook answered HTTP 500"
    assert counters.current(embedded_settings, tenant, "runs", current_period()) == 0

    place_template(embedded_settings, tenant, "deploy", FAST_DEPLOY)
    hook.statuses[:] = [500, 500, 500]
    assert _start(service, tenant).status == "failed"  # the plan was a result
    assert counters.current(embedded_settings, tenant, "runs", current_period()) == 1


def test_an_internal_step_error_is_told_in_user_words_without_class_names(
    embedded_settings: Settings, service: WorkflowService, tenant: str
) -> None:
    broken = (
        "name: deploy\nsteps:\n  - name: notify\n    kind: notify\n    message: no_such_message\n"
        "    retry: {max_attempts: 1}\n"
    )
    place_template(embedded_settings, tenant, "deploy", broken)
    run = _start(service, tenant)
    assert run.status == "failed"
    assert (
        run.error
        == "the step could not be completed because of an error on our side (it was retried)"
    )
    notices = [n.text for _, n in read_notices(embedded_settings, tenant, f"{tenant}:api:c1")]
    assert not any("TemplateNotFound" in t or "no_such_message" in t for t in notices), notices
