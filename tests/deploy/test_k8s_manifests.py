"""deploy/k8s renders (kustomize, via `kubectl kustomize`) and every object validates
offline against the Kubernetes schemas (kubernetes-validate, strict), plus the operating
rules the issue asks for: probes, non-root, read-only root fs, resources, Secrets only
referenced, one beat, HPA/PDB for web, KEDA scalers (optional component) in prod."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
K8S_VERSION = "1.32.0"
OVERLAYS = ["dev", "prod"]
KEDA = "keda.sh/v1alpha1"


def render(overlay: str) -> list[dict[str, Any]]:
    kubectl, kustomize = shutil.which("kubectl"), shutil.which("kustomize")
    if kubectl:
        cmd = [kubectl, "kustomize", str(K8S / "overlays" / overlay)]
    elif kustomize:
        cmd = [kustomize, "build", str(K8S / "overlays" / overlay)]
    else:
        pytest.fail("neither kubectl nor kustomize is installed (see .ci/run)")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True)
    return [d for d in yaml.safe_load_all(out.stdout) if d]


@pytest.fixture(scope="module", params=OVERLAYS)
def objects(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, render(request.param)


def _by_kind(objs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == kind}


def _pod_specs(objs: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (o["metadata"]["name"], o["spec"]["template"]["spec"])
        for o in objs
        if o["kind"] in ("Deployment", "Job")
    ]


def test_every_object_validates_offline(objects: tuple[str, list[dict[str, Any]]]) -> None:
    overlay, objs = objects
    for obj in objs:
        if obj["apiVersion"] == KEDA:
            continue  # a CRD: checked in test_keda_scalers_in_prod
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
    assert {o["metadata"].get("namespace") for o in objs} == {
        f"bmad-{overlay}" if overlay == "dev" else "bmad"
    }


def test_secrets_are_referenced_never_inlined(objects: tuple[str, list[dict[str, Any]]]) -> None:
    _, objs = objects
    assert not [o for o in objs if o["kind"] == "Secret"]
    for name, spec in _pod_specs(objs):
        for c in spec["containers"]:
            refs = [e["secretRef"]["name"] for e in c.get("envFrom", []) if "secretRef" in e]
            assert refs == ["bmad-secrets"], name
            assert not any("value" in e and "SECRET" in e["name"] for e in c.get("env", []))


def test_pods_run_non_root_read_only_with_resources(
    objects: tuple[str, list[dict[str, Any]]],
) -> None:
    _, objs = objects
    for name, spec in _pod_specs(objs):
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        for c in spec["containers"]:
            sec = c["securityContext"]
            assert sec["readOnlyRootFilesystem"] is True, name
            assert sec["allowPrivilegeEscalation"] is False, name
            assert sec["capabilities"]["drop"] == ["ALL"], name
            assert c["resources"]["requests"] and c["resources"]["limits"], name
            mounts = {m["mountPath"] for m in c["volumeMounts"]}
            assert "/tmp" in mounts, name  # metrics multiprocess dir, caches


def test_processes_and_their_probes(objects: tuple[str, list[dict[str, Any]]]) -> None:
    _, objs = objects
    deployments = _by_kind(objs, "Deployment")
    assert set(deployments) == {"bmad-web", "bmad-turn-worker", "bmad-step-worker", "bmad-beat"}
    web = deployments["bmad-web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for worker in ("bmad-turn-worker", "bmad-step-worker"):
        c = deployments[worker]["spec"]["template"]["spec"]["containers"][0]
        assert c["livenessProbe"]["exec"]["command"][:2] == ["bmad", "worker-ping"]
        assert c["args"][:2] == ["bmad", "worker"]
    beat = deployments["bmad-beat"]["spec"]
    assert beat["replicas"] == 1 and beat["strategy"]["type"] == "Recreate"
    assert "bmad-web" in _by_kind(objs, "HorizontalPodAutoscaler")
    assert {"bmad-web", "bmad-step-worker", "bmad-turn-worker"} <= set(
        _by_kind(objs, "PodDisruptionBudget")
    )
    job = _by_kind(objs, "Job")["bmad-migrate"]
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["bmad", "migrate"]
    assert {"bmad-web"} <= set(_by_kind(objs, "Service"))
    assert _by_kind(objs, "NetworkPolicy")


def test_keda_scalers_in_prod() -> None:
    objs = render("prod")
    deployments = _by_kind(objs, "Deployment")
    scaled = _by_kind(objs, "ScaledObject")
    assert set(scaled) == {"bmad-step-worker", "bmad-turn-worker"}
    for name, obj in scaled.items():
        assert obj["spec"]["scaleTargetRef"]["name"] in deployments
        (trigger,) = obj["spec"]["triggers"]
        assert trigger["type"] == "redis" and trigger["metadata"]["listName"]
        assert trigger["authenticationRef"]["name"] in _by_kind(objs, "TriggerAuthentication")
        worker = deployments[name]["spec"]["template"]["spec"]["containers"][0]["args"]
        assert trigger["metadata"]["listName"] == worker[worker.index("--queues") + 1]
    assert not _by_kind(render("dev"), "ScaledObject")  # optional: dev runs without KEDA


def test_turn_and_step_queues_match_the_settings_the_web_publishes_with() -> None:
    """The web publishes turns to BMAD_CELERY_TURN_QUEUE and steps to BMAD_CELERY_QUEUE
    (from the ConfigMap); each has a worker Deployment consuming exactly it."""
    objs = render("dev")
    (config,) = _by_kind(objs, "ConfigMap").values()
    turn_queue = config["data"]["BMAD_CELERY_TURN_QUEUE"]
    step_queue = config["data"]["BMAD_CELERY_QUEUE"]
    deployments = _by_kind(objs, "Deployment")

    def queues(name: str) -> str:
        args = deployments[name]["spec"]["template"]["spec"]["containers"][0]["args"]
        return args[args.index("--queues") + 1]

    assert queues("bmad-turn-worker") == turn_queue
    assert queues("bmad-step-worker") == step_queue
