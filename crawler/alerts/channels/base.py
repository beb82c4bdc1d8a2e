"""The one interface every alert channel implements, and the error it raises.

A channel is configured in a rules file's `channels:` section (validated by the channel's
pydantic config model at load time) and built once per process. Secrets never sit in the
file: a channel names the environment variable that holds its secret (`secret_env`,
`password_env`), and building the channel fails with file/field/reason when it is unset.
"""

from __future__ import annotations

import builtins
import os
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from crawler.alerts.alert import Alert


class DeliveryError(RuntimeError):
    """A delivery attempt failed; `retryable` False means retrying cannot help (e.g. HTTP 400)."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class ChannelConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str
    timeout: float = 10.0


class AlertChannel(ABC):
    """Sends one alert to one destination; idempotent for the same idempotency key."""

    config_model: ClassVar[builtins.type[ChannelConfig]] = ChannelConfig
    type: ClassVar[str]

    def __init__(self, name: str, config: Any, environ: Mapping[str, str] | None = None) -> None:
        self.name = name
        self.config = config
        self.environ = os.environ if environ is None else environ

    def secret(self, env_name: str | None) -> str | None:
        return self.environ.get(env_name) if env_name else None

    def check(self) -> str | None:
        """Why this channel cannot run here (e.g. its secret is not set), or None."""
        return None

    @abstractmethod
    async def send(self, alert: Alert, idempotency_key: str) -> None:
        """Deliver or raise DeliveryError."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def describe(self) -> str:
        return f"{self.type}:{self.name}"
