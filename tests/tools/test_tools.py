"""The agent's tools against real PostgreSQL with backfilled simulated data.

Numbers are checked against independent SQL; access is checked across customers; bad input
must come back as an error message for the model, never as an exception.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from sqlalchemy import text

from luna.config import Settings
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.tools import ToolContext, build_tools
from tests.energy_site import Site

TZ = ZoneInfo("Europe/Berlin")
SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "knowledge"


def tools_for(
    settings: Settings, stores: Stores, user_id: int, *, admin: bool = False, retriever: Any = None
) -> dict[str, BaseTool]:
    ctx = ToolContext(
        settings=settings,
        sessions=stores.sessions,
        retriever=retriever,
        user_id=user_id,
        is_admin=admin,
        timescale=stores.timescale,
    )
    return {t.name: t for t in build_tools(ctx)}


def call(tool: BaseTool, **args: Any) -> ToolMessage:
    message = tool.invoke({"type": "tool_call", "name": tool.name, "args": args, "id": "call-1"})
    assert isinstance(message, ToolMessage)
    return message


def last_week() -> tuple[datetime, datetime]:
    """The previous Monday-to-Monday week in Berlin, computed independently of the tool."""
    today = datetime.now(TZ).date()
    monday = today - timedelta(days=today.weekday() + 7)
    start = datetime(monday.year, monday.month, monday.day, tzinfo=TZ)
    end_day = monday + timedelta(days=7)
    return start, datetime(end_day.year, end_day.month, end_day.day, tzinfo=TZ)


def test_last_week_total_and_peak_hour_match_independent_sql(settings, stores, energy_site: Site):
    tools = tools_for(settings, stores, energy_site.anna_id)
    result = call(
        tools["query_timeseries"], series="consumption", meter_id="M-001", period="last_week"
    )
    assert result.status == "success", result.content
    start, end = last_week()
    with stores.engine.connect() as conn:
        total = conn.execute(
            text(
                "SELECT sum(consumption_kwh) FROM smart_meter_readings "
                "WHERE meter_id = 'M-001' AND ts >= :s AND ts < :e"
            ),
            {"s": start, "e": end},
        ).scalar_one()
        peak = conn.execute(
            text(
                "SELECT date_trunc('hour', ts AT TIME ZONE 'Europe/Berlin') AS h, "
                "sum(consumption_kwh) AS kwh FROM smart_meter_readings "
                "WHERE meter_id = 'M-001' AND ts >= :s AND ts < :e "
                "GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
            ),
            {"s": start, "e": end},
        ).one()
    content = str(result.content)
    assert f"total {total:.2f} kWh" in content
    assert f"peak hour: {peak.h:%a %Y-%m-%d %H:%M}" in content
    assert f"{peak.kwh:.2f} kWh" in content
    assert content.count(";") >= 6  # seven daily values listed
    (source,) = result.artifact["sources"]
    assert source["kind"] == "data"
    assert source["ref"].startswith("data:query_timeseries:")
    assert len(source["rows"]) == 7
    assert sum(r["value"] for r in source["rows"]) == pytest.approx(total, abs=1e-3)


def test_customer_cannot_read_another_customers_meter(settings, stores, energy_site: Site):
    anna = tools_for(settings, stores, energy_site.anna_id)
    result = call(
        anna["query_timeseries"], series="consumption", meter_id="M-002", period="last_7_days"
    )
    assert result.status == "error"
    assert "M-002" in str(result.content)
    assert "M-001" in str(result.content)
    assert "total" not in str(result.content)
    # Without a meter named, a customer gets exactly their own meters.
    own = call(anna["query_timeseries"], series="consumption", period="yesterday")
    assert "of M-001," in str(own.content)
    assert "M-002" not in str(own.content)
    # An admin reads any meter.
    admin = tools_for(settings, stores, energy_site.admin_id, admin=True)
    other = call(
        admin["query_timeseries"], series="consumption", meter_id="M-002", period="yesterday"
    )
    assert other.status == "success"
    assert "total" in str(other.content)
    # The other tools guard meters the same way.
    assert call(anna["forecast"], target="consumption", meter_id="M-002").status == "error"
    assert call(anna["optimise_schedule"], meter_id="M-002").status == "error"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"series": "consumption", "period": "last_week", "resolution": "week"}, "resolution"),
        ({"series": "gas", "period": "today"}, "series"),
        ({"series": "consumption"}, "period"),
        ({"series": "consumption", "period": "today", "start": "2025-01-01"}, "not both"),
        ({"series": "consumption", "start": "last tuesday"}, "ISO date"),
        ({"series": "consumption", "start": "2025-03-10", "end": "2025-03-01"}, "after start"),
        ({"series": "consumption", "period": "today", "aggregation": "min"}, "only available"),
        ({"series": "price", "period": "today", "aggregation": "sum"}, "makes no sense"),
        ({"series": "consumption", "start": "2015-01-01", "resolution": "15min"}, "longer"),
        ({"series": "price", "zone": "XX-YY", "period": "today"}, "no prices"),
    ],
)
def test_bad_arguments_come_back_as_error_messages(
    settings, stores, energy_site: Site, args, expected
):
    tools = tools_for(settings, stores, energy_site.anna_id)
    result = call(tools["query_timeseries"], **args)
    assert result.status == "error"
    assert expected in str(result.content)


def test_prices_are_averaged_like_sql_and_listed_hourly(settings, stores, energy_site: Site):
    tools = tools_for(settings, stores, energy_site.anna_id)
    result = call(tools["query_timeseries"], series="price", period="yesterday", resolution="hour")
    assert result.status == "success", result.content
    today = datetime.now(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    with stores.engine.connect() as conn:
        mean = conn.execute(
            text(
                "SELECT avg(price_eur_mwh) FROM market_prices WHERE zone = 'DE-LU' "
                "AND resolution_minutes = 60 AND ts >= :s AND ts < :e"
            ),
            {"s": today - timedelta(days=1), "e": today},
        ).scalar_one()
    assert f"mean {mean:.1f} EUR/MWh" in str(result.content)
    rows = result.artifact["sources"][0]["rows"]
    assert len(rows) in (23, 24, 25)


def test_prices_without_a_zone_are_the_configured_zones(settings, stores, energy_site: Site):
    elsewhere = settings.model_copy(update={"price_zone": "AT"})  # no AT prices are stored
    tools = tools_for(elsewhere, stores, energy_site.anna_id)
    result = call(tools["query_timeseries"], series="price", period="yesterday")
    assert result.status == "error"
    assert "no prices stored for zone 'AT'" in str(result.content)
    named = call(tools["query_timeseries"], series="price", zone="DE-LU", period="yesterday")
    assert named.status == "success", named.content


def test_an_hourly_series_names_its_highest_hour_as_the_peak_hour(
    settings, stores, energy_site: Site
):
    tools = tools_for(settings, stores, energy_site.anna_id)
    result = call(
        tools["query_timeseries"],
        series="consumption",
        meter_id="M-001",
        period="yesterday",
        resolution="hour",
    )
    assert result.status == "success", result.content
    today = datetime.now(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    with stores.engine.connect() as conn:
        peak = conn.execute(
            text(
                "SELECT date_trunc('hour', ts) AS h, sum(consumption_kwh) AS kwh "
                "FROM smart_meter_readings WHERE meter_id = 'M-001' AND ts >= :s AND ts < :e "
                "GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
            ),
            {"s": today - timedelta(days=1), "e": today},
        ).one()
    figures = result.artifact["sources"][0]["figures"]
    assert figures["peak_hour"]["kwh"] == pytest.approx(float(peak.kwh), abs=1e-3)
    with stores.engine.connect() as conn:
        quarter = conn.execute(
            text(
                "SELECT max(consumption_kwh * 60.0 / interval_minutes) FROM smart_meter_readings "
                "WHERE meter_id = 'M-001' AND ts >= :s AND ts < :e"
            ),
            {"s": today - timedelta(days=1), "e": today},
        ).scalar_one()
    assert figures["peak_kw"]["kw"] == pytest.approx(float(quarter), abs=1e-3)
    assert datetime.fromisoformat(figures["peak_hour"]["start"]) == peak.h


def test_cost_is_the_grid_import_at_the_working_price_like_independent_sql(
    settings, stores, energy_site: Site
):
    tools = tools_for(settings, stores, energy_site.anna_id)
    result = call(tools["query_timeseries"], series="cost", meter_id="M-001", period="last_week")
    assert result.status == "success", result.content
    start, end = last_week()
    with stores.engine.connect() as conn:
        minutes = conn.execute(
            text("SELECT min(resolution_minutes) FROM market_prices WHERE zone = 'DE-LU'")
        ).scalar_one()
        cost, grid = conn.execute(
            text(
                "SELECT sum(greatest(r.consumption_kwh - r.production_kwh, 0) "
                "  * (p.price_eur_mwh / 10 + 16.131) * 1.19 / 100), "
                "sum(greatest(r.consumption_kwh - r.production_kwh, 0)) "
                "FROM smart_meter_readings r JOIN market_prices p ON p.zone = 'DE-LU' "
                "AND p.resolution_minutes = :m AND p.ts = to_timestamp("
                "  floor(extract(epoch FROM r.ts) / (:m * 60)) * :m * 60) "
                "WHERE r.meter_id = 'M-001' AND r.ts >= :s AND r.ts < :e"
            ),
            {"m": minutes, "s": start, "e": end},
        ).one()
    (source,) = result.artifact["sources"]
    figures = source["figures"]
    assert figures["kind"] == "cost"
    assert figures["cost_eur"] == pytest.approx(float(cost), abs=0.01)
    assert figures["import_kwh"] == pytest.approx(float(grid), abs=0.001)
    assert f"{float(cost):.2f} EUR" in str(result.content)
    own = call(
        tools["query_timeseries"], series="self_consumption", meter_id="M-001", period="last_week"
    )
    with stores.engine.connect() as conn:
        self_consumed = conn.execute(
            text(
                "SELECT sum(least(consumption_kwh, production_kwh)) FROM smart_meter_readings "
                "WHERE meter_id = 'M-001' AND ts >= :s AND ts < :e"
            ),
            {"s": start, "e": end},
        ).scalar_one()
    mine = own.artifact["sources"][0]["figures"]
    assert mine["kind"] == "self_consumption"
    assert mine["self_consumed_kwh"] == pytest.approx(float(self_consumed), abs=0.001)
    refused = call(tools["query_timeseries"], series="cost", meter_id="M-002", period="last_week")
    assert refused.status == "error"  # another customer's meter


def test_long_series_are_summarised_not_listed(settings, stores, energy_site: Site):
    tools = tools_for(settings, stores, energy_site.anna_id)
    result = call(
        tools["query_timeseries"], series="consumption", period="last_30_days", resolution="hour"
    )
    assert result.status == "success"
    assert "too many to list" in str(result.content)
    assert len(str(result.content)) < 1200
    assert len(result.artifact["sources"][0]["rows"]) <= 24


def test_forecast_is_bounded_with_intervals_and_model(settings, stores, energy_site: Site):
    tools = tools_for(settings, stores, energy_site.anna_id)
    result = call(tools["forecast"], target="consumption", horizon_hours=48)
    assert result.status == "success", result.content
    content = str(result.content)
    assert "model " in content
    assert "80 % interval" in content
    rows = result.artifact["sources"][0]["rows"]
    assert 1 < len(rows) <= 24  # 48 hours in 2-hour buckets
    assert all(r["p10"] <= r["value"] + 1e-9 <= r["p90"] + 2e-9 for r in rows)
    assert result.artifact["model"]
    price = call(tools["forecast"], target="price", horizon_hours=12)
    assert price.status == "success"
    assert "EUR/MWh" in str(price.content)


def test_battery_schedule_saves_against_the_baseline(settings, stores, energy_site: Site):
    tools = tools_for(settings, stores, energy_site.anna_id)
    result = call(
        tools["optimise_schedule"],
        day="tomorrow",
        battery_capacity_kwh=10,
        battery_power_kw=5,
        loads=[
            {
                "name": "dishwasher",
                "power_kw": 2,
                "energy_kwh": 2,
                "earliest": "08:00",
                "latest": "20:00",
            }
        ],
    )
    assert result.status == "success", result.content
    content = str(result.content)
    assert "saves" in content
    assert "dishwasher:" in content
    savings = result.artifact["savings_eur"]
    assert savings >= 0
    match = re.search(r"saves (-?\d+\.\d+) EUR", content)
    assert match is not None
    assert float(match.group(1)) == pytest.approx(savings, abs=0.005)
    rows = result.artifact["sources"][0]["rows"]
    assert 20 <= len(rows) <= 25
    bad = call(
        tools["optimise_schedule"],
        loads=[{"name": "ev", "power_kw": 1, "energy_kwh": 40, "earliest": "20:00"}],
    )
    assert bad.status == "error"
    assert "optimise_schedule" in str(bad.content)


@pytest.fixture(scope="module")
def knowledge(
    settings: Settings, stores: Stores, energy_site: Site, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Runtime]:
    # Its own stores (own vector directory): the session's stores must not hold the vector
    # store's lock, other tests open it from the same home.
    runtime = Runtime(settings.model_copy(update={"home": tmp_path_factory.mktemp("kb")}))
    for name in ("luna-strom-dynamisch-preisblatt.pdf", "netzbetreiber-14a-regeln.txt"):
        assert runtime.ingest.ingest((SAMPLES / name).read_bytes(), name).chunks > 0
    yield runtime
    runtime.close()


def test_search_and_tariff_return_citable_passages(settings, stores, energy_site: Site, knowledge):
    tools = tools_for(settings, stores, energy_site.anna_id, retriever=knowledge.retriever)
    found = call(tools["search_documents"], query="Wann darf der Netzbetreiber steuern?", top_k=2)
    assert found.status == "success"
    refs = found.artifact["sources"]
    assert 1 <= len(refs) <= 2
    assert all(f"[chunk:{r['chunk_id']}]" in str(found.content) for r in refs)

    tariff = call(tools["get_tariff"], question="Wie hoch ist der Grundpreis?")
    assert tariff.status == "success", tariff.content
    docs = [s for s in tariff.artifact["sources"] if s["kind"] == "document"]
    assert docs
    assert all(d["title"].startswith("Luna Strom Dynamisch") for d in docs)
    assert "14,90" in str(tariff.content)
    assert any(s["kind"] == "data" for s in tariff.artifact["sources"])  # today's spot price

    no_kb = tools_for(settings, stores, energy_site.anna_id)["search_documents"]
    assert call(no_kb, query="Grundpreis").status == "error"
