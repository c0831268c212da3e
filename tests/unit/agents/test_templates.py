"""Workflow templates: built-ins valid, bad templates refused at load, tenant ones win."""

import pytest

from agents.workflows.errors import WorkflowError
from agents.workflows.loader import list_templates, load_template, parse_template
from integrations.settings import Settings
from tests.unit.agents.conftest import place_template

BUILTINS = [
    "single_task",
    "feature_delivery",
    "deploy",
    "production_deploy",
    "incident_response",
    "release",
]


def test_builtins_load(embedded_settings: Settings) -> None:
    for name in BUILTINS:
        assert load_template(embedded_settings, "any", name).name == name
    fd = load_template(embedded_settings, "any", "feature_delivery")
    assert fd.step("design").needs == ["story"] and fd.step("test_plan").needs == ["story"]
    assert fd.step("approval").kind == "approval"
    prod = load_template(embedded_settings, "any", "production_deploy")
    assert [s.kind for s in prod.steps] == ["agent", "approval", "deploy", "notify"]
    assert all(s.kind != "approval" for s in load_template(embedded_settings, "x", "deploy").steps)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            "name: bad\nsteps:\n  - {name: a, kind: agent, agent: x, task: y, needs: [b]}\n",
            "unknown",
        ),
        (
            "name: bad\nsteps:\n  - {name: a, kind: notify, needs: [b]}\n"
            "  - {name: b, kind: notify, needs: [a]}\n",
            "cycle",
        ),
        ("name: bad\nsteps:\n  - {name: a, kind: agent}\n", "agent"),
        ("name: bad\nsteps:\n  - {name: a, kind: notify, need: [b]}\n", "need"),
        ("name: bad\nsteps: [\n", "not valid"),
        # A tenant cannot make a worker sleep for a time its run inputs choose: the test-only
        # knob that did this is gone from the product (issue 19 item 4).
        (
            "name: bad\nsteps:\n  - {name: a, kind: agent, agent: devops, task: deploy,"
            " sleep_input: pause}\n",
            "sleep_input",
        ),
    ],
)
def test_invalid_templates_are_refused(body: str, problem: str) -> None:
    with pytest.raises(WorkflowError) as err:
        parse_template(body, "bad")
    assert err.value.code == "invalid_template"


def test_tenant_template_is_found_and_scoped(embedded_settings: Settings) -> None:
    place_template(
        embedded_settings,
        "acme",
        "hello",
        "name: hello\nsteps:\n  - {name: say, kind: notify, message: run_summary}\n",
    )
    assert load_template(embedded_settings, "acme", "hello").steps[0].name == "say"
    assert "hello" in list_templates(embedded_settings, "acme")
    with pytest.raises(WorkflowError) as err:
        load_template(embedded_settings, "other", "hello")
    assert err.value.code == "unknown_workflow"
    with pytest.raises(WorkflowError):
        load_template(embedded_settings, "acme", "../etc/passwd")


def test_a_tenant_id_that_is_a_path_never_reads_outside_the_data_dir(
    embedded_settings: Settings,
) -> None:
    place_template(
        embedded_settings, "acme", "hello", "name: hello\nsteps:\n  - {name: s, kind: notify}\n"
    )
    with pytest.raises(WorkflowError):
        load_template(embedded_settings, "../workflows/acme", "hello")
    assert load_template(embedded_settings, "../x", "release").name == "release"
