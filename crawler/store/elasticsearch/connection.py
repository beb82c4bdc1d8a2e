"""Talking to Elasticsearch: the client, retries with backoff, bulk requests, and what an
outage or a refusal of our credentials means for the caller.

Requests are retried with exponential backoff (STORE_BULK_RETRY_BACKOFF, doubling, at most
30 s, at most STORE_BULK_MAX_RETRIES retries) on 429, 5xx, connection errors and timeouts;
when it gives up, or when Elasticsearch refuses the credentials, `Unreachable` tells the
write path to spool instead (replay.py). The client's own immediate retries are off.
Reads turn `Unreachable` into a StoreError naming the cause.

A circuit breaker: once Elasticsearch is found unavailable, every request fails at once
(`Unreachable`, no retries, no waiting) until a probe (the spool's replay task, every
STORE_SPOOL_RETRY_INTERVAL seconds) finds it back, so a crawl spools at close to its
normal rate instead of waiting out retries for every read and batch. One line is logged
when it goes away and one when it is back; the transport's own per-request warnings are
silenced (they would be thousands per outage). Counters: outages, outage_seconds.

Settings: STORE_URL and ELASTICSEARCH_* (the client), STORE_BULK_MAX_RETRIES,
STORE_BULK_RETRY_BACKOFF. Counters: retries, bulk_requests.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import (
    ApiError,
    AsyncElasticsearch,
    AuthenticationException,
    AuthorizationException,
)

from crawler.store.base import StoreError
from crawler.store.elasticsearch.config import StoreConfig

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF = 30.0
# Partial updates of a listing (`update` with a `doc`) that another write to the same listing
# overtook inside Elasticsearch (409): merged again this many times before the item fails.
UPDATE_RETRIES_ON_CONFLICT = 5


class Unreachable(Exception):
    """Elasticsearch could not be reached (after retries) or refused us; spool instead."""

    def __init__(self, cause: str, auth: bool = False) -> None:
        super().__init__(cause)
        self.cause = cause
        self.auth = auth


def make_client(config: StoreConfig) -> AsyncElasticsearch:
    """The async client for STORE_URL with the ELASTICSEARCH_* credentials and TLS settings."""
    # Each failed request of an outage logs a warning there; Connection says it once.
    for name in ("elastic_transport.node_pool", "elastic_transport.transport"):
        logging.getLogger(name).setLevel(logging.ERROR)
    kwargs: dict[str, Any] = {
        "request_timeout": config.request_timeout,
        # We retry with backoff ourselves (and spool after that); the transport's
        # immediate retries would only multiply the wait.
        "max_retries": 0,
        "retry_on_timeout": False,
    }
    if config.api_key:
        key = config.api_key
        kwargs["api_key"] = tuple(key.split(":", 1)) if ":" in key else key
    elif config.username:
        kwargs["basic_auth"] = (config.username, config.password or "")
    if config.url.startswith("https://"):
        kwargs["verify_certs"] = config.verify_certs
        if config.ca_certs:
            kwargs["ca_certs"] = config.ca_certs
        if not config.verify_certs:
            kwargs["ssl_show_warn"] = False
    return AsyncElasticsearch(config.url, **kwargs)


class Connection:
    """The client with the store's retry policy; shared by every part of the store.

    `count(key, n)` adds to one of the store's counters (ElasticsearchStore.stats).
    """

    def __init__(
        self, config: StoreConfig, client: AsyncElasticsearch, count: Callable[[str, int], None]
    ) -> None:
        self.config = config
        self.names = config.names
        self.client = client
        self.count = count
        self.down_since: float | None = None  # the breaker is open: Elasticsearch is away

    # -- what went wrong ----------------------------------------------------------------
    def auth_message(self, cause: str) -> str:
        config = self.config
        how = (
            "ELASTICSEARCH_API_KEY"
            if config.api_key
            else "ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD"
            if config.username
            else "no credentials set (ELASTICSEARCH_API_KEY)"
        )
        return (
            f"Elasticsearch at {config.url} refused the crawler's credentials ({cause}); "
            f"check {how} and its privileges on {config.index_prefix}-* indices"
        )

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def log_down(self, cause: str) -> None:
        """Open the breaker, and say once per outage that writes go to the spool."""
        if self.down_since is None:
            self.down_since = time.monotonic()
            self.count("outages", 1)
            logger.warning(
                "Elasticsearch at %s unavailable (%s): spooling writes to %s until it is back",
                self.config.url,
                cause,
                self.config.spool_dir,
            )

    def back_up(self) -> None:
        """Elasticsearch answered again: close the breaker, and say so once."""
        if self.down_since is not None:
            seconds = time.monotonic() - self.down_since
            self.down_since = None
            self.count("outage_seconds", round(seconds))
            logger.warning("Elasticsearch at %s is back after %.0f s", self.config.url, seconds)

    # -- requests -------------------------------------------------------------------------
    async def retrying(self, func: Any, *args: Any, probe: bool = False, **kwargs: Any) -> Any:
        """Call func with backoff on 429/5xx/connection errors; Unreachable when it gives up.

        While the breaker is open only a `probe` reaches Elasticsearch (once, no retries);
        everything else fails at once.
        """
        if self.down_since is not None:
            if not probe:
                raise Unreachable("still unavailable (the crawl spools until it is back)")
            try:
                result = await func(*args, **kwargs)
            except (AuthenticationException, AuthorizationException) as exc:
                raise Unreachable(f"HTTP {exc.meta.status} {exc.message}", auth=True) from exc
            except (TransportConnectionError, ConnectionTimeout, ApiError) as exc:
                raise Unreachable(f"{type(exc).__name__}: {exc}") from exc
            self.back_up()
            return result
        attempt = 0
        while True:
            try:
                return await func(*args, **kwargs)
            except (AuthenticationException, AuthorizationException) as exc:
                raise Unreachable(f"HTTP {exc.meta.status} {exc.message}", auth=True) from exc
            except (TransportConnectionError, ConnectionTimeout) as exc:
                cause = f"{type(exc).__name__}: {exc.message}"
            except ApiError as exc:
                if exc.meta.status not in RETRY_STATUSES:
                    raise
                cause = f"HTTP {exc.meta.status} {exc.message}"
            if attempt >= self.config.max_retries:
                raise Unreachable(cause)
            self.count("retries", 1)
            await asyncio.sleep(min(self.config.retry_backoff * 2**attempt, MAX_BACKOFF))
            attempt += 1

    async def read(self, func: Any, **kwargs: Any) -> Any:
        """A read request; StoreError naming the cause when Elasticsearch is unavailable."""
        try:
            return await self.retrying(func, **kwargs)
        except Unreachable as exc:
            if exc.auth:
                raise StoreError(self.auth_message(exc.cause)) from None
            raise StoreError(
                f"Elasticsearch at {self.config.url} unavailable: {exc.cause}"
            ) from None

    async def bulk(self, operations: list[Any]) -> list[dict[str, Any]]:
        """A bulk request; items rejected with 429 are sent again with backoff.

        `operations` alternate action and source, each a dict or an already serialized
        JSON string. Returns each item's status (and error), in order.
        """
        results: list[dict[str, Any] | None] = [None] * (len(operations) // 2)
        todo = list(range(len(results)))
        attempt = 0
        while todo:
            ops = [op for i in todo for op in operations[2 * i : 2 * i + 2]]
            self.count("bulk_requests", 1)
            resp = await self.retrying(
                self.client.bulk,
                operations=ops,
                refresh=False,
                # Only what we read: parsing the full item echo costs as much as the request.
                filter_path="items.*.status,items.*.error",
            )
            retry: list[int] = []
            for i, item in zip(todo, resp["items"], strict=True):
                body = next(iter(item.values()))
                if body.get("status") == 429 and attempt < self.config.max_retries:
                    retry.append(i)
                else:
                    results[i] = body
            if retry:
                self.count("retries", 1)
                await asyncio.sleep(min(self.config.retry_backoff * 2**attempt, MAX_BACKOFF))
                attempt += 1
            todo = retry
        return [r or {} for r in results]
