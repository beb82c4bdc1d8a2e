"""Scrapy settings shared by every crawl (the `default` in scrapy.cfg).

Per-platform settings (concurrency, delay, robots.txt, network handlers) are applied on top
by ListingSpider.from_crawler from the platform profile (crawler.crawljob.profile_settings).
Any setting here can be overridden with `-s NAME=VALUE`, or with the environment variable
CRAWLER_SETTING_<NAME> (value parsed as JSON when it parses, else taken as a string).
Environment overrides are chosen by SCRAPY_SETTINGS_MODULE (settings.production, settings.dev).
"""

from settings.env import apply_env_overrides

BOT_NAME = "flagwatch"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# OPSEC: a common browser User-Agent, never one that names this tool.
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = True

# Attack surface: nothing listens during a crawl. Scrapy's telnet console and its Remote
# Control extension (an HTTP endpoint that runs Python code, with a token file left in the
# user's profile) are off here, and so in every settings module built on this one.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# Only http and https exist for a crawl: Scrapy's file:, data:, ftp: and s3: handlers are
# off, whatever a hostile page links to (crawler.crawl.scope refuses them first anyway).
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}

CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 8
# Scrapy creates CONCURRENT_ITEMS tasks per callback output; 16 is faster than 100 for
# the one-item-per-page callbacks of ListingSpider (measured, see COMPONENTS.md).
CONCURRENT_ITEMS = 16
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 8.0
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
RETRY_TIMES = 3
DEPTH_PRIORITY = 0

# Only text is ever stored: no images/files pipelines; media URLs are refused before download.
# The scope check comes first: a request outside the platform never reaches robots.txt
# handling, a resolver or a socket (crawler/crawl/scope.py).
DOWNLOADER_MIDDLEWARES = {
    "crawler.crawl.scope.ScopeMiddleware": 10,
    "crawler.media.MediaBlockMiddleware": 50,
    # Answers 429/503 before Scrapy's RetryMiddleware (550) would retry at once.
    "crawler.crawl.politeness.RetryAfterMiddleware": 570,
    # After HttpCompressionMiddleware (590) has inflated the body (bounded by DOWNLOAD_MAXSIZE).
    "crawler.crawl.pages.PageBoundsMiddleware": 585,
}
# crawler.crawl.politeness: the longest Retry-After waited for (a longer one pauses the
# platform for the run; profiles set politeness.retry_after_max), and backoff without one.
RETRY_AFTER_MAX = 300.0
BACKOFF_BASE = 1.0
BACKOFF_MAX = 60.0
# crawler.crawl.pages: nesting deeper than this is flattened (profiles: limits.max_html_depth).
PAGE_MAX_HTML_DEPTH = 512
# ... and a page of more tags than this is cut (a 200,000-link page costs ~250 MB to parse).
PAGE_MAX_TAGS = 100_000
# A crawl that grows past this is stopped (Scrapy's MemoryUsage extension): a last guard
# against a page that makes the crawler hold too much.
MEMUSAGE_LIMIT_MB = 2048
MEMUSAGE_CHECK_INTERVAL_SECONDS = 10

ITEM_PIPELINES = {
    "pipelines.normalise.NormalisePipeline": 100,
    "pipelines.prices.PricesPipeline": 200,
    "pipelines.contacts.ContactsPipeline": 300,
    "pipelines.indicators.IndicatorsPipeline": 400,
    "pipelines.changes.ChangeTrackingPipeline": 500,
    # Records what the store held before the upsert, so that a kill between the upsert and
    # the alert outbox write cannot lose an alert (see crawler/alerts/engine.py).
    "pipelines.alerts.AlertsIntakePipeline": 550,
    "pipelines.store.StorePipeline": 600,
    "pipelines.alerts.AlertsPipeline": 900,
}

# Store (crawler.store.open_store reads STORE_URL / CRAWLER_DATA_DIR from the environment).
STORE_BATCH_SIZE = 50
STORE_BATCH_DELAY = 0.01

LOG_LEVEL = "INFO"
# Items carry personal data (phones, handles): never log them at INFO.
LOG_FORMATTER = "crawler.logformat.QuietLogFormatter"

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

apply_env_overrides(globals())
