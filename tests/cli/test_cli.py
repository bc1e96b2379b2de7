"""The ``luna`` command line against the test database."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from luna.cli.main import app
from luna.config import Settings, get_settings
from luna.store.factory import Stores
from luna.store.sql.models import Role, User

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
    for command in ("db", "users", "serve", "doctor"):
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
    assert "0001" in result.output
