"""Browser security headers on every kind of response, a UI that needs no inline script, and
the session cookie marked ``Secure`` whenever users reach Luna over HTTPS (proxy included)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from luna.api.app import create_app
from luna.config import Settings
from luna.core.security import ACCESS_COOKIE
from luna.store.factory import Stores
from tests.api.conftest import PASSWORD, login

WEB = Path(__file__).resolve().parents[2] / "luna" / "web"


def _assert_secure_headers(response, what: str) -> None:
    headers = response.headers
    policy = headers.get("content-security-policy", "")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["frame-ancestors"] == "'none'", what
    assert directives["script-src"] == "'self'", what  # no inline script, no eval
    assert directives["style-src"] == "'self'", what
    assert directives["default-src"] == "'none'", what
    assert headers["x-frame-options"] == "DENY", what
    assert headers["x-content-type-options"] == "nosniff", what
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin", what


def test_every_kind_of_response_carries_the_security_headers(client: TestClient, users):
    customer = login(client, "kunde1")
    responses = {
        "health": client.get("/health"),
        "login page": client.get("/ui/login"),
        "page": client.get("/ui/help", headers=customer),
        "page redirect": client.get("/ui/overview", follow_redirects=False),
        "static script": client.get("/ui/static/js/core.js"),
        "401": client.get("/auth/me"),
        "404": client.get("/no/such/route"),
        "422": client.get("/data/kpis", params={"at": "9999-12-31"}, headers=customer),
        "413 from the limits": client.post(
            "/auth/token", content=b"x" * (9 * 1024 * 1024), headers={"Content-Type": "text/plain"}
        ),
        "401 from the upload gate": client.post(
            "/ingest", files=[("files", ("a.txt", b"x", "text/plain"))]
        ),
    }
    assert responses["page"].status_code == 200
    assert responses["413 from the limits"].status_code == 413
    assert responses["401 from the upload gate"].status_code == 401
    for what, response in responses.items():
        _assert_secure_headers(response, what)


def test_api_docs_get_their_own_policy_and_still_cannot_be_framed(client: TestClient):
    docs = client.get("/docs")
    assert docs.status_code == 200
    policy = docs.headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in policy
    assert "frame-ancestors 'none'" in policy
    assert docs.headers["x-frame-options"] == "DENY"


def test_templates_have_no_inline_script_or_event_handler_attributes():
    """What the policy forbids must not be in the UI: every script is a file under /ui/static
    (JSON data blocks aside), and no element carries an on…= handler."""
    templates = sorted(WEB.glob("**/templates/**/*.html"))
    assert len(templates) > 10
    for path in templates:
        html = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (path.name, tag)
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), path.name
        assert "<style" not in html, path.name
        assert "javascript:" not in html, path.name


def _form_login_cookie(client: TestClient, **headers: str) -> str:
    response = client.post(
        "/ui/login",
        data={"username": "kunde1", "password": PASSWORD},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{ACCESS_COOKIE}=")
    return cookie


def test_session_cookie_is_not_secure_on_plain_http_even_if_a_stranger_claims_https(
    client: TestClient, users
):
    assert "Secure" not in _form_login_cookie(client)
    assert "strict-transport-security" not in client.get("/health").headers
    # Anyone can send the header; it counts only from a trusted proxy.
    assert "Secure" not in _form_login_cookie(client, **{"X-Forwarded-Proto": "https"})


def test_session_cookie_is_secure_when_the_public_url_is_https(
    settings: Settings, clean_db: Stores, users
):
    public = settings.model_copy(update={"public_url": "https://luna.example.com"})
    with TestClient(create_app(public, clean_db)) as client:
        assert "Secure" in _form_login_cookie(client)
        # Published over https: browsers are told to use https only from now on.
        assert client.get("/health").headers["strict-transport-security"] == "max-age=31536000"


@pytest.mark.parametrize(
    "forwarded",
    [{"X-Forwarded-Proto": "https"}, {"Forwarded": 'for=203.0.113.9;proto="https"'}],
)
def test_session_cookie_is_secure_behind_a_trusted_tls_proxy(
    settings: Settings, clean_db: Stores, users, forwarded: dict[str, str]
):
    proxied = settings.model_copy(update={"trusted_proxies": ["10.1.0.0/16"]})
    app = create_app(proxied, clean_db)
    with TestClient(app, client=("10.1.2.3", 40000)) as via_proxy:
        assert "Secure" in _form_login_cookie(via_proxy, **forwarded)
        assert "Secure" not in _form_login_cookie(via_proxy)  # the proxy was reached by http
    with TestClient(app, client=("10.2.0.1", 40000)) as elsewhere:
        assert "Secure" not in _form_login_cookie(elsewhere, **forwarded)
