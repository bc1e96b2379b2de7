"""Where a request comes from: over HTTPS or not, from this machine or not, from which client.

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


def _forwarded_for(connection: HTTPConnection) -> list[str]:
    """The addresses in ``X-Forwarded-For`` (or ``Forwarded: for=``), client first."""
    header = connection.headers.get("x-forwarded-for")
    if header:
        return [part.strip() for part in header.split(",") if part.strip()]
    found: list[str] = []
    for entry in connection.headers.get("forwarded", "").split(","):
        for pair in entry.split(";"):
            name, _, value = pair.strip().partition("=")
            if name.lower() == "for":
                value = value.strip('"')
                if value.startswith("["):  # [2001:db8::1]:4711
                    value = value[1 : value.find("]")] if "]" in value else value[1:]
                elif value.count(":") == 1:  # 192.0.2.1:4711
                    value = value.split(":", 1)[0]
                found.append(value)
    return found


def _address_key(address: IPAddress) -> str:
    # One IPv6 client usually holds a whole /64: counting single addresses would let it
    # spread its attempts over 2**64 of them.
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def client_address(connection: HTTPConnection, settings: Settings) -> str:
    """The client's address as a throttling key. Behind ``LUNA_TRUSTED_PROXIES`` it is the
    last address in ``X-Forwarded-For`` that is not itself a trusted proxy (entries before it
    were written by the client and prove nothing); IPv6 clients count per /64 network."""
    peer = _peer_address(connection)
    if peer is None:
        return (connection.client.host if connection.client else "")[:64] or "unknown"
    if via_trusted_proxy(connection, settings):
        networks = settings.trusted_proxy_networks
        for entry in reversed(_forwarded_for(connection)):
            try:
                hop = ipaddress.ip_address(entry)
            except ValueError:
                break  # garbage from the client side of the chain: use the last good hop
            peer = hop
            if not any(hop in net for net in networks):
                break
    return _address_key(peer)
