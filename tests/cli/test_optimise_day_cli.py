"""``luna optimise --day``: a day planned from stored prices, readings and forecasts.

Against the real PostgreSQL of the test session: a meter with PV and 40 days of readings
(through the planned day's midnight) and day-ahead prices through the day, written by the
simulators' backfill the way the other data tests seed them. Prices, load and PV in the
schedule are checked against independent SQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from luna.cli.main import app
from luna.config import Settings, get_settings
from luna.domain.tariff import Tariff
from luna.simulators.backfill import backfill, day_window
from luna.simulators.simulate_market_prices import simulate_prices
from luna.simulators.simulate_smart_meter import MeterSpec
from luna.store.factory import Stores
from luna.store.sql.timeseries import PRICES, upsert_rows
from tests.emptying import empty_tables

runner = CliRunner()
TZ = "Europe/Berlin"
PLANNED = date(2025, 6, 2)  # readings end at its local midnight, prices cover it
METER = MeterSpec(
    meter_id="M-PV",
    annual_kwh=4500.0,
    pv_kwp=8.0,
    noise_sigma=0.1,
    outlier_rate=0.0,
    gap_rate=0.0,
)
SITE_YAML = """
grid: {max_import_kw: 17, max_export_kw: 8}
battery: {capacity_kwh: 10, max_charge_kw: 5, max_discharge_kw: 5, initial_soc_fraction: 0.5}
deferrable_loads:
  - {name: dishwasher, power_kw: 2, energy_kwh: 1.5, power_mode: fixed, single_block: true}
rules:
  - {kind: charge_from_pv_only, label: EEG storage}
  - {kind: load_deadline, load: dishwasher, by: "18:00"}
"""


@pytest.fixture(scope="module")
def stored(settings: Settings, stores: Stores) -> Iterator[Stores]:
    """One PV meter, 40 days of readings up to PLANNED, 15- and 60-minute prices through
    PLANNED; AT has hourly prices only. Tables are emptied before and after."""
    empty_tables(stores)
    start, end = day_window(40, end=pd.Timestamp(PLANNED, tz=TZ), timezone=TZ)
    backfill(stores.engine, [METER], start, end, seed=7, zone="DE-LU")
    # The simulator knows DE-LU only; its hourly series stands in for a zone with no others.
    hourly = simulate_prices(
        "DE-LU", start, end + pd.Timedelta(days=1), resolution_minutes=60, seed=7
    ).assign(zone="AT")
    with stores.engine.begin() as conn:
        upsert_rows(conn, PRICES, hourly[list(PRICES.columns)].itertuples(index=False, name=None))
    yield stores
    empty_tables(stores)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: Settings, stored: Stores) -> Iterator[Stores]:
    monkeypatch.setenv("LUNA_DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("LUNA_HOME", str(settings.home))
    monkeypatch.setenv("LUNA_TIMEZONE", TZ)
    monkeypatch.setenv("LUNA_PRICE_ZONE", "DE-LU")
    get_settings.cache_clear()
    yield stored
    get_settings.cache_clear()


def _site(tmp_path: Path) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(SITE_YAML)
    return path


def _run_json(*args: str) -> dict[str, Any]:
    done = runner.invoke(app, ["optimise", *args, "--json"])
    assert done.exit_code == 0, done.output
    payload: dict[str, Any] = json.loads(done.stdout)
    return payload


def _quarter_hours(day: date) -> pd.DatetimeIndex:
    start = pd.Timestamp(day, tz=TZ)
    return pd.date_range(start, start + pd.Timedelta(days=1), freq="15min", inclusive="left")


def _sql_prices(stores: Stores, zone: str, minutes: int, day: date) -> pd.Series:
    steps = _quarter_hours(day)
    with stores.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT ts, price_eur_mwh FROM market_prices WHERE zone = :zone "
                "AND resolution_minutes = :res AND ts >= :lo AND ts < :hi ORDER BY ts"
            ),
            {"zone": zone, "res": minutes, "lo": steps[0], "hi": steps[-1] + timedelta(minutes=15)},
        ).all()
    prices = pd.Series([float(p) for _, p in rows], index=pd.DatetimeIndex([t for t, _ in rows]))
    return prices.reindex(steps.tz_convert("UTC"), method="ffill")


def _sql_readings(stores: Stores, column: str, day: date) -> np.ndarray:
    steps = _quarter_hours(day).tz_convert("UTC")
    with stores.engine.connect() as conn:
        rows = dict(
            conn.execute(
                text(
                    f"SELECT ts, {column} FROM smart_meter_readings "
                    "WHERE meter_id = 'M-PV' AND ts >= :lo AND ts < :hi"
                ),
                {"lo": steps[0], "hi": steps[-1] + timedelta(minutes=15)},
            ).all()
        )
    return np.array([float(rows[t]) for t in steps])


def test_a_past_day_is_planned_on_its_stored_prices_and_readings(env: Stores, tmp_path: Path):
    day = PLANNED - timedelta(days=1)
    payload = _run_json("--day", day.isoformat(), "--site", str(_site(tmp_path)))
    assert payload["meter_id"] == "M-PV"
    assert payload["zone"] == "DE-LU"
    assert payload["sources"]["load"] == "stored readings"
    assert payload["sources"]["prices"].startswith("DE-LU day-ahead (15 min)")
    steps = payload["result"]["steps"]
    assert len(steps) == 96
    assert datetime.fromisoformat(steps[0]["start"]) == datetime(
        day.year, day.month, day.day, tzinfo=ZoneInfo(TZ)
    )
    tariff = Tariff.from_settings(get_settings())
    spot = _sql_prices(env, "DE-LU", 15, day)
    expected_import = [tariff.import_price_eur_kwh(p) for p in spot]
    assert [s["import_price_eur_kwh"] for s in steps] == pytest.approx(expected_import)
    expected_export = [tariff.export_price_eur_kwh(p) for p in spot]
    assert [s["export_price_eur_kwh"] for s in steps] == pytest.approx(expected_export)
    load = _sql_readings(env, "consumption_kwh", day)
    pv = _sql_readings(env, "production_kwh", day)
    assert [s["load_kwh"] for s in steps] == pytest.approx(load.tolist())
    assert [s["pv_kwh"] for s in steps] == pytest.approx(pv.tolist())
    assert pv.sum() > 5  # a June day with 8 kWp: the PV path is exercised
    # The site file's rules hold: no charging while importing, the dishwasher done by 18:00.
    assert all(min(s["battery_charge_kwh"], s["grid_import_kwh"]) <= 1e-6 for s in steps)
    dishwasher = [s["deferrable_kwh"]["dishwasher"] for s in steps]
    assert sum(dishwasher) == pytest.approx(1.5)
    assert all(kwh == 0 for kwh in dishwasher[72:])
    result = payload["result"]
    assert result["total_cost_eur"] <= result["baseline_cost_eur"] + 1e-9


def test_the_day_after_the_readings_is_forecast_and_printed(env: Stores, tmp_path: Path):
    done = runner.invoke(
        app, ["optimise", "--day", PLANNED.isoformat(), "--site", str(_site(tmp_path))]
    )
    assert done.exit_code == 0, done.output
    assert f"{PLANNED:%Y-%m-%d}, meter M-PV, zone DE-LU" in done.output
    assert "load: forecast (model " in done.output
    assert "pv: forecast (model " in done.output
    assert "96 steps of 15 min from 2025-06-02 00:00" in done.output
    assert "Cost " in done.output
    assert "baseline" in done.output
    assert "dishwasher: 1.50 kWh" in done.output


def test_an_hourly_price_holds_for_its_four_quarter_hours(env: Stores, tmp_path: Path):
    day = PLANNED - timedelta(days=3)
    payload = _run_json("--day", day.isoformat(), "--zone", "AT", "--site", str(_site(tmp_path)))
    assert payload["sources"]["prices"].startswith("AT day-ahead (60 min)")
    tariff = Tariff.from_settings(get_settings())
    spot = _sql_prices(env, "AT", 60, day)
    steps = payload["result"]["steps"]
    assert [s["import_price_eur_kwh"] for s in steps] == pytest.approx(
        [tariff.import_price_eur_kwh(p) for p in spot]
    )
    hourly = np.array([s["import_price_eur_kwh"] for s in steps]).reshape(24, 4)
    assert np.allclose(hourly, hourly[:, :1])


def test_missing_prices_exit_1_naming_zone_and_day(env: Stores, tmp_path: Path):
    day = PLANNED + timedelta(days=1)
    done = runner.invoke(
        app, ["optimise", "--day", day.isoformat(), "--site", str(_site(tmp_path))]
    )
    assert done.exit_code == 1
    assert f"no day-ahead prices for zone DE-LU on {day:%Y-%m-%d}" in done.output
    assert "stored prices end 2025-06-02 23:45" in done.output


def test_the_default_day_is_tomorrow(env: Stores):
    tomorrow = datetime.now(ZoneInfo(TZ)).date() + timedelta(days=1)
    done = runner.invoke(app, ["optimise"])
    assert done.exit_code == 1  # the seeded prices end in 2025
    assert f"on {tomorrow:%Y-%m-%d}" in done.output


def test_bad_site_files_and_meters_exit_2(env: Stores, tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("grid: {max_import_kw: 11, max_export_kw: 7}\nbattery: {capacity_kwh: -1}\n")
    done = runner.invoke(app, ["optimise", "--day", PLANNED.isoformat(), "--site", str(bad)])
    assert done.exit_code == 2
    assert "battery.capacity_kwh" in done.output
    done = runner.invoke(app, ["optimise", "--day", PLANNED.isoformat(), "--meter", "M-404"])
    assert done.exit_code == 2
    assert "unknown meter 'M-404'" in done.output
    done = runner.invoke(app, ["optimise", "--day", PLANNED.isoformat(), "--soc-init", "0.3"])
    assert done.exit_code == 2
    assert "--soc-init only apply with --emhass-config" in done.output
