"""Retention of finished jobs: their rows in procrastinate's tables go after some days.

Every job leaves a row in ``procrastinate_jobs`` (with its events and its ``job_progress``)
that nothing deletes, so the queue's tables grow with every forecast refresh and upload. A
worker therefore deletes, about hourly (:func:`luna.jobs.worker.run_worker`), the jobs that
ended more than ``LUNA_JOBS_RETAIN_DAYS`` ago; ``luna jobs prune`` does the same on demand.

"Ended" is procrastinate's own rule (``remove_old_jobs``): a final state (succeeded, failed,
cancelled, aborted) and a latest event older than the cutoff. That builtin task is not used
as it stands, for three reasons:

- a playbook, eval run or learning cycle whose row still reads ``pending``/``running`` takes
  its outcome from its job (the job failed, or was cancelled while queued, without writing
  the end into the row: :func:`luna.jobs.status.row_or_job_end`, the playbook API's
  ``_live``). Their keys into ``procrastinate_jobs`` are ``ON DELETE SET NULL`` (migrations
  0015 to 0017), so a delete would not break them, but such a row would read ``running``
  forever. Those jobs are kept, however old, until the row has ended; rows that have ended
  hold their own outcome and lose only their ``job_id``. A worker ends such rows itself
  before it prunes (:mod:`luna.jobs.settle`), so this keeps a job only until then;
- ``procrastinate_periodic_defers.job_id`` is a key without ``ON DELETE`` (procrastinate
  3.10), so one such job among the old ones makes the builtin's single ``DELETE`` fail as a
  whole; those are skipped too (Luna defers no periodic tasks, but the table is the
  library's);
- the builtin is a job on the ``builtin`` queue that something must defer: a periodic task
  would put a job row of its own in the queue every hour, which ``luna worker`` with the
  embedded vector store (an explicit list of queues) would not even take.

``job_progress`` rows go with their jobs (``ON DELETE CASCADE``), and so do the events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text

# One pruning at a time across every worker and `luna jobs prune`: the others skip (workers)
# or wait (the command). An arbitrary constant of Luna's ("LUNAJOBP" in ASCII, as a bigint).
PRUNE_LOCK = 0x4C554E414A4F4250

# Jobs a row of ours still reads its outcome from, and jobs procrastinate's periodic deferrer
# still points at (a key that would refuse the delete).
_STILL_READ = """
    SELECT job_id FROM playbooks
     WHERE job_id IS NOT NULL AND status IN ('pending', 'running')
    UNION SELECT job_id FROM eval_runs WHERE job_id IS NOT NULL AND status = 'running'
    UNION SELECT job_id FROM learning_cycles WHERE job_id IS NOT NULL AND status = 'running'
    UNION SELECT job_id FROM procrastinate_periodic_defers WHERE job_id IS NOT NULL
"""

_ENDED_BEFORE = """
    SELECT j.id FROM procrastinate_jobs j
     WHERE j.status::text IN ('succeeded', 'failed', 'cancelled', 'aborted')
       AND (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = j.id) < :cutoff
"""

_KEPT = text(
    f"SELECT count(*) FROM ({_ENDED_BEFORE}) old WHERE old.id IN ({_STILL_READ})"  # noqa: S608
)
_DELETE = text(
    f"""
    WITH gone AS (
        DELETE FROM procrastinate_jobs j
         WHERE j.id IN ({_ENDED_BEFORE})
           AND j.id NOT IN ({_STILL_READ})
        RETURNING j.task_name
    )
    SELECT task_name, count(*) AS n FROM gone GROUP BY task_name ORDER BY task_name
    """  # noqa: S608 (fixed fragments only; the cutoff is bound)
)


@dataclass(frozen=True)
class JobPruneResult:
    cutoff: datetime
    deleted: dict[str, int]  # per kind (procrastinate's task name)
    kept: int  # ended before the cutoff, but a row that has not ended still reads them

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


def prune_finished_jobs(
    engine: Engine, days: float, *, now: datetime | None = None, wait: bool = True
) -> JobPruneResult | None:
    """Delete the jobs that ended more than ``days`` ago (with their events and progress),
    except those still read (see the module); one transaction.

    ``wait``: wait for a pruning in progress elsewhere to end (the command); else return None
    at once (a worker: another one is doing it).
    """
    if days < 0:
        raise ValueError("retention cannot be negative")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    with engine.begin() as conn:
        if wait:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PRUNE_LOCK})
        elif not conn.execute(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": PRUNE_LOCK}
        ).scalar_one():
            return None
        kept = conn.execute(_KEPT, {"cutoff": cutoff}).scalar_one()
        deleted = {row.task_name: row.n for row in conn.execute(_DELETE, {"cutoff": cutoff})}
    return JobPruneResult(cutoff=cutoff, deleted=deleted, kept=kept)
