"""``luna eval``: run with a progress bar, list, show, compare, resume errors."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from luna.cli.main import app
from luna.config import Settings, get_settings
from luna.evals import runner
from luna.prompts.registry import newest
from luna.store.factory import Stores
from tests.evals.test_runner import ScriptedSuite

cli = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: Settings, clean_db: Stores) -> Iterator[Stores]:
    monkeypatch.setenv("LUNA_DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("LUNA_HOME", str(settings.home))
    get_settings.cache_clear()
    yield clean_db
    get_settings.cache_clear()


def test_run_list_compare_and_resume(env: Stores, monkeypatch: pytest.MonkeyPatch):
    suite = ScriptedSuite()
    monkeypatch.setattr(runner, "get_suite", lambda name: suite)
    first = cli.invoke(app, ["eval", "run", "--suite", "routing", "--limit", "3"])
    assert first.exit_code == 0, first.output
    assert "pass_rate" in first.output
    suite.fail = None
    second = cli.invoke(
        app, ["eval", "run", "--suite", "routing", "--limit", "3", "--prompt", "rag_answer@1.0.0"]
    )
    assert second.exit_code == 0, second.output

    listed = cli.invoke(app, ["eval", "list"])
    assert listed.output.count("routing") == 2

    compared = cli.invoke(app, ["eval", "compare", "1", "2", "--json"])
    assert compared.exit_code == 0, compared.output
    comparison = json.loads(compared.output)
    assert comparison["prompts_a"] == {"rag_answer": newest("rag_answer").version}  # active
    assert comparison["prompts_b"] == {"rag_answer": "1.0.0"}  # pinned with --prompt
    deltas = {m["metric"]: m["delta"] for m in comparison["metrics"]}
    assert deltas["errors"] == -1.0  # c3 raised in run 1 only
    assert deltas["pass_rate"] == 0.0

    done = cli.invoke(app, ["eval", "resume", "2"])
    assert done.exit_code == 1
    assert "is done" in done.output
    bad = cli.invoke(app, ["eval", "run", "--suite", "routing", "--prompt", "rag_answer"])
    assert bad.exit_code == 2
    unknown = cli.invoke(app, ["eval", "compare", "1", "99"])
    assert unknown.exit_code == 1
