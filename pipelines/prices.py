"""Stage 2: prices (amount, currency, unit, amount in EUR) from the price field or the text."""

from crawler.crawl.enrich import add_prices
from pipelines.stage import EnrichStagePipeline


class PricesPipeline(EnrichStagePipeline):
    name = "prices"
    stage = staticmethod(add_prices)
    found = staticmethod(lambda listing: bool(listing.prices))
