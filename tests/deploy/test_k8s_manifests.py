"""The Kubernetes manifests (deploy/k8s) render, validate and keep their guarantees.

Each overlay is rendered by the small kustomize in ``k8s_render`` (and, where ``kubectl`` is
installed, checked against ``kubectl kustomize``), every object is validated offline against
the Kubernetes 1.33 schemas (``kubernetes-validate``, strict: unknown fields fail), then the
properties docs/kubernetes.md promises are asserted.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from procrastinate import App
from procrastinate.testing import InMemoryConnector

from luna.config import Settings
from tests.deploy.k8s_render import (
    UnsupportedKustomizationError,
    containers,
    key,
    pod_spec,
    render,
)

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("production", "embedded")
KUBERNETES_VERSION = "1.33.0"
HOOK = K8S / "base" / "worker-heartbeat" / "sitecustomize.py"
HEARTBEAT_FILE = "/tmp/luna-worker-heartbeat"
SECRET_NAME = re.compile(r"PASSWORD|SECRET|_KEY$|_TOKEN$|DATABASE_URL", re.I)
LUNA_IMAGE = re.compile(r"^luna-iems/api")

Rendered = dict[tuple[str, str], dict[str, Any]]


@pytest.fixture(scope="module", params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> tuple[str, Rendered]:
    resources = render(K8S / "overlays" / request.param)
    return request.param, {key(r): r for r in resources}


@pytest.fixture(scope="module")
def production() -> Rendered:
    return {key(r): r for r in render(K8S / "overlays" / "production")}


@pytest.fixture(scope="module")
def embedded() -> Rendered:
    return {key(r): r for r in render(K8S / "overlays" / "embedded")}


def _container(rendered: Rendered, kind: str, name: str, container: str) -> dict[str, Any]:
    return next(c for c in containers(rendered[(kind, name)]) if c["name"] == container)


def _env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env", [])}


def _luna_workloads(rendered: Rendered) -> list[dict[str, Any]]:
    return [
        r for r in rendered.values() if any(LUNA_IMAGE.match(c["image"]) for c in containers(r))
    ]


# --- rendering and schema -------------------------------------------------------------------


def test_every_object_validates_against_the_kubernetes_schema(overlay):
    _, rendered = overlay
    for resource in rendered.values():
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
        assert resource["metadata"]["namespace"] == "luna"


def test_the_schema_check_catches_a_broken_manifest(production):
    broken = yaml.safe_load(yaml.safe_dump(production[("Deployment", "luna-api")]))
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["pathh"] = "/"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.parametrize("directory", ["base", "overlays/production", "overlays/embedded"])
def test_the_test_renderer_agrees_with_kubectl_kustomize(directory):
    ours = {key(r): r for r in render(K8S / directory)}
    output = subprocess.run(
        ["kubectl", "kustomize", str(K8S / directory)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    theirs = {key(r): r for r in yaml.safe_load_all(output) if r}
    assert ours == theirs


def test_the_renderer_refuses_kustomize_features_it_does_not_implement(tmp_path):
    (tmp_path / "kustomization.yaml").write_text("resources: []\nnamePrefix: x-\n")
    with pytest.raises(UnsupportedKustomizationError, match="namePrefix"):
        render(tmp_path)


def test_every_reference_resolves_within_the_overlay(overlay):
    _, rendered = overlay
    for resource in rendered.values():
        spec = pod_spec(resource)
        if spec is None:
            continue
        claims = {t["metadata"]["name"] for t in resource["spec"].get("volumeClaimTemplates", [])}
        volumes = {v["name"] for v in spec.get("volumes", [])} | claims
        for volume in spec.get("volumes", []):
            if "configMap" in volume:
                assert ("ConfigMap", volume["configMap"]["name"]) in rendered
            if "persistentVolumeClaim" in volume:
                assert ("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"]) in (
                    rendered
                )
        for container in containers(resource):
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in volumes, f"{key(resource)}: {mount['name']}"
            for source in container.get("envFrom", []):
                assert ("ConfigMap", source["configMapRef"]["name"]) in rendered
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("configMapKeyRef")
                if ref:
                    assert ref["key"] in rendered[("ConfigMap", ref["name"])]["data"]


# --- secrets -------------------------------------------------------------------------------


def test_no_secret_is_written_into_a_manifest(overlay):
    _, rendered = overlay
    assert not [k for k in rendered if k[0] == "Secret"]
    for resource in rendered.values():
        for container in containers(resource):
            for env in container.get("env", []):
                if SECRET_NAME.search(env["name"]):
                    assert "value" not in env, f"{key(resource)}: literal {env['name']}"
                    assert "secretKeyRef" in env["valueFrom"], env["name"]
                value = str(env.get("value", ""))
                assert not re.search(r"://[^/@\s]+:[^/@\s]+@", value), f"credentials in {value}"
        if resource["kind"] == "ConfigMap" and resource["metadata"]["name"] == "luna-config":
            assert not [k for k in resource["data"] if SECRET_NAME.search(k)]


def test_every_secret_key_used_is_documented(overlay):
    _, rendered = overlay
    docs = (ROOT / "docs" / "kubernetes.md").read_text()
    for resource in rendered.values():
        for container in containers(resource):
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] in docs, ref
                    assert f"--from-literal={ref['key']}=" in docs, ref


# --- the API -------------------------------------------------------------------------------


def test_api_probes_are_ready_for_readiness_and_health_for_liveness(overlay):
    _, rendered = overlay
    api = _container(rendered, "Deployment", "luna-api", "api")
    port = api["ports"][0]
    assert (port["name"], port["containerPort"]) == ("http", 8000)
    assert api["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
    assert api["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert api["command"] == ["luna", "serve"]
    service = rendered[("Service", "luna-api")]
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    template_labels = rendered[("Deployment", "luna-api")]["spec"]["template"]["metadata"]
    assert service["spec"]["selector"].items() <= template_labels["labels"].items()


def test_migrations_run_before_luna_starts(overlay):
    _, rendered = overlay
    for workload in _luna_workloads(rendered):
        init = pod_spec(workload)["initContainers"]
        assert [c["command"] for c in init] == [["luna", "db", "upgrade"]]


def test_production_api_scales_on_cpu_from_two_pods(production):
    hpa = production[("HorizontalPodAutoscaler", "luna-api")]
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", "luna-api")
    assert (target["kind"], target["name"]) in production
    assert hpa["spec"]["minReplicas"] == 2
    assert hpa["spec"]["maxReplicas"] > 2
    [metric] = hpa["spec"]["metrics"]
    assert metric["type"] == "Resource"
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["type"] == "Utilization"
    # The autoscaler owns the count: a `replicas` field would reset it on every apply.
    assert "replicas" not in production[("Deployment", "luna-api")]["spec"]
    api = _container(production, "Deployment", "luna-api", "api")
    assert api["resources"]["requests"]["cpu"], "CPU utilisation needs a CPU request"


# --- workers -------------------------------------------------------------------------------


def test_production_runs_two_luna_workers_with_a_heartbeat_liveness_probe(production):
    deployment = production[("Deployment", "luna-worker")]
    assert deployment["spec"]["replicas"] == 2
    worker = _container(production, "Deployment", "luna-worker", "worker")
    assert worker["command"] == ["luna", "worker"]
    probe = " ".join(worker["livenessProbe"]["exec"]["command"])
    assert HEARTBEAT_FILE in probe
    assert "-lt 30" in probe
    assert HEARTBEAT_FILE in worker["startupProbe"]["exec"]["command"]
    env = _env(worker)
    assert env["LUNA_WORKER_HEARTBEAT_FILE"]["value"] == HEARTBEAT_FILE
    mounts = {m["name"]: m["mountPath"] for m in worker["volumeMounts"]}
    assert env["PYTHONPATH"]["value"] == mounts["worker-heartbeat"]
    assert HEARTBEAT_FILE.startswith(mounts["tmp"] + "/")
    hook = production[("ConfigMap", "luna-worker-heartbeat")]["data"]["sitecustomize.py"]
    assert hook == HOOK.read_text()
    config = production[("ConfigMap", "luna-config")]["data"]
    assert config["LUNA_JOBS_IN_PROCESS_WORKER"] == "false"


def _run_hook(path: Path, *, fail_beat: bool) -> tuple[bool, bool]:
    """Run the heartbeat hook against procrastinate's in-memory connector: whether the file
    appears on registration, and whether a (failing or not) beat touched it again."""
    from procrastinate.manager import JobManager

    saved = JobManager.register_worker, JobManager.update_heartbeat
    os.environ["LUNA_WORKER_HEARTBEAT_FILE"] = str(path)
    try:
        exec(compile(HOOK.read_text(), str(HOOK), "exec"), {"__name__": "sitecustomize"})
        connector = InMemoryConnector()
        app = App(connector=connector)

        async def scenario() -> tuple[bool, bool]:
            async with app.open_async():
                worker_id = await app.job_manager.register_worker()
                registered = path.exists()
                os.utime(path, (0, 0))
                if fail_beat:
                    connector.update_heartbeat_run = _broken  # type: ignore[method-assign]
                with contextlib.suppress(ConnectionError):
                    await app.job_manager.update_heartbeat(worker_id)
                return registered, path.stat().st_mtime > 0

        return asyncio.run(scenario())
    finally:
        JobManager.register_worker, JobManager.update_heartbeat = saved
        del os.environ["LUNA_WORKER_HEARTBEAT_FILE"]


async def _broken(*args: Any, **kwargs: Any) -> None:
    raise ConnectionError("database gone")


def test_the_heartbeat_hook_touches_its_file_on_each_beat_that_reaches_the_database(tmp_path):
    assert _run_hook(tmp_path / "beat", fail_beat=False) == (True, True)
    assert _run_hook(tmp_path / "lost", fail_beat=True) == (True, False)


# --- the live feed ---------------------------------------------------------------------------

FEED_HEARTBEAT_FILE = "/tmp/luna-feed-heartbeat"


def test_one_feed_pod_runs_the_data_source_and_no_api_pod_does():
    base = {key(r): r for r in render(K8S / "base")}
    deployment = base[("Deployment", "luna-feed")]
    # One runs the source, one stands by on the feed's lock (luna.connectors.feed): a
    # rolling update never has two feeds, and a dead pod is replaced within one beat.
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    feed = _container(base, "Deployment", "luna-feed", "feed")
    assert feed["command"] == ["luna", "feed"]
    assert feed["args"] == ["--heartbeat-file", FEED_HEARTBEAT_FILE]
    probe = " ".join(feed["livenessProbe"]["exec"]["command"])
    assert FEED_HEARTBEAT_FILE in probe
    # The file is touched on every stored status: the probe allows several missed beats.
    allowed = int(re.search(r"-lt (\d+)", probe).group(1))  # type: ignore[union-attr]
    assert allowed >= 3 * Settings.model_fields["feed_status_every_s"].default
    assert FEED_HEARTBEAT_FILE in feed["startupProbe"]["exec"]["command"]
    mounts = {m["name"]: m["mountPath"] for m in feed["volumeMounts"]}
    assert FEED_HEARTBEAT_FILE.startswith(mounts["tmp"] + "/")
    assert base[("ConfigMap", "luna-config")]["data"]["LUNA_FEED_IN_API"] == "false"
    api = _container(base, "Deployment", "luna-api", "api")
    assert {"configMapRef": {"name": "luna-config"}} in api["envFrom"]
    assert "LUNA_FEED_IN_API" not in _env(api)


def test_production_runs_no_feed_pod_while_no_source_is_configured(production):
    config = production[("ConfigMap", "luna-config")]["data"]
    assert config["LUNA_DATA_SOURCE"] == "none"
    assert config["LUNA_FEED_IN_API"] == "false"
    assert production[("Deployment", "luna-feed")]["spec"]["replicas"] == 0


def test_embedded_runs_the_feed_inside_its_one_pod(embedded):
    assert ("Deployment", "luna-feed") not in embedded
    assert embedded[("ConfigMap", "luna-config")]["data"]["LUNA_FEED_IN_API"] == "true"


# --- production services --------------------------------------------------------------------


def test_production_qdrant_is_a_replicated_three_node_cluster(production):
    qdrant = production[("StatefulSet", "qdrant")]
    assert qdrant["spec"]["replicas"] == 3
    env = _env(_container(production, "StatefulSet", "qdrant", "qdrant"))
    assert env["QDRANT__CLUSTER__ENABLED"]["value"] == "true"
    assert int(env["QDRANT__STORAGE__COLLECTION__REPLICATION_FACTOR"]["value"]) >= 2
    assert env["QDRANT__SERVICE__API_KEY"]["valueFrom"]["secretKeyRef"]["key"] == "qdrant-api-key"
    headless = production[("Service", "qdrant-headless")]
    assert qdrant["spec"]["serviceName"] == "qdrant-headless"
    assert headless["spec"]["clusterIP"] == "None"
    assert headless["spec"]["publishNotReadyAddresses"] is True
    pdb = production[("PodDisruptionBudget", "qdrant")]
    assert pdb["spec"]["maxUnavailable"] == 1


def test_production_settings_point_at_the_services_of_the_overlay(production, monkeypatch):
    config = production[("ConfigMap", "luna-config")]["data"]
    assert config["LUNA_VECTOR_BACKEND"] == "qdrant"
    for setting, service in [
        ("LUNA_QDRANT_URL", "qdrant"),
        ("LUNA_MINIO_ENDPOINT", "minio"),
        ("LUNA_OLLAMA_URL", "ollama"),
    ]:
        host, port = re.sub(r"^https?://", "", config[setting]).split(":")
        assert host == service
        ports = [p["port"] for p in production[("Service", service)]["spec"]["ports"]]
        assert int(port) in ports
    api = _container(production, "Deployment", "luna-api", "api")
    url = _env(api)["LUNA_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    assert (url["name"], url["key"]) == ("luna-secrets", "database-url")
    assert ("StatefulSet", "timescaledb") in production
    assert ("StatefulSet", "minio") in production
    ollama = pod_spec(production[("Deployment", "ollama")])
    assert ollama["volumes"][0]["persistentVolumeClaim"]["claimName"] == "ollama-models"
    # The settings are valid for Luna (secrets as placeholders).
    for name in list(os.environ):
        if name.startswith("LUNA_"):
            monkeypatch.delenv(name)
    for name, value in config.items():
        monkeypatch.setenv(name, value)
    for name in _env(api):
        if name.startswith("LUNA_"):
            monkeypatch.setenv(name, "postgresql://u:p@h/d" if "URL" in name else "placeholder")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.vector_backend.value == "qdrant"
    assert not settings.jobs_in_process_worker


def test_every_luna_setting_in_a_config_map_exists(overlay):
    _, rendered = overlay
    for name in rendered[("ConfigMap", "luna-config")]["data"]:
        if name.startswith("LUNA_"):
            assert name[5:].lower() in Settings.model_fields, name


# --- embedded ------------------------------------------------------------------------------


def test_embedded_is_one_pod_with_its_stores_on_a_volume(embedded):
    deployment = embedded[("Deployment", "luna-api")]
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert not [k for k in embedded if k[0] == "HorizontalPodAutoscaler"]
    assert ("Deployment", "luna-worker") not in embedded
    volumes = {v["name"]: v for v in pod_spec(deployment)["volumes"]}
    assert volumes["luna-home"] == {
        "name": "luna-home",
        "persistentVolumeClaim": {"claimName": "luna-home"},
    }
    config = embedded[("ConfigMap", "luna-config")]["data"]
    assert config["LUNA_JOBS_IN_PROCESS_WORKER"] == "true"
    assert config["LUNA_VECTOR_BACKEND"] == "edge"
    for container in containers(deployment):
        # No database URL: pgserver under LUNA_HOME.
        assert "LUNA_DATABASE_URL" not in _env(container)


# --- pod hardening -------------------------------------------------------------------------


def test_every_pod_runs_non_root_with_limits(overlay):
    _, rendered = overlay
    for resource in rendered.values():
        spec = pod_spec(resource)
        if spec is None:
            continue
        assert spec["securityContext"]["runAsNonRoot"] is True, key(resource)
        assert spec["automountServiceAccountToken"] is False, key(resource)
        for container in containers(resource):
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
            assert {"cpu", "memory"} <= set(container["resources"]["requests"])
            assert {"cpu", "memory"} <= set(container["resources"]["limits"])


def test_luna_pods_have_a_read_only_root_and_no_service_links(overlay):
    _, rendered = overlay
    for workload in _luna_workloads(rendered):
        spec = pod_spec(workload)
        # A Service named luna-api would otherwise set LUNA_API_PORT=tcp://…
        assert spec["enableServiceLinks"] is False
        for container in containers(workload):
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            assert {"/var/lib/luna", "/tmp"} <= mounts
