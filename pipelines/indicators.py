"""Stage 4: trafficking indicators with their evidence, and the risk score with its explanation."""

from __future__ import annotations

from typing import Any

from crawler.crawl.enrich import add_indicators
from crawler.models import Listing
from pipelines.stage import EnrichStagePipeline


class IndicatorsPipeline(EnrichStagePipeline):
    name = "indicators"

    def stage(self, listing: Listing, fields: dict[str, Any]) -> None:
        add_indicators(listing, fields)

    def found(self, listing: Listing) -> bool:
        return bool(listing.indicators)
