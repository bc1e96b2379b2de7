"""Browser security headers on every response: API, ``/ui`` pages, static files and errors.

The web UI runs on its own scripts and styles only (``/ui/static``, ECharts vendored there, no
inline script, no event-handler attributes), so the policy allows scripts, styles, images and
fetches from this origin alone. One concession: ``style`` *attributes*, because ECharts writes
its tooltips as HTML with inline styles; with images and fonts limited to this origin, a style
attribute cannot load or send anything elsewhere. No page may be framed (clickjacking).

The interactive API docs (``/docs``, ``/redoc``) are FastAPI's pages, built from a CDN and an
inline script; they get a policy of their own that allows exactly that, and nothing of the UI
runs there.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)
DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        f"script-src 'self' 'unsafe-inline' {DOCS_CDN}",
        f"style-src 'self' 'unsafe-inline' {DOCS_CDN} https://fonts.googleapis.com",
        "font-src 'self' https://fonts.gstatic.com",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        "worker-src 'self' blob:",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)
COMMON_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


# A year, the common floor for HSTS; sent only where Luna is published over https.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


class SecurityHeaders:
    """Pure ASGI middleware that adds the headers above to each response as it starts, and
    ``Strict-Transport-Security`` when Luna is published over https."""

    def __init__(self, app: ASGIApp, docs_paths: frozenset[str], https: bool = False) -> None:
        self.app = app
        self.docs_paths = docs_paths
        self.extra = {"Strict-Transport-Security": STRICT_TRANSPORT_SECURITY} if https else {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = (
            DOCS_CONTENT_SECURITY_POLICY
            if scope["path"] in self.docs_paths
            else CONTENT_SECURITY_POLICY
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = policy
                for name, value in (COMMON_HEADERS | self.extra).items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security_headers(app: FastAPI, public_url: str | None = None) -> None:
    """The headers on every response; HSTS where ``public_url`` (``LUNA_PUBLIC_URL``) is
    https, so a browser never again tries the address over plain http."""
    docs = {app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    https = bool(public_url and public_url.startswith("https://"))
    app.add_middleware(SecurityHeaders, docs_paths=frozenset(p for p in docs if p), https=https)
