"""``luna playbook generate`` against the test database, with a scripted chat model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from sqlalchemy import select
from typer.testing import CliRunner

from luna.cli.main import app
from luna.config import Settings, get_settings
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.models import PlaybookRecord
from tests.graphs.conftest import simulated_site

runner = CliRunner()


@pytest.fixture
def env(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, clean_db: Stores, tmp_path: Path
) -> Iterator[Stores]:
    monkeypatch.setenv("LUNA_DATABASE_URL", str(settings.database_url))
    # A home of its own: the session's stores may hold the embedded vector store's lock.
    monkeypatch.setenv("LUNA_HOME", str(tmp_path))
    get_settings.cache_clear()
    # Every Runtime the command builds gets the scripted model instead of the local GGUF.
    monkeypatch.setattr(Runtime, "chat_model", FakeListChatModel(responses=["no json"]))
    simulated_site(clean_db)
    yield clean_db
    get_settings.cache_clear()


def test_generate_stores_the_playbook_and_prints_it(env: Stores):
    args = ["playbook", "generate", "--meter", "M-HP", "--kind", "tariff_check"]
    result = runner.invoke(app, [*args, "--store", "--json"])
    assert result.exit_code == 0, result.output
    book = json.loads(result.stdout)
    assert book["kind"] == "tariff_check"
    assert (book["remark"], book["remark_dropped"]) == (None, None)  # off by default
    with env.sessions() as s:
        row = s.scalars(select(PlaybookRecord)).one()
    assert row.status == "ready"
    assert str(row.id) == book["id"]

    text = runner.invoke(app, args)
    assert text.exit_code == 0, text.output
    assert "Luna Strom Dynamisch" in text.stdout


def test_unknown_meter_is_a_usage_error(env: Stores):
    result = runner.invoke(app, ["playbook", "generate", "--meter", "M-NONE"])
    assert result.exit_code == 2
    assert "unknown meter" in result.output
