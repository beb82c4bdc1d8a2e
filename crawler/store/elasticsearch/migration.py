"""Mapping migrations: copy the listings into a new versioned index and swap the alias.

`<prefix>-listings` is an alias to a versioned index (`<prefix>-listings-v1`, -v2...;
indices.py). A mapping change (mappings/, MAPPING_VERSION) is installed as a new index
template first (ElasticsearchStore.install), then `migrate_listings` creates the next
version from it, copies every listing client-side (scan + bulk: the test server has no
_reindex) and moves the alias in one atomic swap. Writes made to the old index during the
copy are not carried over: run it between crawls. Settings: STORE_INDEX_PREFIX (prefix).
"""

from __future__ import annotations

import re
from typing import Any

from elasticsearch import AsyncElasticsearch, helpers

from crawler.store.base import StoreError


async def migrate_listings(
    client: AsyncElasticsearch,
    prefix: str = "flagwatch",
    new_version: int | None = None,
    chunk_size: int = 500,
) -> tuple[str, str, int]:
    """Copy the listings into a new versioned index and move the alias to it.

    Client-side scan + bulk (the server has no _reindex), then one atomic alias swap.
    The new index takes its mapping from the current template, so install a changed
    template (ElasticsearchStore.install) first. Writes made during the copy to the old
    index are not carried over: run it between crawls. Returns (old, new, copied).
    """
    alias = f"{prefix}-listings"
    current = await client.indices.get_alias(name=alias)
    old = sorted(current.body)[-1]
    m = re.search(r"-v(\d+)$", old)
    version = new_version or (int(m.group(1)) + 1 if m else 2)
    new = f"{alias}-v{version}"
    if new == old:
        raise StoreError(f"migrate_listings: {alias} already points at {new}")
    await client.indices.create(index=new)

    async def actions() -> Any:
        async for hit in helpers.async_scan(client, index=old, query={"query": {"match_all": {}}}):
            yield {
                "_op_type": "create",
                "_index": new,
                "_id": hit["_id"],
                "_source": hit["_source"],
            }

    copied, errors = await helpers.async_bulk(
        client, actions(), chunk_size=chunk_size, raise_on_error=False, max_retries=3
    )
    assert isinstance(errors, list)  # raise_on_error=False: the failed items, not a count
    if errors:
        raise StoreError(f"migrate_listings: {len(errors)} documents failed: {errors[:3]}")
    await client.indices.refresh(index=new)
    await client.indices.update_aliases(
        actions=[
            {"remove": {"index": old, "alias": alias}},
            {"add": {"index": new, "alias": alias, "is_write_index": True}},
        ]
    )
    return old, new, copied
