"""The ENTSO-E Transparency Platform API as recorded (``entsoe_responses/``, written after the
A44 Publication_MarketDocument 7:3 and Acknowledgement_MarketDocument 7:0 schemas): one place
that answers a request by its zone and period, for the httpx transport of the client tests and
for :class:`EntsoeTestServer`, a real HTTP server that the scheduled fetch job reaches through
``LUNA_ENTSOE_URL``."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

RESPONSES = Path(__file__).parent / "entsoe_responses"
TOKEN = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
DE_LU, AT = "10Y1001A1001A82H", "10YAT-APG------L"
NO_DATA = "no_matching_data.xml"

# (in_Domain, periodStart) → (status, file)
RECORDED: dict[tuple[str, str], tuple[int, str]] = {
    (DE_LU, "202503042300"): (200, "de_lu_2025-03-05_pt60m.xml"),
    (AT, "202511112300"): (200, "at_2025-11-12_pt15m.xml"),
    (DE_LU, "202603282300"): (200, "de_lu_2026-03-29_pt15m_dst_spring.xml"),
    (DE_LU, "202510252200"): (200, "de_lu_2025-10-26_pt15m_dst_autumn.xml"),
    (DE_LU, "202511122300"): (200, "de_lu_2025-11-13_pt15m_a03_gaps.xml"),
    (DE_LU, "203001012300"): (200, NO_DATA),
    (DE_LU, "202001012300"): (400, "invalid_interval.xml"),
}


def answer(
    params: Mapping[str, str], published: Mapping[tuple[str, str], bytes] | None = None
) -> tuple[int, bytes]:
    """Status and body for a request's query: a wrong token gets the 401 page; a period in
    ``published`` that body, else the recorded response."""
    if params.get("securityToken") != TOKEN:
        return 401, (RESPONSES / "unauthorized_401.html").read_bytes()
    assert params["documentType"] == "A44"
    assert params["in_Domain"] == params["out_Domain"]
    key = (params["in_Domain"], params["periodStart"])
    if published and key in published:
        return 200, published[key]
    status, name = RECORDED[key]
    return status, (RESPONSES / name).read_bytes()


def moved(name: str, recorded: date, day: date) -> bytes:
    """A recorded publication of the local delivery day ``recorded`` as if it were of ``day``
    (a day of the same length and UTC offset): its dates replaced, nothing else."""
    xml = (RESPONSES / name).read_text()
    for shift in (timedelta(days=-1), timedelta(0)):
        xml = xml.replace(f"{recorded + shift:%Y-%m-%d}T", f"{day + shift:%Y-%m-%d}T")
    return xml.encode()


class EntsoeTestServer:
    """The recorded API on a free local port, in a thread; ``requests`` lists each query.
    ``later``: periods whose publication (the body) comes out at :meth:`publish`; before that
    they answer as recorded ("no matching data" for a day ENTSO-E has nothing of)."""

    def __init__(self, later: Mapping[tuple[str, str], bytes] | None = None) -> None:
        self.requests: list[dict[str, str]] = []
        self.later = dict(later or {})
        self.published: dict[tuple[str, str], bytes] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                params = dict(parse_qsl(urlsplit(self.path).query))
                outer.requests.append(params)
                status, body = answer(params, outer.published)
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/api"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def publish(self) -> None:
        self.published.update(self.later)

    def __enter__(self) -> EntsoeTestServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
