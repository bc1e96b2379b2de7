"""A real pymodbus TCP server on a free port, in a thread with its own event loop, whose
holding and input registers the test sets while the connector polls it."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from luna.connectors.mosquitto_process import free_port


class ModbusTestServer:
    def __init__(self, device_ids: tuple[int, ...] = (1,), registers: int = 50_000) -> None:
        self.port = free_port()
        devices = [
            SimDevice(
                device_id,
                simdata=(
                    [SimData(0, count=16, values=False, datatype=DataType.BITS)],
                    [SimData(0, count=16, values=False, datatype=DataType.BITS)],
                    [SimData(0, count=registers, values=0, datatype=DataType.REGISTERS)],
                    [SimData(0, count=registers, values=0, datatype=DataType.REGISTERS)],
                ),
            )
            for device_id in device_ids
        ]
        self._devices = devices
        self.server: ModbusTcpServer | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="modbus-server", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:  # the server must be made inside its running loop
        self.server = ModbusTcpServer(self._devices, address=("127.0.0.1", self.port))
        await self.server.serve_forever()

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the Modbus server did not start")

    def set(
        self, address: int, values: list[int], *, table: str = "holding", device: int = 1
    ) -> None:
        code = 3 if table == "holding" else 4
        assert self.server is not None
        future = asyncio.run_coroutine_threadsafe(
            self.server.async_setValues(device, code, address, values), self._loop
        )
        future.result(timeout=5)

    def stop(self) -> None:
        if self.server is not None and self._thread.is_alive():
            future = asyncio.run_coroutine_threadsafe(self.server.shutdown(), self._loop)
            future.result(timeout=10)
            self.server = None
        self._thread.join(timeout=10)
