"""Alert channels, one module per channel behind `AlertChannel` (base.py).

CHANNEL_TYPES maps the `type:` of a channel definition to its class; `build_channel` turns a
validated definition into a ready channel.
"""

from __future__ import annotations

from crawler.alerts.channels.base import AlertChannel, ChannelConfig, DeliveryError
from crawler.alerts.channels.email import EmailChannel
from crawler.alerts.channels.jsonl import JsonlChannel
from crawler.alerts.channels.slack import SlackChannel
from crawler.alerts.channels.webhook import WebhookChannel

CHANNEL_TYPES: dict[str, type[AlertChannel]] = {
    c.type: c for c in (WebhookChannel, SlackChannel, EmailChannel, JsonlChannel)
}

__all__ = ["CHANNEL_TYPES", "AlertChannel", "ChannelConfig", "DeliveryError"]
