"""Documented defaults for battery and load-shift playbooks: battery, grid connection, devices.

A meter's stored attributes win (``battery_kwh``, ``battery_kw``, ``battery_soc_pct``,
``grid_max_import_kw``, ``ev_kwh``, ``ev_charger_kw``, ``heat_pump_kwh``); where it has none,
the figures below apply. Each comes from a document of the sample knowledge base, named beside
it, so a playbook can cite where its assumptions come from. The tariff is the site's
(:class:`luna.domain.tariff.Tariff`, from the ``LUNA_TARIFF_*`` settings).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import time
from typing import Any

from luna.optimisation import Battery, GridConnection

# Luna Store 10 manual: 10.0 kWh usable, 5.0 kW charge/discharge, 92 % round trip (AC to AC),
# daily cycling between 10 % and 90 % state of charge.
BATTERY_CAPACITY_KWH = 10.0
BATTERY_POWER_KW = 5.0
BATTERY_ROUND_TRIP = 0.92
BATTERY_SOC_MIN = 0.10
BATTERY_SOC_MAX = 0.90
BATTERY_INITIAL_SOC = 0.50
GRID_MAX_IMPORT_KW = 30.0

# Simulated and typical household devices (luna.simulators.flexible_loads).
HOT_WATER_SHARE = 0.15
DAYS_PER_YEAR = 365.0


def _number(attributes: dict[str, Any], key: str, default: float) -> float:
    value = attributes.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return default


def battery_for(attributes: dict[str, Any]) -> tuple[Battery, bool]:
    """The meter's battery, or the Luna Store 10 defaults; the flag says which."""
    documented = "battery_kwh" not in attributes
    capacity = _number(attributes, "battery_kwh", BATTERY_CAPACITY_KWH)
    power = _number(attributes, "battery_kw", BATTERY_POWER_KW)
    initial = _number(attributes, "battery_soc_pct", BATTERY_INITIAL_SOC * 100) / 100
    one_way = math.sqrt(BATTERY_ROUND_TRIP)
    battery = Battery(
        capacity_kwh=capacity,
        max_charge_kw=power,
        max_discharge_kw=power,
        charge_efficiency=one_way,
        discharge_efficiency=one_way,
        soc_min_fraction=BATTERY_SOC_MIN,
        soc_max_fraction=BATTERY_SOC_MAX,
        initial_soc_fraction=min(max(initial, 0.0), 1.0),
    )
    return battery, documented


def grid_for(attributes: dict[str, Any], pv_kwp: float) -> GridConnection:
    import_kw = _number(attributes, "grid_max_import_kw", GRID_MAX_IMPORT_KW)
    export_kw = _number(attributes, "grid_max_export_kw", max(pv_kwp, 0.0) or import_kw)
    return GridConnection(max_import_kw=import_kw, max_export_kw=export_kw)


@dataclass(frozen=True)
class ShiftableDevice:
    """A deferrable load for load_shift playbooks, with its local-clock window."""

    name: str
    label: str
    power_kw: float
    energy_kwh: float
    opens: time
    closes: time | None  # None: the end of the horizon
    power_mode: str = "variable"
    single_block: bool = False


def shiftable_devices(attributes: dict[str, Any]) -> list[ShiftableDevice]:
    """The meter's flexible devices; a dishwasher when it has none of its own."""
    devices = []
    ev_kwh = _number(attributes, "ev_kwh", 0.0)
    if ev_kwh:
        devices.append(
            ShiftableDevice(
                name="ev",
                label="EV charging",
                power_kw=_number(attributes, "ev_charger_kw", 11.0),
                energy_kwh=round(ev_kwh / DAYS_PER_YEAR, 1),
                opens=time(18, 0),
                closes=None,
            )
        )
    heat_pump_kwh = _number(attributes, "heat_pump_kwh", 0.0)
    if heat_pump_kwh:
        devices.append(
            ShiftableDevice(
                name="hot_water",
                label="heat pump hot water (SG-Ready)",
                power_kw=2.0,
                energy_kwh=round(heat_pump_kwh * HOT_WATER_SHARE / DAYS_PER_YEAR, 1),
                opens=time(0, 0),
                closes=time(21, 0),
            )
        )
    if not devices:
        devices.append(
            ShiftableDevice(
                name="dishwasher",
                label="dishwasher",
                power_kw=0.5,
                energy_kwh=1.0,
                opens=time(8, 0),
                closes=time(22, 0),
                power_mode="fixed",
                single_block=True,
            )
        )
    return devices
