"""One environment table for the NLU and the run-start gate (issue 11, point 3).

Reproduces `bmad runs start deploy -i environment=prd` by a member: it used to run with
no approval because the gate knew "prod" but not "prd" while the NLU knew both.
"""

from __future__ import annotations

import pytest

from agents.environments import is_protected, normalize_environment
from agents.workflows.service import NotAllowed, WorkflowService
from conversations.nlu.extract import extract_environment
from integrations.settings import Settings
from tests.unit.agents.conftest import place_template


@pytest.mark.parametrize("word", ["prd", "prod", "PROD", "productie", "live", "Production"])
def test_every_production_word_is_refused_to_a_member_without_approval(
    service: WorkflowService, tenant: str, word: str
) -> None:
    with pytest.raises(NotAllowed):
        service.start(
            tenant_id=tenant,
            workflow="deploy",
            inputs={"service": "checkout", "environment": word},
            conversation_key=f"{tenant}:console:gate",
            user_id="bob-member",
        )
    assert service.list_runs(tenant) == []


def test_a_doubtful_production_value_also_needs_approval(
    service: WorkflowService, tenant: str
) -> None:
    with pytest.raises(NotAllowed):
        service.start(
            tenant_id=tenant,
            workflow="deploy",
            inputs={"service": "checkout", "environment": "prd-eu"},
            conversation_key=f"{tenant}:console:gate",
            user_id="bob-member",
        )


def test_a_member_may_still_deploy_to_staging(service: WorkflowService, tenant: str) -> None:
    run = service.start(
        tenant_id=tenant,
        workflow="deploy",
        inputs={"service": "checkout", "environment": "stg"},
        conversation_key=f"{tenant}:console:gate",
        user_id="bob-member",
    )
    assert run.workflow == "deploy"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("deploy checkout to prd", "production"),
        ("zet checkout op productie", "production"),
        ("deploy it to live", "production"),
        ("ship orders-api to uat", "acceptance"),
        ("deploy search to stg", "staging"),
    ],
)
def test_nlu_and_gate_read_the_same_table(text: str, canonical: str) -> None:
    extracted = extract_environment(text)
    assert extracted == canonical
    word = text.rsplit(" ", 1)[-1]
    assert normalize_environment(word) == canonical
    assert is_protected(word) == (canonical == "production")


HOTFIX = """
name: hotfix
description: Test only - a tenant template that deploys with no approval step.
inputs: [service, environment]
steps:
  - name: deploy
    kind: deploy
"""

GUARDED = """
name: guarded
description: Test only - a tenant template whose deploy waits for an approval.
inputs: [service, environment]
steps:
  - name: ok
    kind: approval
  - name: deploy
    kind: deploy
    needs: [ok]
"""


def test_a_tenant_template_deploying_to_production_without_approval_is_refused(
    embedded_settings: Settings, service: WorkflowService, tenant: str
) -> None:
    place_template(embedded_settings, tenant, "hotfix", HOTFIX)
    place_template(embedded_settings, tenant, "guarded", GUARDED)
    inputs = {"service": "checkout", "environment": "prd"}
    key = f"{tenant}:console:gate"
    with pytest.raises(NotAllowed):
        service.start(
            tenant_id=tenant,
            workflow="hotfix",
            inputs=inputs,
            conversation_key=key,
            user_id="bob-member",
        )
    run = service.start(
        tenant_id=tenant,
        workflow="guarded",
        inputs=inputs,
        conversation_key=key,
        user_id="bob-member",
    )
    assert run.workflow == "guarded"
    staging = {"service": "checkout", "environment": "staging"}
    assert (
        service.start(
            tenant_id=tenant,
            workflow="hotfix",
            inputs=staging,
            conversation_key=key,
            user_id="bob-member",
        ).workflow
        == "hotfix"
    )


# What a person reads as "production", hidden behind control, format or fullwidth
# characters (found by trying POST /api/v1/runs as a member): the gate judges what is read.
HIDDEN_PRODUCTION = [
    "production\u0000",
    "production\u200b",
    "\u200bprod",
    "pro\u00adduction",
    "\uff50\uff52\uff4f\uff44",  # fullwidth "prod"
]


@pytest.mark.parametrize("value", HIDDEN_PRODUCTION)
def test_production_behind_invisible_characters_still_needs_approval(
    service: WorkflowService, tenant: str, value: str
) -> None:
    assert is_protected(value)
    with pytest.raises(NotAllowed):
        service.start(
            tenant_id=tenant,
            workflow="deploy",
            inputs={"service": "checkout", "environment": value},
            conversation_key=f"{tenant}:console:gate",
            user_id="bob-member",
        )
    assert service.list_runs(tenant) == []


def test_run_inputs_are_stored_without_control_characters(
    service: WorkflowService, tenant: str
) -> None:
    run = service.start(
        tenant_id=tenant,
        workflow="deploy",
        inputs={"service": "check\u0000out", "environment": "stg"},
        conversation_key=f"{tenant}:console:gate",
        user_id="bob-member",
    )
    assert run.inputs["service"] == "checkout"
