"""Capture: every text response a crawl fetches, written to the run's WARC files.

`EvidenceCapture` is a downloader middleware (settings/base.py, at 950: the last before
the download handler, so it sees every route's responses first: Scrapy's HTTP handler,
the tor handler, the browser handler). For each response it writes (crawler.evidence.warc):

- an HTTP response (clearnet, tor, robots.txt, API pages): a `response` record with the
  status line, the headers and the body exactly as the handler received them, before
  HttpCompressionMiddleware (590) inflates the body and before PageBoundsMiddleware (585)
  flattens or cuts a hostile page: the bytes the server sent, with the headers that
  describe them (a gzip body keeps its Content-Encoding: gzip), and a `request` record;
- a page the browser rendered (crawler.browser): the rendered DOM Scrapy gets, as a
  `resource` record with WARC-Refers-To the page's network response, which the browser
  handler captured (`record_exchange`) with every other text response the page loaded
  itself (its XHR/fetch JSON).

Secrets are not written (crawler.evidence.warc): Cookie, Set-Cookie, Authorization and
Proxy-Authorization values are redacted on every record, and a request whose meta has
`auth_secret` (a login form's POST, crawler.auth.login) is written without its bodies.

The response's meta gets `evidence`: the `EvidenceRef` of the record a listing read from
it points to (ListingSpider copies it onto the listing). Only HTML, JSON, XML and plain
text are written (and bodiless responses such as redirects); anything else is counted in
`RunCapture.skipped` and `evidence/skipped/...` (media never gets this far: it is blocked
before the request and aborted in the browser).

Files: `EVIDENCE_DIR/warc/<platform>/<job id>/<job id>-00001.warc.gz`, rolled at
EVIDENCE_WARC_MAX_BYTES; the platform is the profile's name and the job id ours
(crawler.crawl.store), never anything a platform sent. They are opened with the first
capture of a run that has a job (a trial crawl, spiders/trial.py, has none and is not
captured). When the run ends, whatever its outcome, `finish(job)` (called by
ListingSpider.finish_job, else at engine_stopped) closes them, computes each file's sha256
and hands the run to `crawler.evidence.chain.seal_run`.

Fail closed: a capture that cannot be written (disk full, permission, EVIDENCE_DIR that is
a file) is logged as an ERROR naming the file, `evidence/error` holds the message (the job
is marked failed with it), the run is stopped, and the response is not handed on
(CaptureFailed), so no listing is stored without its capture.

Settings (read once, `CaptureConfig.from_settings`): EVIDENCE_ENABLED (yes/no; a
misspelt value is an error), EVIDENCE_DIR, EVIDENCE_WARC_MAX_BYTES,
EVIDENCE_BROWSER_CAPTURE_TIMEOUT. Stats under `evidence/`: records, responses, rendered,
bytes, skipped/<reason>, browser_lost, late, error, files, cpu_seconds (CPU
time of the writing thread spent writing records: a thread's, not the process's, since a
worker runs several crawls and threads at once).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import TextResponse

from crawler import __version__ as CRAWLER_VERSION
from crawler.config import get_bool, get_number
from crawler.crawl.registry import remember
from crawler.crawl.reporting import Reporter
from crawler.crawl.urls import redact_session
from crawler.evidence import chain
from crawler.evidence.layout import RunCapture, evidence_dir
from crawler.evidence.warc import (
    CaptureWriteError,
    HttpExchange,
    RunWarcWriter,
    text_media_type,
)
from crawler.models import CrawlJob, EvidenceRef, utcnow

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

MIDDLEWARE = "crawler.evidence.capture.EvidenceCapture"
META_REF = "evidence"  # response.meta: the EvidenceRef of the record the page was read from
META_NETWORK = "evidence_network"  # browser pages: the ref of the page's network response
# request.meta: a request that carries an account's secrets (a login form's POST; set by
# crawler.auth.login): its record keeps the headers, never the bodies (warc: `withheld`).
META_AUTH_SECRET = "auth_secret"
WITHHELD_LOGIN = "login form"

_CAPTURES: weakref.WeakKeyDictionary[Crawler, EvidenceCapture] = weakref.WeakKeyDictionary()


class CaptureFailed(Exception):
    """A response whose capture could not be written: it is not handed to the spider."""


@dataclass(frozen=True)
class CaptureConfig:
    """EVIDENCE_* of the capture, read once from settings."""

    enabled: bool
    root: Path
    max_bytes: int
    browser_timeout: float

    @classmethod
    def from_settings(cls, settings: Any) -> CaptureConfig:
        return cls(
            enabled=get_bool(settings, "EVIDENCE_ENABLED", True),
            root=evidence_dir(settings),
            max_bytes=get_number(settings, "EVIDENCE_WARC_MAX_BYTES", int, 100 << 20, 64 << 10),
            browser_timeout=get_number(
                settings, "EVIDENCE_BROWSER_CAPTURE_TIMEOUT", float, 10.0, 0.0
            ),
        )


def check_settings(settings: Any) -> CaptureConfig:
    """The capture's settings, or ConfigError naming the setting (before a crawl starts);
    with capture on, the manifest signing key must be there too (chain.require_signing_key)."""
    config = CaptureConfig.from_settings(settings)
    if config.enabled:
        chain.require_signing_key(settings)
    return config


def profile_sha256(profile: Any) -> str:
    """sha256 of the profile file's bytes; empty when the profile has no file."""
    source = getattr(profile, "source_file", None)
    if not source:
        return ""
    try:
        return hashlib.sha256(Path(source).read_bytes()).hexdigest()
    except OSError:
        return ""


def _pairs(headers: Any) -> list[tuple[str, str]]:
    """Scrapy Headers as (name, value) text pairs, repeated headers kept (latin-1: bytes
    as sent)."""
    out = []
    for name, values in headers.items():
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        for value in values:
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            out.append((key, text))
    return out


def _as_received(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # The handler has removed the chunked framing: the body recorded is the de-chunked
    # entity, so the header that announced it is kept under another name.
    return [
        (f"X-Archive-Orig-{k}" if k.lower() == "transfer-encoding" else k, v) for k, v in headers
    ]


class EvidenceCapture:
    """Downloader middleware and the run's WARC writer; see the module docstring."""

    def __init__(self, crawler: Crawler, config: CaptureConfig) -> None:
        self.crawler = crawler
        self.config = config
        self.stats = crawler.stats
        self.report = Reporter(self.stats, logger, "evidence/")
        self.writer: RunWarcWriter | None = None
        self.skipped: dict[str, int] = {}
        self.error: str | None = None
        self.finished = False
        self.cpu_seconds = 0.0  # spent writing records (the benchmark's overhead figure)
        # Session ids in URLs (crawler.crawl.urls): withheld from the records' URLs and headers.
        self.session_params = tuple(crawler.settings.getlist("CRAWL_SESSION_PARAMS"))
        crawler.signals.connect(self._engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EvidenceCapture:
        config = check_settings(crawler.settings)
        if not config.enabled:
            raise NotConfigured("EVIDENCE_ENABLED is off: nothing is captured")
        capture = cls(crawler, config)
        remember(_CAPTURES, crawler, capture)
        return capture

    @classmethod
    def of(cls, crawler: Crawler) -> EvidenceCapture | None:
        """The crawl's capture; None when capture is off."""
        return _CAPTURES.get(crawler)

    # ---- writing -----------------------------------------------------------------------

    def _job(self) -> CrawlJob | None:
        from crawler.crawl.store import CrawlStore

        try:
            return CrawlStore.of(self.crawler).job
        except NotConfigured:
            return None

    def _writer(self) -> RunWarcWriter | None:
        if self.writer is None:
            job = self._job()
            if job is None:
                return None
            self.writer = RunWarcWriter(
                self.config.root,
                job.platform,
                job.id,
                self.config.max_bytes,
                software=f"flagwatch {CRAWLER_VERSION} (warcio)",
            )
        return self.writer

    def skip(self, reason: str) -> None:
        """A response not written (not text), counted for the run's manifest."""
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        self.report.count(f"skipped/{reason}")

    def _usable(self) -> RunWarcWriter | None:
        if self.error is not None:
            return None
        if self.finished:
            # A browser response that finished loading after the run was sealed.
            self.report.problem(
                "late", logging.WARNING, "evidence: a response arrived after the run was sealed"
            )
            return None
        writer = self._writer()
        if writer is None:
            self.report.count("skipped/no_job")
        return writer

    def _without_sessions(self, ex: HttpExchange) -> HttpExchange:
        """The exchange with the values of session ids in its URL, request line and headers
        (Referer, Location) withheld; bodies stay as they were sent."""
        names = self.session_params

        def pairs(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
            return [(k, redact_session(v, names)) for k, v in headers]

        return dataclasses.replace(
            ex,
            url=redact_session(ex.url, names),
            request_target=(
                redact_session(ex.request_target, names) if ex.request_target else None
            ),
            request_headers=pairs(ex.request_headers),
            response_headers=pairs(ex.response_headers),
        )

    def record_exchange(self, exchange: HttpExchange) -> EvidenceRef | None:
        """Write one exchange (any route); its response record's reference, or None when it
        was not written (no job, capture failed: then the run is being stopped)."""
        writer = self._usable()
        if writer is None:
            return None
        if self.session_params:
            exchange = self._without_sessions(exchange)
        started = time.thread_time()
        try:
            ref = writer.write_exchange(exchange)
        except CaptureWriteError as exc:
            self._fail(exc)
            return None
        finally:
            self.cpu_seconds += time.thread_time() - started
        self.report.count("records", 2)
        self.report.count("responses")
        self.report.count("bytes", ref.length)
        return ref

    def record_rendered(
        self, url: str, html: bytes, content_type: str, refers_to: EvidenceRef | None
    ) -> EvidenceRef | None:
        writer = self._usable()
        if writer is None:
            return None
        url = redact_session(url, self.session_params)
        started = time.thread_time()
        try:
            ref = writer.write_rendered(url, html, content_type, refers_to)
        except CaptureWriteError as exc:
            self._fail(exc)
            return None
        finally:
            self.cpu_seconds += time.thread_time() - started
        self.report.count("records")
        self.report.count("rendered")
        self.report.count("bytes", ref.length)
        return ref

    def _fail(self, exc: CaptureWriteError) -> None:
        if self.error is not None:
            return
        self.error = f"capture could not be written: {exc.path}: {exc.reason}"
        self.stats.set_value("evidence/error", self.error)
        logger.error("evidence: %s; the run stops", self.error)
        try:
            engine = self.crawler.engine
        except RuntimeError:  # not crawling (a component driven on its own)
            return
        if engine is not None and getattr(engine, "running", False):
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(engine.close_spider_async(reason="evidence_write_failed"))

    # ---- the downloader middleware ---------------------------------------------------

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Any:
        request.meta[META_REF] = None  # a redirect's or retry's earlier capture is not this one
        if "playwright" in response.flags and request.meta.get("playwright"):
            ref = self._rendered(request, response)
        else:
            ref = self._exchange(request, response)
        if self.error is not None:
            raise CaptureFailed(self.error)
        request.meta[META_REF] = ref
        return response

    def _is_text(self, response: Response) -> bool:
        if not response.body:
            return True  # redirects, 204s: headers only, nothing that could be media
        content_type = response.headers.get(b"Content-Type")
        if content_type:
            return text_media_type(content_type) is not None
        return isinstance(response, TextResponse)

    def _exchange(self, request: Request, response: Response) -> EvidenceRef | None:
        if not self._is_text(response):
            self.skip("non_text")
            return None
        return self.record_exchange(
            HttpExchange(
                url=response.url,
                method=request.method,
                request_headers=_pairs(request.headers),
                request_body=request.body or b"",
                status=response.status,
                response_headers=_as_received(_pairs(response.headers)),
                body=response.body,
                protocol=getattr(response, "protocol", None) or "HTTP/1.1",
                ip_address=str(response.ip_address) if response.ip_address else None,
                withheld=WITHHELD_LOGIN if request.meta.get(META_AUTH_SECRET) else None,
            )
        )

    def _rendered(self, request: Request, response: Response) -> EvidenceRef | None:
        if not isinstance(response, TextResponse) or not self._is_text(response):
            self.skip("non_text")
            return None
        content_type = (response.headers.get(b"Content-Type") or b"text/html").decode("latin-1")
        media = content_type.split(";", 1)[0].strip() or "text/html"
        # The DOM is serialised by Chromium and encoded by scrapy-playwright in
        # response.encoding: the record says which.
        return self.record_rendered(
            response.url,
            response.body,
            f"{media}; charset={response.encoding}",
            request.meta.get(META_NETWORK),
        )

    # ---- the end of the run --------------------------------------------------------------

    def finish(self, job: CrawlJob | None, profile: Any = None) -> RunCapture | None:
        """Close the run's files and seal them (chain.seal_run); once per run.

        An error on the way is logged, kept in `evidence/error` and returned by `error`:
        ListingSpider marks the job failed with it.
        """
        if self.finished:
            return None
        self.finished = True
        files = []
        if self.writer is not None:
            try:
                files = self.writer.close()
            except CaptureWriteError as exc:
                self._fail(exc)
                files = self.writer.files
        job = job or self._job()
        if job is None:
            return None  # no job, nothing written (a trial crawl)
        if profile is None:
            profile = getattr(getattr(self.crawler, "spider", None), "profile", None)
        for key, stat in (
            ("refused_binary", "pages/refused_content_type"),
            ("media_blocked", "media/blocked"),
        ):
            value = int(self.stats.get_value(stat, 0) or 0)
            if value:
                self.skipped[key] = value
        run = RunCapture(
            platform=job.platform,
            job_id=job.id,
            started_at=job.started_at,
            finished_at=utcnow(),
            crawler_version=CRAWLER_VERSION,
            profile_sha256=profile_sha256(profile),
            files=files,
            skipped=dict(self.skipped),
        )
        self.stats.set_value("evidence/files", len(files))
        self.stats.set_value("evidence/cpu_seconds", round(self.cpu_seconds, 3))
        try:
            chain.seal_run(self.crawler.settings, run)
        except Exception as exc:
            message = f"the run's WARC files could not be sealed: {exc}"
            if self.error is None:
                self.error = message
                self.stats.set_value("evidence/error", message)
            logger.error("evidence: %s", message)
        return run

    def _engine_stopped(self) -> None:
        # A spider that does not call finish (anything but ListingSpider): seal here.
        if not self.finished:
            self.finish(None)
