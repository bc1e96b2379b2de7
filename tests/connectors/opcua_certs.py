"""Self-signed OPC-UA application certificates for the tests, made with asyncua's ``cert_gen``
(OPC 10000-6 6.2.2: the application URI and the host in the subject alternative names)."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

from asyncua.crypto import cert_gen
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID


def self_signed(
    directory: Path, name: str, application_uri: str, *, server: bool, der: bool = False
) -> tuple[Path, Path]:
    """A new key and its certificate in ``directory``: ``(certificate, key)`` files. The key is
    PEM in ``<name>.key``; the certificate PEM in ``<name>.pem`` or, with ``der``, DER in
    ``<name>.der``."""
    key = cert_gen.generate_private_key()
    names: list[x509.GeneralName] = [
        x509.UniformResourceIdentifier(application_uri),
        x509.DNSName(socket.gethostname()),
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
    ]
    use = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
    cert = cert_gen.generate_self_signed_app_certificate(key, name, {}, names, extended=[use])
    cert_file = directory / (f"{name}.der" if der else f"{name}.pem")
    cert_file.write_bytes(cert.public_bytes(Encoding.DER if der else Encoding.PEM))
    key_file = directory / f"{name}.key"
    key_file.write_bytes(cert_gen.dump_private_key_as_pem(key))
    return cert_file, key_file
