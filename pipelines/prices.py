"""Stage 2: prices (amount, currency, unit, amount in EUR) from the price field or the text."""

from __future__ import annotations

from typing import Any

from crawler.crawl.enrich import add_prices
from crawler.models import Listing
from pipelines.stage import EnrichStagePipeline


class PricesPipeline(EnrichStagePipeline):
    name = "prices"

    def stage(self, listing: Listing, fields: dict[str, Any]) -> None:
        add_prices(listing, fields)

    def found(self, listing: Listing) -> bool:
        return bool(listing.prices)
