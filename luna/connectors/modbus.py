"""Modbus TCP connector: polls energy meters' registers and writes interval readings.

Each configured meter names its registers (holding or input table; ``float32``/``float64`` or
integers ``int16`` … ``uint64`` with a multiplier ``scale`` and optionally a SunSpec-style scale
factor register, value × 10^sf; byte and word order configurable) or a preset register map
(``sunspec-203``: SunSpec wye meter model 203 at a base address; ``eastron-sdm630``).

Energy **counters** (import → ``consumption_kwh``, export → ``production_kwh``) become interval
energies: the difference between two polls is spread over the intervals the two polls span,
in proportion to time; an interval is written once it has ended (upserted, so a repeat is
harmless). A counter that goes backwards is a rollover when an unsigned integer register was
near its maximum (the wrap is added), else a reset (re-baselined, counted, nothing written for
that step). The interval the connector starts in is incomplete and is not written. **Power**
registers are converted to kW and shown as the meter's last value in the status.
Intervals lie on the UTC grid of ``interval_minutes`` (a divisor of 60), which is the local
grid of every zone with whole-hour offsets.
"""

from __future__ import annotations

import json
import logging
import math
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pymodbus.client import ModbusTcpClient
from pymodbus.exceptions import ModbusException
from sqlalchemy import Engine

from luna.connectors.base import Connector, ConnectorConfig

log = logging.getLogger(__name__)

RegisterType = Literal[
    "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"
]
WORDS = {"int16": 1, "uint16": 1, "int32": 2, "uint32": 2, "int64": 4, "uint64": 4,
         "float32": 2, "float64": 4}  # fmt: skip
STRUCT = {"int16": "h", "uint16": "H", "int32": "i", "uint32": "I", "int64": "q", "uint64": "Q",
          "float32": "f", "float64": "d"}  # fmt: skip
UNIT_FACTOR = {"Wh": 1e-3, "kWh": 1.0, "MWh": 1e3, "W": 1e-3, "kW": 1.0}  # → kWh or kW


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
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    return ModbusMeters.model_validate(data).meters


def decode(registers: Sequence[int], kind: RegisterType, byte_order: str, word_order: str) -> float:
    """Registers (16-bit words as read) → number, honouring byte and word order."""
    words = list(registers)
    if word_order == "little":
        words.reverse()
    raw = b"".join(w.to_bytes(2, "big" if byte_order == "big" else "little") for w in words)
    return float(struct.unpack(">" + STRUCT[kind], raw)[0])


@dataclass
class _Counter:
    raw: float | None = None  # last raw value (before scale and unit)


@dataclass
class _MeterState:
    imp: _Counter = field(default_factory=_Counter)
    exp: _Counter = field(default_factory=_Counter)
    last_poll: datetime | None = None
    first_interval: datetime | None = None  # incomplete: never written
    open: dict[datetime, list[float]] = field(default_factory=dict)  # start → [imp, exp]
    power_kw: float | None = None
    import_kwh_total: float | None = None
    export_kwh_total: float | None = None
    error: str | None = None


class ModbusConnector(Connector):
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
    ) -> None:
        super().__init__(
            engine,
            ConnectorConfig(timezone=timezone, batch_size=batch_size, queue_size=queue_size),
        )
        self.host, self.port, self.meters, self.poll_s = host, port, meters, poll_s
        self.max_step_kwh = max_step_kwh
        self.polls = self.poll_errors = self.counter_resets = self.rollovers = 0
        self._client = ModbusTcpClient(host, port=port, timeout=timeout_s, retries=0)
        self._state = {m.meter_id: _MeterState() for m in meters}
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

    def _close(self) -> None:
        self._client.close()  # type: ignore[no-untyped-call]

    def _ack(self, tokens: Sequence[Any]) -> None:
        """Polled values need no acknowledgement."""

    def _poll_loop(self) -> None:
        while not self._halting.is_set():
            self.poll_once(datetime.now(UTC))
            self._halting.wait(self.poll_s)

    # --- polling -----------------------------------------------------------------------------

    def poll_once(self, now: datetime) -> int:
        """Read every meter at ``now``; queue the intervals that have ended. Returns how many."""
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

    def _step(self, meter: ModbusMeter, name: str, counter: _Counter, raw: float,
              factor: float) -> float:  # fmt: skip
        """kWh since the last poll of one counter (0 on the first poll or after a reset)."""
        last, counter.raw = counter.raw, raw
        if last is None:
            return 0.0
        delta = raw - last
        reg: Register = getattr(meter, name)
        if delta < 0:
            size = 2.0 ** (16 * WORDS[reg.type])
            if reg.type.startswith("uint") and last > 0.9 * size and raw < 0.1 * size:
                self.rollovers += 1
                delta += size
            else:
                self.counter_resets += 1
                log.warning("modbus %s: %s went back (%s → %s): reset", meter.meter_id, name,
                            last, raw)  # fmt: skip
                return 0.0
        kwh = delta * factor
        if kwh > self.max_step_kwh:
            self.counter_resets += 1
            log.warning("modbus %s: %s jumped by %.0f kWh: ignored", meter.meter_id, name, kwh)
            return 0.0
        return kwh

    def _account(self, meter: ModbusMeter, state: _MeterState,
                 values: dict[str, tuple[float, float]], now: datetime) -> int:  # fmt: skip
        steps = [0.0, 0.0]
        for i, (name, counter) in enumerate((("import_energy", state.imp),
                                             ("export_energy", state.exp))):  # fmt: skip
            if name in values:
                raw, factor = values[name]
                steps[i] = self._step(meter, name, counter, raw, factor)
                total = raw * factor
                if i == 0:
                    state.import_kwh_total = total
                else:
                    state.export_kwh_total = total
        if "power" in values:
            raw, factor = values["power"]
            state.power_kw = raw * factor
        step = timedelta(minutes=meter.interval_minutes)
        if state.last_poll is None:
            state.first_interval = _floor(now, step)
        else:
            _spread(state.open, state.last_poll, now, steps, step)
        state.last_poll = now
        queued = 0
        for start in sorted(state.open):
            if start + step > now:
                break
            imp, exp = state.open.pop(start)
            if start == state.first_interval:
                continue  # began before the first poll: incomplete
            row = (meter.meter_id, start, meter.interval_minutes, max(imp, 0.0), max(exp, 0.0))
            if self.submit(row, None, counted=True):
                queued += 1
        return queued

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
                    "import_kwh_total": s.import_kwh_total,
                    "export_kwh_total": s.export_kwh_total,
                    "last_poll_at": s.last_poll.isoformat() if s.last_poll else None,
                    "error": s.error,
                }
                for meter_id, s in self._state.items()
            },
        }


def _floor(ts: datetime, step: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + ((ts - epoch) // step) * step


def _spread(open_: dict[datetime, list[float]], t0: datetime, t1: datetime,
            energies: list[float], step: timedelta) -> None:  # fmt: skip
    """Add energies measured over [t0, t1] to the intervals it overlaps, by time share."""
    span = (t1 - t0).total_seconds()
    start = _floor(t0, step)
    while start < t1:
        overlap = (min(start + step, t1) - max(start, t0)).total_seconds()
        share = overlap / span if span > 0 else 1.0
        bucket = open_.setdefault(start, [0.0, 0.0])
        bucket[0] += energies[0] * share
        bucket[1] += energies[1] * share
        start += step
