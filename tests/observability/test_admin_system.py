"""``GET /admin/system``: component health, resources, the model and request statistics."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import login


def test_customers_are_refused(client: TestClient, users):
    assert client.get("/admin/system").status_code == 401
    assert client.get("/admin/system", headers=login(client, "kunde1")).status_code == 403


def test_admin_sees_components_resources_model_and_request_rates(client: TestClient, users):
    admin = login(client, "monika")
    for _ in range(4):
        assert client.get("/auth/me", headers=admin).status_code == 200

    response = client.get("/admin/system", headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()

    components = {c["name"]: c for c in body["components"]}
    assert set(components) == {
        "database",
        "vector_store",
        "object_store",
        "chat_model",
        "embeddings",
    }
    assert components["database"]["ok"] is True
    assert "PostgreSQL" in components["database"]["detail"]
    assert body["status"] == ("ok" if all(c["ok"] for c in components.values()) else "degraded")

    process, machine = body["resources"]["process"], body["resources"]["machine"]
    assert process["rss_bytes"] > 10_000_000
    assert process["threads"] >= 1
    assert 0 < machine["memory_available_bytes"] <= machine["memory_total_bytes"]
    assert 0 < machine["disk_free_bytes"] <= machine["disk_total_bytes"]
    assert machine["cpu_count"] >= 1

    assert body["model"]["backend"] == "llama_cpp"
    assert body["model"]["name"]
    assert isinstance(body["model"]["loaded"], bool)

    routes = {(r["method"], r["route"]): r for r in body["requests"]["routes"]}
    me = routes[("GET", "/auth/me")]
    assert me["requests"] == 4
    assert me["errors"] == 0
    assert me["rate_per_s"] > 0
    assert 0 < me["p50_ms"] <= me["p95_ms"] <= me["max_ms"]
    assert me["total_since_start"] >= 4


def test_component_health_is_reused_between_quick_polls(client: TestClient, users):
    admin = login(client, "monika")
    first = client.get("/admin/system", headers=admin).json()
    second = client.get("/admin/system", headers=admin).json()
    assert second["checked_at"] == first["checked_at"]  # not probed again within the TTL
    routes = {(r["method"], r["route"]): r for r in second["requests"]["routes"]}
    assert routes[("GET", "/admin/system")]["requests"] >= 1  # the request figures are live
