"""``GET /data/smart_meter`` keeps each local day's points until a write changes that day: the
cached series equal the plain SQL aggregation (DST days, clipped ranges, every aggregate), a
write by another process shows in the very next request, and only the written day is
aggregated again."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from luna.services import reading_series
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Meter, Role
from luna.store.sql.series import ReadingAgg, Resolution, aggregate_readings
from luna.store.sql.timeseries import READINGS, upsert_rows
from luna.store.sql.users import create_user
from tests.api.conftest import PASSWORD, login

TZ = "Europe/Berlin"
BERLIN = ZoneInfo(TZ)
# Local days around both DST changes of 2026 (the 29th of March has 92 quarter hours, the
# 25th of October 100).
DAYS = pd.date_range("2026-03-28", "2026-03-31", freq="15min", tz=TZ, inclusive="left").append(
    pd.date_range("2026-10-24", "2026-10-27", freq="15min", tz=TZ, inclusive="left")
)


@pytest.fixture
def site(clean_db: Stores) -> Stores:
    """anna owns M-001 and M-002, ben M-003; readings on the days around both DST changes."""
    with session_scope(clean_db.sessions) as s:
        create_user(s, "monika", PASSWORD, Role.ADMIN)
        anna = create_user(s, "anna", PASSWORD, Role.CUSTOMER)
        ben = create_user(s, "ben", PASSWORD, Role.CUSTOMER)
        s.add_all(
            [
                Meter(meter_id="M-001", owner_id=anna.id),
                Meter(meter_id="M-002", owner_id=anna.id),
                Meter(meter_id="M-003", owner_id=ben.id),
            ]
        )
    rng = np.random.default_rng(11)
    rows = [
        (
            meter,
            ts.to_pydatetime(),
            15,
            round(rng.gamma(2.0, 0.08), 4),
            round(rng.uniform(0, 0.4), 4),
        )
        for meter in ("M-001", "M-002", "M-003")
        for ts in DAYS.tz_convert("UTC")
    ]
    with clean_db.engine.begin() as conn:
        upsert_rows(conn, READINGS, rows)
    return clean_db


def _points(client: TestClient, who: str, **params: str) -> list[dict[str, Any]]:
    response = client.get("/data/smart_meter", params=params, headers=login(client, who))
    assert response.status_code == 200, response.text
    points: list[dict[str, Any]] = response.json()["points"]
    return points


def _plain(
    stores: Stores, meters: list[str], start: str, end: str, resolution: str, agg: str
) -> list[dict[str, Any]]:
    """The one-query aggregation over the whole range, as the endpoint sent it before."""
    lo = pd.Timestamp(start, tz=TZ).tz_convert("UTC").to_pydatetime()
    hi = pd.Timestamp(end, tz=TZ).tz_convert("UTC").to_pydatetime()
    with stores.engine.connect() as conn:
        buckets = aggregate_readings(
            conn, meters, lo, hi, Resolution(resolution), ReadingAgg(agg), TZ, False
        )
    return [
        {
            "ts": b.ts.astimezone(BERLIN).isoformat(),
            "consumption_kwh": pytest.approx(round(b.consumption_kwh, 6), abs=2e-6),
            "production_kwh": pytest.approx(round(b.production_kwh, 6), abs=2e-6),
            "intervals": b.intervals,
        }
        for b in buckets
    ]


def _psql(database_url: str, sql: str) -> None:
    """Run ``sql`` from a process of its own, a plain psycopg client: not the API's, not this
    process's engine, so nothing in this process hears of the write."""
    url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    code = "import psycopg, sys\nwith psycopg.connect(sys.argv[1]) as c: c.execute(sys.argv[2])"
    subprocess.run([sys.executable, "-c", code, url, sql], check=True, timeout=60)


RANGES = [
    ("2026-03-28T00:00", "2026-03-31T00:00"),  # whole days over the spring change
    ("2026-10-24T10:30", "2026-10-26T13:45"),  # clipped at both ends, over the autumn change
]


@pytest.mark.parametrize("resolution", ["15min", "hour", "day"])
@pytest.mark.parametrize("agg", ["sum", "avg", "max"])
def test_cached_series_equal_the_plain_aggregation_on_dst_days(
    client: TestClient, site: Stores, resolution: str, agg: str
):
    for who, meters in (("anna", ["M-001", "M-002"]), ("ben", ["M-003"])):
        for start, end in RANGES:
            expected = _plain(site, meters, start, end, resolution, agg)
            params = {"start": start, "end": end, "resolution": resolution, "agg": agg}
            assert _points(client, who, **params) == expected  # aggregated, then cached
            assert _points(client, who, **params) == expected  # from the cache
    # Another range over the same days comes from the days' entries, and is right too.
    start, end = "2026-10-25T00:00", "2026-10-26T00:00"
    params = {"start": start, "end": end, "resolution": resolution, "agg": agg}
    assert _points(client, "ben", **params) == _plain(site, ["M-003"], start, end, resolution, agg)


def test_a_write_by_another_process_shows_in_the_next_request(
    client: TestClient, site: Stores, database_url: str
):
    params = {"start": "2026-03-29", "end": "2026-03-30", "resolution": "hour", "meter_id": "M-001"}
    before = _points(client, "anna", **params)
    assert len(before) == 23  # the spring DST day
    assert _points(client, "anna", **params) == before  # cached now
    hour = datetime(2026, 3, 29, 10, 0, tzinfo=BERLIN)

    _psql(
        database_url,
        "UPDATE smart_meter_readings SET consumption_kwh = consumption_kwh + 1"
        f" WHERE meter_id = 'M-001' AND ts = '{hour.isoformat()}'",
    )
    corrected = _points(client, "anna", **params)
    i = next(i for i, p in enumerate(before) if p["ts"] == hour.isoformat())
    assert corrected[i]["consumption_kwh"] == pytest.approx(before[i]["consumption_kwh"] + 1)
    assert corrected[:i] + corrected[i + 1 :] == before[:i] + before[i + 1 :]

    _psql(
        database_url,
        f"DELETE FROM smart_meter_readings WHERE meter_id = 'M-001' AND ts = '{hour.isoformat()}'",
    )
    deleted = _points(client, "anna", **params)
    assert deleted[i]["intervals"] == 3

    # And back through the API's own ingest: the next read has the hour whole again.
    row = {"meter_id": "M-001", "ts": hour.isoformat(), "consumption_kwh": 2.0}
    response = client.post(
        "/data/smart_meter", json={"readings": [row]}, headers=login(client, "monika")
    )
    assert response.status_code == 200, response.text
    again = _points(client, "anna", **params)
    assert again[i]["intervals"] == 4
    assert again[i]["consumption_kwh"] == pytest.approx(deleted[i]["consumption_kwh"] + 2.0)


def test_only_the_written_day_is_aggregated_again(
    client: TestClient, site: Stores, monkeypatch: pytest.MonkeyPatch
):
    aggregated: list[tuple[datetime, datetime]] = []
    real = reading_series.aggregate_readings

    def counting(conn: Any, meters: Any, lo: datetime, hi: datetime, *rest: Any) -> Any:
        aggregated.append((lo, hi))
        return real(conn, meters, lo, hi, *rest)

    monkeypatch.setattr(reading_series, "aggregate_readings", counting)
    params = {"start": "2026-10-24", "end": "2026-10-27", "resolution": "day", "agg": "max"}
    first = _points(client, "ben", **params)
    assert [p["intervals"] for p in first] == [96, 100, 96]
    assert len(aggregated) == 1  # three missing days in a row: one query

    aggregated.clear()
    assert _points(client, "ben", **params) == first
    assert aggregated == []

    row = {"meter_id": "M-003", "ts": "2026-10-25T12:00:00+01:00", "consumption_kwh": 9.5}
    response = client.post(
        "/data/smart_meter", json={"readings": [row]}, headers=login(client, "monika")
    )
    assert response.status_code == 200, response.text
    after = _points(client, "ben", **params)
    # Versions are kept per UTC day: 11:00 UTC on the 25th is in the UTC day that local the
    # 25th and the 26th share (the 26th starts at 23:00 UTC), so both are aggregated again,
    # in one query; the 24th comes from the cache.
    assert aggregated == [
        (datetime(2026, 10, 25, tzinfo=BERLIN), datetime(2026, 10, 27, tzinfo=BERLIN))
    ]
    assert after[1]["consumption_kwh"] == pytest.approx(9.5)
    assert [after[0], after[2]] == [first[0], first[2]]
