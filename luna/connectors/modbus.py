"""Modbus TCP connector: polls energy meters' registers and writes interval readings.

Each configured meter names its registers (holding or input table; ``float32``/``float64`` or
integers ``int16`` … ``uint64`` with a multiplier ``scale`` and optionally a SunSpec-style scale
factor register, value × 10^sf; byte and word order configurable) or a preset register map
(``sunspec-203``: SunSpec wye meter model 203 at a base address; ``eastron-sdm630``).

Energy **counters** (import → ``consumption_kwh``, export → ``production_kwh``) become interval
energies in :mod:`luna.connectors.counters` (shared with OPC-UA): the increase between two polls
is spread over the intervals they span, an interval is written once it has ended, a counter that
goes backwards is a rollover (an unsigned integer register near its maximum) or a reset. **Power**
registers are converted to kW and shown as the meter's last value in the status. The counters'
state is stored with the readings and loaded at start (:mod:`luna.connectors.counter_connector`),
so a restart loses no interval.
"""

from __future__ import annotations

import logging
import math
import struct
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pymodbus.client import ModbusTcpClient
from pymodbus.exceptions import ModbusException
from sqlalchemy import Engine

from luna.connectors.base import ConnectorConfig, read_map_file
from luna.connectors.counter_connector import CounterConnector
from luna.connectors.counters import UNIT_FACTOR, CounterSample, MeterIntervals

log = logging.getLogger(__name__)

RegisterType = Literal[
    "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"
]
WORDS = {"int16": 1, "uint16": 1, "int32": 2, "uint32": 2, "int64": 4, "uint64": 4,
         "float32": 2, "float64": 4}  # fmt: skip
STRUCT = {"int16": "h", "uint16": "H", "int32": "i", "uint32": "I", "int64": "q", "uint64": "Q",
          "float32": "f", "float64": "d"}  # fmt: skip


class Register(BaseModel):
    """One value on the device."""

    model_config = ConfigDict(extra="forbid")

    address: int = Field(ge=0, le=65535, description="Protocol (0-based) register address.")
    table: Literal["holding", "input"] = "holding"
    type: RegisterType = "float32"
    scale: float = Field(default=1.0, description="Multiplier applied to the raw value.")
    scale_factor_address: int | None = Field(
        default=None, ge=0, le=65535, description="int16 register sf (same table): × 10^sf."
    )
    unit: Literal["Wh", "kWh", "MWh", "W", "kW"] = "kWh"


class ModbusMeter(BaseModel):
    """A meter to poll: its Luna id, Modbus device id, byte/word order and registers."""

    model_config = ConfigDict(extra="forbid")

    meter_id: str = Field(min_length=1, max_length=64)
    device_id: int = Field(default=1, ge=0, le=255, description="Modbus unit / device id.")
    preset: Literal["sunspec-203", "eastron-sdm630"] | None = None
    base_address: int | None = Field(
        default=None, description="sunspec-203: address of the model's ID register (40069)."
    )
    byte_order: Literal["big", "little"] = "big"
    word_order: Literal["big", "little"] = "big"
    interval_minutes: int = 15
    import_energy: Register | None = None
    export_energy: Register | None = None
    power: Register | None = None

    @field_validator("interval_minutes")
    @classmethod
    def _divides_an_hour(cls, value: int) -> int:
        if value <= 0 or 60 % value:
            raise ValueError("interval_minutes must divide 60")
        return value

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not data.get("preset"):
            return data
        preset = PRESETS[data["preset"]](data.get("base_address"))
        return {**preset, **data}


def _sunspec_203(base: int | None) -> dict[str, Any]:
    """SunSpec model 203 (wye meter): data start after ID and L; W int16 + W_SF, TotWhExp and
    TotWhImp acc32 (uint32) + TotWh_SF, holding registers, big-endian."""
    data = (40069 if base is None else base) + 2
    energy = {"type": "uint32", "unit": "Wh", "scale_factor_address": data + 52}
    return {
        "power": {"address": data + 16, "type": "int16", "unit": "W",
                  "scale_factor_address": data + 20},
        "export_energy": {"address": data + 36, **energy},
        "import_energy": {"address": data + 44, **energy},
    }  # fmt: skip


def _eastron_sdm630(base: int | None) -> dict[str, Any]:
    """Eastron SDM630: input registers, float32 big-endian; total power W, import/export kWh."""
    reg = {"table": "input", "type": "float32"}
    return {
        "power": {"address": 52, "unit": "W", **reg},
        "import_energy": {"address": 72, "unit": "kWh", **reg},
        "export_energy": {"address": 74, "unit": "kWh", **reg},
    }


PRESETS = {"sunspec-203": _sunspec_203, "eastron-sdm630": _eastron_sdm630}


class ModbusMeters(BaseModel):
    meters: list[ModbusMeter] = Field(min_length=1)


def load_meters(path: Path) -> list[ModbusMeter]:
    """The register map file (YAML or JSON): ``meters: [{meter_id: ..., preset: ...}, ...]``."""
    return ModbusMeters.model_validate(read_map_file(path)).meters


def decode(registers: Sequence[int], kind: RegisterType, byte_order: str, word_order: str) -> float:
    """Registers (16-bit words as read) → number, honouring byte and word order."""
    words = list(registers)
    if word_order == "little":
        words.reverse()
    raw = b"".join(w.to_bytes(2, "big" if byte_order == "big" else "little") for w in words)
    return float(struct.unpack(">" + STRUCT[kind], raw)[0])


@dataclass
class _MeterState:
    intervals: MeterIntervals
    power_kw: float | None = None
    error: str | None = None


class ModbusConnector(CounterConnector):
    """Polls every meter each ``poll_s``; writes each interval once it has ended."""

    name = "modbus"

    def __init__(
        self,
        engine: Engine,
        *,
        host: str,
        port: int,
        meters: list[ModbusMeter],
        timezone: str,
        poll_s: float = 5.0,
        timeout_s: float = 3.0,
        batch_size: int = 500,
        queue_size: int = 10_000,
        max_step_kwh: float = 1e6,
        instance: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(
            engine,
            ConnectorConfig(
                timezone=timezone, batch_size=batch_size, queue_size=queue_size, instance=instance
            ),
        )
        self.host, self.port, self.meters, self.poll_s = host, port, meters, poll_s
        self.clock = clock or (lambda: datetime.now(UTC))
        self.polls = self.poll_errors = 0
        self._client = ModbusTcpClient(host, port=port, timeout=timeout_s, retries=0)
        self._state = {
            m.meter_id: _MeterState(
                MeterIntervals(m.meter_id, m.interval_minutes, max_step_kwh, source="modbus")
            )
            for m in meters
        }
        self._poller: threading.Thread | None = None
        self._halting = threading.Event()

    # --- lifecycle ---------------------------------------------------------------------------

    def _open(self) -> None:
        self._halting.clear()
        self._poller = threading.Thread(target=self._poll_loop, name="modbus-poll", daemon=True)
        self._poller.start()

    def _halt(self) -> None:
        self._halting.set()
        if self._poller is not None:
            self._poller.join(timeout=30)
        self.submit_final_states()

    def _close(self) -> None:
        self._client.close()  # type: ignore[no-untyped-call]

    def _ack(self, tokens: Sequence[Any]) -> None:
        """Polled values need no acknowledgement."""

    def _poll_loop(self) -> None:
        while not self._halting.is_set():
            self.poll_once(self.clock())
            self._halting.wait(self.poll_s)

    # --- polling -----------------------------------------------------------------------------

    def poll_once(self, now: datetime) -> int:
        """Read every meter at ``now``; queue the intervals that have ended. Returns how many.
        Nothing is read before the stored counter baselines are loaded."""
        if not self.restore_baselines():
            return 0
        self.polls += 1
        if not self._client.connected and not self._client.connect():  # type: ignore[no-untyped-call]
            self.stats.connected = False
            self.poll_errors += 1
            self.stats.error(f"cannot connect to {self.host}:{self.port}")
            return 0
        self.stats.connected = True
        queued = 0
        for meter in self.meters:
            state = self._state[meter.meter_id]
            try:
                values = self._read_meter(meter)
            except (ModbusException, ValueError, OSError) as exc:
                self.poll_errors += 1
                state.error = f"{exc.__class__.__name__}: {exc}"[:200]
                self.stats.error(f"{meter.meter_id}: {state.error}")
                log.warning("modbus %s: %s", meter.meter_id, exc)
                if isinstance(exc, ModbusException | OSError):
                    self._client.close()  # type: ignore[no-untyped-call]  # reconnect next poll
                continue
            state.error = None
            self.stats.count_message()
            self.stats.last_message_at = now
            queued += self._account(meter, state, values, now)
        return queued

    def _read(self, meter: ModbusMeter, reg: Register) -> float:
        reader = (
            self._client.read_holding_registers
            if reg.table == "holding"
            else self._client.read_input_registers
        )
        response = reader(reg.address, count=WORDS[reg.type], device_id=meter.device_id)
        if response.isError():
            raise ModbusException(f"register {reg.address}: {response}")
        value = decode(response.registers, reg.type, meter.byte_order, meter.word_order)
        if not math.isfinite(value):
            raise ValueError(f"register {reg.address} is not a number")
        return value

    def _factor(self, meter: ModbusMeter, reg: Register) -> float:
        """raw × factor = kWh (energy) or kW (power)."""
        factor = reg.scale * UNIT_FACTOR[reg.unit]
        if reg.scale_factor_address is not None:
            sf = self._read(meter, reg.model_copy(update={
                "address": reg.scale_factor_address, "type": "int16", "scale_factor_address": None
            }))  # fmt: skip
            if not -10 <= sf <= 10:
                raise ValueError(f"scale factor {sf} at {reg.scale_factor_address}")
            factor *= 10.0**sf
        return factor

    def _read_meter(self, meter: ModbusMeter) -> dict[str, tuple[float, float]]:
        """name → (raw value, factor to kWh/kW)."""
        out = {}
        for name in ("import_energy", "export_energy", "power"):
            reg: Register | None = getattr(meter, name)
            if reg is not None:
                out[name] = (self._read(meter, reg), self._factor(meter, reg))
        return out

    @property
    def counter_resets(self) -> int:
        return sum(s.intervals.resets for s in self._state.values())

    @property
    def rollovers(self) -> int:
        return sum(s.intervals.rollovers for s in self._state.values())

    def _account(self, meter: ModbusMeter, state: _MeterState,
                 values: dict[str, tuple[float, float]], now: datetime) -> int:  # fmt: skip
        samples: dict[str, CounterSample] = {}
        for name in ("import_energy", "export_energy"):
            if name in values:
                reg: Register = getattr(meter, name)
                raw, factor = values[name]
                wrap = 2.0 ** (16 * WORDS[reg.type]) if reg.type.startswith("uint") else None
                samples[name] = CounterSample(raw, factor, wrap)
        if "power" in values:
            raw, factor = values["power"]
            state.power_kw = raw * factor
        rows = state.intervals.update(
            now, samples.get("import_energy"), samples.get("export_energy")
        )
        closed = state.intervals.take_state()
        return self.submit_intervals(rows, [closed] if closed is not None else [])

    def _meter_intervals(self) -> Iterable[MeterIntervals]:
        return [s.intervals for s in self._state.values()]

    def _extra_status(self) -> dict[str, Any]:
        return {
            "peer": f"{self.host}:{self.port}",
            "polls": self.polls,
            "poll_errors": self.poll_errors,
            "counter_resets": self.counter_resets,
            "rollovers": self.rollovers,
            "meters": {
                meter_id: {
                    "power_kw": s.power_kw,
                    "import_kwh_total": s.intervals.import_kwh_total,
                    "export_kwh_total": s.intervals.export_kwh_total,
                    "last_poll_at": _iso(s.intervals.last_at),
                    "error": s.error,
                }
                for meter_id, s in self._state.items()
            },
        }


def _iso(ts: datetime | None) -> str | None:
    return ts.isoformat() if ts else None
