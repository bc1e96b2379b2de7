"""Page authentication: the session cookie (the API's JWT), login redirects, 403/404 pages.

Pages take ``PageUser`` / ``PageAdmin``: without a valid cookie the browser is sent to the
login page (and back afterwards); a customer on an admin page gets a 403 page. The JSON API
accepts the same cookie (``luna.api.deps.get_current_user``), so the pages' scripts call it
same-origin without handling tokens.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from luna.api.deps import SessionDep, SettingsDep, token_user
from luna.core.security import ACCESS_COOKIE, InvalidTokenError, decode_access_token
from luna.store.sql.models import Role, User
from luna.web.i18n import DEFAULT_LANG, LANG_COOKIE, Lang, parse_lang
from luna.web.templating import render

LOGIN_PATH = "/ui/login"
HOME_PATH = "/ui/overview"


class LoginRequired(Exception):  # noqa: N818 (a control-flow signal, not an error)
    """No valid session: send the browser to the login page, then back to ``next_path``."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class PageForbidden(Exception):  # noqa: N818
    """The user is logged in but may not open this page (403)."""


class PageNotFound(Exception):  # noqa: N818
    """Nothing here for this user (404): also for other customers' meters and playbooks."""


def safe_next(path: str | None) -> str:
    """Only local UI paths are valid redirect targets (no open redirects)."""
    if path and path.startswith("/ui/") and not path.startswith("//") and "\\" not in path:
        return path
    return HOME_PATH


def page_lang(request: Request) -> Lang:
    chosen = parse_lang(request.cookies.get(LANG_COOKIE))
    if chosen is not None:
        return chosen
    accept = request.headers.get("accept-language", "").lower()
    return "en" if accept.startswith("en") else DEFAULT_LANG


def session_user(request: Request, settings: SettingsDep, session: SessionDep) -> User | None:
    """The user of the session cookie, or None (missing, expired, badly signed, revoked,
    disabled)."""
    token = request.cookies.get(ACCESS_COOKIE)
    if not token:
        return None
    try:
        claims = decode_access_token(token, settings.token_secret())
    except InvalidTokenError:
        return None
    return token_user(session, claims)


def page_user(request: Request, user: Annotated[User | None, Depends(session_user)]) -> User:
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    # What the error pages' navigation shows, readable after the request's session is closed.
    request.state.page_user = SimpleNamespace(
        username=user.username, full_name=user.full_name, role=user.role
    )
    return user


def page_admin(user: Annotated[User, Depends(page_user)]) -> User:
    if user.role is not Role.ADMIN:
        raise PageForbidden()
    return user


PageUser = Annotated[User, Depends(page_user)]
PageAdmin = Annotated[User, Depends(page_admin)]
PageLang = Annotated[Lang, Depends(page_lang)]
OptionalPageUser = Annotated[User | None, Depends(session_user)]


def install_page_errors(app: FastAPI) -> None:
    """Login redirects and HTML error pages for the ``/ui`` pages."""

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        response = RedirectResponse(f"{LOGIN_PATH}?next={quote(exc.next_path)}", status_code=303)
        if request.cookies.get(ACCESS_COOKIE):
            response.delete_cookie(ACCESS_COOKIE, path="/")
        return response

    async def error_page(request: Request, exc: Exception) -> Response:
        code = 403 if isinstance(exc, PageForbidden) else 404
        return render(
            request,
            "error.html",
            user=getattr(request.state, "page_user", None),
            lang=page_lang(request),
            page="error",
            status_code=code,
            code=code,
        )

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(PageForbidden, error_page)
    app.add_exception_handler(PageNotFound, error_page)
