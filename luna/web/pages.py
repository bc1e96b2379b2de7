"""The customer pages: login, overview, consumption & production, prices, playbooks, chat, help.

Routes only check access and render: the numbers come from the services the JSON API calls
too (:mod:`luna.services`: KPIs server-side, meter access, tokens; time series, forecasts,
playbooks and chat fetched by the pages' scripts from the API with the session cookie). Other
customers' meters and playbooks are 404.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from luna.api.deps import SessionDep, SettingsDep, StoresDep
from luna.api.login_guard import LoginThrottled, check_password
from luna.api.request_origin import is_https
from luna.core.security import ACCESS_COOKIE
from luna.services.kpis import compute_kpis
from luna.services.meters import visible_meter, visible_meters
from luna.services.tokens import issue_token
from luna.store.sql.database import session_scope
from luna.store.sql.models import Meter, PlaybookRecord, Role, User
from luna.store.sql.users import revoke_tokens
from luna.web.auth import (
    HOME_PATH,
    OptionalPageUser,
    PageLang,
    PageNotFound,
    PageUser,
    safe_next,
)
from luna.web.i18n import LANG_COOKIE, parse_lang
from luna.web.templating import render

router = APIRouter(include_in_schema=False)

YEAR_SECONDS = 365 * 24 * 3600


def _meter(session: SessionDep, user: User, meter_id: str) -> Meter:
    """The user's meter, or the 404 page (the data API's ownership check)."""
    meter = visible_meter(session, user, meter_id)
    if meter is None:
        raise PageNotFound()
    return meter


def _meters(session: SessionDep, user: User) -> list[Meter]:
    return visible_meters(session, user)


# --- entry, login, preferences -------------------------------------------------------------


@router.get("/")
@router.get("/ui")
@router.get("/ui/")
def home() -> RedirectResponse:
    return RedirectResponse(HOME_PATH, status_code=303)


@router.get("/ui/login")
def login_page(
    request: Request, lang: PageLang, user: OptionalPageUser, next: str | None = None
) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(
        request, "login.html", user=None, lang=lang, page="login", next=safe_next(next), error=None
    )


@router.post("/ui/login")
def login(
    request: Request,
    stores: StoresDep,
    settings: SettingsDep,
    lang: PageLang,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=500)] = HOME_PATH,
) -> Response:
    """Check the password like ``POST /auth/token`` (same throttling and audit) and keep the
    same token in a cookie."""

    def refused(error: str, status_code: int) -> Response:
        return render(
            request,
            "login.html",
            user=None,
            lang=lang,
            page="login",
            next=safe_next(next),
            error=error,
            username=username,
            status_code=status_code,
        )

    try:
        user = check_password(stores, settings, request, username, password, "ui")
    except LoginThrottled as exc:
        page = refused("login.throttled", exc.status_code)
        page.headers.update(exc.headers or {})
        return page
    if user is None:
        return refused("login.error", 401)
    token = issue_token(user, settings)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        ACCESS_COOKIE,
        token.access_token,
        max_age=token.expires_in,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_https(request, settings),  # also when TLS ends at a proxy
    )
    return response


@router.post("/ui/logout")
def logout(stores: StoresDep, user: OptionalPageUser) -> RedirectResponse:
    """End the session: the cookie is dropped and its token revoked (a copy of it, or any
    other token of the user, no longer works either)."""
    if user is not None:
        with session_scope(stores.sessions) as session:
            revoke_tokens(session, user.id)
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(ACCESS_COOKIE, path="/")
    return response


@router.get("/ui/lang/{lang}")
def choose_lang(lang: str, next: str | None = None) -> RedirectResponse:
    """Switch the UI language (a cookie for a year) and go back."""
    response = RedirectResponse(safe_next(next), status_code=303)
    chosen = parse_lang(lang)
    if chosen is not None:
        response.set_cookie(LANG_COOKIE, chosen, max_age=YEAR_SECONDS, path="/", samesite="lax")
    return response


# --- customer pages --------------------------------------------------------------------------


@router.get("/ui/overview")
def overview(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    stores: StoresDep,
    user: PageUser,
    lang: PageLang,
    meter: str | None = None,
) -> Response:
    meters = _meters(session, user)
    chosen = [_meter(session, user, meter)] if meter else meters
    ids = [m.meter_id for m in chosen]
    kpis = compute_kpis(session, settings, stores.timescale, ids) if ids else None
    return render(
        request,
        "overview.html",
        user=user,
        lang=lang,
        page="overview",
        meters=meters,
        meter=meter,
        meter_ids=ids,
        kpis=kpis,
        kpis_json=kpis.model_dump_json().replace("<", "\\u003c") if kpis is not None else "null",
    )


@router.get("/ui/consumption")
def consumption_default(session: SessionDep, user: PageUser) -> RedirectResponse:
    meters = _meters(session, user)
    if not meters:
        return RedirectResponse(HOME_PATH, status_code=303)
    return RedirectResponse(f"/ui/consumption/{meters[0].meter_id}", status_code=303)


@router.get("/ui/consumption/{meter_id}")
def consumption(
    request: Request, session: SessionDep, user: PageUser, lang: PageLang, meter_id: str
) -> Response:
    chosen = _meter(session, user, meter_id)
    return render(
        request,
        "consumption.html",
        user=user,
        lang=lang,
        page="consumption",
        meters=_meters(session, user),
        meter=chosen,
    )


@router.get("/ui/prices")
def prices(request: Request, settings: SettingsDep, user: PageUser, lang: PageLang) -> Response:
    return render(
        request, "prices.html", user=user, lang=lang, page="prices", price_zone=settings.price_zone
    )


@router.get("/ui/playbooks")
def playbooks(request: Request, session: SessionDep, user: PageUser, lang: PageLang) -> Response:
    return render(
        request,
        "playbooks.html",
        user=user,
        lang=lang,
        page="playbooks",
        meters=_meters(session, user),
    )


@router.get("/ui/playbooks/{playbook_id}")
def playbook(
    request: Request, session: SessionDep, user: PageUser, lang: PageLang, playbook_id: str
) -> Response:
    try:
        record = session.get(PlaybookRecord, uuid.UUID(playbook_id))
    except ValueError as exc:
        raise PageNotFound() from exc
    if record is None or (user.role is not Role.ADMIN and record.user_id != user.id):
        raise PageNotFound()
    return render(
        request, "playbook.html", user=user, lang=lang, page="playbooks", playbook_id=record.id
    )


@router.get("/ui/chat")
def chat(request: Request, user: PageUser, lang: PageLang) -> Response:
    return render(request, "chat.html", user=user, lang=lang, page="chat")


@router.get("/ui/help")
def help_page(request: Request, user: PageUser, lang: PageLang) -> Response:
    return render(request, "help.html", user=user, lang=lang, page="help")
