"""The courier: sends due outbox deliveries through their channels, with retries and backoff.

In a crawl it runs as a background asyncio task woken as soon as an alert reaches the
outbox, so an alert leaves within milliseconds of the listing being stored. `crawler alerts
deliver` and the scheduler use `deliver_due()` / `drain()` to send whatever is left.
Settings (see crawler.alerts.config): ALERTS_RETRY_BASE, ALERTS_RETRY_MAX, ALERTS_MAX_AGE,
ALERTS_LEASE. Counters go to Scrapy stats under alerts/ when a stats collector is given.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from typing import Any

from crawler.alerts.channels import AlertChannel, DeliveryError
from crawler.alerts.config import AlertsConfig
from crawler.alerts.outbox import Delivery, Outbox

logger = logging.getLogger(__name__)


def backoff(attempts: int, base: float, cap: float) -> float:
    """Seconds before the next attempt after `attempts` failures: exponential, capped, jittered."""
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    return delay * random.uniform(0.8, 1.2)


class Courier:
    def __init__(
        self,
        outbox: Outbox,
        channels: dict[str, AlertChannel],
        config: AlertsConfig,
        stats: Any = None,
    ) -> None:
        self.outbox = outbox
        self.channels = channels
        self.config = config
        self.stats = stats
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._failing: set[str] = set()  # channels whose failure was logged (log once per outage)

    def _inc(self, key: str, n: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"alerts/{key}", n)

    async def _send(self, d: Delivery) -> bool:
        channel = self.channels[d.channel]
        try:
            await channel.send(d.alert, d.key)
        except DeliveryError as exc:
            attempts = d.attempts + 1
            too_old = time.time() - d.created_at > self.config.max_age
            give_up = not exc.retryable or too_old
            next_at = (
                None
                if give_up
                else time.time() + backoff(attempts, self.config.retry_base, self.config.retry_max)
            )
            self.outbox.attempt_failed(d, str(exc), next_at)
            self._inc("delivery_failed" if give_up else "delivery_retry")
            if give_up:
                logger.error("alert %s to %s given up: %s", d.alert.id, d.channel, exc)
            elif d.channel not in self._failing:
                self._failing.add(d.channel)
                logger.warning("alert delivery to %s failing, will retry: %s", d.channel, exc)
            return False
        except Exception as exc:  # a bug in a channel must not stop the courier
            self.outbox.attempt_failed(
                d, f"{type(exc).__name__}: {exc}", time.time() + self.config.retry_max
            )
            self._inc("delivery_error")
            logger.exception("alert channel %s crashed", d.channel)
            return False
        self.outbox.delivered(d)
        if d.channel in self._failing:
            self._failing.discard(d.channel)
            logger.warning("alert delivery to %s recovered", d.channel)
        self._inc("delivered")
        if d.alert.scraped_at is not None:
            latency = time.time() - d.alert.scraped_at.timestamp()
            if self.stats is not None:
                self.stats.max_value("alerts/max_latency_s", round(latency, 3))
        return True

    async def deliver_due(self) -> int:
        """One pass over the due deliveries; returns how many succeeded."""
        delivered = 0
        while True:
            batch = self.outbox.claim_due(list(self.channels), self.config.lease)
            if not batch:
                return delivered
            results = await asyncio.gather(*(self._send(d) for d in batch))
            delivered += sum(results)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.deliver_due()
            except Exception:
                logger.exception("alert courier pass failed; retrying")
            due = self.outbox.next_due(list(self.channels))
            timeout = None if due is None else max(0.05, min(due - time.time(), 30.0))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()

    async def drain(self, timeout: float) -> int:
        """Deliver until nothing is pending or the timeout passes; returns how many remain."""
        deadline = time.monotonic() + timeout
        while True:
            await self.deliver_due()
            remaining = self.outbox.pending_count(list(self.channels))
            if remaining == 0 or time.monotonic() >= deadline:
                return remaining
            due = self.outbox.next_due(list(self.channels)) or time.time()
            if due - time.time() > deadline - time.monotonic():
                return remaining  # the next attempt falls after the deadline: no use waiting
            await asyncio.sleep(max(0.05, min(due - time.time(), deadline - time.monotonic(), 1.0)))

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            # Let a send in flight record its outcome; cancelling mid-send would only cause a
            # resend (deduplicated by the receiver), but there is no reason to provoke one.
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                async with asyncio.timeout(10):
                    await asyncio.shield(self._task)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for ch in self.channels.values():
            await ch.close()
