"""Real alert receivers on 127.0.0.1 for tests and the latency benchmark.

- `WebhookReceiver`: an aiohttp server in its own thread. It records every raw delivery,
  verifies the HMAC signature, counts distinct idempotency keys (as a real receiver that
  dedups would), can answer 503 for a while, and can go down and come back on the same port.
- `SmtpReceiver`: an aiosmtpd server in its own thread with STARTTLS (a throw-away
  self-signed certificate for 127.0.0.1; `ca_file` lets the client verify it) and AUTH
  (only after STARTTLS, one user/password); it records every message.
Nothing here is used in production.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import ipaddress
import json
import socket
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

from aiohttp import web

from crawler.alerts.channels.webhook import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_signature,
)


@dataclass
class WebhookDelivery:
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float
    signature_ok: bool | None  # None when the receiver has no secret

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def key(self) -> str | None:
        return self.headers.get(IDEMPOTENCY_HEADER)


@dataclass
class WebhookReceiver:
    secret: str | None = None
    host: str = "127.0.0.1"
    port: int = 0
    deliveries: list[WebhookDelivery] = field(default_factory=list)
    fail_with: int | None = None  # answer this status instead of 200 while set

    def __post_init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)

    # -- server --------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = dict(request.headers)
        ok = None
        if self.secret is not None:
            ok = verify_signature(
                self.secret,
                headers.get(TIMESTAMP_HEADER, ""),
                body,
                headers.get(SIGNATURE_HEADER, ""),
            )
        with self._arrived:
            self.deliveries.append(WebhookDelivery(request.path, headers, body, time.time(), ok))
            self._arrived.notify_all()
        if self.fail_with is not None:
            return web.Response(status=self.fail_with)
        if ok is False:
            return web.Response(status=401, text="bad signature")
        return web.json_response({"ok": True})

    def _serve(self, started: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        loop.run_until_complete(site.start())
        self.port = self._runner.addresses[0][1]
        started.set()
        loop.run_forever()
        loop.run_until_complete(self._runner.cleanup())
        loop.close()

    def start(self) -> WebhookReceiver:
        """Start (or restart on the same port after stop())."""
        started = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(started,), daemon=True, name="webhook-receiver"
        )
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("webhook receiver did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop = self._thread = None

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what arrived --------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/alerts"

    @property
    def keys(self) -> set[str]:
        """Distinct idempotency keys accepted (what a deduplicating receiver would keep)."""
        with self._lock:
            return {d.key for d in self.deliveries if d.key and d.signature_ok is not False}

    def wait_for(self, count: int, timeout: float = 30.0, distinct: bool = True) -> bool:
        """Wait until `count` distinct keys (or raw deliveries) arrived."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                n = (
                    len({d.key for d in self.deliveries if d.key})
                    if distinct
                    else len(self.deliveries)
                )
                if n >= count:
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._arrived.wait(left)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def self_signed_certificate(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A throw-away certificate and key for `host` (an IP address SAN); returns (cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _MailHandler:
    def __init__(self, receiver: SmtpReceiver) -> None:
        self.receiver = receiver

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook name
        msg = email.message_from_bytes(envelope.content)
        with self.receiver._arrived:
            self.receiver.messages.append(msg)
            self.receiver.tls_used.append(session.ssl is not None)
            self.receiver._arrived.notify_all()
        return "250 Message accepted for delivery"


class SmtpReceiver:
    def __init__(
        self, username: str = "alerts", password: str = "s3cret-test-only", host: str = "127.0.0.1"
    ) -> None:
        self.username, self.password, self.host = username, password, host
        self.port = 0
        self.messages: list[Message] = []
        self.tls_used: list[bool] = []
        self.auth_failures = 0
        self._arrived = threading.Condition(threading.Lock())
        self._tmp = tempfile.TemporaryDirectory(prefix="smtp-receiver-")
        self.ca_file, self._key_file = self_signed_certificate(Path(self._tmp.name), host)
        self._controller: Any = None

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.username
            and auth_data.password.decode() == self.password
        ):
            return AuthResult(success=True)
        self.auth_failures += 1
        return AuthResult(success=False, handled=False)

    def start(self) -> SmtpReceiver:
        from aiosmtpd.controller import Controller

        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(self.ca_file, self._key_file)
        self.port = free_port(self.host)
        self._controller = Controller(
            _MailHandler(self),
            hostname=self.host,
            port=self.port,
            tls_context=tls,
            require_starttls=True,
            auth_require_tls=True,
            auth_required=True,
            authenticator=self._authenticate,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        self._tmp.cleanup()

    def __enter__(self) -> SmtpReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def message_ids(self) -> set[str]:
        with self._arrived:
            return {str(m["Message-ID"]) for m in self.messages}

    def wait_for(self, count: int, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._arrived.wait(left)
            return True
