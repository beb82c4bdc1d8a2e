"""Tor for the crawler: where the tor endpoint is, and the Scrapy settings that route through it.

A crawl of a platform whose profile says `network: tor` (or `tor.strict: true`, or any crawl
with TOR_STRICT) merges `scrapy_settings(profile, settings)` into its Scrapy settings: the
download handler of crawler.tor.handler for http and https, the platform's isolation key,
retries and timeouts tuned for Tor latency, and lower concurrency.

Settings (TOR_*, defaults in settings/base.py, read once by `TorConfig.from_settings`):
- TOR_SOCKS_URL: socks5h://HOST:PORT of tor's SocksPort. Only socks5h (or socks5, treated
  the same): names are always resolved by tor.
- TOR_CONTROL_HOST, TOR_CONTROL_PORT (a port, or HOST:PORT): tor's ControlPort, for NEWNYM
  and health checks; TOR_CONTROL_PASSWORD or TOR_COOKIE_AUTH_FILE: its authentication
  (else stem tries cookie auth from what tor's PROTOCOLINFO says).
- TOR_STRICT: OPSEC strict for every crawl, clearnet profiles included. A security switch:
  1/0, true/false, yes/no, on/off in any case; anything else is a ConfigError.
- TOR_ISOLATION, TOR_ISOLATION_KEY, TOR_NEWNYM_AFTER_FAILURES, TOR_OUTAGE_WAIT,
  TOR_CONNECT_TIMEOUT: see crawler.tor.handler.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler.config import ConfigError, get_bool, get_number, get_str

if TYPE_CHECKING:
    from crawler.profiles import PlatformProfile

__all__ = [
    "TorConfig",
    "TorConfigError",
    "TorEndpoint",
    "scrapy_settings",
    "tor_endpoint",
    "tor_strict",
]

# Tor Browser's User-Agent: a tor crawl should look like every other Tor user, and must not
# name the tool.
TOR_BROWSER_USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"

HANDLER = "crawler.tor.handler.TorDownloadHandler"


class TorConfigError(ConfigError):
    """A TOR_* setting is wrong: names the setting, where it came from and the reason."""


@dataclass(frozen=True)
class TorEndpoint:
    """Where tor listens: the SOCKS port and the control port with its authentication."""

    socks_host: str = "127.0.0.1"
    socks_port: int = 9050
    control_host: str = "127.0.0.1"
    control_port: int = 9051
    control_password: str | None = None
    cookie_auth_file: str | None = None

    @property
    def socks_url(self) -> str:
        return f"socks5h://{self.socks_host}:{self.socks_port}"


def parse_socks_url(url: str, source: str = "setting") -> tuple[str, int]:
    """(host, port) from socks5h://HOST:PORT; anything that could resolve names locally fails."""
    parts = urlsplit(url)
    if parts.scheme not in {"socks5h", "socks5"}:
        raise TorConfigError(
            source, "TOR_SOCKS_URL", f"{url!r}: use socks5h://HOST:PORT (tor resolves names)"
        )
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or not port:
        raise TorConfigError(source, "TOR_SOCKS_URL", f"{url!r}: needs a host and a port")
    return parts.hostname, port


def tor_endpoint(settings: Any) -> TorEndpoint:
    """The tor endpoint the settings name (TOR_SOCKS_URL, TOR_CONTROL_*, authentication)."""
    host, port = parse_socks_url(get_str(settings, "TOR_SOCKS_URL") or "socks5h://127.0.0.1:9050")
    raw = str(settings.get("TOR_CONTROL_PORT") or "9051")
    control_host = get_str(settings, "TOR_CONTROL_HOST") or "127.0.0.1"
    if ":" in raw:
        control_host, _, raw = raw.rpartition(":")
    try:
        control_port = int(raw)
    except ValueError:
        raise TorConfigError("setting", "TOR_CONTROL_PORT", f"not a port: {raw!r}") from None
    return TorEndpoint(
        socks_host=host,
        socks_port=port,
        control_host=control_host,
        control_port=control_port,
        control_password=get_str(settings, "TOR_CONTROL_PASSWORD"),
        cookie_auth_file=get_str(settings, "TOR_COOKIE_AUTH_FILE"),
    )


def tor_strict(profile: PlatformProfile, settings: Any) -> bool:
    """OPSEC strict for a crawl of `profile`: its tor.strict, or the TOR_STRICT setting.

    TOR_STRICT takes 1/0, true/false, yes/no, on/off in any case; anything else is a
    ConfigError (a security switch read wrongly must never mean "off").
    """
    return bool(profile.tor.strict) or get_bool(settings, "TOR_STRICT", False)


@dataclass(frozen=True)
class TorConfig:
    """Everything the download handler reads, gathered once from Scrapy settings."""

    endpoint: TorEndpoint
    strict: bool = False
    isolation: bool = True
    isolation_key: str | None = None  # default key when a request has no meta["platform"]
    newnym_after_failures: int = 3
    outage_wait: float = 60.0  # seconds to hold requests while a running tor comes back
    connect_timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Any) -> TorConfig:
        return cls(
            endpoint=tor_endpoint(settings),
            strict=get_bool(settings, "TOR_STRICT", False),
            isolation=get_bool(settings, "TOR_ISOLATION", True),
            isolation_key=get_str(settings, "TOR_ISOLATION_KEY"),
            newnym_after_failures=get_number(settings, "TOR_NEWNYM_AFTER_FAILURES", int, 3, 1),
            outage_wait=get_number(settings, "TOR_OUTAGE_WAIT", float, 60.0, 0),
            connect_timeout=get_number(settings, "TOR_CONNECT_TIMEOUT", float, 30.0, 0.1),
        )


def scrapy_settings(profile: PlatformProfile, settings: Any) -> dict[str, Any]:
    """Scrapy settings for a crawl of `profile` through tor (network tor or strict OPSEC)."""
    tor_endpoint(settings)  # a wrong TOR_SOCKS_URL or TOR_CONTROL_PORT fails here, before a request
    strict = tor_strict(profile, settings)
    handlers: dict[str, str | None] = {"http": HANDLER, "https": HANDLER}
    if strict:
        # Schemes our handler does not carry would connect directly: switch them off.
        handlers.update({"ftp": None, "s3": None, "file": None, "data": None})
    concurrency = min(profile.politeness.concurrency, 8)
    out: dict[str, Any] = {
        "DOWNLOAD_HANDLERS": handlers,
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "TOR_STRICT": strict,
        "TOR_ISOLATION": bool(profile.tor.isolation),
        "TOR_ISOLATION_KEY": profile.name,
        # Circuits add 0.3-0.5 s to a first request and fail more often than direct TCP.
        "DOWNLOAD_TIMEOUT": 90,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 5,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "AUTOTHROTTLE_START_DELAY": 1.0,
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
    }
    if not profile.politeness.user_agent:
        out["USER_AGENT"] = TOR_BROWSER_USER_AGENT
    return out
