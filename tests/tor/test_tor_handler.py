"""The tor download handler on the private network: isolation, NEWNYM, Scrapy's contract.

The handler is driven directly (a configured Scrapy Crawler, no engine), so each test sees
exactly the requests it makes. The client tor's control port shows which circuit each
stream used and which signals tor received.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import re
import threading
from collections import defaultdict

import pytest
from aiohttp import web
from Crypto.Hash import SHA3_256
from Crypto.PublicKey import ECC
from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError
from scrapy.http import HtmlResponse
from stem.control import EventType

from crawler.tor.handler import TorCircuitError, TorDownloadHandler

pytestmark = pytest.mark.tor


def _tor_settings(net, **extra):  # type: ignore[no-untyped-def]
    return {
        "TOR_SOCKS_URL": net.socks_url,
        "TOR_CONTROL_PORT": net.control_port,
        "TOR_COOKIE_AUTH_FILE": str(net.cookie_path),
        "DOWNLOAD_TIMEOUT": 60,
        **extra,
    }


def unknown_onion() -> str:
    """A well-formed v3 onion address (real ed25519 key, right checksum) nobody serves."""
    key = ECC.generate(curve="Ed25519").public_key().export_key(format="raw")
    version = b"\x03"
    checksum = SHA3_256.new(b".onion checksum" + key + version).digest()[:2]
    return base64.b32encode(key + checksum + version).decode().lower() + ".onion"


class StreamLog:
    """Circuit id per SOCKS username, from the client's STREAM events (and SIGNAL events)."""

    def __init__(self, controller) -> None:  # type: ignore[no-untyped-def]
        self.controller = controller
        self.circuits: dict[str, set[str]] = defaultdict(set)
        self.signals: list[str] = []
        self._lock = threading.Lock()

    def on_stream(self, event) -> None:  # type: ignore[no-untyped-def]
        m = re.search(r'SOCKS_USERNAME="([^"]*)"', str(event))
        if event.status == "SUCCEEDED" and m and event.circ_id:
            with self._lock:
                self.circuits[m.group(1)].add(event.circ_id)

    def on_signal(self, event) -> None:  # type: ignore[no-untyped-def]
        self.signals.append(str(event.signal))

    def __enter__(self) -> StreamLog:
        self.controller.add_event_listener(self.on_stream, EventType.STREAM)
        self.controller.add_event_listener(self.on_signal, EventType.SIGNAL)
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.remove_event_listener(self.on_stream)
        self.controller.remove_event_listener(self.on_signal)


async def test_two_platforms_never_share_a_circuit(tornet, ensure_client, handler_crawler):
    crawler = handler_crawler(_tor_settings(tornet))
    handler = TorDownloadHandler.from_crawler(crawler)
    pages = [f"{tornet.onion_url}/c/hourly", f"{tornet.onion_url}/c/labour", tornet.onion_url]
    try:
        with StreamLog(tornet.client.controller) as streams:
            requests = [
                Request(url, meta={"platform": platform})
                for _ in range(3)
                for platform in ("platform-a", "platform-b")
                for url in pages
            ]
            responses = await asyncio.gather(*(handler.download_request(r) for r in requests))
            await asyncio.sleep(0.5)  # let the last STREAM events arrive
    finally:
        await handler.close()
    assert [r.status for r in responses] == [200] * len(requests)
    a, b = streams.circuits["platform-a"], streams.circuits["platform-b"]
    assert a and b, f"no STREAM events with SOCKS usernames: {dict(streams.circuits)}"
    assert not a & b, f"platforms shared circuits {a & b}"
    assert crawler.stats.get_value("tor/response_count") == len(requests)


async def test_repeated_failures_renew_the_circuit_and_send_one_newnym(
    tornet, ensure_client, handler_crawler
):
    # An onion service that does not exist: tor answers with a SOCKS error once no HSDir
    # has its descriptor.
    missing = unknown_onion()
    crawler = handler_crawler(_tor_settings(tornet, TOR_STRICT=True, TOR_NEWNYM_AFTER_FAILURES=3))
    handler = TorDownloadHandler.from_crawler(crawler)
    errors = []
    try:
        with StreamLog(tornet.client.controller) as streams:
            for _ in range(6):
                try:
                    await handler.download_request(
                        Request(f"http://{missing}/", meta={"platform": "p"})
                    )
                except TorCircuitError as exc:
                    errors.append(exc)
            await asyncio.sleep(0.5)
    finally:
        await handler.close()
    stats = crawler.stats.get_stats()
    assert len(errors) == 6
    assert stats["tor/failures/circuit"] == 6
    assert stats["tor/circuit_renewals"] == 2
    # tor ignores NEWNYM more often than every 10 s: the second renewal must not send one.
    assert stats["tor/newnym/sent"] == 1
    assert stats["tor/newnym/rate_limited"] == 1
    assert streams.signals.count("NEWNYM") == 1


@pytest.fixture
def contract_site():  # type: ignore[no-untyped-def]
    """A clearnet site on 127.0.0.1 (reached through the exit) exercising Scrapy's contract."""
    seen: dict[str, object] = {}

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("/landing")

    async def gz(request: web.Request) -> web.Response:
        body = gzip.compress(b"<html><body>compressed page</body></html>")
        return web.Response(
            body=body, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"}
        )

    async def echo(request: web.Request) -> web.Response:
        seen["cookie"] = request.headers.get("Cookie")
        seen["user_agent"] = request.headers.get("User-Agent")
        seen["body"] = await request.read()
        return web.Response(text="<html><body>ok</body></html>", content_type="text/html")

    async def big(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 200_000, content_type="text/plain")

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(10)
        return web.Response(text="late")

    app = web.Application()
    app.add_routes([web.get("/redirect", redirect), web.get("/gz", gz),
                    web.post("/echo", echo), web.get("/big", big), web.get("/slow", slow)])  # fmt: skip
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, shutdown_timeout=1)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.run_until_complete(runner.cleanup())
        loop.close()


async def test_handler_keeps_scrapys_download_contract(
    tornet, ensure_client, handler_crawler, contract_site
):
    base, seen = contract_site
    crawler = handler_crawler(_tor_settings(tornet, TOR_STRICT=True, DOWNLOAD_MAXSIZE=100_000))
    handler = TorDownloadHandler.from_crawler(crawler)
    try:
        # Redirects are RedirectMiddleware's job: the 302 comes back as it is.
        r = await handler.download_request(Request(f"{base}/redirect"))
        assert r.status == 302 and r.headers[b"Location"] == b"/landing"
        # Decompression is HttpCompressionMiddleware's job: raw gzip bytes come back.
        r = await handler.download_request(Request(f"{base}/gz"))
        assert r.headers[b"Content-Encoding"] == b"gzip"
        assert gzip.decompress(r.body) == b"<html><body>compressed page</body></html>"
        # Method, body and headers (Cookie set by the cookies middleware) are sent as given.
        r = await handler.download_request(
            Request(f"{base}/echo", method="POST", body=b"q=1",
                    headers={"Cookie": "session=abc", "User-Agent": "TestAgent/1"})
        )  # fmt: skip
        assert isinstance(r, HtmlResponse) and b"ok" in r.body
        assert seen == {"cookie": "session=abc", "user_agent": "TestAgent/1", "body": b"q=1"}
        with pytest.raises(DownloadCancelledError):
            await handler.download_request(Request(f"{base}/big"))
        with pytest.raises(DownloadTimeoutError):
            await handler.download_request(Request(f"{base}/slow", meta={"download_timeout": 3}))
    finally:
        await handler.close()
    assert crawler.stats.get_value("tor/direct_request_count") is None
