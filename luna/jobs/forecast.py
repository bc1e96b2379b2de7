"""Forecast refreshes as jobs: one job per target (a meter's consumption or PV, a zone's price),
run by any worker.

Who queues them: :class:`luna.forecasting.refresh_jobs.ForecastRefresher` in the API process,
after writes that touched a target (debounced) and in its periodic sweep of what is due. A
target waits in the queue at most once (a queueing lock per target): a write that arrives while
its refresh still waits adds nothing, one that arrives while it runs queues the next.

Why it may run again from the start (``repeatable``): a refresh recomputes the target's
forecast from the stored history and replaces the stored one in one transaction. Why it is
safe on any worker, also with the embedded vector store: it reads and writes PostgreSQL only.
A target without enough history fails the job with the reason (a failure is not retried; the
next write or sweep queues it again).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from procrastinate import App

from luna.forecasting.stored import refresh
from luna.jobs.control import JobBusyError, enqueue
from luna.jobs.kinds import JobKind, RunningJob
from luna.store.sql.forecasts import ForecastTarget


class ForecastRefreshError(RuntimeError):
    """The target's forecast could not be computed (too little history, a model failure)."""


def run_forecast_refresh(
    job: RunningJob, *, kind: str, meter_id: str | None, zone: str | None
) -> dict[str, Any]:
    """Recompute and store the forecast of one target."""
    target = ForecastTarget(kind, meter_id, zone)
    runtime = job.runtime
    report = refresh(
        runtime.stores.engine, runtime.settings, [target], timescale=runtime.stores.timescale
    )
    if report.failed:
        raise ForecastRefreshError(f"{target}: {report.failed[str(target)]}")
    job.progress(1, total=1)
    return {"target": str(target), "seconds": round(report.seconds, 3)}


FORECAST_REFRESH = JobKind(
    name="forecast_refresh", work=run_forecast_refresh, queue="forecast", repeatable=True
)


def enqueue_forecast_refreshes(
    app: App, targets: Iterable[ForecastTarget], *, delay_s: float = 0.0
) -> list[int]:
    """Queue a refresh of each target that is not waiting in the queue already (starting no
    sooner than ``delay_s`` from now); the ids of the jobs queued."""
    queued = []
    for target in targets:
        arguments = {"kind": target.kind, "meter_id": target.meter_id, "zone": target.zone}
        try:
            queued.append(
                enqueue(
                    app,
                    FORECAST_REFRESH,
                    arguments,
                    queueing_lock=f"forecast:{target}",
                    schedule_in_s=delay_s,
                )
            )
        except JobBusyError:
            continue  # its refresh waits already and will read the newest data
    return queued
