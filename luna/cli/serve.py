"""``luna serve``: run the API server."""

from __future__ import annotations

import typer
import uvicorn

from luna.config import get_settings
from luna.observability.logging import logging_config


def serve(
    host: str | None = typer.Option(None, help="Bind address (default LUNA_API_HOST)."),
    port: int | None = typer.Option(None, help="Port (default LUNA_API_PORT)."),
    reload: bool = typer.Option(False, help="Reload on code changes (development)."),
) -> None:
    """Run the API server (OpenAPI docs at /docs); logs are JSON lines on stdout."""
    settings = get_settings()
    uvicorn.run(
        "luna.api.app:create_app",
        factory=True,
        host=host or settings.api_host,
        port=port or settings.api_port,
        reload=reload,
        log_config=logging_config(settings.log_level),
        access_log=False,  # the request middleware logs each request, with its request id
    )
