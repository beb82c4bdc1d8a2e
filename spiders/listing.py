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

A hostile platform (see crawler/demo/hostile.py for the attacks) gets bounded work:
- every followed URL is checked against the platform's scope (crawler.crawl.scope) before
  a request exists; the downloader checks again for redirects and everything else;
- at most limits.max_entries_per_page entries are read from a list page (the count is
  taken in XPath, not by building the rest) and limits.max_links_per_page requests
  followed from one page;
- a list page already walked in this run, or one repeating the previous page's entries,
  ends its pagination; limits.max_depth list pages per seed at most;
- text fields are cut at limits.max_text_chars, and every such change is recorded on the
  listing (`alterations`), as is a page flattened for its nesting (crawler.crawl.pages);
- a list page that cannot be parsed is counted, logged once with the reason, and ends its
  chain (the run is incomplete and `crawler crawl` says why).
Failures: a failed list page makes the run incomplete (the next run walks every list
page, unless the same pages failed in the run before too: then they are reported, not
walked for ever). A failed detail page does not: it is recorded on the job and retried
by the next runs, MAX_DETAIL_ATTEMPTS times at most, unless it is gone for good (404/410,
not text, too large, out of scope).

Evidence (crawler.evidence.capture, docs/evidence.md): each raw listing carries the
`EvidenceRef` of the WARC record its page was read from (response.meta["evidence"]; every
listing of a JSON page points to that page), and `finish_job` has the run's WARC files
closed and sealed first, whatever the outcome; a capture that could not be written makes
the job `failed` with its message.

Members-only platforms (a profile with `auth:`; crawler.auth.login, docs/auth.md): before
any request the run loads the account and the stored (or imported) session, or ends at once
as `needs_login` when the last run needed a human and no session was saved since; every list
and detail page is screened first: a page served logged out is held and fetched again after
a login (nothing of the walk is lost), and a page asking for a human (a CAPTCHA) stops the
platform as `needs_login`.

Health (crawler.health, docs/health.md): the spider counts what only it knows, under
`health/`: list entries found, list pages whose entry selector matched nothing, detail pages
matching no field selector, the profile's `expect:` selectors missing, response times, and
the page classifier's verdict (login wall, CAPTCHA, block page, parked domain) on the pages
that look off (no entries, no match, an HTTP error). `finish_job` runs the health monitors
over the run's stats and the platform's earlier jobs and sets `job.health` before the job
is recorded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import statistics
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urljoin

import scrapy
from parsel import Selector
from parsel.csstranslator import css2xpath
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from w3lib.url import canonicalize_url

from crawler.auth.login import LoginFlow
from crawler.browser import needs_browser
from crawler.config.environment import apply_environment
from crawler.crawl.fields import jsonld_objects, read_field
from crawler.crawl.items import ListingItem, RawListing
from crawler.crawl.media import is_media_url
from crawler.crawl.reporting import Reporter
from crawler.crawl.scope import PlatformScope, count_refusal
from crawler.crawl.settings import profile_settings
from crawler.crawl.store import CrawlStore
from crawler.crawl.urls import redact_session, strip_session
from crawler.evidence.capture import META_REF as CAPTURE_META
from crawler.evidence.capture import EvidenceCapture
from crawler.health import metrics as health_stats
from crawler.models import CrawlJob, EvidenceRef, listing_id, utcnow
from crawler.profiles import PlatformProfile, find_profile
from crawler.store import ListingStore, StoreError

logger = logging.getLogger(__name__)

MAX_DETAIL_ATTEMPTS = 3  # runs in a row a failing detail page is tried
MAX_RECORDED_FAILURES = 200  # failed pages kept on one job record, to retry
MAX_RECORDED_GONE = 1000  # ... and pages gone for good, skipped until their list entry changes
PERMANENT_STATUSES = frozenset({401, 403, 404, 410, 451})
MAX_LATENCIES = 10_000  # response times kept for the run's median


def _truthy(value: Any) -> bool:
    return str(value).lower() in {"1", "true", "yes", "on"}


def entry_fingerprint(values: dict[str, str | None]) -> str:
    blob = json.dumps(values, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def failure_reason(failure: Any) -> tuple[str, bool]:
    """(one-line reason, permanent?) of a failed download."""
    from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, StopDownload
    from scrapy.spidermiddlewares.httperror import HttpError

    exc = failure.value
    message = failure.getErrorMessage()
    if isinstance(exc, HttpError):
        status = exc.response.status
        if 300 <= status < 400:
            return f"HTTP {status}: a redirect that was not followed", True
        return f"HTTP {status}", status in PERMANENT_STATUSES
    if isinstance(exc, StopDownload):
        return "not a text page (refused at its Content-Type)", True
    if isinstance(exc, DownloadCancelledError) or "DOWNLOAD_MAXSIZE" in message:
        return "larger than limits.max_response_bytes (compressed or not)", True
    if isinstance(exc, IgnoreRequest):
        return f"not sent: {message}"[:300], True
    return f"{type(exc).__name__}: {message}"[:300], False


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
        self.session_params = profile.session_params  # crawler.crawl.urls
        self.force_full = _truthy(full)
        self.store: ListingStore | None = None
        self.job: CrawlJob | None = None
        self.mode = "full"
        self.open_chains = 0
        self.broken_chains = 0
        self.to_touch: list[str] = []
        self.uses_browser = needs_browser(profile)
        self.scope = PlatformScope.of(profile)
        self.seen_list_pages: set[str] = set()
        self.failed_list_pages: list[str] = []
        self.failed_details: dict[str, dict[str, Any]] = {}
        self.retry_attempts: dict[str, int] = {}  # url -> attempts before this run
        # Listing id -> list fingerprint of detail pages gone for good (404/410, not text,
        # too large, out of scope): skipped while their list entry stays the same.
        self.gone: dict[str, dict[str, Any]] = {}
        self.limited = False
        self.latencies: list[float] = []  # response times, for their median (health)
        self._report: Reporter | None = None
        self._item_xpath = css2xpath(profile.list_page.item) if profile.list_page else ""
        self.auth: LoginFlow | None = None  # members-only platforms (crawler.auth.login)
        self._url_limit: int | None = None  # URLLENGTH_LIMIT, read once (settings are frozen)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ListingSpider:
        profile = kwargs.pop("profile", None)
        if profile is None:
            name = kwargs.get("platform")
            if not name:
                raise ValueError("ListingSpider needs a platform: -a platform=NAME")
            profile = find_profile(name, settings=crawler.settings)  # UnknownPlatform: why
        # Scrapy (>= 2.11) lets from_crawler change settings before they are frozen. A crawl
        # started by `scrapy crawl` has not read the environment yet (crawler.config does it
        # for `crawler crawl`).
        apply_environment(crawler.settings, os.environ)
        crawler.settings.setdict(profile_settings(profile, crawler.settings), priority="spider")
        spider = super().from_crawler(crawler, *args, profile=profile, **kwargs)
        if profile.auth is not None:
            spider.auth = LoginFlow(crawler, profile)
        scope = crawler.settings.getdict("CRAWL_SCOPE")
        if scope:
            spider.scope = PlatformScope.from_setting(scope)
        return spider

    # ---- bookkeeping ---------------------------------------------------------------------

    @property
    def report(self) -> Reporter:
        """Count always, log once (crawler.crawl.reporting), for this crawl."""
        if self._report is None:
            self._report = Reporter(self.crawler.stats, logger)
        return self._report

    def _inc(self, key: str, count: float = 1) -> None:
        self.report.count(key, count)

    def _once(self, key: str, level: int, msg: str, *args: Any) -> None:
        """Log the first occurrence of `key` in this run; later ones are only counted."""
        self.report.once(key, level, msg, *args)

    def _follow(self, base: str, href: str | None) -> str | None:
        """The absolute URL of a link if the crawl may request it, else None (counted)."""
        if not href:
            return None
        try:
            url = urljoin(base, href.strip())
        except ValueError:
            url = href
        reason = self.scope.refusal(url)
        if reason is not None:
            count_refusal(self.report, reason)
            return None
        if is_media_url(url):
            self._inc("media/blocked")
            return None
        if self._url_limit is None:
            self._url_limit = self.crawler.settings.getint("URLLENGTH_LIMIT", 2083)
        if len(url) > self._url_limit:
            self._inc("scope/refused")
            self._inc("scope/refused/too_long")
            return None
        return url

    # ---- start -------------------------------------------------------------------------

    async def _decide_mode(self, previous: list[CrawlJob]) -> str:
        inc = self.profile.incremental
        if self.force_full or not inc.enabled:
            return "full"
        if not previous:
            return "full"  # first run
        last = previous[0]
        if not last.complete and not self._persistent_list_failures(previous):
            return "full"  # resuming an incomplete run
        if inc.full_recrawl_every:
            since_full = 0
            for job in previous:
                if job.mode == "full":
                    break
                since_full += 1
            if since_full + 1 >= inc.full_recrawl_every:
                return "full"
        return "incremental"

    def _persistent_list_failures(self, previous: list[CrawlJob]) -> bool:
        """True when the last run was incomplete only because of list pages that failed in
        the run before it too: walking everything again would not mend them."""
        if len(previous) < 2:
            return False
        last, before = previous[0], previous[1]
        if last.status != "finished" or not last.failed_list_pages:
            return False
        if not set(last.failed_list_pages) <= set(before.failed_list_pages):
            return False
        self._once(
            "persistent",
            logging.WARNING,
            "%s: %d list page(s) failed in the last two runs; not walking every list page "
            "again for them (they stay reported on the job)",
            self.platform,
            len(last.failed_list_pages),
        )
        self.failed_list_pages.extend(last.failed_list_pages)  # carried, still failing
        return True

    async def start(self) -> AsyncIterator[Any]:
        crawl_store = CrawlStore.of(self.crawler)
        self.store = await crawl_store.store()
        previous = await crawl_store.previous_jobs(self.platform)
        self.mode = await self._decide_mode(previous)
        self.job = await crawl_store.start_job(self.platform, self.mode)
        self.crawler.stats.set_value("listing/mode", self.mode)
        logger.info("crawling %s (%s mode)", self.platform, self.mode)
        if self.auth is not None and not self.auth.open(previous):
            return  # needs_login still, or a secret or session that cannot be used
        first: list[scrapy.Request] = list(self._retries(previous))
        if self.profile.api is not None:
            from crawler.crawl.api import first_api_url

            self.open_chains += 1
            first.append(self._request(first_api_url(self.profile), self.parse_api, "api"))
        else:
            for seed in self.profile.seeds:
                url = self._follow(self.profile.base_url + "/", self.profile.absolute(seed))
                if url is None:
                    continue
                self.open_chains += 1
                self.seen_list_pages.add(self._canonical(url))
                first.append(self._request(url, self.parse_list, "list", chain_seed=url))
        if self.auth is not None:
            first = self.auth.first_requests(first)  # with no session: the login first
        for request in first:
            yield request

    def _retries(self, previous: list[CrawlJob]) -> list[scrapy.Request]:
        """Detail pages that failed in the last run (not for good): tried again first."""
        if not previous or self.profile.api is not None:
            return []
        out = []
        for failed in previous[0].failed_pages:
            if failed.get("permanent") and failed.get("listing_id"):
                self.gone[failed["listing_id"]] = failed
            attempts = int(failed.get("attempts", 1))
            if failed.get("permanent") or attempts >= MAX_DETAIL_ATTEMPTS:
                if attempts >= MAX_DETAIL_ATTEMPTS:
                    self._inc("listing/detail_given_up")
                continue
            url = self._follow(self.profile.base_url + "/", failed.get("url"))
            if url is None:
                continue
            self.retry_attempts[url] = attempts
            self._inc("listing/detail_retried")
            out.append(
                self._request(
                    url,
                    self.parse_detail,
                    "detail",
                    listing_id=failed.get("listing_id"),
                    listing_key=failed.get("key"),
                )
            )
        return out

    def _request(self, url: str, callback: Any, kind: str, **meta: Any) -> scrapy.Request:
        meta = {"platform": self.platform, "page_kind": kind, **meta}
        if (
            self.uses_browser
            and kind != "api"
            and (kind == "list" or self.profile.render is None or self.profile.render.render_detail)
        ):
            from crawler.browser import request_meta

            meta.update(request_meta(self.profile, kind, self.crawler.settings))
        errback = self._chain_failed if kind in {"list", "api"} else self._detail_failed
        # List and API pages are de-duplicated by the spider itself (a repeat ends the chain,
        # which a request silently dropped by the duplicate filter would not).
        return scrapy.Request(
            url, callback=callback, errback=errback, meta=meta, dont_filter=kind != "detail"
        )

    # ---- health measurements (crawler.health.metrics) ----------------------------------

    def _measure(self, response: Response, kind: str) -> None:
        """Response time, and the profile's `expect:` selectors on list and detail pages."""
        latency = response.meta.get("download_latency")
        if isinstance(latency, int | float) and len(self.latencies) < MAX_LATENCIES:
            self.latencies.append(float(latency))
        expected = {"list": self.profile.expect.list_page, "detail": self.profile.expect.detail}
        for index, css in enumerate(expected.get(kind, ())):
            if not isinstance(response, TextResponse) or not response.css(css):
                self._inc(f"{health_stats.STAT_EXPECT}{kind}/{index}")

    def _classify(self, response: Response) -> None:
        """Count the page as a login wall, CAPTCHA, block page or parked domain if it is one."""
        from crawler.health.pages import classify_page

        try:
            text = response.text if isinstance(response, TextResponse) else ""
        except (UnicodeDecodeError, AttributeError, ValueError):
            text = ""
        signal = classify_page(response.status, text, response.url)
        if signal is None:
            return
        self._inc(f"{health_stats.STAT_PAGE}{signal.kind}")
        self._inc(f"{health_stats.STAT_PAGE}{signal.kind}/{signal.rule}")
        self._once(
            f"page:{signal.kind}",
            logging.WARNING,
            "%s: a page looks like %s (heuristic %s); further ones are only counted",
            self.platform,
            signal.kind,
            signal.rule,
        )

    def _failed_response(self, failure: Any) -> None:
        """A page refused with an HTTP error: counted and classified (a 403 block page...)."""
        from scrapy.spidermiddlewares.httperror import HttpError

        if isinstance(failure.value, HttpError):
            self._inc(health_stats.STAT_ERROR_PAGES)
            self._classify(failure.value.response)

    # ---- list pages --------------------------------------------------------------------

    def _entries(self, response: Response) -> list[Selector]:
        """At most limits.max_entries_per_page entries; the surplus counted, never built."""
        cap = self.profile.limits.max_entries_per_page
        entries = response.xpath(f"({self._item_xpath})[position() <= {cap}]")
        if len(entries) == cap:
            total = int(float(response.xpath(f"count({self._item_xpath})").get() or 0))
            if total > cap:
                self.limited = True
                self._inc("listing/entries_capped", total - cap)
                self._once(
                    "entries_capped",
                    logging.WARNING,
                    "%s: a list page holds %d entries; read the first %d "
                    "(limits.max_entries_per_page)",
                    self.platform,
                    total,
                    cap,
                )
        return list(entries)

    async def parse_list(self, response: Response) -> AsyncIterator[Any]:
        if self.auth is not None:
            held = self.auth.screen(response)
            if held is not None:  # served logged out: fetched again once logged in
                for request in held:
                    yield request
                return
        try:
            requests, next_request = await self._read_list(response)
        except Exception as exc:  # a page the profile cannot read: counted, said once
            self._list_unreadable(response, exc)
            return
        for request in requests:
            yield request
        if next_request is not None:
            yield next_request
        else:
            self.open_chains -= 1

    def _list_unreadable(self, response: Response, exc: BaseException) -> None:
        self.broken_chains += 1
        self.open_chains -= 1
        self._inc("listing/list_parse_errors")
        self._classify(response)
        self._record_list_failure(response.url)
        reason = f"{type(exc).__name__}: {exc}"[:300]
        self.crawler.stats.set_value("listing/list_parse_error", reason)
        self._once(
            "list_parse",
            logging.ERROR,
            "%s: a list page could not be read (%s); further ones are only counted",
            self.platform,
            reason,
        )

    async def _read_list(self, response: Response) -> tuple[list[Any], scrapy.Request | None]:
        lp = self.profile.list_page
        assert lp is not None
        if not isinstance(response, TextResponse):
            raise ValueError(f"not a text page ({response.headers.get('Content-Type')!r})")
        self._inc("listing/list_pages")
        self._measure(response, "list")
        found = self._entries(response)
        if not found:
            self._inc(health_stats.STAT_LIST_ZERO)
            self._classify(response)
        entries = []
        for entry in found:
            href = read_field(entry, lp.link)
            if not href:
                self._inc("listing/entries_without_link")
                continue
            url = self._follow(response.url, href)
            if url is None:
                continue
            key = read_field(entry, lp.key) if lp.key else None
            values = {name: read_field(entry, spec) for name, spec in lp.fields.items()}
            if not values:
                values = {"text": " ".join(entry.xpath(".//text()").getall()).strip()[:2000]}
            lid = listing_id(self.platform, key or self._canonical(url))
            entries.append((lid, url, key, entry_fingerprint(values)))
        self._inc(health_stats.STAT_ENTRIES, len(entries))
        self._inc("listing/list_pages_read")
        known = await self._known([e[0] for e in entries])
        fresh = 0
        requests: list[scrapy.Request] = []
        cap = self.profile.limits.max_links_per_page
        for lid, url, key, lfp in entries:
            if lid in known and known[lid] == lfp:
                self.to_touch.append(lid)
                self._inc("listing/skipped_known")
                continue
            gone = self.gone.get(lid)
            if gone is not None and gone.get("list_fingerprint") == lfp:
                # Gone for good last time and its entry has not changed: not fetched again,
                # still on record (and not a reason to walk on: it counts as known).
                self._inc("listing/skipped_gone")
                self.failed_details.setdefault(gone["url"], gone)
                continue
            fresh += 1
            if len(requests) >= cap:
                self.limited = True
                self._inc("listing/links_capped")
                continue
            requests.append(
                self._request(
                    url,
                    self.parse_detail,
                    "detail",
                    listing_id=lid,
                    listing_key=key,
                    list_fingerprint=lfp,
                )
            )
        if len(self.to_touch) >= 200:
            await self._flush_touch()
        return requests, self._next_list(response, entries, fresh)

    async def _known(self, ids: list[str]) -> dict[str, str | None]:
        """Which of these listings the store holds: id -> list fingerprint."""
        assert self.store is not None  # opened in start()
        return await self.store.known(self.platform, ids) if ids else {}

    def _next_list(
        self, response: Response, entries: list[tuple[str, str, str | None, str]], fresh: int
    ) -> scrapy.Request | None:
        lp = self.profile.list_page
        assert lp is not None
        next_url = (
            self._follow(response.url, read_field(response, lp.next_page)) if lp.next_page else None
        )
        if (
            next_url
            and self.mode == "incremental"
            and entries
            and fresh == 0
            and self.profile.incremental.stop_on_known_page
        ):
            self._inc("listing/stopped_on_known_page")
            return None
        if not next_url:
            return None
        page_key = self._canonical(next_url)
        if page_key in self.seen_list_pages:
            self._inc("listing/list_page_repeat")
            return None
        ids = hashlib.sha256("\x1f".join(sorted(e[0] for e in entries)).encode()).hexdigest()
        if entries and ids == response.meta.get("entry_ids"):
            self._inc("listing/list_page_repeat")
            self._once(
                "repeat",
                logging.INFO,
                "%s: a list page repeats the previous page's entries; its pagination ends",
                self.platform,
            )
            return None
        page_no = response.meta.get("list_page_no", 1)
        if page_no >= self.profile.limits.max_depth:
            self.limited = True
            self._inc("listing/max_depth_reached")
            self._once(
                "max_depth",
                logging.WARNING,
                "%s: stopped after %d list pages (limits.max_depth)",
                self.platform,
                page_no,
            )
            return None
        self.seen_list_pages.add(page_key)
        return self._request(
            next_url, self.parse_list, "list", list_page_no=page_no + 1, entry_ids=ids
        )

    # ---- detail pages ------------------------------------------------------------------

    def parse_detail(self, response: Response) -> Any:
        dp = self.profile.detail
        assert dp is not None
        if self.auth is not None:
            held = self.auth.screen(response)
            if held is not None:  # served logged out: fetched again once logged in
                yield from held
                return
        if not isinstance(response, TextResponse):
            self._detail_gone(response.request, response.url, "not a text page", permanent=True)
            return
        self._inc("listing/detail_pages")
        self._measure(response, "detail")
        sel = Selector(text=response.text) if not hasattr(response, "css") else response
        jsonld = jsonld_objects(sel) if any(s.jsonld for s in dp.fields.values()) else None
        fields = {name: read_field(sel, spec, jsonld) for name, spec in dp.fields.items()}
        if not any(fields.get(name) for name in dp.fields if dp.fields[name].const is None):
            self._inc(health_stats.STAT_DETAIL_NO_MATCH)
            self._classify(response)
        key = response.meta.get("listing_key") or fields.get("listing_key")
        lid = response.meta.get("listing_id") or listing_id(
            self.platform, key or self._canonical(response.url)
        )
        yield self._item(
            response.url,
            lid,
            key,
            fields,
            response.meta.get("list_fingerprint"),
            hashlib.sha256(response.body).hexdigest(),
            list(response.meta.get("alterations", [])),
            response.meta.get(CAPTURE_META),
        )

    def _canonical(self, url: str) -> str:
        """The URL as a key (listing ids, pages walked): canonical, without a session id
        (crawler.crawl.urls) or a fragment, so that a new session is not a new listing."""
        return canonicalize_url(strip_session(url, self.session_params), keep_fragments=False)

    def _item(
        self,
        url: str,
        lid: str,
        key: str | None,
        fields: dict[str, Any],
        list_fingerprint: str | None,
        evidence: str,
        alterations: list[str] | None = None,
        capture: EvidenceRef | None = None,
    ) -> ListingItem:
        alterations = alterations or []
        limit = self.profile.limits.max_text_chars
        for name, value in fields.items():
            if isinstance(value, str) and len(value) > limit:
                fields[name] = value[:limit]
                alterations.append(
                    f"{name}: cut at {limit:,} characters ({len(value):,} on the page; "
                    "limits.max_text_chars)"
                )
                self._inc("listing/text_truncated")
        return ListingItem(
            RawListing(
                id=lid,
                platform=self.platform,
                url=strip_session(url, self.session_params),
                key=key,
                fields=fields,
                list_fingerprint=list_fingerprint,
                evidence_sha256=evidence,
                evidence=capture,
                network=self.profile.network,
                category=fields.get("category") or self.profile.category,
                country=self.profile.country,
                language=self.profile.language,
                alterations=alterations,
            )
        )

    # ---- API mode ----------------------------------------------------------------------

    async def parse_api(self, response: Response) -> AsyncIterator[Any]:
        from crawler.crawl.api import parse_api_page

        self._inc("listing/api_pages")
        self._measure(response, "api")
        try:
            data = json.loads(response.text)
        except (ValueError, RecursionError, AttributeError) as exc:
            self._inc("listing/api_bad_json")
            self._list_unreadable(
                response, ValueError(f"API page is not JSON we can read: {exc}"[:200])
            )
            return
        try:
            raws, next_url = parse_api_page(self.profile, response.url, data)
        except Exception as exc:
            self._list_unreadable(response, exc)
            return
        self._inc("listing/list_pages_read")
        if not raws:
            self._inc(health_stats.STAT_LIST_ZERO)
            self._classify(response)
        entries = []
        for raw in raws[: self.profile.limits.max_entries_per_page]:
            key = raw.get("key")
            url = raw.get("url") or response.url
            lid = listing_id(self.platform, str(key) if key else self._canonical(url))
            fields = {
                k: (None if v is None else str(v))
                for k, v in raw.items()
                if k not in {"key", "url"}
            }
            entries.append((lid, url, key, fields, entry_fingerprint(fields)))
        self._inc(health_stats.STAT_ENTRIES, len(entries))
        if len(raws) > self.profile.limits.max_entries_per_page:
            self.limited = True
            self._inc("listing/entries_capped", len(raws) - len(entries))
        known = await self._known([e[0] for e in entries])
        fresh = 0
        body_sha = hashlib.sha256(response.body).hexdigest()
        capture = response.meta.get(CAPTURE_META)  # every listing of the page points to it
        for lid, url, key, fields, lfp in entries:
            if lid in known and known[lid] == lfp:
                self.to_touch.append(lid)
                self._inc("listing/skipped_known")
                continue
            fresh += 1
            yield self._item(
                url, lid, None if key is None else str(key), fields, lfp, body_sha, None, capture
            )
        if next_url:
            next_url = self._follow(response.url, next_url)
        if (
            next_url
            and self.mode == "incremental"
            and entries
            and fresh == 0
            and self.profile.incremental.stop_on_known_page
        ):
            self._inc("listing/stopped_on_known_page")
            next_url = None
        if next_url and self._canonical(next_url) in self.seen_list_pages:
            self._inc("listing/list_page_repeat")
            next_url = None
        if next_url:
            self.seen_list_pages.add(self._canonical(next_url))
            yield self._request(next_url, self.parse_api, "api")
        else:
            self.open_chains -= 1

    # ---- failures and the end ----------------------------------------------------------

    def _record_list_failure(self, url: str) -> None:
        url = strip_session(url, self.session_params)  # kept in the job: no session id
        if (
            len(self.failed_list_pages) < MAX_RECORDED_FAILURES
            and url not in self.failed_list_pages
        ):
            self.failed_list_pages.append(url)

    def _chain_failed(self, failure: Any) -> None:
        self.broken_chains += 1
        self.open_chains -= 1
        self._inc("listing/list_page_errors")
        self._failed_response(failure)
        request = getattr(failure, "request", None)
        if request is not None:
            self._record_list_failure(request.url)
        reason, _ = failure_reason(failure)
        self.crawler.stats.set_value("listing/list_page_error", reason)
        logger.error("%s: list page failed: %s", self.platform, reason)

    def _detail_failed(self, failure: Any) -> None:
        self._failed_response(failure)
        request = getattr(failure, "request", None)
        reason, permanent = failure_reason(failure)
        self._detail_gone(request, getattr(request, "url", "?"), reason, permanent)

    def _detail_gone(self, request: Any, url: str, reason: str, permanent: bool) -> None:
        self._inc("listing/detail_page_errors")
        if permanent:
            self._inc("listing/detail_pages_gone")
        self._once(
            f"detail:{reason.split(':')[0]}",
            logging.WARNING,
            "%s: detail page failed (%s); further such failures are only counted",
            self.platform,
            reason,
        )
        url = strip_session(url, self.session_params)  # kept in the job: no session id
        if url in self.failed_details:
            return
        # Failures that will be retried are all kept (up to the cap); pages gone for good
        # only as examples: they are never tried again, and stats count them all.
        kept = sum(1 for f in self.failed_details.values() if f["permanent"] == permanent)
        if kept >= (MAX_RECORDED_FAILURES if not permanent else MAX_RECORDED_GONE):
            return
        meta = getattr(request, "meta", {}) or {}
        self.failed_details[url] = {
            "url": url,
            "listing_id": meta.get("listing_id"),
            "key": meta.get("listing_key"),
            "list_fingerprint": meta.get("list_fingerprint"),
            "attempts": self.retry_attempts.get(url, 0) + 1,
            "reason": reason,
            "permanent": permanent,
        }

    async def _flush_touch(self) -> None:
        if self.to_touch and self.store is not None:
            ids, self.to_touch = self.to_touch, []
            await self.store.touch(self.platform, ids, utcnow())

    def _status(self, reason: str) -> str:
        stats = self.crawler.stats
        if self.auth is not None and self.auth.status is not None:
            return self.auth.status  # needs_login, or failed (login refused, a secret missing)
        if stats.get_value("politeness/paused_for_s"):
            return "paused"
        read = stats.get_value("listing/list_pages_read", 0)
        tried = self.open_chains + read + self.broken_chains
        if tried and not read:
            return "failed"
        if stats.get_value("evidence/error"):
            return "failed"  # a capture that could not be written stops the run
        if stats.get_value("store/errors", 0):
            return "failed"
        return "finished" if reason == "finished" else "interrupted"

    async def finish_job(self, job: CrawlJob, reason: str, store: ListingStore) -> None:
        """Fill in how the run went (crawler.crawl.store.CrawlStore saves the job)."""
        self.store = store
        await self._flush_touch()
        if self.auth is not None:
            await self.auth.finish(job)  # the session a member run ends with is kept
        capture = EvidenceCapture.of(self.crawler)
        if capture is not None:  # close and seal the run's WARC files, whatever the outcome
            capture.finish(job, self.profile)
        stats = self.crawler.stats
        job.finished_at = utcnow()
        job.status = self._status(reason)
        job.complete = (
            job.status == "finished"
            and self.open_chains <= 0
            and self.broken_chains == 0
            # pages served logged out once the run's logins were used were not really read
            and not stats.get_value("auth/read_logged_out", 0)
        )
        job.pages = int(stats.get_value("response_received_count", 0))
        job.items = int(stats.get_value("item_scraped_count", 0))
        job.new = int(stats.get_value("store/new", 0))
        job.changed = int(stats.get_value("store/changed", 0))
        job.unchanged = int(stats.get_value("store/unchanged", 0))
        job.skipped_known = int(stats.get_value("listing/skipped_known", 0))
        job.errors = int(stats.get_value("log_count/ERROR", 0)) + self.broken_chains
        job.refused = int(stats.get_value("scope/refused", 0))
        job.limited = self.limited
        job.failed_list_pages = self.failed_list_pages
        job.failed_pages = list(self.failed_details.values())
        job.message = redact_session(self._message(reason, job.status), self.session_params)
        await self._judge(job, store)

    async def _judge(self, job: CrawlJob, store: ListingStore) -> None:
        """job.health: the health monitors over this run and the platform's earlier jobs."""
        from crawler.health.monitors import HISTORY_JOBS, describe, monitor_run

        if self.latencies:
            median = statistics.median(self.latencies)
            self.crawler.stats.set_value(health_stats.STAT_LATENCY_MEDIAN, round(median, 4))
        try:
            history = await store.jobs(self.platform, limit=HISTORY_JOBS)
            job.health = monitor_run(self.crawler.stats.get_stats(), job, history, self.profile)
        except StoreError as exc:  # our own store is down (spooling): no history to judge by
            logger.warning(
                "%s: the run's health is not judged: the store cannot be read (%s); the job "
                "is recorded unjudged",
                self.platform,
                exc,
            )
            return
        except Exception as exc:  # the job is recorded all the same, unjudged
            logger.error("%s: the run's health could not be judged: %r", self.platform, exc)
            return
        self.crawler.stats.set_value("health/status", job.health.status)
        level = logging.INFO if job.health.status == "healthy" else logging.WARNING
        logger.log(level, "%s: health %s", self.platform, describe(job.health))
        for r in job.health.reasons:
            logger.log(level, "%s: %s: %s (%s)", self.platform, r.code, r.message, r.advice)

    def _message(self, reason: str, status: str) -> str:
        stats = self.crawler.stats
        if self.auth is not None and self.auth.message is not None:
            return self.auth.message
        if status == "paused":
            return f"paused: the site asked to wait {stats.get_value('politeness/paused_for_s')} s"
        if status == "failed" and stats.get_value("evidence/error"):
            return str(stats.get_value("evidence/error"))
        if status == "failed" and stats.get_value("store/errors", 0):
            return f"{stats.get_value('store/errors')} listing(s) could not be stored"
        if status == "failed":
            why = stats.get_value("listing/list_parse_error") or stats.get_value(
                "listing/list_page_error"
            )
            return f"no list page could be read: {why}"
        logged_out = stats.get_value("auth/read_logged_out", 0)
        if logged_out and self.auth is not None:
            return (
                f"{logged_out} page(s) were served logged out and "
                f"{self.auth.gave_up or 'no login could be tried'}: they were read as served, "
                "and the next run walks every list page again"
            )
        return reason
