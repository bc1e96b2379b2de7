"""Admin pages under ``/ui/admin``: each renders a shell; its JS module fills it from the APIs.

Every page depends on ``PageAdmin``: no session redirects to the login page, a customer gets the
403 page. The data itself comes from the admin JSON APIs, which check the role again.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from luna.store.sql.models import User
from luna.web.auth import PageAdmin, PageLang
from luna.web.i18n import Lang
from luna.web.templating import render

router = APIRouter(prefix="/ui/admin", include_in_schema=False)

# page id (template admin/<id>.html, script js/admin/<id>.js) -> its title message key;
# the ids match the admin navigation in base.html.
PAGES = {
    "documents": "admin.documents.title",
    "data": "admin.data.title",
    "learning": "admin.learning.title",
    "prompts": "admin.prompts.title",
    "logs": "admin.logs.title",
    "system": "admin.system.title",
}


def has_routes(request: Request, prefix: str) -> bool:
    """Whether the running app serves an API under ``prefix`` (filled in by another feature).

    Read from the OpenAPI schema (built once, then cached by FastAPI): included routers are not
    flattened into ``app.router.routes``.
    """
    return any(path.startswith(prefix) for path in request.app.openapi()["paths"])


def _page(request: Request, name: str, user: User, lang: Lang, **ctx: bool) -> HTMLResponse:
    return render(
        request,
        f"admin/{name}.html",
        user=user,
        lang=lang,
        page=f"admin-{name}",
        title_key=PAGES[name],
        **ctx,
    )


@router.get("", response_class=RedirectResponse)
def admin_home(_user: PageAdmin) -> RedirectResponse:
    return RedirectResponse("/ui/admin/documents", status_code=303)


@router.get("/documents", response_class=HTMLResponse)
def documents(request: Request, user: PageAdmin, lang: PageLang) -> HTMLResponse:
    return _page(request, "documents", user, lang)


@router.get("/data", response_class=HTMLResponse)
def data(request: Request, user: PageAdmin, lang: PageLang) -> HTMLResponse:
    return _page(request, "data", user, lang)


@router.get("/learning", response_class=HTMLResponse)
def learning(request: Request, user: PageAdmin, lang: PageLang) -> HTMLResponse:
    return _page(request, "learning", user, lang, available=has_routes(request, "/learning"))


@router.get("/prompts", response_class=HTMLResponse)
def prompts(request: Request, user: PageAdmin, lang: PageLang) -> HTMLResponse:
    return _page(request, "prompts", user, lang)


@router.get("/logs", response_class=HTMLResponse)
def logs(request: Request, user: PageAdmin, lang: PageLang) -> HTMLResponse:
    return _page(request, "logs", user, lang, logs_available=has_routes(request, "/admin/logs"))


@router.get("/system", response_class=HTMLResponse)
def system(request: Request, user: PageAdmin, lang: PageLang) -> HTMLResponse:
    return _page(request, "system", user, lang, available=has_routes(request, "/admin/system"))
