"""Stage 3: contact identifiers: phones (E.164, region hint), e-mails, messenger handles, wallets."""

from crawler.crawl.enrich import add_contacts
from pipelines.stage import EnrichStagePipeline


class ContactsPipeline(EnrichStagePipeline):
    name = "contacts"
    stage = staticmethod(add_contacts)
    found = staticmethod(lambda listing: bool(listing.identifiers()))
