"""Logout and a password change revoke the user's tokens (issue 16: logout left the 12 h JWT
valid): each token carries the user's token version, which both raise."""

from __future__ import annotations

from tempfile import SpooledTemporaryFile
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette import formparsers

from luna.config import Settings
from luna.core.security import ACCESS_COOKIE
from luna.store.factory import Stores
from luna.store.sql.models import Event, EventType
from tests.api.conftest import PASSWORD, login

NEW_PASSWORD = "a-new-and-longer-password"


def _me(client: TestClient, headers: dict[str, str]) -> int:
    return client.get("/auth/me", headers=headers).status_code


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_logout_revokes_the_token_and_every_other_token_of_the_user(client: TestClient, users):
    laptop, phone = login(client, "kunde1"), login(client, "kunde1")
    other_user = login(client, "monika")
    assert _me(client, laptop) == _me(client, phone) == 200

    out = client.post("/auth/logout", headers=laptop)
    assert out.status_code == 204
    reused = client.get("/auth/me", headers=laptop)
    assert reused.status_code == 401
    assert "revoked" in reused.json()["detail"]
    assert _me(client, phone) == 401
    assert _me(client, other_user) == 200  # only this user's tokens
    assert client.post("/auth/logout", headers=laptop).status_code == 401

    fresh = login(client, "kunde1")  # logging in again works, with a new token
    assert _me(client, fresh) == 200


def test_web_logout_revokes_the_cookie_token_even_if_a_copy_was_kept(client: TestClient, users):
    form = {"username": "kunde1", "password": PASSWORD}
    assert client.post("/ui/login", data=form, follow_redirects=False).status_code == 303
    copied = client.cookies.get(ACCESS_COOKIE)
    assert copied
    assert client.get("/auth/me").status_code == 200
    client.post("/ui/logout", follow_redirects=False)
    client.cookies.clear()
    assert _me(client, _bearer(copied)) == 401
    client.cookies.set(ACCESS_COOKIE, copied)
    page = client.get("/ui/overview", follow_redirects=False)
    assert page.status_code == 303  # back to the login page
    assert page.headers["location"].startswith("/ui/login")


def test_password_change_revokes_old_tokens_and_returns_a_new_one(
    client: TestClient, users, clean_db: Stores
):
    old, other = login(client, "kunde1"), login(client, "kunde1")
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    changed = client.post("/auth/password", json=body, headers=old)
    assert changed.status_code == 200, changed.text
    new = _bearer(changed.json()["access_token"])

    assert _me(client, old) == 401
    assert _me(client, other) == 401
    assert _me(client, new) == 200
    stale = client.post("/auth/token", data={"username": "kunde1", "password": PASSWORD})
    assert stale.status_code == 401
    assert _me(client, login(client, "kunde1", NEW_PASSWORD)) == 200


def test_password_change_checks_the_current_password_like_a_login(
    client: TestClient, users, clean_db: Stores
):
    headers = login(client, "kunde1")
    wrong = {"current_password": "not-the-password", "new_password": NEW_PASSWORD}
    refused = client.post("/auth/password", json=wrong, headers=headers)
    assert refused.status_code == 403
    assert [e["field"] for e in refused.json()["detail"]] == ["body.current_password"]
    same = {"current_password": PASSWORD, "new_password": PASSWORD}
    assert client.post("/auth/password", json=same, headers=headers).status_code == 422
    short = {"current_password": PASSWORD, "new_password": "short"}
    assert client.post("/auth/password", json=short, headers=headers).status_code == 422
    assert _me(client, headers) == 200  # nothing changed
    with clean_db.sessions() as s:
        failed = list(s.scalars(select(Event).where(Event.type == EventType.LOGIN_FAILED)))
    assert [e.payload["channel"] for e in failed] == ["password_change"]


def test_tokens_from_before_token_versions_work_until_logout(
    client: TestClient, users, settings: Settings
):
    """Tokens issued before the upgrade carry no version: read as version 0, as stored."""
    legacy = jwt.encode(
        {"sub": "kunde1", "role": "customer", "exp": 4102444800},
        settings.token_secret(),
        algorithm="HS256",
    )
    assert _me(client, _bearer(legacy)) == 200
    assert client.post("/auth/logout", headers=_bearer(legacy)).status_code == 204
    assert _me(client, _bearer(legacy)) == 401
    malformed_version = jwt.encode(
        {"sub": "kunde1", "ver": "1", "exp": 4102444800}, settings.token_secret(), "HS256"
    )
    assert _me(client, _bearer(malformed_version)) == 401


def test_a_revoked_token_cannot_start_an_upload(
    client: TestClient, users, monkeypatch: pytest.MonkeyPatch
):
    """The upload gate checks the token version from the headers, before any part is spooled."""
    opened: list[object] = []

    class Recorded(SpooledTemporaryFile):  # type: ignore[type-arg]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            opened.append(self)

    monkeypatch.setattr(formparsers, "SpooledTemporaryFile", Recorded)
    admin = login(client, "monika")
    assert client.post("/auth/logout", headers=admin).status_code == 204
    upload = [("files", ("notiz.txt", b"Luna Store 10: 10 kWh", "text/plain"))]
    refused = client.post("/ingest", files=upload, headers=admin)
    assert refused.status_code == 401
    assert refused.json()["error"] == "unauthorized"
    assert opened == []
