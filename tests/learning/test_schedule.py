"""Scheduled learning cycles: crontab validation, one cycle at a time, the next firing time."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select

from luna.api.app import create_app
from luna.config import Settings
from luna.jobs.control import cancel
from luna.jobs.learning import LEARNING
from luna.jobs.status import JobState, get_job
from luna.learning import cycles
from luna.learning.schedule import ACTOR, LearningSchedule, run_scheduled_cycle
from luna.runtime import Runtime
from luna.store.sql.models import LearningCycle
from tests.api.conftest import login


@pytest.mark.parametrize("crontab", ["61 * * * *", "every night", "* * *"])
def test_a_bad_schedule_is_refused_with_the_setting_named(settings: Settings, crontab: str):
    with pytest.raises(ValidationError, match="learning_schedule"):
        Settings(  # type: ignore[call-arg]
            database_url=settings.database_url, learning_schedule=crontab, _env_file=None
        )


def test_a_scheduled_firing_is_skipped_while_a_cycle_runs_and_queues_one_otherwise(
    runtime: Runtime,
):
    manual = cycles.start_cycle(runtime, actor="monika")
    assert run_scheduled_cycle(runtime) is None  # skipped, not queued
    with runtime.stores.sessions() as session:
        assert session.scalars(select(LearningCycle.id)).all() == [manual]
    cycles.request_cancel(runtime, manual)
    assert cycles.run_cycle(runtime, manual) == "cancelled"

    scheduled = run_scheduled_cycle(runtime)
    assert scheduled is not None
    assert scheduled != manual
    with runtime.stores.sessions() as session:
        cycle = session.get(LearningCycle, scheduled)
        assert cycle is not None
        assert cycle.started_by == ACTOR
        assert cycle.status == "running"  # held for its job, which a worker runs
        assert cycle.job_id is not None
        job = get_job(session, cycle.job_id, [LEARNING.name])
        assert job is not None
        assert (job.kind, job.state) == ("learning", JobState.QUEUED)
        assert job.arguments == {"cycle_id": scheduled}
    # what a worker does with it (tests/jobs/test_learning_jobs.py runs one end to end)
    assert cycles.run_cycle(runtime, scheduled) in {"activated", "rejected", "failed"}
    with runtime.stores.sessions() as session:  # no later worker finds it queued
        cancel(runtime.jobs, session, cycle.job_id, [LEARNING.name])


def test_the_schedule_fires_next_at_the_crontab_time_in_local_time(runtime: Runtime):
    schedule = LearningSchedule(runtime, "30 3 * * *")
    schedule.start()
    try:
        next_run = schedule.next_run()
    finally:
        schedule.shutdown()
    assert next_run is not None
    when = datetime.fromisoformat(next_run)
    assert (when.hour, when.minute) == (3, 30)
    assert when.utcoffset() is not None  # Europe/Berlin, not naive


def test_admins_see_the_schedule_and_its_next_run(settings: Settings, clean_db, users):
    scheduled = settings.model_copy(update={"learning_schedule": "30 3 * * *"})
    with TestClient(create_app(scheduled, clean_db)) as client:
        admin = login(client, users["admin"])
        body = client.get("/learning/schedule", headers=admin).json()
        customer = login(client, users["customer"])
        refused = client.get("/learning/schedule", headers=customer)
    assert body["schedule"] == "30 3 * * *"
    assert datetime.fromisoformat(body["next_run"]).hour == 3
    assert refused.status_code == 403
