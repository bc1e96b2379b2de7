"""The embedded profile: no database URL configured -> Luna starts its own PostgreSQL (pgserver)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from luna.config import Settings
from luna.jobs.backfill import enqueue_backfill
from luna.jobs.status import JobState, get_job
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql import migrate
from luna.store.sql.database import database_url, session_scope
from luna.store.sql.models import Meter
from tests.worker_drain import drain


def test_embedded_postgres_starts_migrates_and_keeps_data(tmp_path: Path):
    settings = Settings(home=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert settings.embedded_database
    url = database_url(settings)
    assert url.startswith("postgresql+psycopg://")
    migrate.upgrade(url)

    stores = Stores(settings)
    try:
        with session_scope(stores.sessions) as s:
            s.add(Meter(meter_id="M-001"))
        with stores.engine.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar_one()
            vector = conn.execute(
                text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
            ).first()
            assert conn.execute(text("SELECT meter_id FROM meters")).scalar_one() == "M-001"
        assert version.startswith("16")
        assert vector is not None  # pgvector ships with the embedded server
        assert (tmp_path / "pg" / "PG_VERSION").is_file()
        stores.objects.put("raw/a.txt", b"x")
        assert (tmp_path / "objects" / "docs" / "raw" / "a.txt").read_bytes() == b"x"

        # The job queue lives in the same server: a backfill is queued and a worker runs it.
        runtime = Runtime(settings, stores)
        try:
            with session_scope(stores.sessions) as s:
                job_id = enqueue_backfill(runtime.jobs, s, meters=1, days=1, seed=1, zone="DE-LU")
            drain(runtime)
            with stores.sessions() as s:
                job = get_job(s, job_id, ["backfill"])
            assert job is not None
            assert job.state is JobState.DONE, job
            assert job.result is not None
            assert job.result["readings_written"] > 0
        finally:
            runtime.close()
    finally:
        stores.close()
