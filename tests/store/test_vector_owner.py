"""The embedded vector store has one owner process: a second process is refused at once with
a message naming the owner (the CLI exits with status 2), and the lock dies with the owner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from luna.config import Settings
from luna.store.sql.models import Item, LearningCycle
from luna.store.vectors.edge import EdgeVectorStore
from luna.store.vectors.owner import VectorStoreBusyError

HOLD = """
import sys
from pathlib import Path
from luna.store.sql.models import Item, LearningCycle
from luna.store.vectors.edge import EdgeVectorStore
store = EdgeVectorStore(Path(sys.argv[1]), sys.argv[2], 384, "intfloat/multilingual-e5-small")
print("open", flush=True)
sys.stdin.read()  # until the test closes our stdin
store.close()
"""


def _hold(root: Path, collection: str) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root), collection],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "open"
    return holder


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    holder = _hold(tmp_path, "chunks")
    yield tmp_path, holder
    holder.kill()
    holder.wait(timeout=30)


def test_a_second_process_is_refused_naming_the_owner_until_the_owner_dies(held):
    root, holder = held
    with pytest.raises(VectorStoreBusyError, match=rf"in use by pid {holder.pid} .*luna serve"):
        EdgeVectorStore(root, "chunks", 384, "intfloat/multilingual-e5-small")
    holder.kill()  # as kill -9: the kernel drops the lock with the process
    holder.wait(timeout=30)
    store = EdgeVectorStore(root, "chunks", 384, "intfloat/multilingual-e5-small")
    assert store.info().points == 0
    store.close()


@pytest.mark.parametrize(
    ("command", "route"),
    [
        (["ingest", "add", "{document}"], "POST /ingest"),
        (["learn", "run"], "POST /learning/cycles"),
    ],
)
def test_the_cli_refuses_at_once_with_exit_status_2(
    settings: Settings, clean_db, tmp_path: Path, command: list[str], route: str
):
    home = tmp_path / "home"
    mine = settings.model_copy(update={"home": home})
    holder = _hold(mine.vector_path, mine.vector_collection)
    try:
        document = tmp_path / "note.txt"
        document.write_text("Die Wärmepumpe läuft nachts im Niedertarif.", encoding="utf-8")
        env = {**os.environ, "LUNA_HOME": str(home), "LUNA_DATABASE_URL": settings.database_url}
        arguments = [part.format(document=document) for part in command]
        done = subprocess.run(
            [sys.executable, "-m", "luna.cli.main", *arguments],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert done.returncode == 2, done.stderr
    assert f"in use by pid {holder.pid}" in done.stderr
    assert route in done.stderr
    with clean_db.sessions() as session:  # refused before it wrote anything
        assert session.scalar(select(func.count()).select_from(Item)) == 0
        assert session.scalar(select(func.count()).select_from(LearningCycle)) == 0
