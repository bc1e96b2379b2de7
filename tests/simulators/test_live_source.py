"""The simulator as a live source: history first, then only the intervals that have ended."""

from __future__ import annotations

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from luna.api.app import create_app
from luna.config import DataSourceKind, Settings
from luna.simulators.live import SimulatorSource
from luna.simulators.simulate_smart_meter import default_fleet
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Role, SmartMeterReading
from luna.store.sql.users import create_user

NOW = pd.Timestamp("2026-06-10T14:07", tz="Europe/Berlin")


def test_catch_up_writes_history_then_only_new_intervals(clean_db: Stores):
    specs = default_fleet(2, seed=3)
    source = SimulatorSource(clean_db.engine, specs, seed=3, history_days=1)
    first = source.catch_up(NOW)
    assert source.written_until == pd.Timestamp("2026-06-10T14:00", tz="Europe/Berlin")
    # 1 full day + 14 h of today, 2 meters, minus the simulator's rare gaps
    assert 0.99 * 2 * (96 + 56) <= first <= 2 * (96 + 56)
    assert source.catch_up(NOW) == 0
    later = source.catch_up(NOW + pd.Timedelta(minutes=31))
    assert 3 <= later <= 4  # two more quarter-hours for two meters
    with clean_db.sessions() as s:
        last = s.scalar(select(func.max(SmartMeterReading.ts)))
    assert last == pd.Timestamp("2026-06-10T14:15", tz="Europe/Berlin")  # [14:00, 14:30)


def test_admin_sees_the_data_source_state(settings: Settings, clean_db: Stores):
    with session_scope(clean_db.sessions) as s:
        create_user(s, "monika", "a-long-password", Role.ADMIN)
    live = settings.model_copy(update={"data_source": DataSourceKind.MQTT, "mqtt_port": 1})
    with TestClient(create_app(live, clean_db)) as client:
        token = client.post(
            "/auth/token", data={"username": "monika", "password": "a-long-password"}
        ).json()["access_token"]
        status = client.get("/data/source", headers={"Authorization": f"Bearer {token}"}).json()
    assert status["source"] == "mqtt"
    assert status["connected"] is False  # nothing listens on port 1


def test_a_zone_the_simulator_cannot_price_is_refused_at_start(clean_db: Stores):
    with pytest.raises(ValueError, match="LUNA_PRICE_ZONE"):
        SimulatorSource(
            clean_db.engine, default_fleet(1, seed=3), seed=3, history_days=1, zone="AT"
        )
