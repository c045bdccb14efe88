"""SMTP_URL with TLS: STARTTLS with a login, and smtps, against aiosmtpd on loopback."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import typing as t

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import OutboxMessage
from commentsvc.notify import worker

from .conftest import Actions
from .notify_servers import Inbox
from .servers import free_port


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1: (cert file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


def server_context(certificate: tuple[str, str]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


class Logins:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, server: t.Any, session: t.Any, envelope: t.Any, mechanism: str,
                 auth_data: t.Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login = (auth_data.login.decode(), auth_data.password.decode())
        self.seen.append(login)
        return AuthResult(success=login == ("ana@x", "s3cr:et"), handled=False)  # False: 535


def mail_one(app_factory: t.Any, smtp_url: str) -> OutboxMessage:
    app = app_factory(SMTP_URL=smtp_url, NOTIFY_SMTP_TIMEOUT=3)
    actions = Actions(app, app.test_client())
    actions.site("demo")
    result = app.test_cli_runner().invoke(
        args=["moderator", "add", "m", "--site", "demo", "--email", "m@example.org"])
    assert result.exit_code == 0
    assert actions.post().status_code == 202
    with app.app_context():
        worker.run_once()
        row = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "mail")).one()
        db.session.expunge(row)
        return row


@pytest.mark.parametrize(("password", "delivered"), [("s3cr%3Aet", True), ("wrong", False)])
def test_starttls_with_login(app_factory, certificate, monkeypatch, password, delivered):
    monkeypatch.setenv("SSL_CERT_FILE", certificate[0])  # trust our own certificate
    inbox, logins, port = Inbox(), Logins(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port,
                            tls_context=server_context(certificate), require_starttls=True,
                            authenticator=logins, auth_required=True)
    controller.start()
    try:
        row = mail_one(app_factory, f"smtp+starttls://ana%40x:{password}@127.0.0.1:{port}")
    finally:
        controller.stop()
    assert logins.seen and logins.seen[0][0] == "ana@x"
    if delivered:
        assert row.sent_at is not None and len(inbox.received) == 1
    else:  # a refused login is the operator's to fix: kept and retried, not given up
        assert row.sent_at is None and row.failed_at is None
        assert "SMTP login refused: 535" in (row.last_error or "")
        assert inbox.received == []


def mail_over_smtps(app_factory: t.Any, certificate: t.Any) -> tuple[Inbox, t.Any]:
    """One held-comment mail through an SMTPS server on loopback: its inbox and the outbox row."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port,
                            ssl_context=server_context(certificate))
    controller.start()
    try:
        return inbox, mail_one(app_factory, f"smtps://127.0.0.1:{port}")
    finally:
        controller.stop()


def test_smtps(app_factory, certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", certificate[0])
    inbox, row = mail_over_smtps(app_factory, certificate)
    assert row.sent_at is not None and len(inbox.received) == 1


def test_an_untrusted_certificate_gets_no_mail_and_the_mail_waits(app_factory, certificate):
    inbox, row = mail_over_smtps(app_factory, certificate)
    assert inbox.received == []
    assert row.sent_at is None and row.failed_at is None
    assert "CERTIFICATE_VERIFY_FAILED" in (row.last_error or "")
