"""Webhook channel: POSTs the alert as JSON, signed with HMAC-SHA256, with an idempotency key.

Headers a receiver reads:
- `Idempotency-Key`: the same for every retry of one alert to one channel (dedup on it);
- `X-Flagwatch-Timestamp`: Unix seconds of this attempt;
- `X-Flagwatch-Signature`: `sha256=` + hex HMAC-SHA256 over `"{timestamp}.{body}"` with the
  secret from the environment variable named by `secret_env` (default ALERTS_WEBHOOK_SECRET).
  Verify with `verify_signature()`.
2xx is success; 408, 425, 429 and 5xx are retried; other 4xx are permanent failures.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Literal

import aiohttp

from crawler.alerts.alert import Alert
from crawler.alerts.channels.base import AlertChannel, ChannelConfig, DeliveryError

SIGNATURE_HEADER = "X-Flagwatch-Signature"
TIMESTAMP_HEADER = "X-Flagwatch-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
RETRYABLE_STATUS = {408, 425, 429}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature or "")


class WebhookConfig(ChannelConfig):
    type: Literal["webhook"]
    url: str
    secret_env: str | None = "ALERTS_WEBHOOK_SECRET"
    require_secret: bool = True  # refuse to send unsigned alerts unless said otherwise


class HttpPostChannel(AlertChannel):
    """Shared POST logic for JSON-over-HTTP channels (webhook, Slack)."""

    _session: aiohttp.ClientSession | None = None

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.config.timeout)
            )
        try:
            async with self._session.post(url, data=body, headers=headers) as resp:
                await resp.read()
                if 200 <= resp.status < 300:
                    return
                retryable = resp.status >= 500 or resp.status in RETRYABLE_STATUS
                raise DeliveryError(f"{self.describe()}: HTTP {resp.status}", retryable=retryable)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise DeliveryError(f"{self.describe()}: {type(exc).__name__}: {exc}") from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class WebhookChannel(HttpPostChannel):
    type = "webhook"
    config_model = WebhookConfig

    def check(self) -> str | None:
        """Why this channel cannot run (missing secret), or None."""
        if self.config.require_secret and not self.secret(self.config.secret_env):
            return f"environment variable {self.config.secret_env} is not set"
        return None

    async def send(self, alert: Alert, idempotency_key: str) -> None:
        body = json.dumps(
            {"idempotency_key": idempotency_key, "alert": alert.record()}, sort_keys=True
        ).encode()
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            IDEMPOTENCY_HEADER: idempotency_key,
            TIMESTAMP_HEADER: ts,
        }
        secret = self.secret(self.config.secret_env)
        if secret:
            headers[SIGNATURE_HEADER] = sign(secret, ts, body)
        await self._post(self.config.url, body, headers)
