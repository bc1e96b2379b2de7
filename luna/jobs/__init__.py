"""Background jobs on one queue in Luna's own PostgreSQL (procrastinate): no extra service, the
same on the embedded pgserver and on TimescaleDB.

- :mod:`luna.jobs.kinds`: what a kind of job declares (its work, queue, whether it may run
  again from the start) and the handle its work reports progress through;
- :mod:`luna.jobs.queue`: the procrastinate app built from :class:`~luna.config.Settings`,
  one per use (deferring from the API or CLI, or running a worker), with every kind on it;
- :mod:`luna.jobs.status`: the one status model (queued, running, done, failed, cancelled;
  progress, result, error, timestamps) and its queries; :mod:`luna.jobs.control` enqueues
  and cancels;
- :mod:`luna.jobs.worker`: ``luna worker`` and the in-process worker of ``luna serve``, and
  the watch for jobs whose worker died; :mod:`luna.jobs.settle` ends the rows (playbooks, eval
  runs, learning cycles) whose job ended without ending them;
- one module per kind (:mod:`luna.jobs.backfill`, :mod:`luna.jobs.playbook`,
  :mod:`luna.jobs.eval`, :mod:`luna.jobs.learning`, :mod:`luna.jobs.ingest`).

Where progress lives: in ``job_progress``, a table of ours keyed by the procrastinate job id
(with a cascading foreign key), not in procrastinate's tables. procrastinate owns
``procrastinate_jobs`` and changes it through its own versioned SQL (functions, triggers,
migrations); a column of ours there would break or vanish with its upgrades, and its job row is
updated by its own functions under its own locking. procrastinate also keeps neither a task's
return value nor the reason a job failed (only its logs have them). So state, arguments,
attempts and timestamps (from ``procrastinate_events``) are read from procrastinate; done/total,
the result JSON and the error reason from ``job_progress``, which each job writes as it goes.
"""
