"""E-mail channel: one plain-text message per alert over SMTP, STARTTLS and AUTH.

Config: host, port, starttls (default true), ssl (implicit TLS, port 465), username,
password_env (default ALERTS_SMTP_PASSWORD), from, to, ca_file (trust a private CA, e.g. the
test server's). The Message-ID is derived from the idempotency key, so a mail system or an
analyst's client can spot a resend. smtplib runs in a worker thread so the event loop keeps
crawling while the server answers.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Literal

from pydantic import Field

from crawler.alerts.alert import Alert
from crawler.alerts.channels.base import AlertChannel, ChannelConfig, DeliveryError


class EmailConfig(ChannelConfig):
    type: Literal["email"]
    host: str
    port: int = Field(587, ge=1, le=65535)
    starttls: bool = True
    ssl: bool = False
    username: str | None = None
    password_env: str | None = "ALERTS_SMTP_PASSWORD"
    sender: str = Field(alias="from")
    to: list[str] = Field(min_length=1)
    ca_file: str | None = None


def message_id(idempotency_key: str) -> str:
    return f"<{idempotency_key}@alerts.flagwatch.invalid>"


class EmailChannel(AlertChannel):
    type = "email"
    config_model = EmailConfig

    def check(self) -> str | None:
        if self.config.username and not self.secret(self.config.password_env):
            return f"environment variable {self.config.password_env} is not set"
        return None

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.config.ca_file)

    def _build(self, alert: Alert, idempotency_key: str) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = alert.subject()
        msg["From"] = self.config.sender
        msg["To"] = ", ".join(self.config.to)
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = message_id(idempotency_key)
        msg["X-Flagwatch-Idempotency-Key"] = idempotency_key
        msg.set_content(alert.text())
        return msg

    def _send_sync(self, msg: EmailMessage) -> None:
        cfg = self.config
        try:
            if cfg.ssl:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, timeout=cfg.timeout, context=self._tls()
                )
            else:
                smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
            with smtp:
                if cfg.starttls and not cfg.ssl:
                    smtp.starttls(context=self._tls())
                if cfg.username:
                    smtp.login(cfg.username, self.secret(cfg.password_env) or "")
                smtp.send_message(msg)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"{self.describe()}: authentication refused ({exc.smtp_code})"
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(
                f"{self.describe()}: recipients refused: {list(exc.recipients)}", retryable=False
            ) from None
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise DeliveryError(f"{self.describe()}: {type(exc).__name__}: {exc}") from None

    async def send(self, alert: Alert, idempotency_key: str) -> None:
        await asyncio.to_thread(self._send_sync, self._build(alert, idempotency_key))
