"""Stage 4: trafficking indicators with their evidence, and the risk score with its explanation."""

from crawler.crawl.enrich import add_indicators
from pipelines.stage import EnrichStagePipeline


class IndicatorsPipeline(EnrichStagePipeline):
    name = "indicators"
    stage = staticmethod(add_indicators)
    found = staticmethod(lambda listing: bool(listing.indicators))
