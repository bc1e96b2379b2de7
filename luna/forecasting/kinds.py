"""What is being forecast, and the site it is forecast for.

The target kind decides the baseline, the error metric and physical limits (consumption and PV
are never negative, PV is zero at night); the site gives the time zone for calendar features,
the holiday calendar and the coordinates for the clear-sky irradiance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from luna.config import get_settings, site_timezone


class TargetKind(StrEnum):
    CONSUMPTION = "consumption"
    PV = "pv"
    PRICE = "price"

    @property
    def non_negative(self) -> bool:
        """Energy volumes cannot be negative; prices can."""
        return self is not TargetKind.PRICE

    @property
    def percentage_metric(self) -> str:
        """Prices cross zero, so MAPE is undefined there: they are scored by sMAPE."""
        return "smape" if self is TargetKind.PRICE else "mape"


@dataclass(frozen=True)
class Site:
    """Where the meter is: time zone for local-time features, holidays, solar position.

    What a caller leaves out is the configured site's (``LUNA_SITE_*``, ``LUNA_TIMEZONE``),
    read when the site is made.
    """

    latitude: float = field(default_factory=lambda: get_settings().site_latitude)
    longitude: float = field(default_factory=lambda: get_settings().site_longitude)
    altitude_m: float = 200.0
    timezone: str = field(default_factory=site_timezone)
    country: str = field(default_factory=lambda: get_settings().site_country)
    subdivision: str | None = field(default_factory=lambda: get_settings().site_subdivision)
