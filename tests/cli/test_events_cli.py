"""``luna events prune`` against the test database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from luna.cli.main import app
from luna.config import Settings, get_settings
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Event, EventType

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: Settings, clean_db: Stores) -> Iterator[Stores]:
    monkeypatch.setenv("LUNA_DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("LUNA_HOME", str(settings.home))
    monkeypatch.setenv("LUNA_EVENT_RETENTION_DAYS", "10")
    get_settings.cache_clear()
    yield clean_db
    get_settings.cache_clear()


def test_events_prune_uses_the_retention_setting_or_days(env: Stores):
    now = datetime.now(UTC)
    with session_scope(env.sessions) as s:
        for age in (20, 5, 1):
            s.add(Event(ts=now - timedelta(days=age), type=EventType.VIEW, payload={}))

    default = runner.invoke(app, ["events", "prune"])
    assert default.exit_code == 0, default.output
    assert "1 events" in default.output
    assert "10 days" in default.output
    explicit = runner.invoke(app, ["events", "prune", "--days", "3"])
    assert explicit.exit_code == 0, explicit.output
    assert "1 events" in explicit.output
    with env.sessions() as s:
        (kept,) = s.scalars(select(Event)).all()
    assert kept.ts > now - timedelta(days=3)
    assert runner.invoke(app, ["events", "prune", "--days", "0"]).exit_code == 2
