"""Scrapy download handler that fetches through tor's SOCKS port (aiohttp + aiohttp-socks).

Scrapy has no SOCKS support; this handler gives it one with tor semantics:
- names are resolved by tor (SOCKS5 with remote DNS, and aiohttp-socks' no-op resolver), so
  the crawling machine never looks a target up itself;
- circuit isolation: each isolation key (the request's meta["platform"], else
  TOR_ISOLATION_KEY) gets its own aiohttp session with its own SOCKS username/password, and
  tor (IsolateSOCKSAuth, its default) never lets two keys share a circuit;
- Scrapy's contract as in its own aiohttp handler (which this builds on): request method,
  headers (the Cookie header set by the cookies middleware included) and body are sent as
  given; redirects are left to RedirectMiddleware, decompression to
  HttpCompressionMiddleware; DOWNLOAD_MAXSIZE / DOWNLOAD_WARNSIZE / DOWNLOAD_TIMEOUT hold;
- SOCKS and connection errors become Scrapy's download exceptions, which RetryMiddleware
  retries; after TOR_NEWNYM_AFTER_FAILURES consecutive failures of one key, that key gets
  fresh SOCKS credentials (a new circuit) and tor gets a NEWNYM (rate-limited by
  crawler.tor.manager);
- tor disappearing mid-crawl: requests wait up to TOR_OUTAGE_WAIT seconds for the SOCKS
  port to come back, then continue; the outage is logged once and counted;
- OPSEC strict (TOR_STRICT): every http and https request goes through tor; if tor cannot
  be reached, every request fails closed (IgnoreRequest, nothing sent anywhere) and the
  reason is logged once. Without strict, non-onion hosts go through Scrapy's default
  HTTP/1.1 handler.

Stats, all under "tor/": request_count, response_count, direct_request_count,
failures/{circuit,timeout,unreachable,other}, newnym/{sent,rate_limited,failed},
circuit_renewals, strict/blocked, outage/count, outage/recovered, outage/seconds.

Settings: TOR_SOCKS_URL, TOR_CONTROL_HOST, TOR_CONTROL_PORT, TOR_CONTROL_PASSWORD,
TOR_COOKIE_AUTH_FILE, TOR_STRICT, TOR_ISOLATION, TOR_ISOLATION_KEY,
TOR_NEWNYM_AFTER_FAILURES, TOR_OUTAGE_WAIT, TOR_CONNECT_TIMEOUT (see crawler.tor.TorConfig).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, ClassVar, cast

import aiohttp
import yarl
from aiohttp_socks import ProxyConnectionError, ProxyConnector, ProxyError, ProxyTimeoutError
from python_socks import ProxyType
from scrapy.core.downloader.handlers._aiohttp import AiohttpDownloadHandler, _ClientResponse
from scrapy.core.downloader.handlers._base_streaming import BaseStreamingDownloadHandler
from scrapy.exceptions import (
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    UnsupportedURLSchemeError,
)
from scrapy.utils.ssl import _make_ssl_context

from crawler.crawl.reporting import Reporter
from crawler.tor import TorConfig

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from crawler.tor.manager import TorManager

log = logging.getLogger(__name__)


class TorUnreachableError(DownloadConnectionRefusedError):
    """tor's SOCKS port does not accept connections (retried by RetryMiddleware)."""


class TorCircuitError(DownloadFailedError):
    """tor accepted the request but could not complete it (SOCKS reply error)."""


class StrictTorBlocked(IgnoreRequest):
    """OPSEC strict: tor is unreachable, so the request was not sent at all."""


class TorDownloadHandler(AiohttpDownloadHandler):
    """http/https through tor with per-platform circuit isolation (see module docstring)."""

    experimental: ClassVar[bool] = False
    # A per-request HTTP proxy (meta["proxy"]) would take traffic around tor.
    supports_proxies: ClassVar[bool] = False

    def __init__(self, crawler: Crawler) -> None:
        # Not AiohttpDownloadHandler.__init__: that builds a direct TCP session.
        BaseStreamingDownloadHandler.__init__(self, crawler)
        self.config = TorConfig.from_settings(crawler.settings)
        self.stats = crawler.stats
        self._ssl_context = _make_ssl_context(crawler.settings)
        self._sessions: dict[str, aiohttp.ClientSession] = {}
        self._retired: list[aiohttp.ClientSession] = []
        self._credentials: dict[str, tuple[str, str]] = {}
        self._failures: dict[str, int] = {}
        self._tor_seen_up = False
        self.report = Reporter(self.stats, log, "tor/")
        self._outage: asyncio.Future[bool] | None = None
        self._manager: TorManager | None = None
        self._direct: Any = None
        ep = self.config.endpoint
        self._socks_where = f"{ep.socks_host}:{ep.socks_port}"

    # -- routing -----------------------------------------------------------------------

    def _through_tor(self, request: Request) -> bool:
        if self.config.strict:
            return True
        host = (yarl.URL(request.url).host or "").lower()
        return host.endswith(".onion")

    async def download_request(self, request: Request) -> Response:
        if self._through_tor(request):
            if request.meta.get("proxy"):
                # Never honour another proxy: it would carry the request around tor.
                request.meta.pop("proxy")
            return await super().download_request(request)
        return await self._download_direct(request)

    async def _download_direct(self, request: Request) -> Response:
        if self._direct is None:
            from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

            self._direct = HTTP11DownloadHandler(self.crawler)
        self._inc("direct_request_count")
        return await self._direct.download_request(request)

    # -- isolation ---------------------------------------------------------------------

    def isolation_key(self, request: Request) -> str:
        if not self.config.isolation:
            return self.config.isolation_key or "shared"
        return str(request.meta.get("platform") or self.config.isolation_key or "default")

    def credentials(self, key: str) -> tuple[str, str]:
        """SOCKS username/password for a key: tor builds one circuit family per pair."""
        if key not in self._credentials:
            # The random part keeps two runs (or two renewals) from reusing a circuit.
            self._credentials[key] = (key, secrets.token_hex(8))
        return self._credentials[key]

    def _session_for(self, key: str) -> aiohttp.ClientSession:
        session = self._sessions.get(key)
        if session is None or session.closed:
            username, password = self.credentials(key)
            ep = self.config.endpoint
            connector = ProxyConnector(
                proxy_type=ProxyType.SOCKS5,
                host=ep.socks_host,
                port=ep.socks_port,
                username=username,
                password=password,
                rdns=True,  # tor resolves names; we never do
                limit=self._pool_size_total,
                limit_per_host=self._pool_size_per_host,
            )
            session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),  # cookies are Scrapy's business
                auto_decompress=False,
                response_class=_ClientResponse,
                skip_auto_headers=("Accept", "Accept-Encoding", "Content-Type", "User-Agent"),
            )
            self._sessions[key] = session
        return session

    async def _renew_circuit(self, key: str) -> None:
        """New credentials for this key (a new circuit at once) and a NEWNYM for tor."""
        self._retire(key)
        self._credentials.pop(key, None)
        self._failures[key] = 0
        self._inc("circuit_renewals")
        try:
            manager = self._control()
            sent = await asyncio.to_thread(manager.newnym)
        except Exception as exc:
            self._inc("newnym/failed")
            self._report_once("newnym", logging.WARNING, "tor NEWNYM failed: %s", exc)
            return
        self._inc("newnym/sent" if sent else "newnym/rate_limited")
        if sent:
            log.info("tor: NEWNYM sent after repeated failures")

    def _retire(self, key: str) -> None:
        # Requests in flight may still hold the old session: close it only at the end.
        session = self._sessions.pop(key, None)
        if session is not None:
            self._retired.append(session)

    def _control(self) -> TorManager:
        from crawler.tor.manager import TorManager

        if self._manager is None:
            self._manager = TorManager(self.config.endpoint)
        return self._manager

    # -- fetching ----------------------------------------------------------------------

    @asynccontextmanager
    async def _make_request(
        self, request: Request, timeout: float
    ) -> AsyncIterator[_ClientResponse]:
        key = self.isolation_key(request)
        if not self._tor_seen_up:
            # Until tor has answered once, a refused SOCKS port means "no tor": fail closed
            # at once. Afterwards it means tor went away mid-crawl: wait for it.
            if not await self._socks_reachable():
                self._fail_unreachable(request)
            self._tor_seen_up = True
        session = self._session_for(key)
        url: str | yarl.URL = request.url
        if request.meta.get("verbatim_url"):
            url = yarl.URL(request.url, encoded=True)
        self._inc("request_count")
        try:
            async with await session.request(
                request.method,
                url,
                data=request.body,
                headers=self._request_headers(request).to_tuple_list(),
                timeout=aiohttp.ClientTimeout(
                    total=timeout, sock_connect=min(timeout, self.config.connect_timeout)
                ),
                ssl=self._ssl_context,
                allow_redirects=False,
            ) as response:
                self._tor_seen_up = True
                self._failures[key] = 0
                self._inc("response_count")
                yield cast("_ClientResponse", response)
        except ProxyConnectionError as exc:
            self._inc("failures/unreachable")
            if self._tor_seen_up:
                await self._wait_for_tor()
                raise TorUnreachableError(
                    f"tor SOCKS {self._socks_where} went away during the crawl: {exc}"
                ) from exc
            self._fail_unreachable(request)
        except ProxyTimeoutError as exc:
            await self._count_failure(key, "timeout")
            raise DownloadTimeoutError(f"tor: {request.url}: {exc}") from exc
        except ProxyError as exc:
            # A SOCKS reply error: tor could not build a circuit or reach the host.
            await self._count_failure(key, "circuit")
            raise TorCircuitError(f"tor could not fetch {request.url}: {exc}") from exc
        except TimeoutError as exc:
            await self._count_failure(key, "timeout")
            raise DownloadTimeoutError(
                f"Getting {request.url} through tor took longer than {timeout} seconds."
            ) from exc
        except (aiohttp.InvalidUrlClientError, aiohttp.NonHttpUrlClientError) as exc:
            raise UnsupportedURLSchemeError(str(exc)) from exc
        except aiohttp.ClientConnectionError as exc:
            await self._count_failure(key, "other")
            raise DownloadFailedError(f"tor: {request.url}: {exc}") from exc
        except aiohttp.ClientError as exc:
            raise DownloadFailedError(str(exc)) from exc

    async def _count_failure(self, key: str, kind: str) -> None:
        self._inc(f"failures/{kind}")
        self._failures[key] = self._failures.get(key, 0) + 1
        if self._failures[key] >= self.config.newnym_after_failures:
            await self._renew_circuit(key)

    def _fail_unreachable(self, request: Request) -> None:
        if self.config.strict:
            self._inc("strict/blocked")
            self._report_once(
                "strict",
                logging.ERROR,
                "strict OPSEC: tor SOCKS %s unreachable; nothing fetched",
                self._socks_where,
            )
            raise StrictTorBlocked(
                f"strict OPSEC: tor SOCKS {self._socks_where} unreachable; {request.url} not fetched"
            )
        self._report_once(
            "unreachable", logging.ERROR, "tor SOCKS %s unreachable", self._socks_where
        )
        raise TorUnreachableError(f"tor SOCKS {self._socks_where} unreachable")

    async def _socks_reachable(self) -> bool:
        ep = self.config.endpoint
        try:
            async with asyncio.timeout(5):
                _, writer = await asyncio.open_connection(ep.socks_host, ep.socks_port)
        except (OSError, TimeoutError):
            return False
        writer.close()
        return True

    async def _wait_for_tor(self) -> bool:
        """Hold until tor's SOCKS port answers again (shared by all waiting requests)."""
        if self._outage is None or self._outage.done():
            self._inc("outage/count")
            self._report_once(
                f"outage-{self.stats.get_value('tor/outage/count')}",
                logging.ERROR,
                "tor SOCKS %s went away mid-crawl; holding requests up to %.0fs",
                self._socks_where,
                self.config.outage_wait,
            )
            self._outage = asyncio.ensure_future(self._poll_until_back())
        return await asyncio.shield(self._outage)

    async def _poll_until_back(self) -> bool:
        t0 = time.monotonic()
        deadline = t0 + self.config.outage_wait
        while time.monotonic() < deadline:
            if await self._socks_reachable():
                self._inc("outage/recovered")
                self._inc("outage/seconds", round(time.monotonic() - t0, 1))
                log.warning(
                    "tor SOCKS %s is back after %.1fs", self._socks_where, time.monotonic() - t0
                )
                # Old keep-alive connections died with tor: start clean sessions.
                for key in list(self._sessions):
                    self._retire(key)
                return True
            await asyncio.sleep(0.5)
        return False

    # -- bookkeeping -------------------------------------------------------------------

    def _inc(self, key: str, count: float = 1) -> None:
        self.report.count(key, count)

    def _report_once(self, what: str, level: int, msg: str, *args: Any) -> None:
        self.report.once(what, level, msg, *args)

    async def close(self) -> None:
        for session in [*self._sessions.values(), *self._retired]:
            await session.close()
        self._sessions.clear()
        self._retired.clear()
        if self._outage is not None and not self._outage.done():
            self._outage.cancel()
        if self._direct is not None:
            await self._direct.close()
        if self._manager is not None:
            await asyncio.to_thread(self._manager.close)
