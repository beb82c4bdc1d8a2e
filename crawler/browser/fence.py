"""The browser's only way out: a SOCKS5 server on 127.0.0.1 that connects only within scope.

A rendered page is the platform's code running in our browser. Playwright's request
router sees what the page asks for, but not where a redirect leads (measured here: a
page whose iframe, image or navigation is redirected to another port reaches it), nor
every connection Chromium opens on its own (preconnects, WebSockets, popups). So every
browser context of a crawl gets this fence as its proxy (Playwright proxies loopback too),
and the fence opens a connection only when the target host and port are in the
platform's scope (crawler.crawl.scope). Anything else is answered "not allowed by ruleset"
before any connection or name lookup; counted in stats under `scope/refused` (the browser
reason is `browser_connection`) and `browser/fence_refused`.

Chromium sends host names to a SOCKS5 proxy unresolved, so the browser itself looks
nothing up. Upstream, the fence connects:
- directly, for a clearnet profile: names of in-scope hosts are resolved here and the
  connection goes to the address that was checked; a name resolving to a loopback,
  private or other special address is refused unless the profile's base_url is one (DNS
  rebinding, crawler.crawl.scope.address_refusal; reason `resolved_special`);
- through tor's SOCKS port, names resolved by tor, with SOCKS credentials of the platform's
  own (tor's IsolateSOCKSAuth: the rendered pages get a circuit of their own, which
  Chromium, unable to send SOCKS credentials, cannot ask for), when the context was
  configured with a proxy (crawler.browser.context_options routes it through tor). When
  tor is unreachable the connection fails: fail closed.
It listens on 127.0.0.1 only, on a free port, for the length of the crawl.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import struct
from typing import Any
from urllib.parse import urlsplit

from crawler.crawl.reporting import Reporter
from crawler.crawl.scope import PlatformScope, ResolvedOutOfScope, address_refusal, count_refusal

logger = logging.getLogger(__name__)

_REPLY_OK = b"\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00"
_REPLY_NOT_ALLOWED = b"\x05\x02\x00\x01\x00\x00\x00\x00\x00\x00"
_REPLY_FAILURE = b"\x05\x01\x00\x01\x00\x00\x00\x00\x00\x00"
_REPLY_UNSUPPORTED = b"\x05\x07\x00\x01\x00\x00\x00\x00\x00\x00"
CONNECT_TIMEOUT = 30.0


class ScopeFence:
    """See the module docstring. `await start()` returns the proxy URL for Chromium."""

    def __init__(
        self,
        scope: PlatformScope,
        report: Reporter | None = None,
        upstream: str | None = None,
        isolation_key: str = "browser",
    ) -> None:
        self.scope = scope
        self.report = report or Reporter(None, logger)
        self.upstream = upstream
        self.credentials = (isolation_key, secrets.token_hex(8))
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._lock = asyncio.Lock()
        self.url: str | None = None

    async def start(self) -> str:
        async with self._lock:
            if self._server is None:
                self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
                port = self._server.sockets[0].getsockname()[1]
                self.url = f"socks5://127.0.0.1:{port}"
        assert self.url is not None
        return self.url

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        if server is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await server.wait_closed()

    def _inc(self, key: str) -> None:
        self.report.count(key)

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.ensure_future(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_writer: asyncio.StreamWriter | None = None
        try:
            async with asyncio.timeout(30):
                target = await self._handshake(reader, writer)
            if target is None:
                return
            host, port = target
            reason = self.refusal(host, port)
            if reason is not None:
                self._inc("browser/fence_refused")
                count_refusal(self.report, "browser_connection")
                writer.write(_REPLY_NOT_ALLOWED)
                await writer.drain()
                return
            try:
                up_reader, upstream_writer = await self._connect(host, port)
            except ResolvedOutOfScope as exc:
                self._inc("browser/fence_refused")
                count_refusal(self.report, exc.reason)
                self.report.problem(
                    "browser/fence_resolved_special",
                    logging.WARNING,
                    "refused: %s (DNS rebinding); the platform's scope allows public addresses only",
                    exc,
                )
                writer.write(_REPLY_NOT_ALLOWED)
                await writer.drain()
                return
            except Exception as exc:
                self.report.problem(
                    "browser/fence_upstream_failed",
                    logging.WARNING,
                    "browser connection to its platform failed: %s",
                    exc,
                )
                writer.write(_REPLY_FAILURE)
                await writer.drain()
                return
            writer.write(_REPLY_OK)
            await writer.drain()
            self._inc("browser/fence_connections")
            await asyncio.gather(
                _pipe(reader, upstream_writer), _pipe(up_reader, writer), return_exceptions=True
            )
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError, OSError):
            pass
        except Exception as exc:  # a malformed greeting must not become an unhandled task error
            self.report.problem(
                "browser/fence_errors", logging.WARNING, "browser proxy connection dropped: %s", exc
            )
        finally:
            for w in (writer, upstream_writer):
                if w is not None:
                    with contextlib.suppress(Exception):
                        w.close()

    async def _handshake(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> tuple[str, int] | None:
        version, count = await reader.readexactly(2)
        methods = await reader.readexactly(count)
        if version != 5 or 0 not in methods:
            writer.write(b"\x05\xff")
            await writer.drain()
            return None
        writer.write(b"\x05\x00")
        await writer.drain()
        version, command, _, kind = await reader.readexactly(4)
        if kind == 1:
            host = ".".join(str(b) for b in await reader.readexactly(4))
        elif kind == 3:
            size = (await reader.readexactly(1))[0]
            # Chromium sends names (and IP literals) as names, punycoded: ASCII only.
            host = (await reader.readexactly(size)).decode("ascii", "replace").lower()
        elif kind == 4:
            raw = await reader.readexactly(16)
            import ipaddress

            host = str(ipaddress.IPv6Address(raw))
        else:
            writer.write(_REPLY_UNSUPPORTED)
            await writer.drain()
            return None
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        if version != 5 or command != 1:  # CONNECT only: no BIND, no UDP ASSOCIATE
            writer.write(_REPLY_UNSUPPORTED)
            await writer.drain()
            return None
        return host, port

    def refusal(self, host: str, port: int) -> str | None:
        """Why a connection to host:port is out of scope, or None."""
        shown = f"[{host}]" if ":" in host else host
        scheme = "https" if port == 443 else "http"
        return self.scope.refusal(f"{scheme}://{shown}:{port}/")

    async def _checked_address(self, host: str, port: int) -> str:
        """The address to connect to for host: resolved here, every answer checked."""
        async with asyncio.timeout(CONNECT_TIMEOUT):
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        addresses = [str(info[4][0]) for info in infos]
        if not addresses:
            raise OSError(f"no address for {host}")
        for address in addresses:  # one special answer among public ones is refused too
            if address_refusal(address, self.scope.allow_special) is not None:
                raise ResolvedOutOfScope(f"{host} resolved to a non-public address ({address})")
        return addresses[0]

    async def _connect(
        self, host: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.upstream is None:
            address = await self._checked_address(host, port)
            async with asyncio.timeout(CONNECT_TIMEOUT):
                return await asyncio.open_connection(address, port)
        from python_socks.async_.asyncio import Proxy

        parts = urlsplit(self.upstream)
        user, password = self.credentials
        proxy = Proxy.from_url(
            f"socks5://{user}:{password}@{parts.hostname}:{parts.port}", rdns=True
        )
        sock = await proxy.connect(host, port, timeout=CONNECT_TIMEOUT)
        return await asyncio.open_connection(sock=sock)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        with contextlib.suppress(Exception):
            writer.close()
