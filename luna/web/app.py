"""Mount the web UI on the API app: static files, the customer pages, the admin pages."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from luna.web import pages
from luna.web.admin.router import router as admin_router
from luna.web.auth import install_page_errors
from luna.web.i18n import WEB_DIR


def install_web(app: FastAPI) -> None:
    """Serve ``/ui/...`` pages and ``/ui/static`` (CSS, JS, vendored ECharts) from the app."""
    app.mount("/ui/static", StaticFiles(directory=WEB_DIR / "static"), name="ui-static")
    install_page_errors(app)
    app.include_router(pages.router)
    app.include_router(admin_router)  # admin pages
