"""Slack-compatible incoming-webhook channel (Slack, Mattermost, Rocket.Chat accept the shape).

Body: {"text": fallback text, "blocks": [section with the alert in mrkdwn]}. The webhook URL
is itself a secret, so it comes from the environment variable named by `url_env` (default
ALERTS_SLACK_WEBHOOK_URL) unless `url` is given (e.g. a local relay). Chat webhooks do not
dedup; the idempotency key is still sent as a header for relays that do.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from crawler.alerts.alert import Alert
from crawler.alerts.channels.base import ChannelConfig
from crawler.alerts.channels.webhook import IDEMPOTENCY_HEADER, HttpPostChannel


class SlackConfig(ChannelConfig):
    type: Literal["slack"]
    url: str | None = None
    url_env: str | None = "ALERTS_SLACK_WEBHOOK_URL"
    channel: str | None = None  # override for webhooks that allow it


def slack_payload(alert: Alert, channel: str | None = None) -> dict[str, Any]:
    if alert.health is not None:  # a health alert: no listing to link to
        lines = [f"*{alert.subject()}*", *alert.health_lines(), f"Alert `{alert.id}`"]
        payload: dict[str, Any] = {
            "text": alert.subject(),
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}],
        }
        if channel:
            payload["channel"] = channel
        return payload
    lines = [f"*<{alert.url}|{alert.subject()}>*", *alert.removal_lines()]
    if alert.indicators:
        lines.append("Indicators: " + ", ".join(f"`{i.id}`" for i in alert.indicators))
    if alert.identifiers:
        lines.append(
            "Watchlist: "
            + ", ".join(
                f"{i.kind} `{i.value}`" + (f" ({i.label})" if i.label else "")
                for i in alert.identifiers
            )
        )
    if alert.terms:
        lines.append("Terms: " + ", ".join(alert.terms))
    lines += alert.cluster_lines()
    lines.append(f"Alert `{alert.id}`")
    payload = {
        "text": f"{alert.subject()} {alert.url}",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}],
    }
    if channel:
        payload["channel"] = channel
    return payload


class SlackChannel(HttpPostChannel):
    type = "slack"
    config_model = SlackConfig

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.url = self.config.url or self.secret(self.config.url_env)

    def check(self) -> str | None:
        if not self.url:
            return f"no url and environment variable {self.config.url_env} is not set"
        return None

    async def send(self, alert: Alert, idempotency_key: str) -> None:
        body = json.dumps(slack_payload(alert, self.config.channel)).encode()
        await self._post(
            self.url or "",
            body,
            {"Content-Type": "application/json", IDEMPOTENCY_HEADER: idempotency_key},
        )
