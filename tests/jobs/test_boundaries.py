"""The job system sits above what its jobs call: nothing below it imports it, and it imports
nothing of the API or the web UI (routes call it, never the other way round)."""

from __future__ import annotations

import luna
import luna.jobs
from tests.boundaries import imported_modules, within

BELOW_JOBS = ("luna.store", "luna.simulators", "luna.connectors", "luna.forecasting")


def test_nothing_below_the_job_system_imports_it():
    offenders = sorted(
        f"{module} imports {name}"
        for module, names in imported_modules(luna).items()
        if any(within(module, below) for below in BELOW_JOBS)
        for name in names
        if within(name, "luna.jobs")
    )
    assert offenders == []


def test_the_job_system_imports_nothing_of_the_api_or_the_web_ui():
    offenders = sorted(
        f"{module} imports {name}"
        for module, names in imported_modules(luna.jobs).items()
        for name in names
        if within(name, "luna.api") or within(name, "luna.web")
    )
    assert offenders == []
