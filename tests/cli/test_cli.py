"""The ``luna`` command line against the test database."""

from __future__ import annotations

import json

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select
from typer.testing import CliRunner

from luna.cli.main import app
from luna.config import Settings, get_settings
from luna.store.factory import Stores
from luna.store.sql.migrate import alembic_config
from luna.store.sql.models import Role, StoredForecast, User

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: Settings, clean_db: Stores) -> Stores:
    monkeypatch.setenv("LUNA_DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("LUNA_HOME", str(settings.home))
    get_settings.cache_clear()
    yield clean_db
    get_settings.cache_clear()


def test_help_lists_the_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "users", "serve", "worker", "doctor"):
        assert command in result.output


def test_users_create_bootstraps_the_root_admin_once(env: Stores):
    args = ["users", "create", "Monika", "--role", "admin", "--password", "a-long-password"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "created admin 'monika'" in first.output
    with env.sessions() as s:
        user = s.scalar(select(User))
    assert user is not None
    assert user.role is Role.ADMIN
    assert user.password_hash.startswith("$argon2")

    again = runner.invoke(app, args)
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert runner.invoke(app, [*args, "--exist-ok"]).exit_code == 0

    weak = runner.invoke(app, ["users", "create", "kunde", "--password", "short"])
    assert weak.exit_code == 2
    assert "at least 8 characters" in weak.output


def test_db_current_reports_the_migrated_revision(env: Stores):
    result = runner.invoke(app, ["db", "current"])
    assert result.exit_code == 0
    head = ScriptDirectory.from_config(alembic_config("postgresql://unused")).get_current_head()
    assert head is not None
    assert result.output.strip() == head


def test_forecast_backtest_reads_stored_history_and_beats_the_baseline(env: Stores):
    filled = runner.invoke(app, ["simulate", "backfill", "--meters", "1", "--days", "45"])
    assert filled.exit_code == 0, filled.output

    result = runner.invoke(
        app, ["forecast", "backtest", "--meter", "M-001", "--days", "7", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["kind"] == "consumption"
    assert report["origins"] == 7
    assert report["horizon_steps"] == 96  # 24 h of 15-minute steps
    scores = {s["model"]: s for s in report["scores"]}
    assert report["baseline"] in scores
    assert report["best_model"] != report["baseline"]
    assert scores[report["best_model"]]["mae"] < scores[report["baseline"]]["mae"]

    prices = runner.invoke(
        app, ["forecast", "run", "--kind", "price", "--hours", "24", "--history-days", "30"]
    )
    assert prices.exit_code == 0, prices.output
    forecast = json.loads(prices.output)
    assert forecast["kind"] == "price"
    assert len(forecast["values"]) == len(forecast["timestamps"])
    assert len(forecast["values"]) * forecast["step_minutes"] == 24 * 60
    assert all(
        lo <= hi
        for lo, hi in zip(forecast["quantiles"]["p10"], forecast["quantiles"]["p90"], strict=True)
    )

    unknown = runner.invoke(app, ["forecast", "backtest", "--meter", "M-999"])
    assert unknown.exit_code == 2
    assert "unknown meter" in unknown.output


def test_forecast_refresh_stores_what_is_due_and_then_nothing(env: Stores):
    filled = runner.invoke(app, ["simulate", "backfill", "--meters", "1", "--days", "40"])
    assert filled.exit_code == 0, filled.output

    first = runner.invoke(app, ["forecast", "refresh", "--json"])
    assert first.exit_code == 0, first.output
    report = json.loads(first.output)
    assert report["refreshed"] == ["M-001 consumption", "DE-LU price"]
    assert report["failed"] == {}
    with env.sessions() as s:
        assert s.scalar(select(func.count()).select_from(StoredForecast)) == 2

    again = runner.invoke(app, ["forecast", "refresh"])
    assert again.exit_code == 0, again.output
    assert again.output.startswith("0 forecast(s) stored")

    unknown = runner.invoke(app, ["forecast", "refresh", "--meter", "M-999"])
    assert unknown.exit_code == 2
    assert "unknown meter" in unknown.output
