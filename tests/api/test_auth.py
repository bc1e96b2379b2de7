"""Token login and role checks: 401 without a token, 403 for customers on admin routes."""

from __future__ import annotations

import jwt
from fastapi.testclient import TestClient
from sqlalchemy import select

from luna.config import Settings
from luna.store.factory import Stores
from luna.store.sql.models import User
from tests.api.conftest import PASSWORD, login


def test_login_returns_a_token_that_identifies_the_user(client: TestClient, users):
    headers = login(client, "Monika")  # user names are case-insensitive
    me = client.get("/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["username"] == "monika"
    assert me.json()["role"] == "admin"


def test_wrong_password_and_unknown_user_get_401_with_json(client: TestClient, users):
    for username, password in (("monika", "wrong-password"), ("nobody", PASSWORD)):
        response = client.post("/auth/token", data={"username": username, "password": password})
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"


def test_protected_routes_need_a_valid_token(client: TestClient, users, settings: Settings):
    assert client.get("/auth/me").status_code == 401
    assert client.get("/users").status_code == 401
    garbage = client.get("/auth/me", headers={"Authorization": "Bearer not-a-jwt"})
    assert garbage.status_code == 401
    assert "invalid token" in garbage.json()["detail"]
    forged = jwt.encode(
        {"sub": "monika", "exp": 4102444800},
        "another-secret-that-is-long-enough-for-hs256",
        algorithm="HS256",
    )
    response = client.get("/users", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    expired = jwt.encode({"sub": "monika", "exp": 1}, settings.token_secret(), algorithm="HS256")
    assert client.get("/auth/me", headers={"Authorization": f"Bearer {expired}"}).status_code == 401


def test_admin_routes_are_forbidden_for_customers_and_open_for_admins(client: TestClient, users):
    customer = login(client, "kunde1")
    admin = login(client, "monika")
    new_user = {"username": "kunde2", "password": "another-password", "role": "customer"}

    assert client.get("/users", headers=customer).status_code == 403
    refused = client.post("/users", json=new_user, headers=customer)
    assert refused.status_code == 403
    assert refused.json() == {"error": "forbidden", "detail": "admin role required"}

    listed = client.get("/users", headers=admin)
    assert listed.status_code == 200
    assert {u["username"] for u in listed.json()} == {"monika", "kunde1"}
    created = client.post("/users", json=new_user, headers=admin)
    assert created.status_code == 201
    assert "password" not in created.text
    assert client.post("/users", json=new_user, headers=admin).status_code == 409


def test_passwords_are_never_stored_in_clear(client: TestClient, users, clean_db: Stores):
    with clean_db.sessions() as s:
        hashes = list(s.scalars(select(User.password_hash)))
    assert len(hashes) == 2
    assert all(h.startswith("$argon2") and PASSWORD not in h for h in hashes)


def test_bad_user_payload_gets_422_naming_the_field(client: TestClient, users):
    admin = login(client, "monika")
    response = client.post(
        "/users", json={"username": "x y", "password": "short", "role": "god"}, headers=admin
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    assert {e["field"] for e in body["detail"]} == {
        "body.username",
        "body.password",
        "body.role",
    }
