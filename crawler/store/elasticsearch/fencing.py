"""Fencing tokens of worker runs in Elasticsearch (crawler.worker.lease, ListingStore.hold_fence).

The newest token per platform is a document `fence:<platform>` of the clusters index
(`{"token": N}`), raised only with if_seq_no/if_primary_term as read, so two runs racing to
record their tokens cannot lower it. A run that holds a fence checks the document before
each of its writes (a real-time GET, at most every CHECK_EVERY seconds) and is refused
(FencedOut) once a newer run recorded a larger token.

Weaker than the SQLite store's fence, and said so in docs/scaling.md: Elasticsearch has no
transaction across documents (and the test server no scripts), so a write already past its
check when the takeover happens still lands (at most CHECK_EVERY seconds of one run's
writes, each of them a listing as that run saw it; the newer run then writes its own). While
Elasticsearch is unreachable the check cannot run: writes go to the spool as always.
"""

from __future__ import annotations

import time

from elasticsearch import ConflictError, NotFoundError

from crawler.store.base import FencedOut
from crawler.store.elasticsearch.connection import Connection, Unreachable

CHECK_EVERY = 0.5  # seconds between two checks of one run's fence


class Fences:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.index = conn.names.clusters
        self.held: tuple[str, int] | None = None
        self.superseded_by = 0  # once refused, every later write is refused at once
        self._checked = 0.0

    def _id(self, platform: str) -> str:
        return f"fence:{platform}"

    async def _read(self, platform: str) -> tuple[int, int | None, int | None]:
        try:
            doc = await self.conn.retrying(
                self.conn.client.get, index=self.index, id=self._id(platform)
            )
        except NotFoundError:
            return 0, None, None
        return int(doc["_source"].get("token", 0)), doc["_seq_no"], doc["_primary_term"]

    async def token(self, platform: str) -> int:
        return (await self._read(platform))[0]

    def _refusal(self, platform: str, token: int, newest: int) -> FencedOut:
        return FencedOut(
            f"Elasticsearch store: {platform}: write refused, this run's lease (token {token}) "
            f"was taken over by a newer run (token {newest})"
        )

    async def hold(self, platform: str, token: int) -> None:
        """Record `token` as the platform's newest (FencedOut when a newer one is there)."""
        while True:
            newest, seq_no, term = await self._read(platform)
            if newest > token:
                raise self._refusal(platform, token, newest)
            if newest == token:
                break
            try:
                if seq_no is None:
                    await self.conn.retrying(
                        self.conn.client.create,
                        index=self.index,
                        id=self._id(platform),
                        document={"token": token},
                    )
                else:
                    await self.conn.retrying(
                        self.conn.client.index,
                        index=self.index,
                        id=self._id(platform),
                        document={"token": token},
                        if_seq_no=seq_no,
                        if_primary_term=term,
                    )
                break
            except ConflictError:
                continue  # another run recorded its token meanwhile: read again
        self.held = (platform, token)
        self._checked = time.monotonic()

    async def check(self) -> None:
        """FencedOut when a newer run took the held platform over; nothing to do otherwise."""
        if self.held is None:
            return
        platform, token = self.held
        if self.superseded_by:
            raise self._refusal(platform, token, self.superseded_by)
        if time.monotonic() - self._checked < CHECK_EVERY:
            return
        try:
            newest = await self.token(platform)
        except Unreachable:
            return  # writes go to the spool meanwhile (see the module docstring)
        self._checked = time.monotonic()
        if newest > token:
            self.superseded_by = newest
            raise self._refusal(platform, token, newest)
