"""What is being forecast, and the site it is forecast for.

The target kind decides the baseline, the error metric and physical limits (consumption and PV
are never negative, PV is zero at night); the site gives the time zone for calendar features,
the holiday calendar and the coordinates for the clear-sky irradiance.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
    """Where the meter is: time zone for local-time features, holidays, solar position."""

    latitude: float = 51.16
    longitude: float = 10.45
    altitude_m: float = 200.0
    timezone: str = "Europe/Berlin"
    country: str = "DE"
    subdivision: str | None = None


DEFAULT_SITE = Site()
