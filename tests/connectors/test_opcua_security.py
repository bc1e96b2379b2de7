"""OPC-UA security against a real asyncua server started here with self-signed certificates
made here: a Basic256Sha256 Sign / SignAndEncrypt session with the client's certificate and a
user name feeds counters into PostgreSQL (the server checks both), an untrusted server is
refused before it sees the credentials (and accepted once trusted, without a restart; ``luna
connect opcua`` shows the refusal), a secure-only server refuses a connector without security
with an error that says so, and the settings are validated. The password shows nowhere."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asyncua import ua
from asyncua.crypto.permission_rules import User, UserRole
from asyncua.crypto.truststore import TrustStore
from asyncua.crypto.uacrypto import load_certificate
from asyncua.crypto.validator import CertificateValidator, CertificateValidatorOptions
from typer.testing import CliRunner

from luna.cli.main import app
from luna.config import Settings, get_settings
from luna.connectors.opcua import OpcuaConnector, load_nodes
from luna.connectors.opcua_security import OpcuaSecurity, fingerprint, security_from_settings
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Meter
from tests.connectors.opcua_certs import self_signed
from tests.connectors.opcua_server import NAMESPACE, SERVER_URI, OpcuaTestServer
from tests.connectors.test_opcua import FakeClock, assert_rows, at, stored, wait_until

# Kills, stops and deadlines of real processes: run alone, never beside another test worker.
pytestmark = pytest.mark.serial

CLIENT_URI = "urn:luna:test-client"
USER, PASSWORD = "luna", "s3cret-Pa55word"
SECURE = [
    ua.SecurityPolicyType.Basic256Sha256_Sign,
    ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt,
]


class Users:
    """The server's user manager: one user; records every login attempt."""

    def __init__(self) -> None:
        self.attempts: list[str | None] = []

    def get_user(self, iserver: Any, username: str | None = None, password: str | None = None,
                 certificate: Any = None) -> User | None:  # fmt: skip
        self.attempts.append(username)
        return User(role=UserRole.User) if (username, password) == (USER, PASSWORD) else None


class Pki:
    """The server's and the client's certificates, and the client's trust directory."""

    def __init__(self, root: Path) -> None:
        for name in ("server", "client", "other", "trusted", "server-trusts"):
            (root / name).mkdir()
        self.server = self_signed(root / "server", "luna-test-server", SERVER_URI, server=True)
        # DER certificate, PEM key named .key: the formats are told by content, not suffix
        self.client = self_signed(
            root / "client", "luna-client", CLIENT_URI, server=False, der=True
        )
        self.other = self_signed(root / "other", "someone-else", SERVER_URI, server=True)
        self.trust_dir = root / "trusted"
        self.server_trusts = root / "server-trusts"  # the client certificates the server trusts
        shutil.copy(self.client[0], self.server_trusts)

    def client_validator(self) -> CertificateValidator:
        store = TrustStore([self.server_trusts], [])
        options = (
            CertificateValidatorOptions.TIME_RANGE
            | CertificateValidatorOptions.URI
            | CertificateValidatorOptions.TRUSTED
        )
        validator = CertificateValidator(options, store)

        async def validate(cert: Any, app: ua.ApplicationDescription) -> None:
            await store.load_trust()
            await validator.validate(cert, app)

        return validate  # type: ignore[return-value]

    def security(self, mode: str = "SignAndEncrypt", **given: Any) -> OpcuaSecurity:
        return OpcuaSecurity.model_validate(
            {
                "policy": "Basic256Sha256",
                "mode": mode,
                "certificate": self.client[0],
                "private_key": self.client[1],
                "username": USER,
                "password": PASSWORD,
                **given,
            }
        )


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return Pki(tmp_path)


def secure_server(pki: Pki, policies: list[ua.SecurityPolicyType], users: Users) -> OpcuaTestServer:
    return OpcuaTestServer(
        policies=policies,
        certificate=pki.server,
        user_manager=users,  # type: ignore[arg-type]
        client_validator=pki.client_validator(),
    )


@pytest.fixture
def nodes(tmp_path: Path) -> Path:
    path = tmp_path / "nodes.yaml"
    ns = f"nsu={NAMESPACE};s="
    path.write_text(
        "meters:\n"
        "  - meter_id: O-1\n"
        f"    import_energy: {{node: '{ns}O-1.ImportWh', unit: Wh}}\n"
        f"    power: {{node: '{ns}O-1.PowerW', unit: W}}\n"
    )
    return path


def connector(stores: Stores, url: str, nodes: Path, security: OpcuaSecurity | None, **kw: Any):
    return OpcuaConnector(
        stores.engine,
        url=url,
        meters=load_nodes(nodes),
        timezone="UTC",
        publishing_ms=20,
        sampling_ms=0,
        tick_s=0.05,
        retry_s=0.2,
        security=security,
        **kw,
    )


@pytest.mark.parametrize("mode", ["SignAndEncrypt", "Sign"])
def test_a_secure_session_with_client_certificate_and_user_feeds_counters_into_postgres(
    pki: Pki, nodes: Path, clean_db: Stores, caplog: pytest.LogCaptureFixture, mode: str
):
    caplog.set_level(logging.DEBUG)
    users = Users()
    policy = getattr(ua.SecurityPolicyType, f"Basic256Sha256_{mode}")
    server = secure_server(pki, [policy], users)  # the configured mode is all it offers
    server.start()
    with session_scope(clean_db.sessions) as s:
        s.add(Meter(meter_id="O-1"))
    server.set("O-1.ImportWh", 1000, at("10:05"))
    server.set("O-1.PowerW", 1500.0, at("10:05"))
    clock = FakeClock(at("10:05"))
    security = pki.security(mode, server_certificate=pki.server[0])
    c = connector(clean_db, server.url, nodes, security, clock=clock)
    c.start()
    try:
        wait_until(lambda: c.stats.received >= 2, "the initial values")
        status = c.status()
        assert status["health"] == "ok"
        assert status["security"] == f"Basic256Sha256/{mode}, user {USER}"
        assert status["meters"]["O-1"]["power_kw"] == pytest.approx(1.5)
        for value, hhmm in ((2500, "10:20"), (3500, "10:30")):
            seen = c.stats.received
            server.set("O-1.ImportWh", value, at(hhmm))
            wait_until(lambda seen=seen: c.stats.received > seen, f"the value of {hhmm}")
        wait_until(lambda: c.stats.written >= 1, "the 10:15 row")
        assert_rows(stored(clean_db), {("O-1", "10:15"): (1.5, 0.0)})
        assert users.attempts == [USER]
        shown = json.dumps(c.status()) + repr(security) + str(security.model_dump())
    finally:
        c.stop()
        server.stop()
    assert PASSWORD not in shown
    assert PASSWORD not in caplog.text


def test_an_untrusted_server_is_refused_before_it_sees_the_credentials_until_trusted(
    pki: Pki, nodes: Path, clean_db: Stores, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    users = Users()
    server = secure_server(pki, SECURE, users)
    server.start()
    shutil.copy(pki.other[0], pki.trust_dir)  # trusts another certificate, not the server's
    c = connector(clean_db, server.url, nodes, pki.security(trust_dir=pki.trust_dir))
    c.start()
    try:
        wait_until(lambda: c.stats.last_error is not None, "the refusal")
        error = c.stats.last_error or ""
        assert error.startswith("opcua: untrusted server certificate CN=luna-test-server")
        assert fingerprint(load_server_cert(pki)) in error
        assert f"LUNA_OPCUA_TRUST_DIR ({pki.trust_dir})" in error
        assert "copy its certificate (.der or .pem) into LUNA_OPCUA_TRUST_DIR" in error

        # refused on every retry, but said once: a warning naming the server, no traceback.
        # The repeat is the connector's own call (a real retry is a secure handshake that a
        # loaded host may time out, which is another failure and says so).
        def about_it() -> list[logging.LogRecord]:  # the refusal's records, ours and asyncua's
            return [
                r
                for r in caplog.records
                if "untrusted" in r.getMessage().casefold() or r.name == "asyncuagds.validate"
            ]

        wait_until(
            lambda: any(r.levelno >= logging.WARNING for r in about_it()), "the refusal's warning"
        )
        c._log_refusal(c._refusal or "")
        loud = [r for r in about_it() if r.levelno >= logging.WARNING]
        assert [(r.name, r.levelname) for r in loud] == [("luna.connectors.opcua", "WARNING")]
        said = loud[0].getMessage()
        assert said.startswith(f"opcua {server.url}: not connecting, untrusted server certificate")
        assert error.removeprefix("opcua: ") in said
        assert not any(r.exc_info or r.exc_text or r.stack_info for r in about_it())
        assert c.health.value == "connecting"
        assert c.stats.received == 0
        assert users.attempts == []  # no session was activated: the password was never sent
        shutil.copy(pki.server[0], pki.trust_dir)  # trusted now: the next try connects
        wait_until(lambda: c.health.value == "ok", "the connection once trusted")
        assert users.attempts == [USER]
    finally:
        c.stop()
        server.stop()


def test_a_server_with_another_certificate_than_the_pinned_one_is_refused(
    pki: Pki, nodes: Path, clean_db: Stores
):
    server = secure_server(pki, SECURE, Users())
    server.start()
    c = connector(clean_db, server.url, nodes, pki.security(server_certificate=pki.other[0]))
    c.start()
    try:
        wait_until(lambda: c.stats.last_error is not None, "the refusal")
        assert "untrusted server certificate" in (c.stats.last_error or "")
        assert f"LUNA_OPCUA_SERVER_CERTIFICATE ({pki.other[0]})" in (c.stats.last_error or "")
        assert "put its certificate in LUNA_OPCUA_SERVER_CERTIFICATE" in (c.stats.last_error or "")
        assert c.stats.received == 0
    finally:
        c.stop()
        server.stop()


def test_a_server_that_does_not_trust_the_client_certificate_is_named_as_the_refuser(
    pki: Pki, nodes: Path, clean_db: Stores, caplog: pytest.LogCaptureFixture
):
    for trusted in pki.server_trusts.iterdir():
        trusted.unlink()
    shutil.copy(pki.other[0], pki.server_trusts)  # the server trusts another client
    server = secure_server(pki, SECURE, Users())
    server.start()
    c = connector(clean_db, server.url, nodes, pki.security(server_certificate=pki.server[0]))
    c.start()
    try:
        wait_until(lambda: c.stats.last_error is not None, "the refusal")
        error = c.stats.last_error or ""
        assert error.startswith("opcua: the server refused the client certificate CN=luna-client")
        assert "BadCertificateUntrusted" in error
        assert c.stats.received == 0
        # the connector quiets asyncua's trust check only for its own: the server's still logs
        assert any(r.name == "asyncuagds.validate" and r.exc_info for r in caplog.records)
    finally:
        c.stop()
        server.stop()


def test_a_secure_only_server_refuses_a_connector_without_security_and_says_why(
    pki: Pki, nodes: Path, clean_db: Stores
):
    server = secure_server(pki, SECURE, Users())
    server.start()
    plain = connector(clean_db, server.url, nodes, None)
    sign_only = OpcuaTestServer(policies=SECURE[:1], certificate=pki.server)
    sign_only.start()
    wrong_mode = connector(clean_db, sign_only.url, nodes, pki.security(trust_dir=pki.trust_dir))
    plain.start()
    wrong_mode.start()
    try:
        wait_until(lambda: plain.stats.last_error is not None, "the refusal")
        assert plain.stats.last_error == (
            "opcua: the server offers only secure endpoints (Basic256Sha256/Sign, "
            "Basic256Sha256/SignAndEncrypt): set LUNA_OPCUA_SECURITY_POLICY with "
            "LUNA_OPCUA_CERTIFICATE, LUNA_OPCUA_PRIVATE_KEY and LUNA_OPCUA_SERVER_CERTIFICATE "
            "or LUNA_OPCUA_TRUST_DIR"
        )
        assert plain.health.value == "connecting"
        wait_until(lambda: wrong_mode.stats.last_error is not None, "the refusal")
        assert wrong_mode.stats.last_error == (
            "opcua: the server offers no Basic256Sha256/SignAndEncrypt endpoint "
            "(it offers Basic256Sha256/Sign)"
        )
    finally:
        plain.stop()
        wrong_mode.stop()
        server.stop()
        sign_only.stop()


def load_server_cert(pki: Pki) -> Any:
    import asyncio

    return asyncio.run(load_certificate(pki.server[0]))


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: Settings, clean_db: Stores) -> Iterator[Stores]:
    monkeypatch.setenv("LUNA_DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("LUNA_HOME", str(settings.home))
    monkeypatch.setenv("LUNA_TIMEZONE", "UTC")
    get_settings.cache_clear()
    yield clean_db
    get_settings.cache_clear()


def test_luna_connect_shows_the_refusal_of_an_untrusted_server_and_never_the_password(
    pki: Pki, nodes: Path, env: Stores, monkeypatch: pytest.MonkeyPatch
):
    server = secure_server(pki, SECURE, Users())
    server.start()
    for name, value in {
        "SECURITY_POLICY": "Basic256Sha256",
        "CERTIFICATE": str(pki.client[0]),
        "PRIVATE_KEY": str(pki.client[1]),
        "TRUST_DIR": str(pki.trust_dir),  # empty: nothing is trusted
        "USERNAME": USER,
        "PASSWORD": PASSWORD,
    }.items():
        monkeypatch.setenv(f"LUNA_OPCUA_{name}", value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app,
            [
                *("connect", "opcua", "--url", server.url, "--nodes-file", str(nodes)),
                *("--duration", "1.5", "--report-every", "0.5"),
            ],
        )
    finally:
        server.stop()
    output = " ".join(result.output.split())  # rich wraps long lines
    assert result.exit_code == 1, result.output
    assert "never connected: opcua: untrusted server certificate CN=luna-test-server" in output
    assert PASSWORD not in result.output


def test_security_settings_are_validated_and_name_the_setting_at_fault(pki: Pki, tmp_path: Path):
    def settings(**given: Any) -> Settings:
        return Settings(  # type: ignore[call-arg]
            **{f"opcua_{k}": v for k, v in given.items()}, _env_file=None
        )

    assert security_from_settings(settings()).describe() == "None"
    secure = security_from_settings(
        settings(
            security_policy="Basic256Sha256",
            security_mode="Sign",
            certificate=pki.client[0],
            private_key=pki.client[1],
            server_certificate=pki.server[0],
        )
    )
    assert secure.describe() == "Basic256Sha256/Sign"
    cases = {
        "LUNA_OPCUA_CERTIFICATE": {"security_policy": "Basic256Sha256"},
        "LUNA_OPCUA_PRIVATE_KEY": {
            "security_policy": "Basic256Sha256",
            "certificate": pki.client[0],
        },
        "needs server_certificate (LUNA_OPCUA_SERVER_CERTIFICATE) or trust_dir": {
            "security_policy": "Basic256Sha256",
            "certificate": pki.client[0],
            "private_key": pki.client[1],
        },
        "LUNA_OPCUA_CERTIFICATE: Path does not point to a file": {
            "security_policy": "Basic256Sha256",
            "certificate": tmp_path / "missing.pem",
            "private_key": pki.client[1],
            "trust_dir": pki.trust_dir,
        },
        "LUNA_OPCUA_TRUST_DIR set but the security policy is None": {"trust_dir": pki.trust_dir},
        "go together": {"username": USER},
    }
    for named, given in cases.items():
        with pytest.raises(ValueError, match="OPC-UA security configuration") as err:
            security_from_settings(settings(**given))
        assert named in str(err.value), given
    with pytest.raises(ValueError, match="LUNA_OPCUA_CERTIFICATE set") as err:
        security_from_settings(
            settings(username=USER, password=PASSWORD, certificate=pki.client[0])
        )
    assert PASSWORD not in str(err.value)
