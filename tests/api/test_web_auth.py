"""The web UI's session cookie: set by the login form like ``POST /auth/token``, accepted by
the JSON API when no bearer header is sent, never for another user's data; page redirects."""

from __future__ import annotations

from fastapi.testclient import TestClient

from luna.core.security import ACCESS_COOKIE
from tests.api.conftest import PASSWORD


def _form_login(client: TestClient, username: str, password: str = PASSWORD, next: str = ""):
    data = {"username": username, "password": password}
    if next:
        data["next"] = next
    return client.post("/ui/login", data=data, follow_redirects=False)


def test_login_form_sets_an_httponly_strict_cookie_the_api_accepts(
    client: TestClient, users: dict[str, str]
):
    response = _form_login(client, "kunde1", next="/ui/prices")
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/prices"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{ACCESS_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    me = client.get("/auth/me")  # the client keeps the cookie, no Authorization header
    assert me.status_code == 200
    assert me.json()["username"] == "kunde1"
    assert client.get("/users").status_code == 403  # still a customer


def test_wrong_password_sets_no_cookie_and_open_redirects_are_refused(
    client: TestClient, users: dict[str, str]
):
    wrong = _form_login(client, "kunde1", "not-the-password")
    assert wrong.status_code == 401
    assert ACCESS_COOKIE not in wrong.headers.get("set-cookie", "")
    outside = _form_login(client, "kunde1", next="https://evil.example/")
    assert outside.headers["location"] == "/ui/overview"
    scheme_relative = _form_login(client, "kunde1", next="//evil.example/ui/x")
    assert scheme_relative.headers["location"] == "/ui/overview"


def test_pages_redirect_to_login_and_a_bad_cookie_is_dropped(client: TestClient):
    assert client.get("/", follow_redirects=False).headers["location"] == "/ui/overview"
    client.cookies.set(ACCESS_COOKIE, "not-a-token")
    page = client.get("/ui/overview?meter=M-1", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/ui/login?next=/ui/overview%3Fmeter%3DM-1"
    assert f'{ACCESS_COOKIE}=""' in page.headers["set-cookie"]
    assert client.get("/auth/me").status_code == 401


def test_logout_clears_the_cookie(client: TestClient, users: dict[str, str]):
    _form_login(client, "kunde1")
    out = client.post("/ui/logout", follow_redirects=False)
    assert out.headers["location"] == "/ui/login"
    assert client.get("/auth/me").status_code == 401


def test_customer_gets_403_page_on_admin_pages(client: TestClient, users: dict[str, str]):
    _form_login(client, "kunde1")
    response = client.get("/ui/admin/documents", follow_redirects=False)
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
