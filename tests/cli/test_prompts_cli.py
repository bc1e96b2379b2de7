"""``luna prompts``: create from a file, activate, roll back, diff, export round trip."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from luna.cli.main import app
from luna.config import Settings, get_settings
from luna.prompts.registry import PROMPTS_DIR, newest, read_prompt_files, version_key
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import PromptAudit

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: Settings, clean_db: Stores) -> Iterator[Stores]:
    monkeypatch.setenv("LUNA_DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("LUNA_HOME", str(settings.home))
    get_settings.cache_clear()
    yield clean_db
    get_settings.cache_clear()


# The newest shipped rag_answer and the version the test creates after it.
SHIPPED = newest("rag_answer").version
NEW = f"{version_key(SHIPPED)[0]}.{version_key(SHIPPED)[1] + 1}.0"


def _new_version(tmp_path: Path) -> Path:
    data = yaml.safe_load((PROMPTS_DIR / "rag_answer" / f"v{SHIPPED}.yaml").read_text())
    data["version"] = NEW
    data["description"] = "Answers in at most two sentences."
    data["messages"][0]["content"] = data["messages"][0]["content"].replace(
        "at most two sentences", "at most one sentence"
    )
    path = tmp_path / f"v{NEW}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return path


def test_create_activate_rollback_diff_and_export(env: Stores, tmp_path: Path):
    path = _new_version(tmp_path)
    created = runner.invoke(app, ["prompts", "create", str(path), "--actor", "ops"])
    assert created.exit_code == 0, created.output
    again = runner.invoke(app, ["prompts", "create", str(path)])
    assert again.exit_code == 1
    assert "immutable" in again.output

    activated = runner.invoke(
        app, ["prompts", "activate", "rag_answer", NEW, "--reason", "shorter", "--actor", "ops"]
    )
    assert activated.exit_code == 0, activated.output
    listed = runner.invoke(app, ["prompts", "list"])
    assert f"{NEW}* (api)" in listed.output

    diff = runner.invoke(app, ["prompts", "diff", "rag_answer", SHIPPED, NEW])
    assert "-  Answer in the language" not in diff.output  # unchanged lines are context
    assert f"+version: {NEW}" in diff.output
    assert "one sentence" in diff.output

    rolled = runner.invoke(app, ["prompts", "rollback", "rag_answer", "--reason", "worse"])
    assert rolled.exit_code == 0
    assert f"rag_answer@{SHIPPED} is active" in rolled.output
    with session_scope(env.sessions) as s:
        actors = [a.actor for a in s.query(PromptAudit).filter_by(name="rag_answer", version=NEW)]
    assert actors == ["ops", "ops"]

    out = tmp_path / "exported"
    exported = runner.invoke(app, ["prompts", "export", "--dir", str(out)])
    assert exported.exit_code == 0, exported.output
    specs = read_prompt_files(out)  # the repository format, read back by the loader
    assert [s.ref for s in specs] == [f"rag_answer@{NEW}"]
    assert "at most one sentence" in specs[0].messages[0].content
    assert runner.invoke(app, ["prompts", "export", "--dir", str(out)]).exit_code == 0  # idempotent


def test_show_renders_examples_and_unknown_versions_fail(env: Stores):
    shown = runner.invoke(app, ["prompts", "show", "rag_answer", "--version", "1.0.0", "--render"])
    assert shown.exit_code == 0, shown.output
    assert "Wie hoch ist der Grundpreis im dynamischen Tarif?" in shown.output
    missing = runner.invoke(app, ["prompts", "show", "rag_answer", "--version", "3.0.0"])
    assert missing.exit_code == 1
    assert "unknown prompt version" in missing.output
