"""FastAPI application factory."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from luna import __version__
from luna.api.errors import ERROR_RESPONSES, install_error_handlers
from luna.api.limits import install_request_limits
from luna.api.observability import install_observability
from luna.api.routes import (
    admin_data,
    admin_events,
    admin_logs,
    admin_search,
    admin_system,
    auth,
    chat,
    data,
    documents,
    forecasts,
    health,
    kpis,
    rag,
    users,
)
from luna.api.routes import evals as eval_routes
from luna.api.routes import events as event_routes
from luna.api.routes import feedback as feedback_routes
from luna.api.routes import jobs as job_routes
from luna.api.routes import learning as learning_routes
from luna.api.routes import metrics as metrics_routes
from luna.api.routes import playbooks as playbook_routes
from luna.api.routes import prompts as prompt_routes
from luna.api.sanitise import reject_unsafe_strings
from luna.api.security_headers import install_security_headers
from luna.api.sse import wait_for_workers
from luna.config import Settings, get_settings
from luna.connectors.feed import FeedRunner
from luna.connectors.sources import build_data_source
from luna.forecasting.refresh_jobs import ForecastRefresher
from luna.jobs.forecast import enqueue_forecast_refreshes
from luna.jobs.kinds import SERVE_QUEUE, embedded_vectors
from luna.jobs.worker import InProcessWorker
from luna.learning.schedule import LearningSchedule
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.web.app import install_web

log = logging.getLogger(__name__)


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
        app.state.forecast_refresher = None
        if settings.forecast_refresh:  # before the feed starts, so it sees the first writes
            app.state.forecast_refresher = ForecastRefresher(
                runtime.scheduler,
                runtime.stores.engine,
                settings,
                submit=lambda targets: enqueue_forecast_refreshes(runtime.jobs, targets),
            )
            app.state.forecast_refresher.start()
        # The live feed, unless one `luna feed` process runs it; of several replicas with it
        # on, one runs it and the others stand by (the feed's lock). Either way its status
        # is stored for every replica to read.
        app.state.feed = None
        engine = runtime.stores.engine
        source = build_data_source(settings, engine) if settings.feed_in_api else None
        if source is not None:
            app.state.feed = FeedRunner(source, engine, every_s=settings.feed_status_every_s)
            app.state.feed.start()
        app.state.job_worker = None
        if settings.jobs_in_process_worker:
            app.state.job_worker = InProcessWorker(runtime)
            app.state.job_worker.start()
        elif embedded_vectors(settings):
            log.warning(
                "no in-process job worker: jobs that need the embedded vector store "
                "(queue '%s': playbooks, eval runs, learning cycles) wait until a luna serve "
                "with one runs",
                SERVE_QUEUE,
            )
        app.state.learning_schedule = None
        if settings.learning_schedule:
            app.state.learning_schedule = LearningSchedule(runtime, settings.learning_schedule)
            app.state.learning_schedule.start()
        try:
            yield
        finally:
            if left := await asyncio.to_thread(wait_for_workers, 60.0):
                log.warning("%d answer streams still running at shutdown", left)
            if app.state.job_worker is not None:  # running jobs get the grace period
                await app.state.job_worker.stop()
            if app.state.learning_schedule is not None:
                app.state.learning_schedule.shutdown()
            if app.state.feed is not None:
                app.state.feed.stop()
            if app.state.forecast_refresher is not None:
                await asyncio.to_thread(app.state.forecast_refresher.shutdown)
            runtime.close()

    app = FastAPI(
        title="Luna-IEMS",
        version=__version__,
        description="Local, on-premise AI platform for energy management.",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
        dependencies=[Depends(reject_unsafe_strings)],  # every route, before its own
    )
    # Middleware added later wraps what was added before. From the outside in: request id,
    # metrics and log line; security headers; the JSON 500 catch-all; body limits (and no
    # upload without a token) before any route reads a byte.
    install_request_limits(app, settings)
    install_error_handlers(app)
    install_security_headers(app, settings.public_url)
    install_observability(app, settings)
    app.include_router(health.router)
    if settings.metrics_enabled:
        app.include_router(metrics_routes.router)
    app.include_router(auth.router)
    app.include_router(users.router)
    app.include_router(data.router)
    app.include_router(documents.router)
    app.include_router(rag.router)
    app.include_router(chat.router)
    app.include_router(feedback_routes.router)
    app.include_router(event_routes.router)
    app.include_router(prompt_routes.router)
    app.include_router(eval_routes.router)
    app.include_router(learning_routes.router)
    app.include_router(job_routes.router)
    app.include_router(playbook_routes.router)
    app.include_router(kpis.router)
    app.include_router(forecasts.router)
    install_web(app)
    app.include_router(admin_events.router)
    app.include_router(admin_data.router)
    app.include_router(admin_search.router)
    app.include_router(admin_system.router)
    app.include_router(admin_logs.router)
    return app
