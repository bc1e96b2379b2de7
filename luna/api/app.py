"""FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from luna import __version__
from luna.api.errors import install_error_handlers
from luna.api.routes import auth, data, health, users
from luna.config import Settings, get_settings
from luna.connectors.sources import build_data_source
from luna.store.factory import Stores


def create_app(settings: Settings | None = None, stores: Stores | None = None) -> FastAPI:
    """Build the app; ``stores`` may be injected (tests), else it is opened at startup."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = stores is None
        app.state.settings = settings
        app.state.stores = stores or Stores(settings)
        app.state.data_source = build_data_source(settings, app.state.stores.engine)
        if app.state.data_source is not None:
            app.state.data_source.start()
        try:
            yield
        finally:
            if app.state.data_source is not None:
                app.state.data_source.stop()
            if owned:
                app.state.stores.close()

    app = FastAPI(
        title="Luna-IEMS",
        version=__version__,
        description="Local, on-premise AI platform for energy management.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(users.router)
    app.include_router(data.router)
    return app
