"""Rows whose job ended without ending them are ended here: playbooks, eval runs and learning
cycles read ``failed`` or ``cancelled`` in their own tables, not ``running`` for ever.

Each of those rows is written by its job's task, which ends it (ready, done, failed,
cancelled, …) before the job ends. Some jobs end without their task getting there: the worker
was killed and the stalled-job watch failed the job (:func:`luna.jobs.worker.
recover_stalled_jobs`), the task raised before it could write the row, a queued job was
cancelled through ``/jobs``, a repeatable job ran out of attempts as its workers stopped.
The API has always shown such a row with its job's end (:func:`luna.jobs.status.
row_or_job_end`, the playbook API's ``_live``), but SQL readers, dashboards and retention
read the row. :func:`settle_ended_rows` writes that end into the row: status, a reason that
names the job (none for a plain cancel; :func:`luna.jobs.status.job_ending`, the same wording
the API shows) and the job's end time.

Why one sweep, not a write wherever a job is finalised: procrastinate finalises jobs in
places Luna does not run code after (a failed attempt, an abort, its own CLI), a worker can
die between a job's end and any write after it, and rows from before this existed need it
too. procrastinate's table is the truth about which jobs ended, so every worker runs this
sweep beside its stalled-job watch (within seconds of a kill being noticed) and before each
pruning (so that retention may delete the jobs of rows it has settled); see
:mod:`luna.jobs.worker`.

Safe to run twice and in several workers at once: a row is written only while it still has
not ended, under a row lock, and one whose lock is held (its task writing its end right now)
is skipped until the next sweep; all rows of one sweep settle in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Engine, String, column, select, table
from sqlalchemy import cast as sql_cast

from luna.jobs.eval import EVAL
from luna.jobs.learning import LEARNING
from luna.jobs.playbook import PLAYBOOK
from luna.jobs.status import FINISHED, STATE_OF, Ending, JobState, get_job, job_ending
from luna.store.sql.database import make_session_factory, session_scope
from luna.store.sql.models import EvalRun, LearningCycle, PlaybookRecord

Owned = PlaybookRecord | EvalRun | LearningCycle

# procrastinate's states of a job that ended without succeeding (failed, cancelled, aborted).
_ENDED_BADLY = sorted(
    name for name, ours in STATE_OF.items() if ours in FINISHED and ours is not JobState.DONE
)
_jobs = table("procrastinate_jobs", column("id"), column("status"))
_ENDED_JOBS = select(_jobs.c.id).where(sql_cast(_jobs.c.status, String).in_(_ENDED_BADLY))


def _end_cycle(cycle: Owned, ending: Ending) -> None:
    """A cycle's decision says how it ended, as a cancel or a failure writes it."""
    assert isinstance(cycle, LearningCycle)
    cycle.decision = "cancelled" if ending[0] == "cancelled" else None


@dataclass(frozen=True)
class Owner:
    """A table whose rows a job's task ends: the job's kind, the row's statuses that have not
    ended, and what else its end writes."""

    table: str
    model: type[Owned]
    kind: str
    open: tuple[str, ...]
    also: Callable[[Owned, Ending], None] | None = None


OWNERS = (
    Owner("playbooks", PlaybookRecord, PLAYBOOK.name, ("pending", "running")),
    Owner("eval_runs", EvalRun, EVAL.name, ("running",)),
    Owner("learning_cycles", LearningCycle, LEARNING.name, ("running",), _end_cycle),
)


def settle_ended_rows(engine: Engine) -> dict[str, list[str]]:
    """End every row whose job failed or was cancelled while the row had not ended; per table,
    the ids of the rows it ended (none: nothing to do)."""
    settled: dict[str, list[str]] = {}
    with session_scope(make_session_factory(engine)) as session:
        for owner in OWNERS:
            model = owner.model
            open_rows = (
                select(model)
                .where(model.status.in_(owner.open), model.job_id.in_(_ENDED_JOBS))
                .order_by(model.job_id)
                .with_for_update(skip_locked=True)
            )
            # Rows of `model` (a union of models reads back as their common base).
            rows = cast("Sequence[Owned]", session.scalars(open_rows).all())
            for row in rows:
                assert row.job_id is not None  # selected by it
                job = get_job(session, row.job_id, [owner.kind])
                ending = job_ending(job) if job is not None else None
                if ending is None:
                    continue
                row.status, row.error = ending[0], ending[1]
                row.finished_at = ending[2] or datetime.now(UTC)
                if owner.also is not None:
                    owner.also(row, ending)
                settled.setdefault(owner.table, []).append(str(row.id))
    return settled
