"""Stateless API replicas: two ``luna serve`` processes without a worker of their own and two
``luna worker`` processes, started together on one database (pgserver: PostgreSQL 16 with
pgvector, vectors in PostgreSQL) and one shared ``LUNA_HOME`` (the local object store; a shared
volume in production). Everything a request needs lives in the database or the object store:

- jobs spread over both workers and each runs exactly once (one ``started`` event);
- a chat thread started on replica A continues on replica B (the elliptical follow-up answers
  the right day's figure from A's context), and B shows both turns; no language model is
  loaded for these data questions (the configured GGUF is an empty file);
- a prompt version activated on A is active on B at once, a rollback on B is seen by A;
- a learned state activated on A is what B's retrieval serves from its next request;
- a document ingested on A is found on B, one queued for ingest on B (staged in the object
  store, ingested by a worker) is found on A, and the drift check is clean.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine, text

from luna.config import Settings, site_timezone
from luna.jobs.control import enqueue
from luna.jobs.forecast import FORECAST_REFRESH
from luna.jobs.queue import build_job_app
from luna.store.factory import Stores
from luna.store.sql import migrate
from luna.store.sql.database import session_scope
from luna.store.sql.forecasts import PRICE, ForecastTarget, meter_targets
from luna.store.sql.models import LearnedStateRecord
from tests.energy_site import populate
from tests.processes import (
    ENDED,
    free_port,
    login,
    poll_job,
    running,
    serve_command,
    spawn,
    wait_until_serving,
)
from tests.store.conftest import database_on, pgvector_url  # noqa: F401 (a fixture)

DAYS = 21  # enough history for every forecast target
JOBS = 20
TARIFF = (
    "Preisblatt Wärmestrom 2026\n\n"
    "Der Arbeitspreis für Wärmepumpen beträgt 24,90 ct/kWh brutto. "
    "Der Grundpreis beträgt 9,50 € pro Monat. Gültig ab 1. Januar 2026.\n"
)
WALLBOX = (
    "Wallbox WB-11 Kurzanleitung\n\n"
    "Die Wallbox WB-11 lädt mit höchstens 11 kW an drei Phasen. Der Fehlerstromschutz "
    "Typ A EV ist eingebaut; die Zuleitung ist mit 16 A abzusichern.\n"
)
YESTERDAY = "Wie viel Strom habe ich gestern verbraucht?"
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@pytest.fixture
def replica_db(pgvector_url: str) -> Iterator[str]:  # noqa: F811 (the fixture imported above)
    """One migrated database with pgvector for the whole deployment; dropped afterwards."""
    url, admin = database_on(pgvector_url)
    name = url.rsplit("/", 1)[1].split("?")[0]
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _settings(url: str, home: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        database_url=url,
        home=home,
        vector_backend="postgres",
        data_source="none",
        forecast_refresh=False,
        jobs_in_process_worker=False,
        _env_file=None,
    )


def _kwh_of(engine: Engine, meter: str, day: date) -> float:
    """What the meter consumed on the local ``day``, straight from the stored readings."""
    zone = ZoneInfo(site_timezone())
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    with engine.connect() as conn:
        return float(
            conn.execute(
                text(
                    "SELECT sum(consumption_kwh) FROM smart_meter_readings "
                    "WHERE meter_id = :m AND ts >= :s AND ts < :e"
                ),
                {"m": meter, "s": start, "e": start + timedelta(days=1)},
            ).scalar_one()
        )


def _states(answer: str, value: float) -> bool:
    """Whether a German answer states ``value`` to the hundredth."""
    for digits in _NUMBER.findall(answer):
        try:
            if abs(float(digits.replace(".", "").replace(",", ".")) - value) <= 0.006:
                return True
        except ValueError:
            continue
    return False


def _forecast_targets(engine: Engine) -> list[dict[str, Any]]:
    """Every target there is data for: the meters' consumption (and PV), the zone's price."""
    with engine.connect() as conn:
        meters = list(conn.execute(text("SELECT meter_id FROM meters")).scalars())
        targets = [*meter_targets(conn, meters), ForecastTarget(PRICE, zone="DE-LU")]
    return [{"kind": t.kind, "meter_id": t.meter_id, "zone": t.zone} for t in targets]


def _job_runs(engine: Engine, ids: list[int]) -> list[dict[str, Any]]:
    """Each job's status, attempts, worker and how often it was started."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT j.id, j.status::text AS status, j.attempts, j.worker_id, "
                "(SELECT count(*) FROM procrastinate_events e "
                " WHERE e.job_id = j.id AND e.type = 'started') AS starts "
                "FROM procrastinate_jobs j WHERE j.id = ANY(:ids) ORDER BY j.id"
            ),
            {"ids": ids},
        )
        return [dict(r._mapping) for r in rows]


def _workers(engine: Engine) -> set[int]:
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT id FROM procrastinate_workers")).scalars())


def _wait(what: str, check: Any, timeout: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}: not after {timeout} s"
        time.sleep(0.1)


def _top_hit(http: httpx.Client, query: str) -> dict[str, Any]:
    response = http.get("/admin/search", params={"q": query, "top_k": 3})
    assert response.status_code == 200, response.text
    hits = response.json()["hits"]
    assert hits, f"nothing found for {query!r}"
    return hits[0]  # type: ignore[no-any-return]


def test_two_api_replicas_and_two_workers_share_everything_through_the_database(
    replica_db: str, tmp_path: Path
):
    timings: dict[str, float] = {}
    began = time.monotonic()
    home = tmp_path / "shared"  # the object store every process reads and writes
    home.mkdir()
    no_model = home / "no-model.gguf"  # loading it would fail: the data answers need no model
    no_model.write_bytes(b"")
    settings = _settings(replica_db, home)
    env = {
        "LUNA_VECTOR_BACKEND": "postgres",
        "LUNA_OBJECT_BACKEND": "local",
        "LUNA_JOBS_IN_PROCESS_WORKER": "false",
        "LUNA_AUTH_SECRET": uuid.uuid4().hex * 2,  # one signing secret, as from a Secret
        "LUNA_LLM_GGUF_PATH": str(no_model),
        "LUNA_JOBS_SHUTDOWN_GRACE_S": "5",
    }
    ports = free_port(), free_port()
    with ExitStack() as stack:
        stores = Stores(settings)
        stack.callback(stores.close)
        populate(stores, days=DAYS)
        timings["seed"] = time.monotonic() - began
        started = time.monotonic()
        # All four at once, as an orchestrator starts them.
        servers = [
            stack.enter_context(running(spawn(serve_command(p), replica_db, home, **env)))
            for p in ports
        ]
        for n in (1, 2):
            stack.enter_context(
                running(spawn(["worker", "--name", f"worker-{n}"], replica_db, home, **env))
            )
        a_url, b_url = (f"http://127.0.0.1:{p}" for p in ports)
        for url, server in zip((a_url, b_url), servers, strict=True):
            wait_until_serving(url, server)
        _wait("two workers registered", lambda: len(_workers(stores.engine)) == 2)
        workers = _workers(stores.engine)
        timings["start"] = time.monotonic() - started
        a = stack.enter_context(httpx.Client(base_url=a_url, timeout=60))
        b = stack.enter_context(httpx.Client(base_url=b_url, timeout=60))
        login(a, "monika")
        b.headers["Authorization"] = a.headers["Authorization"]  # A's token is good on B
        jobs_app = build_job_app(settings)
        stack.enter_context(jobs_app.open())  # type: ignore[arg-type]

        # --- jobs: spread over both workers, each run once -------------------------------
        t = time.monotonic()
        targets = _forecast_targets(stores.engine)
        ids = [enqueue(jobs_app, FORECAST_REFRESH, targets[i % len(targets)]) for i in range(JOBS)]

        def all_ended() -> list[dict[str, Any]] | None:
            runs = _job_runs(stores.engine, ids)
            return runs if all(r["status"] in ("succeeded", "failed") for r in runs) else None

        runs = _wait("every forecast refresh ended", all_ended)
        timings["jobs"] = time.monotonic() - t
        assert [r["status"] for r in runs] == ["succeeded"] * JOBS, runs
        assert [r["starts"] for r in runs] == [1] * JOBS, runs  # never run twice
        per_worker = Counter(r["worker_id"] for r in runs)
        assert set(per_worker) == workers, (per_worker, workers)  # both took some
        # The status API of either replica reports them alike.
        for http, job_id in ((a, ids[0]), (b, ids[-1])):
            job = http.get(f"/jobs/{job_id}").json()
            assert (job["state"], job["attempts"]) == ("done", 1), job

        # --- chat: a thread begun on A goes on on B ---------------------------------------
        t = time.monotonic()
        anna_a = stack.enter_context(httpx.Client(base_url=a_url, timeout=60))
        anna_b = stack.enter_context(httpx.Client(base_url=b_url, timeout=60))
        login(anna_a, "anna")
        login(anna_b, "anna")
        today = datetime.now(ZoneInfo(site_timezone())).date()
        first = anna_a.post(
            "/chat",
            json={"message": YESTERDAY, "stream": False},
        )
        assert first.status_code == 200, first.text
        turn1 = first.json()
        yesterday = _kwh_of(stores.engine, "M-001", today - timedelta(days=1))
        assert _states(turn1["answer"], yesterday), (turn1["answer"], yesterday)
        second = anna_b.post(
            "/chat",
            json={"message": "Und vorgestern?", "thread_id": turn1["thread_id"], "stream": False},
        )
        assert second.status_code == 200, second.text
        turn2 = second.json()
        before = _kwh_of(stores.engine, "M-001", today - timedelta(days=2))
        assert _states(turn2["answer"], before), (turn2["answer"], before)
        assert not _states(turn2["answer"], yesterday), turn2["answer"]
        for turn in (turn1, turn2):
            assert turn["route_method"] == "rule", turn  # written by code, no model
            assert turn["tools"] == ["query_timeseries"], turn
            assert turn["error"] is None, turn
            assert not turn["degraded"], turn
        thread = anna_b.get(f"/chat/threads/{turn1['thread_id']}").json()
        assert [(m["role"], m["content"]) for m in thread["messages"]] == [
            ("user", YESTERDAY),
            ("assistant", turn1["answer"]),
            ("user", "Und vorgestern?"),
            ("assistant", turn2["answer"]),
        ]
        assert [t["id"] for t in anna_a.get("/chat/threads").json()] == [turn1["thread_id"]]
        timings["chat"] = time.monotonic() - t

        # --- prompts: activated on A, active on B at once; rolled back on B, seen on A ----
        t = time.monotonic()
        name = "agent_answer"
        shipped = b.get(f"/prompts/{name}").json()["active_version"]
        spec = a.get(f"/prompts/{name}/versions/{shipped}").json()["spec"]
        major, minor, patch = (int(x) for x in shipped.split("."))
        newer = f"{major}.{minor}.{patch + 1}"
        created = a.post(
            f"/prompts/{name}/versions",
            json={
                "version": newer,
                "description": "replica test",
                "variables": spec["variables"],
                "params": spec["params"],
                "examples": spec["examples"],
                "messages": spec["messages"],
            },
        )
        assert created.status_code == 201, created.text
        assert b.get(f"/prompts/{name}").json()["active_version"] == shipped
        activated = a.post(f"/prompts/{name}/activate", json={"version": newer, "reason": "test"})
        assert activated.status_code == 200, activated.text
        assert b.get(f"/prompts/{name}").json()["active_version"] == newer
        assert b.get(f"/prompts/{name}/versions/{newer}").json()["active"] is True
        rolled = b.post(f"/prompts/{name}/rollback", json={"reason": "back on the other replica"})
        assert rolled.status_code == 200, rolled.text
        assert a.get(f"/prompts/{name}").json()["active_version"] == shipped
        timings["prompts"] = time.monotonic() - t

        # --- documents: ingested on A, found on B; queued on B, ingested by a worker ------
        t = time.monotonic()
        ingested = a.post("/ingest", files=[("files", ("preisblatt.txt", TARIFF, "text/plain"))])
        assert ingested.status_code == 201, ingested.text
        tariff_item = ingested.json()["files"][0]["item_id"]
        query = "Arbeitspreis Wärmepumpe ct/kWh"
        hit = _top_hit(b, query)
        assert hit["item_id"] == tariff_item, hit
        assert "24,90 ct/kWh" in hit["text"], hit
        queued = b.post("/ingest/jobs", files=[("files", ("wallbox.txt", WALLBOX, "text/plain"))])
        assert queued.status_code == 202, queued.text
        job = poll_job(a, queued.json()["jobs"][0]["job_id"], lambda j: j["state"] in ENDED)
        assert job["state"] == "done", job
        assert job["result"]["status"] == "ready", job
        (ingest_run,) = _job_runs(stores.engine, [job["id"]])
        assert ingest_run["worker_id"] in workers, ingest_run
        assert ingest_run["starts"] == 1, ingest_run
        wallbox = _top_hit(a, "Wallbox Absicherung Zuleitung")
        assert wallbox["item_id"] == job["result"]["item_id"], wallbox
        drift = b.get("/ingest/drift").json()
        assert drift["clean"], drift
        timings["documents"] = time.monotonic() - t

        # --- learned state: activated on A, served by B from its next request --------------
        t = time.monotonic()
        neutral = _top_hit(b, query)["score"]  # B has read the active state (none) just now
        with session_scope(stores.sessions) as session:  # what a learning cycle stores
            state = LearnedStateRecord(
                item_weights={tariff_item: 1.5}, params={"low": 0.5, "high": 1.5}
            )
            session.add(state)
            session.flush()
            version = state.version
        switched = a.post("/learning/rollback", json={"version": version})
        assert switched.status_code == 200, switched.text
        assert [s["version"] for s in b.get("/learning/states").json() if s["active"]] == [version]
        weighted = _top_hit(b, query)
        assert weighted["item_id"] == tariff_item
        assert weighted["score"] == pytest.approx(neutral * 1.5, abs=2e-4), (neutral, weighted)
        assert a.post("/learning/rollback", json={"version": None}).status_code == 200
        assert _top_hit(b, query)["score"] == pytest.approx(neutral, abs=1e-4)
        timings["learned_state"] = time.monotonic() - t

        # Nothing ran on the API replicas: every job was taken by one of the two workers.
        with stores.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM procrastinate_workers")).scalar() == 2
        twice = sum(r["starts"] > 1 for r in runs)
        seconds = {k: round(v, 1) for k, v in timings.items()}
        print(f"\njobs per worker {dict(per_worker)}, started twice {twice}, seconds {seconds}")
    for process in servers:
        assert process.returncode == 0 or process.returncode == -15, process.returncode
