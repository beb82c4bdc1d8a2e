"""The store's indices and their index templates, installed idempotently.

Indices (prefix from STORE_INDEX_PREFIX, default "flagwatch"):
  <prefix>-listings     alias for writes and reads -> versioned index <prefix>-listings-v1,
                        -v2... (a mapping change moves to a new index: migration.py)
  <prefix>-alerts       one document per alert (id = alert id, so storing twice is a no-op)
  <prefix>-jobs         one document per crawl job (start, end, pages, items, errors)
  <prefix>-identifiers  the identifier registry (registry.py)
  <prefix>-clusters     actor-linking documents and the linking lease (linking.py)
Index templates carry the mappings (mappings/), so every versioned index gets them.
Mappings use core types only (the test server has no language analyzers);
`title.<lang>`/`body.<lang>` sub-fields are added for each language analyzer that the
cluster answers `_analyze` for. Installing is retried like any request; when
Elasticsearch is down at open(), it happens before the first write instead.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError, AuthenticationException

from crawler.store.elasticsearch.connection import Connection
from crawler.store.elasticsearch.mappings import (
    LANGUAGE_ANALYZERS,
    MAPPING_VERSION,
    alert_mapping,
    cluster_documents_mapping,
    identifier_mapping,
    job_mapping,
    listing_mapping,
)

logger = logging.getLogger(__name__)

# `crawler status` pages through a platform's listings with large limits; allow them.
MAX_RESULT_WINDOW = 200_000


class Indices:
    """Installs the templates and indices, and knows the cluster's language analyzers."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.names = conn.names
        self.languages: list[str] = []
        self.installed = False

    async def install(self) -> None:
        """Index templates, the versioned listings index and its alias, alerts and jobs."""
        client, names = self.conn.client, self.names
        self.languages = await self.detect_languages()
        prefix = names.prefix
        templates = {
            f"{prefix}-listings": ([f"{prefix}-listings-v*"], listing_mapping(self.languages)),
            f"{prefix}-alerts": ([names.alerts], alert_mapping()),
            f"{prefix}-jobs": ([names.jobs], job_mapping()),
            f"{prefix}-identifiers": ([names.identifiers], identifier_mapping()),
            f"{prefix}-clusters": ([names.clusters], cluster_documents_mapping()),
        }
        for name, (patterns, mapping) in templates.items():
            await client.indices.put_index_template(
                name=name,
                index_patterns=patterns,
                priority=200,
                version=MAPPING_VERSION,
                template={
                    "settings": {
                        "number_of_shards": 1,
                        "auto_expand_replicas": "0-1",
                        "max_result_window": MAX_RESULT_WINDOW,
                    },
                    "mappings": mapping,
                },
                meta={"managed_by": "flagwatch crawler"},
            )
        if not await client.indices.exists_alias(name=names.listings):
            await self._create_index(
                f"{names.listings}-v{MAPPING_VERSION}",
                aliases={names.listings: {"is_write_index": True}},
            )
        for index in (names.alerts, names.jobs, names.identifiers, names.clusters):
            if not await client.indices.exists(index=index):
                await self._create_index(index)
        await self._add_job_fields()

    async def _add_job_fields(self) -> None:
        """A jobs index made before crawl health gains the `health` fields' mapping.

        Adding fields to a mapping is allowed in place; changing one is not: should
        `health` already exist with other types, the index keeps them (said once), and jobs
        are still written (the mapping is dynamic).
        """
        mapping = job_mapping()
        try:
            await self.conn.client.indices.put_mapping(
                index=self.names.jobs,
                properties={"health": mapping["properties"]["health"]},
                dynamic_templates=mapping["dynamic_templates"],
            )
        except ApiError as exc:
            if getattr(exc, "status_code", None) != 400:
                raise
            logger.warning(
                "%s: the jobs index keeps its earlier mapping (%s); reindex it to get the "
                "current one (crawl health fields)",
                self.names.jobs,
                str(exc)[:300],
            )

    async def ensure_installed(self) -> None:
        """Install once; when Elasticsearch was down at open(), before the first write."""
        if not self.installed:
            await self.conn.retrying(self.install)
            self.installed = True

    async def _create_index(self, index: str, aliases: dict[str, Any] | None = None) -> None:
        try:
            await self.conn.client.indices.create(index=index, aliases=aliases)
        except ApiError as exc:
            # Another crawler process created it at the same moment: fine.
            if "resource_already_exists_exception" not in str(exc):
                raise

    async def detect_languages(self) -> list[str]:
        """ISO codes whose language analyzer the cluster has (asked with _analyze)."""
        client = self.conn.client

        async def has(code: str) -> str | None:
            try:
                await client.indices.analyze(analyzer=LANGUAGE_ANALYZERS[code], text="test")
                return code
            except (AuthenticationException, TransportConnectionError, ConnectionTimeout):
                raise
            except ApiError:
                return None

        found = await asyncio.gather(*(has(code) for code in LANGUAGE_ANALYZERS))
        return [code for code in found if code]

    async def refresh(self) -> None:
        """Make everything written so far visible to search."""
        names = self.names
        await self.conn.client.indices.refresh(index=[names.listings, names.alerts, names.jobs])
