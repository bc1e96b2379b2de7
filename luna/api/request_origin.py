"""Where a request comes from: over HTTPS or not, from this machine or not.

Behind a TLS-terminating proxy the app itself sees plain HTTP from the proxy's address, so the
scheme is taken from ``X-Forwarded-Proto`` (or ``Forwarded: proto=``), but only when the
direct peer is one of ``LUNA_TRUSTED_PROXIES``: anyone else could send that header. uvicorn
applies the same headers itself for proxies in its ``FORWARDED_ALLOW_IPS`` (default
127.0.0.1); then the scheme arrives already as ``https``.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from luna.config import Settings

# Headers a proxy adds; their presence means the direct peer is not the real client.
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-proto", "x-real-ip")


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _peer_address(connection: HTTPConnection) -> IPAddress | None:
    client = connection.client
    if client is None:
        return None
    try:
        return ipaddress.ip_address(client.host)
    except ValueError:  # a Unix socket, or a test client's placeholder name
        return None


def _forwarded_proto(connection: HTTPConnection) -> str | None:
    """The scheme the proxy nearest to us was reached with (the last entry of the header)."""
    proto = connection.headers.get("x-forwarded-proto")
    if proto:
        return proto.split(",")[-1].strip().lower()
    forwarded = connection.headers.get("forwarded")
    if forwarded:
        last = forwarded.split(",")[-1]
        for pair in last.split(";"):
            name, _, value = pair.strip().partition("=")
            if name.lower() == "proto":
                return value.strip('"').lower()
    return None


def via_trusted_proxy(connection: HTTPConnection, settings: Settings) -> bool:
    peer = _peer_address(connection)
    return peer is not None and any(peer in net for net in settings.trusted_proxy_networks)


def is_https(connection: HTTPConnection, settings: Settings) -> bool:
    """True if users reach Luna over HTTPS: the configured public URL says so, the connection
    itself is TLS, or a trusted proxy reports that it was reached over HTTPS."""
    if settings.public_url and urlsplit(settings.public_url).scheme == "https":
        return True
    if connection.url.scheme in ("https", "wss"):
        return True
    return via_trusted_proxy(connection, settings) and _forwarded_proto(connection) == "https"


def is_local_client(connection: HTTPConnection) -> bool:
    """A caller on this machine: a loopback peer that no proxy forwarded (a proxy on the same
    host would otherwise make every visitor look local)."""
    peer = _peer_address(connection)
    if peer is None or not peer.is_loopback:
        return False
    return not any(name in connection.headers for name in FORWARDING_HEADERS)
