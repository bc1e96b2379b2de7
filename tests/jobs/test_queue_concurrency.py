"""Per-queue concurrency (``LUNA_JOBS_QUEUE_CONCURRENCY``): a real ``luna worker`` runs two
long eval runs at once where the eval queue's limit is 2, and one after the other where it is
1, whatever ``--concurrency`` says for the other queues; such a worker stops on SIGTERM like
any other. And which procrastinate workers a process runs for which queues."""

from __future__ import annotations

import json
import signal
from datetime import datetime
from pathlib import Path

import pytest

from luna.config import Settings
from luna.jobs.kinds import SERVE_QUEUE
from luna.jobs.queue import KINDS
from luna.jobs.worker import queue_groups
from luna.store.factory import Stores
from tests.jobs.conftest import admin_headers, ended, wait_for
from tests.jobs.scripted_worker import CASE_S, VECTOR_SERVER, scripted_worker
from tests.jobs.test_eval_jobs import scripted

CASE_SECONDS = 0.4  # five cases: each run takes about 2 s


@pytest.mark.parametrize("limit", [2, 1])
def test_the_eval_queue_runs_as_many_jobs_at_once_as_its_limit(
    limit: int,
    app_client,
    users,
    prompts: Stores,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    scripted(monkeypatch, fail=None)  # the API's side: the runs' cases and prompts
    with app_client(**VECTOR_SERVER) as client:
        admin = admin_headers(client, users)
        job_ids = [
            client.post("/evals/runs", json={"suite": "routing"}, headers=admin).json()["job_id"]
            for _ in range(2)
        ]
        with scripted_worker(
            str(settings.database_url),
            tmp_path,
            "--concurrency",
            "2",  # for the other queues: the eval queue's own limit wins
            LUNA_JOBS_QUEUE_CONCURRENCY=json.dumps({"eval": limit}),
            **{CASE_S: str(CASE_SECONDS)},
        ) as (worker, tail):
            jobs = [wait_for(client, admin, job_id, ended, timeout=120) for job_id in job_ids]
            assert [j["state"] for j in jobs] == ["done", "done"], (jobs, tail())
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0, tail()  # every group stopped, cleanly
    (first, first_end), (second, second_end) = sorted(
        (datetime.fromisoformat(j["started_at"]), datetime.fromisoformat(j["finished_at"]))
        for j in jobs
    )
    for start, end in ((first, first_end), (second, second_end)):
        assert (end - start).total_seconds() >= 5 * CASE_SECONDS * 0.9
    if limit == 2:
        assert second < first_end, jobs  # they overlapped
    else:
        assert second >= first_end, jobs  # the second waited for the first


def test_queues_with_a_limit_of_their_own_get_a_worker_each():
    every = sorted({kind.queue for kind in KINDS.values()} | {SERVE_QUEUE})
    # No such queue: one worker, the queues as given.
    assert queue_groups(None, 3, {}) == [(None, 3)]
    assert queue_groups(["forecast", "backfill"], 1, {}) == [(["backfill", "forecast"], 1)]
    # Every queue: the named ones alone, the rest (named, not "every") together.
    assert queue_groups(None, 4, {"ingest": 2, "eval": 1}) == [
        (["eval"], 1),
        (["ingest"], 2),
        ([q for q in every if q not in ("eval", "ingest")], 4),
    ]
    # Only the queues this worker takes: a limit for another queue changes nothing.
    assert queue_groups(["backfill", "forecast"], 1, {"ingest": 2}) == [
        (["backfill", "forecast"], 1)
    ]
    assert queue_groups(["backfill", "forecast"], 1, {"forecast": 2}) == [
        (["forecast"], 2),
        (["backfill"], 1),
    ]
    assert queue_groups(["ingest"], 1, {"ingest": 2}) == [(["ingest"], 2)]
