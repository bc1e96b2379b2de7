"""OPC-UA security: a signed or encrypted channel, a client certificate, a verified server.

Configured by the ``LUNA_OPCUA_*`` settings and validated here (:class:`OpcuaSecurity`): with
policy ``Basic256Sha256`` the connector presents the client certificate and key named there,
and talks only to a server whose certificate is trusted, the one named in
``LUNA_OPCUA_SERVER_CERTIFICATE`` or one a certificate in ``LUNA_OPCUA_TRUST_DIR`` trusts
(asyncua's :class:`~asyncua.crypto.truststore.TrustStore`; the files are read on every connect,
so adding a certificate needs no restart). The server's certificate is taken from its endpoint
list and verified *before* the secure channel is opened, so an untrusted server never sees the
session's credentials. A user name and password are optional; the password is a secret,
shown nowhere.

Without a policy the connection is as before; when it fails, the server's endpoints tell
whether it offers no unsecured endpoint, and the error says so; with a policy, a server that
refuses the client's certificate is named as such (:func:`explain_refusal`).

A refusal is the connector's own one-line warning; asyncua's trust store would also log its
verification failure with a full traceback, for a case that is expected and explained, so
that one record is dropped while this module asks the store (:class:`_QuietTrustCheck`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from asyncua import ua
from asyncua.client.client import Client
from asyncua.common.utils import ServiceError
from asyncua.crypto import security_policies, uacrypto
from asyncua.crypto.truststore import TrustStore
from asyncua.crypto.validator import CertificateValidator, CertificateValidatorOptions
from asyncua.ua.status_codes import StatusCodes
from asyncua.ua.uaerrors import UaStatusCodeError
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from pydantic import (
    BaseModel,
    ConfigDict,
    DirectoryPath,
    Field,
    FilePath,
    SecretStr,
    ValidationError,
    model_validator,
)

if TYPE_CHECKING:
    from luna.config import Settings

Policy = Literal["None", "Basic256Sha256"]
Mode = Literal["Sign", "SignAndEncrypt"]

# The settings that configure each field, named in configuration errors.
SETTING = {
    "certificate": "LUNA_OPCUA_CERTIFICATE",
    "private_key": "LUNA_OPCUA_PRIVATE_KEY",
    "server_certificate": "LUNA_OPCUA_SERVER_CERTIFICATE",
    "trust_dir": "LUNA_OPCUA_TRUST_DIR",
    "username": "LUNA_OPCUA_USERNAME",
    "password": "LUNA_OPCUA_PASSWORD",
}
# Checked on the server's certificate besides trust: its validity period, and that it names the
# application URI the server announces (OPC 10000-4, 6.1.3).
CHECKS = (
    CertificateValidatorOptions.TIME_RANGE
    | CertificateValidatorOptions.URI
    | CertificateValidatorOptions.PEER_SERVER
)


# What a server answers when it does not accept the client's certificate (the server's own was
# verified before): OPC 10000-4, 7.34.
CLIENT_CERTIFICATE_REFUSED = {
    StatusCodes.BadCertificateUntrusted,
    StatusCodes.BadCertificateRevoked,
    StatusCodes.BadCertificateTimeInvalid,
    StatusCodes.BadCertificateUriInvalid,
    StatusCodes.BadCertificateUseNotAllowed,
    StatusCodes.BadCertificateInvalid,
    StatusCodes.BadSecurityChecksFailed,
}


# Set while verify_server asks the trust store: only then is its failure record dropped.
_checking_trust: ContextVar[bool] = ContextVar("luna_opcua_checking_trust", default=False)


class _QuietTrustCheck(logging.Filter):
    """Drop asyncua's ``Not trusted certificate used`` record (an ERROR with the traceback of
    cryptography's ``VerificationError``) when it comes from :func:`verify_server`, which turns
    the same fact into an :class:`OpcuaSecurityError` naming the server, the fingerprint, the
    trust store and the remedy. Other records of that logger, and the same failure met
    elsewhere (an asyncua server in this process checking its clients), pass unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not (record.exc_info and _checking_trust.get()):
            return True
        exc_type = record.exc_info[0]
        return exc_type is None or not issubclass(exc_type, x509.verification.VerificationError)


logging.getLogger("asyncuagds.validate").addFilter(_QuietTrustCheck())


@contextmanager
def _quiet_trust_check() -> Iterator[None]:
    token = _checking_trust.set(True)
    try:
        yield
    finally:
        _checking_trust.reset(token)


class OpcuaSecurityError(Exception):
    """The connection is refused for a security reason; the message says what to change."""


class OpcuaSecurity(BaseModel):
    """How the OPC-UA connector secures its connection (``LUNA_OPCUA_SECURITY_*`` & co.)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: Policy = "None"
    mode: Mode = "SignAndEncrypt"
    certificate: FilePath | None = Field(default=None, description="Client certificate (PEM/DER).")
    private_key: FilePath | None = Field(default=None, description="Its private key (PEM/DER).")
    private_key_password: SecretStr | None = None
    server_certificate: FilePath | None = Field(
        default=None, description="The trusted server certificate (pinned)."
    )
    trust_dir: DirectoryPath | None = Field(
        default=None, description="Directory of trusted server or CA certificates (PEM/DER)."
    )
    username: str | None = None
    password: SecretStr | None = None

    @model_validator(mode="after")
    def _complete(self) -> OpcuaSecurity:
        files = ("certificate", "private_key", "server_certificate", "trust_dir")
        if self.policy == "None":
            given = [SETTING[name] for name in files if getattr(self, name) is not None]
            if given:
                raise ValueError(
                    f"{', '.join(given)} set but the security policy is None: set "
                    "LUNA_OPCUA_SECURITY_POLICY=Basic256Sha256 or remove them"
                )
        else:
            missing = [
                f"{name} ({SETTING[name]})"
                for name in ("certificate", "private_key")
                if getattr(self, name) is None
            ]
            if missing:
                raise ValueError(f"security policy {self.policy} needs {' and '.join(missing)}")
            if self.server_certificate is None and self.trust_dir is None:
                raise ValueError(
                    f"security policy {self.policy} needs server_certificate "
                    f"({SETTING['server_certificate']}) or trust_dir ({SETTING['trust_dir']}) "
                    "to verify the server"
                )
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password (LUNA_OPCUA_USERNAME/_PASSWORD) go together")
        return self

    @property
    def secure(self) -> bool:
        return self.policy != "None"

    def describe(self) -> str:
        """For status and logs: policy, mode, user name; never the password."""
        text = f"{self.policy}/{self.mode}" if self.secure else "None"
        return f"{text}, user {self.username}" if self.username else text


def security_from_settings(settings: Settings) -> OpcuaSecurity:
    """The ``LUNA_OPCUA_*`` security settings, validated; a :class:`ValueError` names the
    settings at fault."""
    given = {
        "policy": settings.opcua_security_policy,
        "mode": settings.opcua_security_mode,
        "certificate": settings.opcua_certificate,
        "private_key": settings.opcua_private_key,
        "private_key_password": settings.opcua_private_key_password,
        "server_certificate": settings.opcua_server_certificate,
        "trust_dir": settings.opcua_trust_dir,
        "username": settings.opcua_username,
        "password": settings.opcua_password,
    }
    try:
        return OpcuaSecurity.model_validate(given)
    except ValidationError as exc:
        problems = "; ".join(
            f"{SETTING.get(str(e['loc'][0]), 'LUNA_OPCUA_' + str(e['loc'][0]).upper())}: {e['msg']}"
            if e["loc"]
            else str(e["msg"])
            for e in exc.errors()
        )
        raise ValueError(f"OPC-UA security configuration: {problems}") from None


async def secure_client(client: Client, security: OpcuaSecurity) -> None:
    """Configure ``client`` (not yet connected) as ``security`` says: credentials, and for a
    policy the endpoint, a verified server certificate and the client's certificate and key."""
    if security.username is not None and security.password is not None:
        client.set_user(security.username)
        client.set_password(security.password.get_secret_value())
    if not security.secure:
        return
    assert security.certificate is not None  # the model requires both with a policy
    assert security.private_key is not None
    policy = getattr(security_policies, f"SecurityPolicy{security.policy}")
    mode = getattr(ua.MessageSecurityMode, security.mode)
    endpoint = _endpoint(await client.connect_and_get_server_endpoints(), policy.URI, mode)
    # the first certificate of the chain the server sends (asyncua's helper, untyped)
    server_cert = uacrypto.x509_from_der(endpoint.ServerCertificate)  # type: ignore[no-untyped-call]
    if server_cert is None:
        raise OpcuaSecurityError(f"the server's {security.policy} endpoint has no certificate")
    await verify_server(server_cert, endpoint.Server, security)
    own = await uacrypto.load_certificate(security.certificate, _format(security.certificate))
    uri = _application_uri(own)
    if uri is not None:  # servers check that the client's description matches its certificate
        client.application_uri = uri
    password = security.private_key_password
    await client.set_security(
        policy,
        uacrypto.CertProperties(security.certificate, _format(security.certificate)),
        uacrypto.CertProperties(
            security.private_key,
            _format(security.private_key),
            password.get_secret_value() if password is not None else None,
        ),
        server_certificate=server_cert.public_bytes(Encoding.DER),
        mode=mode,
    )


async def verify_server(
    cert: x509.Certificate, server: ua.ApplicationDescription, security: OpcuaSecurity
) -> None:
    """Raise :class:`OpcuaSecurityError` unless ``cert`` is trusted and valid for ``server``."""
    trusted = False
    if security.server_certificate is not None:
        pinned = await uacrypto.load_certificate(
            security.server_certificate, _format(security.server_certificate)
        )
        trusted = pinned == cert
    if not trusted and security.trust_dir is not None and _certificate_files(security.trust_dir):
        store = TrustStore([security.trust_dir], [])
        try:
            await store.load_trust()
        except ValueError as exc:
            raise OpcuaSecurityError(
                f"{SETTING['trust_dir']} {security.trust_dir}: unreadable certificate ({exc})"
            ) from exc
        with _quiet_trust_check():
            trusted = store.is_trusted(cert)
    if not trusted:
        raise OpcuaSecurityError(
            f"untrusted server certificate {cert.subject.rfc4514_string()} "
            f"(SHA-256 {fingerprint(cert)}): {_not_trusted(security)}"
        )
    try:
        await CertificateValidator(CHECKS)(cert, server)
    except ServiceError as exc:
        status = ua.StatusCode(ua.UInt32(exc.code))
        raise OpcuaSecurityError(
            f"server certificate {cert.subject.rfc4514_string()} refused: {status.name} "
            f"({status.doc})"
        ) from exc


async def explain_refusal(
    url: str, timeout: float, error: Exception, security: OpcuaSecurity
) -> None:
    """A connection failed: raise :class:`OpcuaSecurityError` if that is for security, the
    server refusing the client's certificate or, without a policy, offering secure endpoints
    only (else return; the caller re-raises ``error``)."""
    if security.secure:
        code = error.code if isinstance(error, UaStatusCodeError) else None
        if code in CLIENT_CERTIFICATE_REFUSED and security.certificate is not None:
            own = await uacrypto.load_certificate(
                security.certificate, _format(security.certificate)
            )
            raise OpcuaSecurityError(
                f"the server refused the client certificate {own.subject.rfc4514_string()} "
                f"(SHA-256 {fingerprint(own)}): {ua.StatusCode(ua.UInt32(code)).name}; "
                "add it to the server's trusted certificates"
            ) from error
        return
    endpoints: list[ua.EndpointDescription] = []
    with suppress(Exception):  # the server is unreachable: the original error says so
        endpoints = await Client(url, timeout=timeout).connect_and_get_server_endpoints()
    none = security_policies.SecurityPolicyNone.URI
    if endpoints and not any(ep.SecurityPolicyUri == none for ep in endpoints):
        raise OpcuaSecurityError(
            f"the server offers only secure endpoints ({_offered(endpoints)}): set "
            "LUNA_OPCUA_SECURITY_POLICY with LUNA_OPCUA_CERTIFICATE, LUNA_OPCUA_PRIVATE_KEY and "
            "LUNA_OPCUA_SERVER_CERTIFICATE or LUNA_OPCUA_TRUST_DIR"
        ) from error


def _not_trusted(security: OpcuaSecurity) -> str:
    """Where the connector looked for trust, and what to do if the server is the right one."""
    pinned, trust_dir = security.server_certificate, security.trust_dir
    where = []
    if pinned is not None:
        where.append(f"not the certificate pinned in {SETTING['server_certificate']} ({pinned})")
    if trust_dir is not None:
        where.append(f"not trusted by {SETTING['trust_dir']} ({trust_dir})")
    if trust_dir is not None:
        remedy = f"copy its certificate (.der or .pem) into {SETTING['trust_dir']}"
    else:
        remedy = f"put its certificate in {SETTING['server_certificate']}"
    return f"{' and '.join(where)}; if this is the right server, {remedy} (no restart needed)"


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def _endpoint(
    endpoints: list[ua.EndpointDescription], policy_uri: str, mode: ua.MessageSecurityMode
) -> ua.EndpointDescription:
    for ep in endpoints:
        if ep.SecurityPolicyUri == policy_uri and ep.SecurityMode == mode:
            return ep
    wanted = f"{policy_uri.rsplit('#', 1)[-1]}/{mode.name}"
    raise OpcuaSecurityError(
        f"the server offers no {wanted} endpoint (it offers {_offered(endpoints)})"
    )


def _offered(endpoints: list[ua.EndpointDescription]) -> str:
    pairs = {
        f"{ep.SecurityPolicyUri.rsplit('#', 1)[-1]}/{ep.SecurityMode.name}" for ep in endpoints
    }
    return ", ".join(sorted(pairs)) or "none"


def _certificate_files(directory: Path) -> list[Path]:
    """The files asyncua's trust store reads: named ``*.pem`` or ``*.der``."""
    return [p for p in directory.iterdir() if p.suffix.lower() in (".pem", ".der")]


def _format(path: Path) -> str:
    """``pem`` or ``der`` by the file's content (asyncua goes by the suffix: ``.crt``, ``.key``)."""
    with path.open("rb") as f:
        return "pem" if f.read(64).lstrip().startswith(b"-----BEGIN") else "der"


def _application_uri(cert: x509.Certificate) -> str | None:
    with suppress(x509.ExtensionNotFound):
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        uris = san.get_values_for_type(x509.UniformResourceIdentifier)
        return uris[0] if uris else None
    return None
