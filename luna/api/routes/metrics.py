"""``GET /metrics``: every Luna metric in Prometheus text format, for Prometheus to scrape.

Unauthenticated like ``/health`` (Prometheus scrapes without credentials); it shows counts and
latencies, never content. Keep the port on the internal network or turn it off with
``LUNA_METRICS_ENABLED=false``.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from luna.observability.metrics import CONTENT_TYPE_LATEST, render

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text"}},
)
def metrics() -> Response:
    return Response(render(), media_type=CONTENT_TYPE_LATEST)
