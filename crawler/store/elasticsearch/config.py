"""Every setting of the Elasticsearch store, read once: `StoreConfig.from_settings(settings)`.

Settings (one default each, in settings/base.py; the environment variables of the same
names, and ELASTICSEARCH_URL for STORE_URL, are mapped onto them by crawler.config):

- STORE_URL: http(s)://HOST:PORT of the cluster;
- ELASTICSEARCH_API_KEY (`id:key` or the encoded key), or ELASTICSEARCH_USERNAME and
  ELASTICSEARCH_PASSWORD (together); ELASTICSEARCH_CA_CERTS (an existing file),
  ELASTICSEARCH_VERIFY_CERTS, ELASTICSEARCH_REQUEST_TIMEOUT (seconds, at least 0.1);
- STORE_INDEX_PREFIX: the indices' names (a valid index name: lower case, digits, -_.);
- STORE_BULK_DOCS (at least 1), STORE_BULK_BYTES (at least 1024), STORE_BULK_FLUSH_INTERVAL,
  STORE_BULK_MAX_RETRIES, STORE_BULK_RETRY_BACKOFF, STORE_BULK_CONCURRENCY (at least 1),
  STORE_QUEUE_SIZE (at least 1): the write path (writer.py, connection.py);
- STORE_SPOOL_DIR (default CRAWLER_DATA_DIR/spool), STORE_SPOOL_RETRY_INTERVAL (at least
  0.05 s): the spool (replay.py).

A value that cannot be used is a crawler.config.ConfigError naming the setting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.config import ConfigError, get_bool, get_number, get_path, get_str

INDEX_PREFIX = re.compile(r"[a-z0-9][a-z0-9_.-]*")


@dataclass(frozen=True)
class StoreConfig:
    """Every setting of the Elasticsearch store (the defaults mirror settings/base.py)."""

    url: str
    api_key: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_certs: str | None = None
    verify_certs: bool = True
    request_timeout: float = 30.0
    index_prefix: str = "flagwatch"
    bulk_docs: int = 500
    bulk_bytes: int = 5 * 1024 * 1024
    flush_interval: float = 0.0
    max_retries: int = 3
    retry_backoff: float = 0.5
    queue_size: int = 64
    bulk_concurrency: int = 2
    spool_dir: Path = Path("data/spool")
    spool_retry_interval: float = 5.0

    @classmethod
    def from_settings(cls, settings: Any) -> StoreConfig:
        """The store's configuration from a settings object (crawler.config.crawler_settings)."""
        url = get_str(settings, "STORE_URL") or ""
        if not url.startswith(("http://", "https://")):
            raise ConfigError("setting", "STORE_URL", f"{url!r} is not an http(s):// URL")
        prefix = get_str(settings, "STORE_INDEX_PREFIX", cls.index_prefix) or cls.index_prefix
        if not INDEX_PREFIX.fullmatch(prefix):
            raise ConfigError(
                "setting",
                "STORE_INDEX_PREFIX",
                f"{prefix!r} must be lower-case letters, digits, '-', '_' or '.' "
                "(an Elasticsearch index name)",
            )
        username = get_str(settings, "ELASTICSEARCH_USERNAME")
        password = get_str(settings, "ELASTICSEARCH_PASSWORD")
        if (username is None) != (password is None):
            missing = "ELASTICSEARCH_PASSWORD" if password is None else "ELASTICSEARCH_USERNAME"
            raise ConfigError(
                "setting",
                missing,
                "not set: ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD go together",
            )
        ca = get_path(settings, "ELASTICSEARCH_CA_CERTS")
        if ca is not None and not ca.is_file():
            raise ConfigError("setting", "ELASTICSEARCH_CA_CERTS", f"{str(ca)!r}: no such file")
        data_dir = get_path(settings, "CRAWLER_DATA_DIR", "data")
        assert data_dir is not None

        def number(name: str, kind: type, default: Any, minimum: float = 0) -> Any:
            return get_number(settings, name, kind, default, minimum)

        return cls(
            url=url,
            api_key=get_str(settings, "ELASTICSEARCH_API_KEY"),
            username=username,
            password=password,
            ca_certs=str(ca) if ca is not None else None,
            verify_certs=get_bool(settings, "ELASTICSEARCH_VERIFY_CERTS", cls.verify_certs),
            request_timeout=number(
                "ELASTICSEARCH_REQUEST_TIMEOUT", float, cls.request_timeout, 0.1
            ),
            index_prefix=prefix,
            bulk_docs=number("STORE_BULK_DOCS", int, cls.bulk_docs, 1),
            bulk_bytes=number("STORE_BULK_BYTES", int, cls.bulk_bytes, 1024),
            flush_interval=number("STORE_BULK_FLUSH_INTERVAL", float, cls.flush_interval),
            max_retries=number("STORE_BULK_MAX_RETRIES", int, cls.max_retries),
            retry_backoff=number("STORE_BULK_RETRY_BACKOFF", float, cls.retry_backoff),
            queue_size=number("STORE_QUEUE_SIZE", int, cls.queue_size, 1),
            bulk_concurrency=number("STORE_BULK_CONCURRENCY", int, cls.bulk_concurrency, 1),
            spool_dir=get_path(settings, "STORE_SPOOL_DIR") or data_dir / "spool",
            spool_retry_interval=number(
                "STORE_SPOOL_RETRY_INTERVAL", float, cls.spool_retry_interval, 0.05
            ),
        )

    @property
    def names(self) -> IndexNames:
        return IndexNames.for_prefix(self.index_prefix)


@dataclass(frozen=True)
class IndexNames:
    """The store's indices, named from STORE_INDEX_PREFIX (see indices.py)."""

    prefix: str
    listings: str  # the alias that reads and writes go to
    alerts: str
    jobs: str
    identifiers: str
    clusters: str  # actor-linking documents (linking.py)

    @classmethod
    def for_prefix(cls, prefix: str) -> IndexNames:
        return cls(
            prefix=prefix,
            listings=f"{prefix}-listings",
            alerts=f"{prefix}-alerts",
            jobs=f"{prefix}-jobs",
            identifiers=f"{prefix}-identifiers",
            clusters=f"{prefix}-clusters",
        )
