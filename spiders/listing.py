"""ListingSpider: one generic, profile-driven spider for every flagged platform.

    scrapy crawl listing -a platform=demo-classifieds [-a full=1]
    crawler crawl demo-classifieds [--full]

List pages -> detail pages -> raw listing items (pipelines/ turn them into Listing
documents). Or, for a profile with an `api` section, JSON pages -> raw listing items.

Monitoring efficiency: a list entry whose listing is already stored with the same
list-page fingerprint (its price and title as the list shows them) is not fetched again
(it is only marked as seen), and in incremental mode pagination stops at a list page whose
entries are all known and unchanged. A run after an incomplete one (killed, failed, cut
short) walks every list page again, so a killed crawl resumes: known listings cost one list
page entry, new ones are fetched, nothing is stored twice (ids are stable).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from parsel import Selector
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from w3lib.url import canonicalize_url

from crawler.browser import needs_browser
from crawler.crawljob import profile_settings
from crawler.fieldreader import jsonld_objects, read_field
from crawler.models import CrawlJob, listing_id, utcnow
from crawler.profiles import PlatformProfile, load_profiles
from crawler.store import ListingStore, open_store

logger = logging.getLogger(__name__)


def _truthy(value: Any) -> bool:
    return str(value).lower() in {"1", "true", "yes", "on"}


def entry_fingerprint(values: dict[str, str | None]) -> str:
    blob = json.dumps(values, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


class ListingSpider(scrapy.Spider):
    name = "listing"

    def __init__(
        self,
        platform: str | None = None,
        profile: PlatformProfile | None = None,
        full: Any = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if profile is None:
            raise ValueError("ListingSpider needs a platform: -a platform=NAME")
        self.profile = profile
        self.platform = profile.name
        self.force_full = _truthy(full)
        self.store: ListingStore | None = None
        self.job: CrawlJob | None = None
        self.mode = "full"
        self.open_chains = 0
        self.broken_chains = 0
        self.to_touch: list[str] = []
        self.uses_browser = needs_browser(profile)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ListingSpider:
        profile = kwargs.pop("profile", None)
        if profile is None:
            name = kwargs.get("platform")
            if not name:
                raise ValueError("ListingSpider needs a platform: -a platform=NAME")
            profiles = load_profiles()
            if name not in profiles:
                raise ValueError(f"unknown platform {name!r}; known: {', '.join(sorted(profiles))}")
            profile = profiles[name]
        # Scrapy (>= 2.11) lets from_crawler change settings before they are frozen.
        crawler.settings.setdict(profile_settings(profile), priority="spider")
        spider = super().from_crawler(crawler, *args, profile=profile, **kwargs)
        crawler.signals.connect(spider._on_closed, signal=signals.spider_closed)
        return spider

    # ---- start -------------------------------------------------------------------------

    async def _decide_mode(self) -> str:
        inc = self.profile.incremental
        if self.force_full or not inc.enabled:
            return "full"
        previous = await self.store.jobs(self.platform, limit=50)
        if not previous or not previous[0].complete:
            return "full"  # first run, or resuming an incomplete run
        if inc.full_recrawl_every:
            since_full = 0
            for job in previous:
                if job.mode == "full":
                    break
                since_full += 1
            if since_full + 1 >= inc.full_recrawl_every:
                return "full"
        return "incremental"

    async def start(self) -> AsyncIterator[Any]:
        self.store = open_store()
        await self.store.open()
        self.mode = await self._decide_mode()
        self.job = CrawlJob(
            id=f"{self.platform}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}",
            platform=self.platform,
            started_at=utcnow(),
            mode=self.mode,
        )
        await self.store.save_job(self.job)
        self.crawler.stats.set_value("listing/mode", self.mode)
        logger.info("crawling %s (%s mode)", self.platform, self.mode)
        if self.profile.api is not None:
            from spiders.api_mode import first_api_url

            self.open_chains += 1
            yield self._request(first_api_url(self.profile), self.parse_api, "api")
            return
        for seed in self.profile.seeds:
            self.open_chains += 1
            yield self._request(self.profile.absolute(seed), self.parse_list, "list")

    def _request(self, url: str, callback: Any, kind: str, **meta: Any) -> scrapy.Request:
        meta = {"platform": self.platform, "page_kind": kind, **meta}
        if (
            self.uses_browser
            and kind != "api"
            and (kind == "list" or self.profile.render is None or self.profile.render.render_detail)
        ):
            from crawler.browser import request_meta

            meta.update(request_meta(self.profile, kind))
        errback = self._chain_failed if kind in {"list", "api"} else self._detail_failed
        return scrapy.Request(
            url, callback=callback, errback=errback, meta=meta, dont_filter=kind != "detail"
        )

    # ---- list pages --------------------------------------------------------------------

    async def parse_list(self, response: Response) -> AsyncIterator[Any]:
        lp = self.profile.list_page
        assert lp is not None
        self.crawler.stats.inc_value("listing/list_pages")
        entries = []
        for entry in response.css(lp.item):
            link = read_field(entry, lp.link)
            if not link:
                self.crawler.stats.inc_value("listing/entries_without_link")
                continue
            url = response.urljoin(link)
            key = read_field(entry, lp.key) if lp.key else None
            values = {name: read_field(entry, spec) for name, spec in lp.fields.items()}
            if not values:
                values = {"text": " ".join(entry.xpath(".//text()").getall()).strip()}
            lid = listing_id(self.platform, key or canonicalize_url(url, keep_fragments=False))
            entries.append((lid, url, key, entry_fingerprint(values)))
        known = await self.store.known(self.platform, [e[0] for e in entries]) if entries else {}
        fresh = 0
        for lid, url, key, lfp in entries:
            if lid in known and known[lid] == lfp:
                self.to_touch.append(lid)
                self.crawler.stats.inc_value("listing/skipped_known")
                continue
            fresh += 1
            yield self._request(
                url,
                self.parse_detail,
                "detail",
                listing_id=lid,
                listing_key=key,
                list_fingerprint=lfp,
            )
        if len(self.to_touch) >= 200:
            await self._flush_touch()
        next_url = read_field(response, lp.next_page) if lp.next_page else None
        if (
            next_url
            and self.mode == "incremental"
            and entries
            and fresh == 0
            and self.profile.incremental.stop_on_known_page
        ):
            self.crawler.stats.inc_value("listing/stopped_on_known_page")
            next_url = None
        page_no = response.meta.get("list_page_no", 1)
        if next_url and page_no >= self.profile.limits.max_depth:
            self.crawler.stats.inc_value("listing/max_depth_reached")
            logger.warning(
                "%s: stopped after %d list pages (limits.max_depth)", self.platform, page_no
            )
            self.broken_chains += 1  # the platform was not walked to its end
            next_url = None
        if next_url:
            yield self._request(
                response.urljoin(next_url), self.parse_list, "list", list_page_no=page_no + 1
            )
        else:
            self.open_chains -= 1

    # ---- detail pages ------------------------------------------------------------------

    def parse_detail(self, response: Response) -> Any:
        dp = self.profile.detail
        assert dp is not None
        self.crawler.stats.inc_value("listing/detail_pages")
        sel = Selector(text=response.text) if not hasattr(response, "css") else response
        jsonld = jsonld_objects(sel) if any(s.jsonld for s in dp.fields.values()) else None
        fields = {name: read_field(sel, spec, jsonld) for name, spec in dp.fields.items()}
        key = response.meta.get("listing_key") or fields.get("listing_key")
        lid = response.meta.get("listing_id") or listing_id(
            self.platform, key or canonicalize_url(response.url, keep_fragments=False)
        )
        yield self._item(
            response.url,
            lid,
            key,
            fields,
            response.meta.get("list_fingerprint"),
            hashlib.sha256(response.body).hexdigest(),
        )

    def _item(
        self,
        url: str,
        lid: str,
        key: str | None,
        fields: dict[str, Any],
        list_fingerprint: str | None,
        evidence: str,
    ) -> dict[str, Any]:
        return {
            "raw": {
                "id": lid,
                "platform": self.platform,
                "url": url,
                "key": key,
                "fields": fields,
                "list_fingerprint": list_fingerprint,
                "evidence_sha256": evidence,
                "network": self.profile.network,
                "category": fields.get("category") or self.profile.category,
                "country": self.profile.country,
                "language": self.profile.language,
            }
        }

    # ---- API mode ----------------------------------------------------------------------

    async def parse_api(self, response: Response) -> AsyncIterator[Any]:
        from spiders.api_mode import parse_api_page

        self.crawler.stats.inc_value("listing/api_pages")
        try:
            data = json.loads(response.text)
        except ValueError as exc:
            self.crawler.stats.inc_value("listing/api_bad_json")
            logger.error("%s: API page %s is not JSON: %s", self.platform, response.url, exc)
            self.broken_chains += 1
            self.open_chains -= 1
            return
        raws, next_url = parse_api_page(self.profile, response.url, data)
        entries = []
        for raw in raws:
            key = raw.get("key")
            url = raw.get("url") or response.url
            lid = listing_id(self.platform, str(key) if key else canonicalize_url(url))
            fields = {
                k: (None if v is None else str(v))
                for k, v in raw.items()
                if k not in {"key", "url"}
            }
            entries.append((lid, url, key, fields, entry_fingerprint(fields)))
        known = await self.store.known(self.platform, [e[0] for e in entries]) if entries else {}
        fresh = 0
        body_sha = hashlib.sha256(response.body).hexdigest()
        for lid, url, key, fields, lfp in entries:
            if lid in known and known[lid] == lfp:
                self.to_touch.append(lid)
                self.crawler.stats.inc_value("listing/skipped_known")
                continue
            fresh += 1
            yield self._item(url, lid, None if key is None else str(key), fields, lfp, body_sha)
        if (
            next_url
            and self.mode == "incremental"
            and entries
            and fresh == 0
            and self.profile.incremental.stop_on_known_page
        ):
            self.crawler.stats.inc_value("listing/stopped_on_known_page")
            next_url = None
        if next_url:
            yield self._request(response.urljoin(next_url), self.parse_api, "api")
        else:
            self.open_chains -= 1

    # ---- failures and the end ----------------------------------------------------------

    def _chain_failed(self, failure: Any) -> None:
        self.broken_chains += 1
        self.open_chains -= 1
        self.crawler.stats.inc_value("listing/list_page_errors")
        logger.error("%s: list page failed: %s", self.platform, failure.getErrorMessage())

    def _detail_failed(self, failure: Any) -> None:
        # A failed detail page leaves the run incomplete: the next run walks the lists again.
        self.broken_chains += 1
        self.crawler.stats.inc_value("listing/detail_page_errors")
        logger.warning("%s: detail page failed: %s", self.platform, failure.getErrorMessage())

    async def _flush_touch(self) -> None:
        if self.to_touch and self.store is not None:
            ids, self.to_touch = self.to_touch, []
            await self.store.touch(self.platform, ids, utcnow())

    async def _on_closed(self, spider: scrapy.Spider, reason: str) -> None:
        if self.store is None:
            return
        try:
            await self._flush_touch()
            stats = self.crawler.stats
            if self.job is not None:
                job = self.job
                job.finished_at = utcnow()
                job.status = "finished" if reason == "finished" else "interrupted"
                job.complete = (
                    reason == "finished" and self.open_chains <= 0 and self.broken_chains == 0
                )
                job.pages = int(stats.get_value("response_received_count", 0))
                job.items = int(stats.get_value("item_scraped_count", 0))
                job.new = int(stats.get_value("store/new", 0))
                job.changed = int(stats.get_value("store/changed", 0))
                job.unchanged = int(stats.get_value("store/unchanged", 0))
                job.skipped_known = int(stats.get_value("listing/skipped_known", 0))
                job.errors = int(stats.get_value("log_count/ERROR", 0)) + self.broken_chains
                job.message = reason
                await self.store.save_job(job)
        finally:
            await self.store.close()
