"""Stage 3: contact identifiers: phones (E.164, region hint), e-mails, messenger handles, wallets."""

from __future__ import annotations

from typing import Any

from crawler.crawl.enrich import add_contacts
from crawler.models import Listing
from pipelines.stage import EnrichStagePipeline


class ContactsPipeline(EnrichStagePipeline):
    name = "contacts"

    def stage(self, listing: Listing, fields: dict[str, Any]) -> None:
        add_contacts(listing, fields)

    def found(self, listing: Listing) -> bool:
        return bool(listing.identifiers())
