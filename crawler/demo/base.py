"""The contract every synthetic demo platform implements.

A demo platform is a deterministic, seeded synthetic site served by aiohttp on 127.0.0.1.
It keeps a ground-truth record of every listing it currently shows, can advance in time
(new listings, price changes, removals) and counts the requests it serves, so that
tests can compare a crawl against the truth and count what the crawler fetched.

Every platform can also be put in a `condition` (crawler/demo/conditions.py: a new layout,
a login wall, a CAPTCHA, 403s, slowness) by `DemoWorld.set_condition`; `serve_app()` adds
the middleware that applies it to whatever `make_app()` builds, so platforms need no code
for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from crawler.demo.conditions import (
    REPLACING,
    check_condition,
    relayout_html,
    relayout_json_bytes,
    replacement_page,
)
from crawler.models import Handle, Price, Wallet

# A link to the platform's own pages (site-relative), for url_sessions.
_OWN_LINK = re.compile(r'(href=")(/[^"#]*)"')


@dataclass
class GroundTruthListing:
    platform: str  # profile name, e.g. "demo-classifieds"
    key: str  # the platform's own listing id (shown on the page)
    path: str  # URL path of the detail page, e.g. "/ad/123"
    title: str
    body: str
    category: str | None = None
    language: str | None = None
    location: str | None = None
    seller: str | None = None
    stated_age: int | None = None
    prices: list[Price] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)  # E.164
    emails: list[str] = field(default_factory=list)
    handles: list[Handle] = field(default_factory=list)
    wallets: list[Wallet] = field(default_factory=list)
    indicators: set[str] = field(
        default_factory=set
    )  # ids from docs/indicators.md planted in the text
    version: int = 1  # bumped whenever the listing's content (e.g. price) changes


class DemoPlatform(ABC):
    """One synthetic platform. Subclasses generate listings from (seed, size)."""

    name: str = "demo"
    env_var: str = "DEMO_URL"  # the environment variable its profile reads its base URL from
    # False: only served when asked for by name (DemoWorld(platforms=[...])), never by `crawler run`.
    in_default_world: bool = True
    # crawler/demo/conditions.py: "ok", "layout", "login_wall", "captcha", "forbidden", "slow".
    condition: str = "ok"
    slow_delay: float = 2.0  # seconds every response waits while the condition is "slow"
    # True: every page puts a visitor session id in its links (`?sid=...`, as phpBB and
    # cookie-less forums do); a request without a known one gets a new one (`handed_sids`).
    url_sessions: bool = False

    def __init__(self, seed: int = 1, size: int = 200) -> None:
        self.seed = seed
        self.size = size
        self.step = 0
        self.requests: Counter[str] = (
            Counter()
        )  # request counts by kind: list, detail, robots, api, asset, other
        self.handed_sids: list[str] = []  # url_sessions: the session ids handed out

    @abstractmethod
    def ground_truth(self) -> list[GroundTruthListing]:
        """The listings the platform shows now."""

    @abstractmethod
    def advance(self) -> None:
        """Move one step in time: some new listings, some price changes, some removals."""

    @abstractmethod
    def make_app(self) -> web.Application:
        """The aiohttp application serving the current state."""

    # --- conditions ---------------------------------------------------------------------

    def set_condition(self, condition: str, slow_delay: float | None = None) -> None:
        """Serve from now on under `condition` ("ok" restores the platform as it was)."""
        self.condition = check_condition(condition)
        if slow_delay is not None:
            if slow_delay < 0:
                raise ValueError(f"slow_delay must be >= 0 seconds, not {slow_delay}")
            self.slow_delay = slow_delay

    def relayout_script(self, script: str) -> str:
        """A JavaScript file in the "layout" condition; platforms whose pages are built by
        a script override this so the script builds the new markup and reads the new keys."""
        return script

    def serve_app(self) -> web.Application:
        """`make_app()` with the condition middleware: what DemoWorld serves."""
        app = self.make_app()
        # Innermost: a platform's own counting middleware still sees (and counts) every
        # request, and so does a handler that counts, since the handler always runs.
        app.middlewares.append(self._add_url_sessions)
        app.middlewares.append(self._apply_condition)
        return app

    @web.middleware
    async def _add_url_sessions(self, request: web.Request, handler: Any) -> web.StreamResponse:
        response = await handler(request)
        if not self.url_sessions or not isinstance(response, web.Response):
            return response
        if response.content_type != "text/html" or not isinstance(response.body, bytes):
            return response
        sid = request.query.get("sid", "")
        if sid not in self.handed_sids:
            sid = secrets.token_hex(12)
            self.handed_sids.append(sid)
        charset = response.charset or "utf-8"

        def with_sid(m: re.Match[str]) -> str:
            target = m.group(2)
            if "sid=" in target:
                return m.group(0)
            joiner = "&amp;" if "?" in target else "?"
            return f'{m.group(1)}{target}{joiner}sid={sid}"'

        html = response.body.decode(charset, "replace")
        response.body = _OWN_LINK.sub(with_sid, html).encode(charset, "replace")
        return response

    @web.middleware
    async def _apply_condition(self, request: web.Request, handler: Any) -> web.StreamResponse:
        condition = self.condition
        if condition == "slow":
            await asyncio.sleep(self.slow_delay)
            return await handler(request)
        if condition == "ok" or request.path == "/robots.txt":
            return await handler(request)
        if condition in REPLACING:
            # The platform's handler still runs (some platforms count requests there); its
            # answer, or the HTTP error it raises, is dropped for the replacement page.
            answer: web.StreamResponse | None = None
            with contextlib.suppress(web.HTTPException):
                answer = await handler(request)
            if answer is not None and answer.prepared:
                return answer  # already streamed to the client: nothing left to replace
            status, html = replacement_page(condition, self.name, request.path_qs)
            return web.Response(status=status, text=html, content_type="text/html")
        return self._relayout(await handler(request))  # "layout"

    def _relayout(self, response: web.StreamResponse) -> web.StreamResponse:
        if not isinstance(response, web.Response) or response.prepared:
            return response  # streamed: not rewritten
        body = response.body
        if not isinstance(body, bytes):
            return response
        ctype = response.content_type
        charset = response.charset or "utf-8"
        if ctype == "text/html":
            new = relayout_html(body.decode(charset, "replace")).encode(charset, "replace")
        elif ctype == "application/json":
            new = relayout_json_bytes(body)
        elif ctype in ("application/javascript", "text/javascript"):
            new = self.relayout_script(body.decode(charset, "replace")).encode(charset)
        else:
            return response
        response.body = new
        return response
