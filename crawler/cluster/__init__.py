"""Actor linking: listings joined into clusters, one per poster or network, with reasons.

Pure code (no Scrapy, no I/O, no settings, no store imports): the stores implement
`ClusterIndex` and call `ActorClusterer.add` for each listing they take in; `summarize`
builds what an analyst reads about a cluster. docs/clusters.md explains every rule.
"""

from crawler.cluster.boilerplate import PlatformBoilerplate
from crawler.cluster.clusterer import ActorClusterer, cluster_all
from crawler.cluster.index import ClusterIndex, MemoryClusterIndex
from crawler.cluster.records import (
    HUB,
    LINKING,
    UNDECIDED,
    AddResult,
    ClusterInfo,
    ClusterListing,
    ClusterPrice,
    Identifier,
    IdentifierState,
    Link,
    ListingRecord,
    Merge,
)

__all__ = [
    "HUB",
    "LINKING",
    "UNDECIDED",
    "ActorClusterer",
    "AddResult",
    "ClusterIndex",
    "ClusterInfo",
    "ClusterListing",
    "ClusterPrice",
    "Identifier",
    "IdentifierState",
    "Link",
    "ListingRecord",
    "MemoryClusterIndex",
    "Merge",
    "PlatformBoilerplate",
    "cluster_all",
]
