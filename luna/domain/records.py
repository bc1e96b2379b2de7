"""Validated meter readings and market prices, whatever channel they arrive through.

The API batch endpoints, the MQTT connector and the simulators all pass through these models,
so "what is a valid reading" is defined once. Timestamps without an offset are read as the
site's local time; every record leaves here in UTC and aligned to its interval.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from luna.config import get_settings
from luna.core.time_bounds import BoundedDatetime

ZONE_PATTERN = r"^[A-Z]{2}(-[A-Z0-9]{1,8})?$"
PRICE_RESOLUTIONS = (15, 30, 60)


def to_utc(moment: datetime, tz: str) -> datetime:
    """Aware timestamps keep their offset; naive ones are read as local time in ``tz``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment.astimezone(UTC)


def misalignment(ts: datetime, minutes: int) -> str | None:
    """Why ``ts`` is not a valid start of a ``minutes``-long interval, or None if it is."""
    seconds = int(ts.timestamp())
    step = minutes * 60 if minutes <= 60 else 60
    if ts.microsecond or seconds % step:
        return f"{ts.isoformat()} is not on the {minutes}-minute grid"
    return None


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
        ts = to_utc(value, _timezone(info))
        problem = misalignment(ts, int(info.data.get("interval_minutes", 15)))
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
        ts = to_utc(value, _timezone(info))
        problem = misalignment(ts, int(info.data.get("resolution_minutes", 15)))
        if problem:
            raise ValueError(problem)
        return ts

    def row(self) -> tuple[str, int, datetime, float]:
        """Column order of :data:`luna.store.sql.timeseries.PRICES`."""
        return (self.zone, self.resolution_minutes, self.ts, self.price_eur_mwh)
