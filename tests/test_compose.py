"""compose.yaml stays valid and keeps the production guarantees (no Docker engine here).

Validated with the compose-spec parser (a Rust implementation of the Compose specification),
then checked structurally: healthchecks, health-gated start order, isolated backend network,
only the API published, named volumes, dev/prod profiles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import compose_spec
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ONE_SHOT = {"minio-init", "ollama-pull"}
PUBLISHED = {"api", "api-dev", "grafana"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    text = (ROOT / "compose.yaml").read_text()
    compose_spec.PyCompose.from_yaml(text).validate()
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def test_compose_spec_parser_rejects_a_broken_file():
    with pytest.raises(ValueError, match=r"healthchek|unknown field"):
        compose_spec.PyCompose.from_yaml("services:\n  a:\n    image: x\n    healthchek: {}\n")


def test_all_planned_services_exist(compose):
    assert {"timescaledb", "qdrant", "ollama", "ollama-pull", "minio", "minio-init", "api"} <= set(
        compose["services"]
    )
    assert compose["services"]["redpanda"]["profiles"] == ["streaming"]
    assert (ROOT / compose["services"]["api"]["build"]["dockerfile"]).is_file()


def test_every_long_running_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        if name not in ONE_SHOT:
            assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_start_order_waits_for_health(compose):
    for name, service in compose["services"].items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            expected = (
                "service_completed_successfully" if dependency in ONE_SHOT else "service_healthy"
            )
            assert rule["condition"] == expected, f"{name} -> {dependency}"
    api_deps = set(compose["services"]["api"]["depends_on"])
    assert api_deps == {"timescaledb", "qdrant", "minio-init", "ollama-pull"}


def test_data_services_are_isolated_and_only_the_api_is_published(compose):
    assert compose["networks"]["backend"]["internal"] is True
    for name, service in compose["services"].items():
        if name in PUBLISHED:
            assert "frontend" in service["networks"]
            assert service["ports"]
            if name == "grafana":  # an operator UI: the host's loopback only
                assert all(str(p).startswith("127.0.0.1:") for p in service["ports"])
        else:
            assert "ports" not in service, f"{name} must not publish ports"
            assert "frontend" not in service["networks"]


def test_named_volumes_for_data_models_and_logs(compose):
    declared = set(compose["volumes"])
    assert {"pg-data", "qdrant-data", "minio-data", "ollama-models", "luna-logs"} <= declared
    for name, service in compose["services"].items():
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            if not source.startswith("."):
                assert source in declared, f"{name} mounts undeclared volume {source}"


def test_dev_and_prod_profiles(compose):
    api, dev = compose["services"]["api"], compose["services"]["api-dev"]
    assert api["profiles"] == ["prod"]
    assert dev["profiles"] == ["dev"]
    assert "--reload" in " ".join(dev["command"])
    assert api["deploy"]["resources"]["limits"]["memory"]
    assert "--reload" not in " ".join(api["command"])


def test_ollama_pull_fetches_the_chat_and_the_embedding_model(compose):
    env = compose["services"]["ollama-pull"]["environment"]
    assert "llama3.1:8b-instruct" in env["LUNA_LLM_MODEL"]
    assert "nomic-embed-text" in env["LUNA_EMBEDDING_MODEL"]
    script = " ".join(compose["services"]["ollama-pull"]["entrypoint"])
    assert script.count("ollama pull") == 2


def test_prometheus_scrapes_the_api_and_grafana_is_provisioned_from_the_repo(compose):
    services = compose["services"]
    for api in ("api", "api-dev"):
        assert "luna-api" in services[api]["networks"]["backend"]["aliases"]
    scrape = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    (job,) = [j for j in scrape["scrape_configs"] if j["job_name"] == "luna-api"]
    assert job["metrics_path"] == "/metrics"
    assert job["static_configs"][0]["targets"] == ["luna-api:8000"]
    assert "backend" in services["prometheus"]["networks"]
    assert "backend" in services["grafana"]["networks"]  # reaches Prometheus
    for name in ("prometheus", "grafana"):
        for mount in services[name]["volumes"]:
            source = mount.split(":", 1)[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
    assert services["grafana"]["depends_on"]["prometheus"]["condition"] == "service_healthy"
