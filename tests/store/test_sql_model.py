"""The SQL data model on the real PostgreSQL: round trips, idempotent upserts, constraints."""

from __future__ import annotations

import hashlib
import math
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from luna.config import get_settings
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import (
    Event,
    EventType,
    Item,
    ItemChunk,
    ItemStatus,
    Label,
    LabelTarget,
    MarketPrice,
    Meter,
    Role,
    SmartMeterReading,
)
from luna.store.sql.timeseries import PRICES, READINGS, upsert_rows
from luna.store.sql.users import authenticate, create_user
from luna.store.vectors.base import chunk_point_id

T0 = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)


def _meter(stores: Stores, meter_id: str = "M-001") -> None:
    with session_scope(stores.sessions) as s:
        s.add(Meter(meter_id=meter_id, profile="H25", annual_kwh=3500.0, pv_kwp=6.0))


def test_every_table_round_trips(clean_db: Stores):
    stores = clean_db
    content = b"Arbeitspreis 29,5 ct/kWh"
    digest = hashlib.sha256(content).hexdigest()
    with session_scope(stores.sessions) as s:
        user = create_user(s, "Monika", "s3cret-pass", Role.ADMIN, "Monika Root")
        s.add(Meter(meter_id="M-001", owner_id=user.id, label="Haus", pv_kwp=6.0))
        item = Item(
            title="Dynamischer Tarif",
            source="upload:tarif.txt",
            mime_type="text/plain",
            content_hash=digest,
            size_bytes=len(content),
            raw_key="raw/x/tarif.txt",
        )
        s.add(item)
        s.flush()
        s.add(
            ItemChunk(
                item_id=item.id,
                ordinal=0,
                text=content.decode(),
                token_count=7,
                point_id=chunk_point_id(item.id, digest, 0),
                page=1,
                section="Preise",
                meta={"lang": "de"},
            )
        )
        s.add(Event(user_id=user.id, user_key="k1", type=EventType.ASK, payload={"q": "Preis?"}))
        s.add(
            Label(
                target_type=LabelTarget.ITEM, target_id=str(item.id), name="topic", value="tariff"
            )
        )
        s.add(SmartMeterReading(meter_id="M-001", ts=T0, consumption_kwh=0.25, production_kwh=0.0))
        s.add(MarketPrice(zone="DE-LU", resolution_minutes=60, ts=T0, price_eur_mwh=-5.5))
        item_id = item.id

    with stores.sessions() as s:
        loaded = s.get(Item, item_id)
        assert loaded is not None
        assert loaded.status is ItemStatus.PENDING
        assert loaded.chunks[0].meta == {"lang": "de"}
        assert loaded.chunks[0].point_id == chunk_point_id(item_id, digest, 0)
        assert s.scalar(select(Meter.owner_id)) == s.scalar(select(func.min(Event.user_id)))
        assert s.scalar(select(Event.payload)) == {"q": "Preis?"}
        assert s.scalar(select(Label.value)) == "tariff"
        reading = s.scalar(select(SmartMeterReading))
        assert reading is not None
        assert reading.ts == T0
        assert reading.interval_minutes == 15
        assert s.scalar(select(MarketPrice.price_eur_mwh)) == -5.5
        user = authenticate(s, "MONIKA", "s3cret-pass")
        assert user is not None
        assert user.role is Role.ADMIN
        assert "s3cret-pass" not in user.password_hash
        assert authenticate(s, "monika", "wrong-pass") is None


def test_duplicate_readings_upsert_instead_of_duplicating(clean_db: Stores):
    stores = clean_db
    _meter(stores)
    rows = [("M-001", T0 + timedelta(minutes=15 * i), 15, 0.1 * i, 0.0) for i in range(96)]
    with stores.engine.begin() as conn:
        assert upsert_rows(conn, READINGS, rows) == 96
    with stores.engine.begin() as conn:  # the same batch again changes nothing
        assert upsert_rows(conn, READINGS, rows) == 0
    corrected = [("M-001", T0, 15, 9.9, 0.0), ("M-001", T0, 15, 1.5, 0.0)]  # last one wins
    with stores.engine.begin() as conn:
        assert upsert_rows(conn, READINGS, corrected) == 1
    with stores.sessions() as s:
        assert s.scalar(select(func.count()).select_from(SmartMeterReading)) == 96
        first = s.scalar(
            select(SmartMeterReading.consumption_kwh).where(SmartMeterReading.ts == T0)
        )
        assert first == 1.5


def test_price_upsert_keeps_resolutions_apart(clean_db: Stores):
    rows = [("DE-LU", 60, T0, 80.0), ("DE-LU", 15, T0, 78.0), ("DE-LU", 60, T0, 81.0)]
    with clean_db.engine.begin() as conn:
        assert upsert_rows(conn, PRICES, rows) == 2
    with clean_db.sessions() as s:
        result = s.execute(select(MarketPrice.resolution_minutes, MarketPrice.price_eur_mwh))
        prices = {resolution: price for resolution, price in result}
    assert prices == {60: 81.0, 15: 78.0}


@pytest.mark.parametrize(
    ("row", "constraint"),
    [
        (("M-001", T0, 15, -0.1, 0.0), "consumption_finite_nonnegative"),
        (("M-001", T0, 15, math.nan, 0.0), "consumption_finite_nonnegative"),
        (("M-001", T0, 15, 0.1, math.inf), "production_finite_nonnegative"),
        (("M-001", T0, 0, 0.1, 0.0), "interval_minutes"),
        (("M-404", T0, 15, 0.1, 0.0), "fk_smart_meter_readings_meter_id_meters"),
    ],
)
def test_constraints_reject_bad_readings_and_roll_back_the_batch(clean_db: Stores, row, constraint):
    _meter(clean_db)
    good = ("M-001", T0 + timedelta(hours=1), 15, 0.2, 0.0)
    with pytest.raises(IntegrityError) as info, clean_db.engine.begin() as conn:
        upsert_rows(conn, READINGS, [good, row])
    assert constraint in str(info.value)
    with clean_db.sessions() as s:  # nothing half-written
        assert s.scalar(select(func.count()).select_from(SmartMeterReading)) == 0


def test_constraints_reject_bad_documents_and_duplicate_users(clean_db: Stores):
    with (
        pytest.raises(IntegrityError, match="content_hash_sha256"),
        session_scope(clean_db.sessions) as s,
    ):
        s.add(
            Item(title="x", source="s", mime_type="text/plain", content_hash="nope", size_bytes=1)
        )
    with (
        pytest.raises(IntegrityError, match="price_plausible"),
        session_scope(clean_db.sessions) as s,
    ):
        s.add(MarketPrice(zone="DE-LU", resolution_minutes=60, ts=T0, price_eur_mwh=1e9))
    item_id = uuid.uuid4()
    with (
        pytest.raises(IntegrityError, match="fk_item_chunks_item_id_items"),
        session_scope(clean_db.sessions) as s,
    ):
        s.add(ItemChunk(item_id=item_id, ordinal=0, text="t", token_count=1, point_id=uuid.uuid4()))


def test_a_new_meter_gets_the_configured_price_zone(
    clean_db: Stores, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("LUNA_PRICE_ZONE", "AT")
    get_settings.cache_clear()
    try:
        with session_scope(clean_db.sessions) as s:
            s.add(Meter(meter_id="M-AT"))
        with clean_db.sessions() as s:
            assert s.get(Meter, "M-AT").zone == "AT"  # type: ignore[union-attr]
    finally:
        get_settings.cache_clear()
