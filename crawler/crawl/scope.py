"""A platform's scope: the only URLs its crawl may ever request, on every route.

A monitored site is run by the people under investigation, so its links, redirects,
meta refreshes, JSON `next` fields and scripts are all untrusted. A platform's crawl
requests only:
- http and https URLs (never file:, data:, ftp:, javascript: or anything else);
- on the platform's own hosts: base_url's, the seeds', and the profile's
  `allowed_hosts` (`host`, `host:port` or `*.domain`); a host without a port is allowed
  on 80 and 443, a host given with a port on that port only;
- with no user info in the authority (`http://own@other/` hides the real host, and URL
  parsers disagree about it);
- onion hosts only for profiles routed through tor;
- loopback, private, link-local and other special addresses only when the profile's
  own base_url is one (the demo world and the tests live on 127.0.0.1).
Everything else is refused before any connection or name lookup: the check reads the
URL string only. Refusals are counted in stats under `scope/refused` and
`scope/refused/<reason>` and logged once per reason.

A host *name* in scope is the platform's own, but so is its DNS: a hostile operator can
point it at 127.0.0.1, the investigator's router or a cloud metadata address (DNS
rebinding). So where a name is resolved on our side, its address is checked too
(`address_refusal`): the Scrapy route's resolver (`ScopedResolver`, TWISTED_DNS_RESOLVER)
and the browser's fence connect only to the global addresses a name resolved to, unless the
profile's own base_url is a special address; anything else fails the request with
`ResolvedOutOfScope` (reason `resolved_special`), never retried. Through tor, tor resolves.

`PlatformScope.of(profile)` builds the scope; `scope.refusal(url)` says why a URL is out
(None when it is in). The crawl carries it in the CRAWL_SCOPE setting
(crawler.crawl.settings.profile_settings), which `ScopeMiddleware` (a downloader middleware
placed before every other) and the browser's request router
(crawler.browser.handler) read.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urlsplit

from scrapy import signals
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from crawler.crawl.reporting import Reporter

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

    from crawler.profiles import PlatformProfile

logger = logging.getLogger(__name__)

SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}
_BAD_AUTHORITY = frozenset("@\\ \t\r\n%")


class OutOfScope(IgnoreRequest):
    """A request outside its platform's scope; never sent."""


def _special_address(host: str) -> bool:
    """Loopback, private, link-local, reserved... : an address on the investigator's side."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not ip.is_global


def address_refusal(address: str, allow_special: bool) -> str | None:
    """Why a connection to a resolved `address` is refused ("resolved_special"), or None."""
    if allow_special:
        return None
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return "resolved_special"  # not an address at all: nothing to connect to
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return None if ip.is_global else "resolved_special"


class ResolvedOutOfScope(DNSLookupError):  # noqa: N818 - reads as what happened
    """A host name in scope resolved to an address on the investigator's side; not connected.

    A lookup error to Twisted (so the request fails as an unresolvable host would, without
    a traceback at CRITICAL); ScopeMiddleware counts it under scope/refused/resolved_special.
    """

    reason = "resolved_special"


def _split_origin(entry: str) -> tuple[str, int | None]:
    """ "host" or "host:port" (IPv6 in brackets) -> (host, port or None)."""
    entry = entry.strip().lower()
    if "://" in entry:
        parts = urlsplit(entry)
        return (parts.hostname or ""), parts.port
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else None
    host, sep, port = entry.rpartition(":")
    if sep and port.isdigit() and host:
        return host, int(port)
    return entry, None


def _join_origin(host: str, port: int | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}" if port else shown


@dataclass(frozen=True)
class PlatformScope:
    """The hosts (and ports) one platform's crawl may request; see the module docstring."""

    origins: frozenset[tuple[str, int | None]]
    domains: tuple[str, ...] = ()  # "*.example.org" entries, stored as ".example.org"
    allow_special: bool = False
    allow_onion: bool = False

    @classmethod
    def of(cls, profile: PlatformProfile, tor_routed: bool = False) -> PlatformScope:
        origins: set[tuple[str, int | None]] = set()
        domains: list[str] = []
        parts = urlsplit(profile.base_url)
        base_host = (parts.hostname or "").lower()
        origins.add((base_host, parts.port))
        for seed in profile.seeds:
            if "://" in seed:
                s = urlsplit(seed)
                origins.add(((s.hostname or "").lower(), s.port))
        for entry in profile.allowed_hosts:
            if entry.startswith("*."):
                domains.append(entry[1:].lower())
            else:
                origins.add(_split_origin(entry))
        return cls(
            origins=frozenset(origins),
            domains=tuple(domains),
            allow_special=_special_address(base_host),
            allow_onion=tor_routed or profile.network == "tor",
        )

    def to_setting(self) -> dict[str, Any]:
        """A plain-data form for the CRAWL_SCOPE setting."""
        return {
            "origins": sorted(_join_origin(h, p) for h, p in self.origins),
            "domains": list(self.domains),
            "allow_special": self.allow_special,
            "allow_onion": self.allow_onion,
        }

    @classmethod
    def from_setting(cls, value: dict[str, Any]) -> PlatformScope:
        return cls(
            origins=frozenset(_split_origin(o) for o in value.get("origins", ())),
            domains=tuple(value.get("domains", ())),
            allow_special=bool(value.get("allow_special")),
            allow_onion=bool(value.get("allow_onion")),
        )

    @property
    def hostnames(self) -> list[str]:
        """Host names (not addresses) in scope, for the browser's resolver rules."""
        names = []
        for host, _ in self.origins:
            try:
                ipaddress.ip_address(host)
            except ValueError:
                names.append(host)
        return sorted(set(names)) + [f"*{d}" for d in self.domains]

    def holds_name(self, host: str) -> bool:
        """Whether host (a name, any port) is one of this scope's own."""
        return any(h == host for h, _ in self.origins) or any(
            host.endswith(d) for d in self.domains
        )

    def refusal(self, url: str) -> str | None:
        """Why `url` is out of scope ("scheme", "host", ...), or None when it is in."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return "malformed"
        scheme = parts.scheme.lower()
        if scheme not in SCHEMES:
            return "scheme"
        # Every URL of a crawl has one of a few authorities: the verdict on one is kept.
        return _authority_refusal(self, scheme, parts.netloc)

    def _authority_refusal(self, scheme: str, netloc: str) -> str | None:
        if any(ch in _BAD_AUTHORITY or ord(ch) < 0x21 or ord(ch) > 0x7E for ch in netloc):
            return "userinfo" if "@" in netloc else "malformed"
        parts = SplitResult(scheme, netloc, "", "", "")
        try:
            host = (parts.hostname or "").lower()
            port = parts.port
        except ValueError:
            return "malformed"
        if not host:
            return "malformed"
        if host.endswith(".onion") and not self.allow_onion:
            return "onion"
        if _special_address(host) and not self.allow_special:
            return "special_address"
        effective = port or DEFAULT_PORTS[scheme]
        for own_host, own_port in self.origins:
            if own_host != host:
                continue
            if own_port is None and effective in (80, 443):
                return None
            if own_port == effective:
                return None
        if effective in (80, 443) and any(host.endswith(d) for d in self.domains):
            return None
        return "host"


# (scope, scheme, authority) -> refusal: a pure function of its arguments, bounded (a
# hostile page can link to any number of authorities; each costs one entry at most).
_authority_refusal = lru_cache(maxsize=4096)(PlatformScope._authority_refusal)


class ScopeMiddleware:
    """Downloader middleware: refuse every request outside the platform's scope (CRAWL_SCOPE).

    First in the chain, so that nothing (robots.txt, redirects, meta refreshes, retries)
    reaches a handler, a resolver or a socket out of scope. Without CRAWL_SCOPE (a crawl
    that did not come from a profile) only the scheme rule applies.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.report = Reporter(crawler.stats, logger)
        raw = crawler.settings.getdict("CRAWL_SCOPE")
        self.scope = PlatformScope.from_setting(raw) if raw else None
        register_scope(self.scope)
        # Several crawls may share a process (and its resolver): each takes its scope back.
        crawler.signals.connect(self._closed, signal=signals.engine_stopped)

    def _closed(self) -> None:
        unregister_scope(self.scope)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScopeMiddleware:
        return cls(crawler)

    def refusal(self, url: str) -> str | None:
        if self.scope is not None:
            return self.scope.refusal(url)
        try:
            return None if urlsplit(url).scheme.lower() in SCHEMES else "scheme"
        except ValueError:
            return "malformed"

    def process_request(self, request: Request, spider: Any = None) -> None:
        reason = self.refusal(request.url)
        if reason is None:
            return
        count_refusal(self.report, reason)
        raise OutOfScope(f"out of the platform's scope ({reason})")

    def process_exception(
        self, request: Request, exception: BaseException, spider: Any = None
    ) -> None:
        if isinstance(exception, (CannotResolveHostError, DNSLookupError)):
            host = urlsplit(request.url).hostname or ""
            if host in refused_names():
                count_refusal(self.report, ResolvedOutOfScope.reason)


# The crawls of this process that resolve names through ScopedResolver (see there). The
# resolver is the reactor's, installed when the reactor starts, after the crawls' middlewares
# exist: so the scopes are kept here, not on the resolver.
_REGISTERED: list[PlatformScope | None] = []
_REFUSED: set[str] = set()


class ScopedResolver(CachingThreadedResolver):
    """TWISTED_DNS_RESOLVER: Scrapy's caching resolver, checking every address it hands out.

    The resolver is the process's (the reactor's), so each crawl's ScopeMiddleware
    registers its scope (`register_scope`). A name that resolves to a special address
    (loopback, private, link-local, ...) fails with ResolvedOutOfScope unless a registered
    scope holding that name allows special addresses (its base_url is one); a crawl without
    a scope (not a profile's) allows everything, as ScopeMiddleware does. Address literals
    are the URL rule's business and pass unchanged. The check runs on cached answers too,
    and the address checked is the one connected to.
    """

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:  # noqa: N802 - Twisted's name
        return super().getHostByName(name, timeout).addCallback(_checked_answer, name.lower())


def _allows_special(name: str) -> bool:
    for scope in _REGISTERED:
        if scope is None or (scope.allow_special and scope.holds_name(name)):
            return True
    return False


def _checked_answer(address: str, name: str) -> str:
    if _is_address(name) or address_refusal(address, _allows_special(name)) is None:
        return address
    if name not in _REFUSED:
        _REFUSED.add(name)
        logger.warning(
            "refused: %s resolved to %s, an address on this side of the network "
            "(loopback, private, link-local...); the platform's scope allows public "
            "addresses only (DNS rebinding)",
            name,
            address,
        )
    raise ResolvedOutOfScope(f"{name} resolved to a non-public address ({address})")


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def register_scope(scope: PlatformScope | None) -> None:
    """A crawl of this process resolves names within `scope` (None: a crawl without one)."""
    _REGISTERED.append(scope)


def unregister_scope(scope: PlatformScope | None) -> None:
    """The crawl that registered `scope` has ended."""
    for i, registered in enumerate(_REGISTERED):
        if registered is scope:
            del _REGISTERED[i]
            return


def refused_names() -> set[str]:
    """The names refused so far in this process for the address they resolved to."""
    return _REFUSED


def count_refusal(report: Reporter, reason: str) -> None:
    """Count a refusal under scope/refused[/reason]; log the first of each reason."""
    report.count("scope/refused")
    report.problem(
        f"scope/refused/{reason}",
        logging.INFO,
        "refused a request outside the platform's scope (%s)",
        reason,
    )
