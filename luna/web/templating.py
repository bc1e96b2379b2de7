"""One Jinja environment for every page (customer and admin) and the context each page gets."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from luna import __version__
from luna.config import Settings
from luna.ingest.detect import KNOWN_SUFFIXES
from luna.store.sql.models import User
from luna.web.format import Formatter
from luna.web.i18n import LOCALES, WEB_DIR, Lang, catalogue, translate

THEME_COOKIE = "luna_theme"
THEMES = ("light", "dark")

env = Environment(
    loader=ChoiceLoader(
        [
            FileSystemLoader(str(WEB_DIR / "templates")),
            FileSystemLoader(str(WEB_DIR / "admin" / "templates")),
        ]
    ),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def static_url(path: str) -> str:
    """URL of a file under ``luna/web/static`` (versioned, so upgrades bypass browser caches)."""
    return f"/ui/static/{path}?v={__version__}"


env.globals["static"] = static_url
env.globals["accepted_suffixes"] = ",".join(KNOWN_SUFFIXES)  # the upload picker


def theme_of(request: Request) -> str:
    theme = request.cookies.get(THEME_COOKIE, "")
    return theme if theme in THEMES else "auto"


def render(
    request: Request,
    template: str,
    *,
    user: User | None,
    lang: Lang,
    page: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a page with the shared context: user, lang, ``t``, ``fmt``, theme, page id, and
    the browser configuration (language, locale, time zone, messages) for the JS modules."""
    settings: Settings = request.app.state.settings
    browser = {
        "lang": lang,
        "locale": LOCALES[lang].replace("_", "-"),
        "timezone": settings.timezone,
        "messages": catalogue(lang),
    }
    html = env.get_template(template).render(
        request=request,
        user=user,
        lang=lang,
        page=page,
        theme=theme_of(request),
        t=lambda key, **values: translate(lang, key, **values),
        fmt=Formatter(lang, settings.timezone),
        browser_config=Markup(  # noqa: S704 (JSON with '<' escaped, inside a JSON script tag)
            json.dumps(browser, ensure_ascii=False).replace("<", "\\u003c")
        ),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)
