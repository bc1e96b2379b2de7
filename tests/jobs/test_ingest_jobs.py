"""Uploads ingested as jobs: staged in the object store, ingested by a worker, the staged bytes
removed; and a server killed in the middle of an ingest leaves nothing half-written behind once
the next one has run the job again (the drift check stays clean)."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
from sqlalchemy import func, select

from luna.config import Settings
from luna.ingest.staging import STAGING_PREFIX
from luna.store.factory import Stores
from luna.store.sql.models import Item
from tests.jobs.conftest import WORKER, admin_headers, ended, wait_for
from tests.processes import login, luna_serve, poll_job

TARIFF = (
    "Preisblatt Wärmestrom 2026\n\n"
    "Der Arbeitspreis für Wärmepumpen beträgt 24,90 ct/kWh brutto. "
    "Der Grundpreis beträgt 9,50 € pro Monat. Gültig ab 1. Januar 2026.\n"
)


def _manual(paragraphs: int) -> bytes:
    """A long device manual: enough chunks that embedding them takes seconds."""
    lines = [
        f"Abschnitt {i}: Die Wärmepumpe WP-{i} schaltet bei {20 + i % 30} °C Vorlauftemperatur "
        f"in den Modus {i % 7}. Wartungsintervall {i % 12 + 1} Monate, Sicherung {i % 5 + 10} A, "
        f"Schallleistung {40 + i % 20} dB(A), Kältemittel R290, Füllmenge {1 + i % 3} kg."
        for i in range(paragraphs)
    ]
    return "\n\n".join(lines).encode()


def test_an_upload_queued_for_ingest_is_ingested_by_the_worker(app_client, users, clean_db):
    with app_client(**WORKER) as client:
        admin = admin_headers(client, users)
        response = client.post(
            "/ingest/jobs",
            files=[
                ("files", ("preisblatt.txt", TARIFF.encode(), "text/plain")),
                ("files", ("setup.exe", b"MZ\x90\x00binary", "application/octet-stream")),
            ],
            headers=admin,
        )
        assert response.status_code == 202, response.text
        queued = response.json()["jobs"]
        assert [q["filename"] for q in queued] == ["preisblatt.txt", "setup.exe"]
        tariff, binary = (wait_for(client, admin, q["job_id"], ended) for q in queued)

        assert tariff["state"] == "done", tariff
        assert tariff["kind"] == "ingest"
        assert tariff["result"]["status"] == "ready"
        assert tariff["result"]["chunks"] >= 1
        assert tariff["done"] == tariff["total"] == tariff["result"]["chunks"]
        item = client.get(f"/items/{tariff['result']['item_id']}", headers=admin).json()
        assert "24,90 ct/kWh" in " ".join(c["text"] for c in item["chunks"])
        # A file the parser rejects is the job's result, as POST /ingest reports it.
        assert binary["state"] == "done", binary
        assert binary["result"]["status"] == "failed"
        assert binary["result"]["error_code"] == "unsupported"

        # The staged bytes are gone, and nothing is left over anywhere.
        assert clean_db.objects.list(STAGING_PREFIX) == []
        drift = client.get("/ingest/drift", headers=admin).json()
        assert drift["clean"], drift

        # The same file again: a duplicate, not a second item.
        again = client.post(
            "/ingest/jobs",
            files=[("files", ("preisblatt.txt", TARIFF.encode(), "text/plain"))],
            headers=admin,
        ).json()["jobs"][0]
        duplicate = wait_for(client, admin, again["job_id"], ended)
        assert duplicate["result"]["duplicate"] is True
        assert duplicate["result"]["item_id"] == tariff["result"]["item_id"]


def test_a_queued_upload_over_the_limit_queues_nothing(app_client, users, clean_db):
    with app_client(ingest_max_bytes=2048) as client:
        admin = admin_headers(client, users)
        response = client.post(
            "/ingest/jobs",
            files=[
                ("files", ("small.txt", TARIFF.encode(), "text/plain")),
                ("files", ("big.txt", b"x" * 4096, "text/plain")),
            ],
            headers=admin,
        )
        assert response.status_code == 413, response.text
        assert "big.txt" in response.json()["detail"]
        assert client.get("/jobs", params={"kind": "ingest"}, headers=admin).json() == []
    assert clean_db.objects.list(STAGING_PREFIX) == []


def test_an_ingest_whose_server_is_killed_is_run_again_and_leaves_no_drift(
    users, clean_db: Stores, settings: Settings, tmp_path: Path
):
    manual = _manual(160)
    database = str(settings.database_url)
    with luna_serve(database, tmp_path, LUNA_EMBED_BATCH_SIZE="8") as (url, server):
        with httpx.Client(base_url=url, timeout=30) as http:
            login(http, users["admin"])
            response = http.post(
                "/ingest/jobs", files=[("files", ("handbuch.txt", manual, "text/plain"))]
            )
            assert response.status_code == 202, response.text
            job_id = response.json()["jobs"][0]["job_id"]
            running = poll_job(http, job_id, lambda j: j["done"] >= 16 or ended(j))
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
    assert running["state"] == "running", running
    assert running["done"] < running["total"]
    with clean_db.sessions() as session:  # the attempt's row, stuck mid-ingest
        assert session.scalar(select(Item.status)).value in ("pending", "parsed")

    # The next server finds the job's worker dead, queues it again and runs it to the end.
    with (
        luna_serve(database, tmp_path, LUNA_JOBS_STALLED_AFTER_S="20") as (url, _server),
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        login(http, users["admin"])
        job = poll_job(http, job_id, ended)
        assert job["state"] == "done", job
        assert job["attempts"] == 2  # the killed attempt and the one that finished
        assert job["error"] is None  # the new attempt started over
        assert job["result"]["status"] == "ready"
        assert job["result"]["duplicate"] is False
        drift = http.get("/ingest/drift").json()
    # One item, and no vector, object or staged upload of the killed attempt left over.
    assert drift["clean"], drift
    assert drift["vectors"] == drift["chunks"] == job["result"]["chunks"]
    with clean_db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Item)) == 1
