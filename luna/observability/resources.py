"""CPU, memory and disk of this process and of the machine it runs on (psutil)."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

_process = psutil.Process()
_primed = threading.Event()


@dataclass(frozen=True)
class ProcessResources:
    pid: int
    cpu_percent: float  # of one core; above 100 when several threads compute
    rss_bytes: int
    threads: int
    uptime_s: float


@dataclass(frozen=True)
class MachineResources:
    cpu_count: int
    cpu_percent: float
    load_average: tuple[float, float, float]
    memory_total_bytes: int
    memory_available_bytes: int
    memory_percent: float
    disk_path: str
    disk_total_bytes: int
    disk_free_bytes: int
    disk_percent: float


def _existing(path: Path) -> Path:
    """``path`` or its nearest existing parent (a data directory not created yet)."""
    path = path.expanduser().resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _cpu_percents() -> tuple[float, float]:
    """(process, machine) CPU use since the previous call; the first call measures 0.2 s."""
    if not _primed.is_set():
        _process.cpu_percent(None)
        psutil.cpu_percent(None)
        time.sleep(0.2)
        _primed.set()
    return _process.cpu_percent(None), psutil.cpu_percent(None)


def measure(data_dir: Path) -> tuple[ProcessResources, MachineResources]:
    """Resource use now; disk figures are those of the file system holding ``data_dir``."""
    process_cpu, machine_cpu = _cpu_percents()
    with _process.oneshot():
        process = ProcessResources(
            pid=_process.pid,
            cpu_percent=round(process_cpu, 1),
            rss_bytes=int(_process.memory_info().rss),
            threads=_process.num_threads(),
            uptime_s=round(time.time() - _process.create_time(), 1),
        )
    memory = psutil.virtual_memory()
    disk_path = _existing(data_dir)
    disk = psutil.disk_usage(str(disk_path))
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    machine = MachineResources(
        cpu_count=psutil.cpu_count() or 1,
        cpu_percent=round(machine_cpu, 1),
        load_average=(round(load[0], 2), round(load[1], 2), round(load[2], 2)),
        memory_total_bytes=int(memory.total),
        memory_available_bytes=int(memory.available),
        memory_percent=float(memory.percent),
        disk_path=str(disk_path),
        disk_total_bytes=int(disk.total),
        disk_free_bytes=int(disk.free),
        disk_percent=float(disk.percent),
    )
    return process, machine
