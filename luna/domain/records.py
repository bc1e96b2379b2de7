"""Validated meter readings and market prices, whatever channel they arrive through.

The API batch endpoints, the MQTT connector and the simulators all pass through these models,
so "what is a valid reading" is defined once. Timestamps without an offset are read as the
site's local time and must name one instant there (not the repeated or skipped hour of a DST
change, :mod:`luna.domain.local_time`); every record leaves here in UTC and aligned to its
interval on the local grid (a daily reading at 00:00, a 15-minute one at :00/:15/:30/:45).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from luna.config import ZONE_PATTERN, get_settings
from luna.core.time_bounds import BoundedDatetime
from luna.domain.local_time import misalignment, to_utc

PRICE_RESOLUTIONS = (15, 30, 60)


def _timezone(info: ValidationInfo) -> str:
    """The zone for naive timestamps: the validation context's, else the configured site's."""
    context: dict[str, Any] = info.context or {}
    return str(context.get("timezone") or get_settings().timezone)


class Reading(BaseModel):
    """Energy of one meter over one interval (validate with ``context={"timezone": ...}``)."""

    model_config = ConfigDict(extra="forbid")

    meter_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")
    interval_minutes: int = Field(default=15, ge=1, le=1440)
    ts: BoundedDatetime = Field(description="Interval start; without offset = site time")
    consumption_kwh: float = Field(ge=0, le=1e6, allow_inf_nan=False)
    production_kwh: float = Field(default=0.0, ge=0, le=1e6, allow_inf_nan=False)

    @field_validator("ts")
    @classmethod
    def _utc(cls, value: datetime, info: ValidationInfo) -> datetime:
        tz = _timezone(info)
        ts = to_utc(value, tz)
        problem = misalignment(ts, int(info.data.get("interval_minutes", 15)), tz)
        if problem:
            raise ValueError(problem)
        return ts

    def row(self) -> tuple[str, datetime, int, float, float]:
        """Column order of :data:`luna.store.sql.timeseries.READINGS`."""
        return (
            self.meter_id,
            self.ts,
            self.interval_minutes,
            self.consumption_kwh,
            self.production_kwh,
        )


class Price(BaseModel):
    """Day-ahead price of one bidding zone for one interval."""

    model_config = ConfigDict(extra="forbid")

    zone: str = Field(pattern=ZONE_PATTERN)
    resolution_minutes: int
    ts: BoundedDatetime
    price_eur_mwh: float = Field(ge=-10_000, le=10_000, allow_inf_nan=False)

    @field_validator("resolution_minutes")
    @classmethod
    def _resolution(cls, value: int) -> int:
        if value not in PRICE_RESOLUTIONS:
            raise ValueError(f"resolution_minutes must be one of {PRICE_RESOLUTIONS}")
        return value

    @field_validator("ts")
    @classmethod
    def _utc(cls, value: datetime, info: ValidationInfo) -> datetime:
        tz = _timezone(info)
        ts = to_utc(value, tz)
        problem = misalignment(ts, int(info.data.get("resolution_minutes", 15)), tz)
        if problem:
            raise ValueError(problem)
        return ts

    def row(self) -> tuple[str, int, datetime, float]:
        """Column order of :data:`luna.store.sql.timeseries.PRICES`."""
        return (self.zone, self.resolution_minutes, self.ts, self.price_eur_mwh)
