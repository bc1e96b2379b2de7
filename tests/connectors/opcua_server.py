"""A real asyncua OPC-UA server on a free port, in a thread with its own event loop, whose
variables the test writes (with source timestamps) while the connector subscribes to them.
``stop()`` and ``start()`` again serve the same nodes on the same port (a server restart).
The variables default to :data:`VARIABLES`; a test may name its own. Without security the
server offers the None endpoint only; a test may give it security policies, its certificate and
key (application URI :data:`SERVER_URI`), a user manager and a validator of client
certificates."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from asyncua import ua
from asyncua.crypto.validator import CertificateValidatorMethod
from asyncua.server.server import Server
from asyncua.server.user_managers import UserManager

from luna.connectors.mosquitto_process import free_port

NAMESPACE = "urn:luna:test-meters"
SERVER_URI = "urn:luna:test-server"
# node name → (variant type, initial value)
VARIABLES: dict[str, tuple[ua.VariantType, Any]] = {
    "O-1.ImportWh": (ua.VariantType.UInt32, 0),
    "O-1.ExportWh": (ua.VariantType.UInt32, 0),
    "O-1.PowerW": (ua.VariantType.Double, 0.0),
    "O-2.ImportKWh": (ua.VariantType.Double, 0.0),
}

logging.getLogger("asyncua").setLevel(logging.WARNING)


class OpcuaTestServer:
    def __init__(
        self,
        variables: dict[str, tuple[ua.VariantType, Any]] | None = None,
        *,
        policies: list[ua.SecurityPolicyType] | None = None,
        certificate: tuple[Path, Path] | None = None,
        user_manager: UserManager | None = None,
        client_validator: CertificateValidatorMethod | None = None,
    ) -> None:
        self.variables = VARIABLES if variables is None else variables
        self.policies = policies or [ua.SecurityPolicyType.NoSecurity]
        self.certificate = certificate  # (certificate file, PEM private key file)
        self.user_manager = user_manager
        self.client_validator = client_validator
        self.port = free_port()
        self.url = f"opc.tcp://127.0.0.1:{self.port}/luna/"
        self.namespace_index = 0
        self._values: dict[str, ua.DataValue] = {}  # survive a restart, like a device's
        self._server: Server | None = None
        self._nodes: dict[str, Any] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None

    def node_id(self, name: str) -> str:
        return f"ns={self.namespace_index};s={name}"

    def start(self) -> None:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_until_complete, args=(self._serve(ready),), daemon=True
        )
        self._thread.start()
        if not ready.wait(30):
            raise RuntimeError("the OPC-UA server did not start")

    async def _serve(self, ready: threading.Event) -> None:
        server = Server(user_manager=self.user_manager)
        await server.init()
        server.set_endpoint(self.url)
        server.set_security_policy(self.policies)
        if self.certificate is not None:
            await server.set_application_uri(SERVER_URI)
            await server.load_certificate(self.certificate[0])
            await server.load_private_key(self.certificate[1], format="pem")
        if self.client_validator is not None:
            server.set_certificate_validator(self.client_validator)
        self.namespace_index = await server.register_namespace(NAMESPACE)
        meters = await server.nodes.objects.add_object(self.namespace_index, "Meters")
        for name, (variant, initial) in self.variables.items():
            node_id = ua.NodeId(name, self.namespace_index)
            node = await meters.add_variable(node_id, name, initial, varianttype=variant)
            if name in self._values:
                await node.write_value(self._values[name])
            self._nodes[name] = node
        self._stopped = asyncio.Event()
        await server.start()
        self._server = server
        ready.set()
        await self._stopped.wait()
        await server.stop()

    def set(self, name: str, value: float, at: datetime | None = None) -> None:
        variant = self.variables[name][0]
        raw = int(value) if variant != ua.VariantType.Double else float(value)
        data = ua.DataValue(ua.Variant(raw, variant), SourceTimestamp=at, ServerTimestamp=at)
        self._values[name] = data
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(self._nodes[name].write_value(data), self._loop)
        future.result(timeout=5)

    def stop(self) -> None:
        if self._loop is None or self._thread is None or self._stopped is None:
            return
        self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(timeout=15)
        self._loop.close()
        self._loop = self._thread = self._stopped = self._server = None
