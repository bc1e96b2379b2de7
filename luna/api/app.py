"""FastAPI application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from luna import __version__
from luna.api.errors import install_error_handlers
from luna.api.routes import auth, chat, data, documents, health, rag, users
from luna.api.routes import evals as eval_routes
from luna.api.routes import playbooks as playbook_routes
from luna.api.routes import prompts as prompt_routes
from luna.config import Settings, get_settings
from luna.connectors.sources import build_data_source
from luna.runtime import Runtime
from luna.store.factory import Stores


def create_app(settings: Settings | None = None, stores: Stores | None = None) -> FastAPI:
    """Build the app; ``stores`` may be injected (tests), else it is opened at startup."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(settings, stores)
        app.state.settings = settings
        app.state.runtime = runtime
        runtime.register_prompts()
        # Before any request: the saver's first-time migrations build indexes CONCURRENTLY,
        # which wait for every open transaction, including a request's own session.
        await asyncio.to_thread(lambda: runtime.checkpointer)
        app.state.data_source = build_data_source(settings, runtime.stores.engine)
        if app.state.data_source is not None:
            app.state.data_source.start()
        try:
            yield
        finally:
            if app.state.data_source is not None:
                app.state.data_source.stop()
            runtime.close()

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
    app.include_router(documents.router)
    app.include_router(rag.router)
    app.include_router(chat.router)
    app.include_router(prompt_routes.router)
    app.include_router(eval_routes.router)
    app.include_router(playbook_routes.router)
    return app
