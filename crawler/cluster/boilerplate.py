"""Per-platform boilerplate: sentences a large share of one platform's listings carry.

Footers, disclaimers, navigation and the platform's own contact block repeat on most
listings of a platform and say nothing about who wrote an ad; left in, they make every
two ads of the platform look alike. `PlatformBoilerplate` counts, per platform, in how
many listings each normalised sentence (crawler.cluster.text.sentence_key) appears, and
calls a sentence boilerplate once it is in at least BOILERPLATE_SHARE of the platform's
listings and in at least BOILERPLATE_MIN_LISTINGS of them, and, once the platform has
BOILERPLATE_WARMUP listings, it has been seen next to at least BOILERPLATE_MIN_CONTEXTS
different other sentences. The last condition keeps an actor's own wording: one actor can
post a large share of a platform's ads, but its sentences only ever appear next to its
own few others, where a footer appears next to everybody's. During the warm-up a
sentence in three listings may be one poster's as well as a footer, and there is no
telling them apart yet; a footer missed then makes unrelated ads look alike (false
links, for good), an actor's sentence dropped only costs that ad its text links, so the
warm-up removes both.

It learns as listings arrive (`observe`), so the first few listings of a new platform
are compared with their footers still in; a store that has a crawl's batch in hand can
`observe` the batch first. The tables are plain dicts (`snapshot` / `restore`), so that a
store can persist them. To bound memory, sentences seen once are dropped from a table
when it grows past PRUNE_AT entries (a footer is never seen only once).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# A sentence in >= 20% of a platform's listings (and in >= 3 of them) is boilerplate.
# Measured: footers sit at 100%, an actor's own sentences at < 10% of a platform of a few
# hundred listings; 0.2 leaves a margin both ways (docs/clusters.md).
BOILERPLATE_SHARE = 0.2
BOILERPLATE_MIN_LISTINGS = 3
BOILERPLATE_MIN_CONTEXTS = 24
BOILERPLATE_WARMUP = 20
PRUNE_AT = 200_000
_CONTEXT_CAP = 64  # distinct neighbours kept per sentence (only the count matters)


@dataclass
class _PlatformTable:
    listings: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    # sentence key -> other sentence keys seen in the same listings (for keys seen twice+)
    contexts: dict[str, set[str]] = field(default_factory=dict)


class PlatformBoilerplate:
    """Sentence document frequencies per platform, and the boilerplate test on them."""

    def __init__(
        self,
        share: float = BOILERPLATE_SHARE,
        min_listings: int = BOILERPLATE_MIN_LISTINGS,
        min_contexts: int = BOILERPLATE_MIN_CONTEXTS,
        warmup: int = BOILERPLATE_WARMUP,
    ) -> None:
        self.warmup = warmup
        self.share = share
        self.min_listings = min_listings
        self.min_contexts = min_contexts
        self._tables: dict[str, _PlatformTable] = {}

    def observe(self, platform: str, sentence_keys: Iterable[str]) -> None:
        """Count one listing of `platform` with these sentences (duplicates count once)."""
        table = self._tables.setdefault(platform, _PlatformTable())
        table.listings += 1
        counts, contexts = table.counts, table.contexts
        keys = sorted(set(sentence_keys))
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
            if counts[key] >= 2:
                seen = contexts.setdefault(key, set())
                if len(seen) < _CONTEXT_CAP:
                    seen.update(k for k in keys if k != key)
        if len(counts) > PRUNE_AT:
            table.counts = {k: v for k, v in counts.items() if v > 1}

    def is_boilerplate(self, platform: str, key: str) -> bool:
        table = self._tables.get(platform)
        if table is None:
            return False
        count = table.counts.get(key, 0)
        return (
            count >= self.min_listings
            and count >= self.share * table.listings
            and (
                table.listings < self.warmup
                or len(table.contexts.get(key, ())) >= self.min_contexts
            )
        )

    def boilerplate(self, platform: str, sentence_keys: Iterable[str]) -> frozenset[str]:
        """The keys among `sentence_keys` that are boilerplate on `platform` now."""
        return frozenset(k for k in sentence_keys if self.is_boilerplate(platform, k))

    def listings(self, platform: str) -> int:
        table = self._tables.get(platform)
        return table.listings if table else 0

    def snapshot(self) -> dict[str, Any]:
        """Plain data a store can persist and `restore` from."""
        return {
            p: {
                "listings": t.listings,
                "counts": dict(t.counts),
                "contexts": {k: sorted(v) for k, v in t.contexts.items()},
            }
            for p, t in self._tables.items()
        }

    def restore(self, data: dict[str, Any]) -> None:
        self._tables = {
            p: _PlatformTable(
                int(t["listings"]),
                {str(k): int(v) for k, v in t["counts"].items()},
                {str(k): set(v) for k, v in t.get("contexts", {}).items()},
            )
            for p, t in data.items()
        }
