"""Prompt version management over the API: permissions, validation, the audit trail."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from luna.prompts.registry import newest, version_key
from tests.api.conftest import login

# The newest shipped rag_answer (active on first start) and the version the tests create.
SHIPPED = newest("rag_answer").version
NEW = f"{version_key(SHIPPED)[0]}.{version_key(SHIPPED)[1] + 1}.0"

ANSWER_MESSAGES = [
    {"role": "system", "content": "Answer briefly from the CONTEXT. Cite passages as [n]."},
    {"role": "placeholder", "content": "{history}"},
    {"role": "human", "content": "CONTEXT:\n{context}\n\nDATA:\n{facts}\n\nQUESTION: {question}"},
]


def _version(version: str, **changes: Any) -> dict[str, Any]:
    body = {
        "version": version,
        "description": "shorter system prompt",
        "variables": ["context", "facts", "question"],
        "params": {"temperature": 0.0, "max_tokens": 200},
        "examples": {"question": "Wie hoch ist der Grundpreis?"},
        "messages": ANSWER_MESSAGES,
        "reason": "test a shorter prompt",
    }
    return body | changes


def test_customers_get_403_and_anonymous_401(client: TestClient, users: dict[str, str]):
    customer = login(client, users["customer"])
    for method, path in (
        ("get", "/prompts"),
        ("get", "/prompts/rag_answer"),
        ("get", "/prompts/rag_answer/audit"),
        ("post", "/prompts/rag_answer/rollback"),
    ):
        response = client.request(method, path, headers=customer, json={"reason": "nope"})
        assert response.status_code == 403, (path, response.text)
        assert response.json()["error"] == "forbidden"
    assert client.get("/prompts").status_code == 401


def test_list_shows_shipped_versions_and_the_active_one(client: TestClient, users: dict[str, str]):
    admin = login(client, users["admin"])
    prompts = {p["name"]: p for p in client.get("/prompts", headers=admin).json()}
    answer = prompts["rag_answer"]
    versions = [v["version"] for v in answer["versions"]]
    assert versions[:2] == ["1.0.0", "1.1.0"]
    active = [v["version"] for v in answer["versions"] if v["active"]]
    assert active == [answer["active_version"]] == [SHIPPED]  # newest file on first start


def test_show_version_renders_with_the_declared_examples(client: TestClient, users: dict[str, str]):
    admin = login(client, users["admin"])
    body = client.get("/prompts/rag_answer/versions/1.0.0?render=true", headers=admin).json()
    assert body["ref"] == "rag_answer@1.0.0"
    assert [m["role"] for m in body["rendered"]] == ["system", "human"]
    human = body["rendered"][-1]["content"]
    assert body["spec"]["examples"]["question"] in human
    assert "{question}" not in human
    plain = client.get("/prompts/rag_answer/versions/1.0.0", headers=admin).json()
    assert plain["rendered"] is None
    missing = client.get("/prompts/rag_answer/versions/9.9.9", headers=admin)
    assert missing.status_code == 404


def test_create_activate_rollback_and_audit_trail(client: TestClient, users: dict[str, str]):
    admin = login(client, users["admin"])
    created = client.post("/prompts/rag_answer/versions", headers=admin, json=_version(NEW))
    assert created.status_code == 201, created.text
    assert created.json()["source"] == "api"
    assert created.json()["active"] is False  # creating never activates an existing prompt

    activated = client.post(
        "/prompts/rag_answer/activate",
        headers=admin,
        json={"version": NEW, "reason": "shorter answers"},
    )
    assert activated.status_code == 200, activated.text
    assert activated.json()["active_version"] == NEW

    rolled = client.post("/prompts/rag_answer/rollback", headers=admin, json={"reason": "worse"})
    assert rolled.json()["active_version"] == SHIPPED
    # Rolling back again walks further back through the history, it does not toggle.
    again = client.post("/prompts/rag_answer/rollback", headers=admin, json={"reason": "again"})
    assert again.status_code == 409  # 1.2.0 was the first active version
    client.post(
        "/prompts/rag_answer/activate", headers=admin, json={"version": "1.0.0", "reason": "old"}
    )
    client.post(
        "/prompts/rag_answer/activate", headers=admin, json={"version": NEW, "reason": "new"}
    )
    steps = [
        client.post("/prompts/rag_answer/rollback", headers=admin, json={"reason": "r r"}).json()[
            "active_version"
        ]
        for _ in range(2)
    ]
    assert steps == ["1.0.0", SHIPPED]

    audit = client.get("/prompts/rag_answer/audit", headers=admin).json()
    mine = [(a["action"], a["version"]) for a in audit if a["actor"] == "monika"]
    assert mine == [
        ("create", NEW),
        ("activate", NEW),
        ("rollback", SHIPPED),
        ("activate", "1.0.0"),
        ("activate", NEW),
        ("rollback", "1.0.0"),
        ("rollback", SHIPPED),
    ]
    reasons = [a["reason"] for a in audit if a["actor"] == "monika"]
    assert reasons[0] == "test a shorter prompt"
    assert reasons[2].startswith("worse")
    assert f"was {NEW}" in reasons[2]
    assert all(a["ts"] for a in audit)


def test_undeclared_variable_is_rejected(client: TestClient, users: dict[str, str]):
    admin = login(client, users["admin"])
    messages = [*ANSWER_MESSAGES[:2], {"role": "human", "content": "{question} {tariff}"}]
    response = client.post(
        "/prompts/rag_answer/versions",
        headers=admin,
        json=_version(NEW, variables=["question"], messages=messages),
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "tariff" in detail[0]["message"]
    assert client.get(f"/prompts/rag_answer/versions/{NEW}", headers=admin).status_code == 404


def test_template_that_does_not_compile_is_rejected(client: TestClient, users: dict[str, str]):
    admin = login(client, users["admin"])
    messages = [{"role": "human", "content": "QUESTION: {question"}]
    response = client.post(
        "/prompts/rag_answer/versions",
        headers=admin,
        json=_version(NEW, variables=["question"], messages=messages),
    )
    assert response.status_code == 422
    assert "does not compile" in response.text


def test_versions_are_immutable_and_must_increase(client: TestClient, users: dict[str, str]):
    admin = login(client, users["admin"])
    duplicate = client.post("/prompts/rag_answer/versions", headers=admin, json=_version("1.1.0"))
    assert duplicate.status_code == 409
    assert "immutable" in duplicate.json()["detail"]
    lower = client.post("/prompts/rag_answer/versions", headers=admin, json=_version("1.0.5"))
    assert lower.status_code == 422
    assert lower.json()["detail"][0]["field"] == "version"
    bad = client.post("/prompts/rag_answer/versions", headers=admin, json=_version("v2"))
    assert bad.status_code == 422
    unknown = client.post(
        "/prompts/rag_answer/activate", headers=admin, json={"version": "7.0.0", "reason": "x y"}
    )
    assert unknown.status_code == 404


def test_a_new_prompt_name_starts_active_with_its_first_version(
    client: TestClient, users: dict[str, str]
):
    admin = login(client, users["admin"])
    body = _version(
        "0.1.0",
        variables=["question"],
        messages=[{"role": "human", "content": "Q: {question}"}],
        examples={},
    )
    assert client.post("/prompts/eval_probe/versions", headers=admin, json=body).status_code == 201
    shown = client.get("/prompts/eval_probe", headers=admin).json()
    assert shown["active_version"] == "0.1.0"


def test_diff_is_a_unified_diff_of_the_two_files(client: TestClient, users: dict[str, str]):
    admin = login(client, users["admin"])
    response = client.get("/prompts/rag_answer/diff?a=1.0.0&b=1.1.0", headers=admin)
    assert response.status_code == 200
    text = response.json()["diff"]
    assert text.startswith("--- rag_answer@1.0.0\n+++ rag_answer@1.1.0\n")
    assert "-version: 1.0.0" in text
    assert "+version: 1.1.0" in text
    assert "+    max_tokens: 256" in text or "+  max_tokens: 256" in text
    missing = client.get("/prompts/rag_answer/diff?a=1.0.0&b=4.0.0", headers=admin)
    assert missing.status_code == 404
