"""Tor for the crawler: where the tor endpoint is, and the Scrapy settings that route through it.

A crawl of a platform whose profile says `network: tor` (or `tor.strict: true`, or any crawl
with TOR_STRICT=1) merges `scrapy_settings(profile, environ)` into its Scrapy settings: the
download handler of crawler.tor.handler for http and https, the TOR_* settings it reads,
retries and timeouts tuned for Tor latency, and lower concurrency.

Environment (the tor endpoint):
- TOR_SOCKS_URL: socks5h://HOST:PORT of tor's SocksPort (default socks5h://127.0.0.1:9050).
  Only socks5h (or socks5, treated the same): names are always resolved by tor.
- TOR_CONTROL_PORT: tor's ControlPort (default 9051), for NEWNYM and health checks.
- TOR_CONTROL_PASSWORD or TOR_COOKIE_AUTH_FILE: control-port authentication (else stem
  tries cookie auth from what tor's PROTOCOLINFO says).
- TOR_STRICT=1: OPSEC strict for every crawl, clearnet profiles included.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

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


class TorConfigError(ValueError):
    """A TOR_* setting is wrong: names the setting, where it came from and the reason."""

    def __init__(self, source: str, field: str, reason: str) -> None:
        self.source, self.field, self.reason = source, field, reason
        super().__init__(f"{source}: {field}: {reason}")


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


def parse_socks_url(url: str, source: str = "environment") -> tuple[str, int]:
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


def tor_endpoint(environ: Mapping[str, str] | None = None) -> TorEndpoint:
    """The tor endpoint named by TOR_SOCKS_URL, TOR_CONTROL_PORT and the auth variables."""
    env = os.environ if environ is None else environ
    host, port = parse_socks_url(env.get("TOR_SOCKS_URL", "socks5h://127.0.0.1:9050"))
    raw = env.get("TOR_CONTROL_PORT", "9051")
    control_host = "127.0.0.1"
    if ":" in raw:
        control_host, _, raw = raw.rpartition(":")
    try:
        control_port = int(raw)
    except ValueError:
        raise TorConfigError("environment", "TOR_CONTROL_PORT", f"not a port: {raw!r}") from None
    return TorEndpoint(
        socks_host=host,
        socks_port=port,
        control_host=control_host,
        control_port=control_port,
        control_password=env.get("TOR_CONTROL_PASSWORD") or None,
        cookie_auth_file=env.get("TOR_COOKIE_AUTH_FILE") or None,
    )


def tor_strict(profile: PlatformProfile, environ: Mapping[str, str] | None = None) -> bool:
    """OPSEC strict for a crawl of `profile`: its tor.strict, or TOR_STRICT in the environment.

    TOR_STRICT takes 1/0, true/false, yes/no, on/off in any case; anything else is a
    ConfigError (a security switch read wrongly must never mean "off").
    """
    from crawler.config import parse_bool

    env = os.environ if environ is None else environ
    raw = env.get("TOR_STRICT", "")
    if profile.tor.strict:
        return True
    return bool(raw.strip()) and parse_bool(raw, "TOR_STRICT", "environment")


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
        from crawler.config import parse_bool

        host, port = parse_socks_url(
            settings.get("TOR_SOCKS_URL") or "socks5h://127.0.0.1:9050", "Scrapy settings"
        )
        endpoint = TorEndpoint(
            socks_host=host,
            socks_port=port,
            control_host=settings.get("TOR_CONTROL_HOST") or "127.0.0.1",
            control_port=settings.getint("TOR_CONTROL_PORT", 9051),
            control_password=settings.get("TOR_CONTROL_PASSWORD") or None,
            cookie_auth_file=settings.get("TOR_COOKIE_AUTH_FILE") or None,
        )
        after = settings.getint("TOR_NEWNYM_AFTER_FAILURES", 3)
        if after < 1:
            raise TorConfigError("Scrapy settings", "TOR_NEWNYM_AFTER_FAILURES", "must be >= 1")
        return cls(
            endpoint=endpoint,
            strict=parse_bool(settings.get("TOR_STRICT", False), "TOR_STRICT", "Scrapy settings"),
            isolation=settings.getbool("TOR_ISOLATION", True),
            isolation_key=settings.get("TOR_ISOLATION_KEY") or None,
            newnym_after_failures=after,
            outage_wait=settings.getfloat("TOR_OUTAGE_WAIT", 60.0),
            connect_timeout=settings.getfloat("TOR_CONNECT_TIMEOUT", 30.0),
        )


def scrapy_settings(
    profile: PlatformProfile, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Scrapy settings for a crawl of `profile` through tor (network tor or strict OPSEC)."""
    env = os.environ if environ is None else environ
    endpoint = tor_endpoint(env)
    strict = tor_strict(profile, env)
    handlers: dict[str, str | None] = {"http": HANDLER, "https": HANDLER}
    if strict:
        # Schemes our handler does not carry would connect directly: switch them off.
        handlers.update({"ftp": None, "s3": None})
    concurrency = min(profile.politeness.concurrency, 8)
    settings: dict[str, Any] = {
        "DOWNLOAD_HANDLERS": handlers,
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "TOR_SOCKS_URL": endpoint.socks_url,
        "TOR_CONTROL_HOST": endpoint.control_host,
        "TOR_CONTROL_PORT": endpoint.control_port,
        "TOR_CONTROL_PASSWORD": endpoint.control_password,
        "TOR_COOKIE_AUTH_FILE": endpoint.cookie_auth_file,
        "TOR_STRICT": strict,
        "TOR_ISOLATION": bool(profile.tor.isolation),
        "TOR_ISOLATION_KEY": profile.name,
        "TOR_NEWNYM_AFTER_FAILURES": int(env.get("TOR_NEWNYM_AFTER_FAILURES", "3")),
        "TOR_OUTAGE_WAIT": float(env.get("TOR_OUTAGE_WAIT", "60")),
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
        settings["USER_AGENT"] = TOR_BROWSER_USER_AGENT
    return settings
