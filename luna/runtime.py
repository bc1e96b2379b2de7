"""Everything one process builds from :class:`~luna.config.Settings`, each part on first use.

The API, the CLI and the graphs get their stores, models, retriever and ingest pipeline from
here, so a component is built once per process and the embedded and production profiles differ
only in configuration. Models load lazily: commands that never generate text never load them.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.postgres import PostgresSaver
from procrastinate import App
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from luna.config import Settings
from luna.ingest.pipeline import IngestPipeline
from luna.prompts.registry import register_files
from luna.retrieval.dictionary import Dictionary
from luna.retrieval.learned_state import LearnedStateCache
from luna.retrieval.retriever import Retriever
from luna.store.factory import Stores
from luna.store.sql.database import libpq_url, one_process_at_a_time, session_scope


class Runtime:
    def __init__(self, settings: Settings, stores: Stores | None = None) -> None:
        self.settings = settings
        self._owns_stores = stores is None
        self.stores = stores or Stores(settings)
        self._pool: ConnectionPool | None = None
        self._prompts_registered = False

    def register_prompts(self) -> None:
        """Register the shipped prompt files in SQL (new versions only), once per process.

        Every entry point that renders prompts calls this; the graphs then load versions by
        name without reading files.
        """
        if self._prompts_registered:
            return
        # Replicas starting together would insert the same versions (a unique violation).
        with (
            one_process_at_a_time(self.stores.engine),
            session_scope(self.stores.sessions) as session,
        ):
            register_files(session)
        self._prompts_registered = True

    @cached_property
    def embeddings(self) -> Embeddings:
        from luna.llm.factory import build_embeddings

        return build_embeddings(self.settings)

    @cached_property
    def chat_model(self) -> BaseChatModel:
        from luna.llm.factory import build_chat_model

        return build_chat_model(self.settings)

    @cached_property
    def checkpointer(self) -> PostgresSaver:
        """Conversation state in PostgreSQL (the embedded server in the embedded profile).

        The pool is built here rather than with ``from_conn_string``: the saver needs autocommit
        and dict rows, and prepared statements break behind poolers and across server restarts.
        """
        self._pool = ConnectionPool(
            libpq_url(self.settings),
            min_size=1,
            max_size=4,
            max_idle=300,
            max_lifetime=1800,
            check=ConnectionPool.check_connection,
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
            open=True,
        )
        saver = PostgresSaver(self._pool)  # type: ignore[arg-type]
        # Two processes running its migrations at once deadlock (CREATE INDEX CONCURRENTLY).
        with one_process_at_a_time(self.stores.engine):
            saver.setup()
        return saver

    @cached_property
    def model_name(self) -> str:
        return str(getattr(self.chat_model, "model_name", None) or self.settings.llm_model)

    @cached_property
    def learned_state(self) -> LearnedStateCache:
        """The active learned state (weights, query adapter), its version re-checked at every
        retrieval by default (``LUNA_LEARNING_REFRESH_S``)."""
        return LearnedStateCache(self.stores.sessions, self.settings.learning_refresh_s)

    @cached_property
    def retriever(self) -> Retriever:
        learned = self.learned_state
        return Retriever(
            self.stores.vectors,
            self.stores.sessions,
            self.embeddings,
            weights=learned.weights,
            adapter=learned.adapt,
            keywords=self.settings.retrieval_keywords,
            dictionary=self.dictionary,
        )

    @cached_property
    def dictionary(self) -> Dictionary | None:
        """The German-English dictionary for cross-language keyword search, if installed."""
        path = self.settings.dictionary_path
        if path is None or str(path) in ("", ".") or not self.settings.retrieval_keywords:
            return None
        return Dictionary.shared(path, cache_dir=Path.home() / ".cache" / "luna" / "dictionary")

    @cached_property
    def ingest(self) -> IngestPipeline:
        return IngestPipeline(self.stores, self.embeddings, self.settings)

    @cached_property
    def jobs(self) -> App:
        """The job queue, opened for deferring and cancelling from synchronous code (request
        handlers, CLI commands); workers open their own (:mod:`luna.jobs.worker`)."""
        from luna.jobs.queue import build_job_app

        app = build_job_app(self.settings)
        app.open()
        return app

    @cached_property
    def scheduler(self) -> BackgroundScheduler:
        """The process's one job scheduler (APScheduler, started on first use): scheduled
        learning cycles and forecast refreshes add their jobs here and share its thread and
        worker pool, rather than each keeping a thread of its own."""
        scheduler = BackgroundScheduler(timezone=self.settings.timezone)
        scheduler.start()
        return scheduler

    def close(self) -> None:
        if "scheduler" in self.__dict__ and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if "jobs" in self.__dict__:
            self.jobs.close()
        if self._pool is not None:
            self._pool.close()
        if self._owns_stores:
            self.stores.close()
