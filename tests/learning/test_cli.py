"""``luna learn``: run, status, history, rollback from the command line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from luna.cli.main import app
from luna.config import Settings, get_settings
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import LearnedStateRecord, LearningCycle

cli = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: Settings, clean_db: Stores) -> Iterator[Stores]:
    monkeypatch.setenv("LUNA_DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("LUNA_HOME", str(settings.home))
    get_settings.cache_clear()
    yield clean_db
    get_settings.cache_clear()


def test_run_without_feedback_is_rejected_and_listed_in_the_history(env: Stores):
    result = cli.invoke(app, ["learn", "run", "--kind", "weights"])
    assert result.exit_code == 0, result.output
    assert "rejected" in result.output
    assert "nothing to learn" in result.output
    history = cli.invoke(app, ["learn", "history"])
    assert history.exit_code == 0
    assert "rejected" in history.output
    assert "weights" in history.output


def test_rollback_activates_a_state_and_status_shows_it(env: Stores):
    with session_scope(env.sessions) as session:
        cycle = LearningCycle(kind="weights", status="activated", started_by="seed")
        session.add(cycle)
        session.flush()
        session.add(LearnedStateRecord(cycle_id=cycle.id, chunk_weights={"1": 1.02}))
    assert "no learned state is active" in cli.invoke(app, ["learn", "status"]).output

    result = cli.invoke(app, ["learn", "rollback", "1"])

    assert result.exit_code == 0, result.output
    assert "active state 1" in cli.invoke(app, ["learn", "status"]).output
    missing = cli.invoke(app, ["learn", "rollback", "42"])
    assert missing.exit_code == 1
    assert "no learned state 42" in missing.output
    assert cli.invoke(app, ["learn", "rollback", "0"]).exit_code == 0
    assert "no learned state is active" in cli.invoke(app, ["learn", "status"]).output


def test_a_second_run_while_one_runs_fails_with_the_reason(env: Stores):
    with session_scope(env.sessions) as session:
        session.add(LearningCycle(kind="full", status="running", started_by="other"))
    result = cli.invoke(app, ["learn", "run"])
    assert result.exit_code == 1
    assert "is running" in result.output
