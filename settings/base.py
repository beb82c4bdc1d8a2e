"""Every setting of the crawler, with its one default (the `default` in scrapy.cfg).

Scrapy's own settings first, then ours by prefix: where things live, STORE_*,
ELASTICSEARCH_*, TOR_*, BROWSER_*, ALERTS_*, SCHEDULER_*, KIBANA_*; each block names the
module that reads it (through a typed config built once from settings).

How a value is chosen (crawler/config/settings.py), later winning: this module (or
SCRAPY_SETTINGS_MODULE: settings.dev, settings.production), the environment (a variable
named like one of our settings below, ELASTICSEARCH_URL for STORE_URL, or
CRAWLER_SETTING_<NAME> for any setting; crawler/config/environment.py), a crawl's platform
profile (crawler/crawl/settings.py), then `-s NAME=VALUE` on the command line. Every
command, crawling or not, reads the same settings.
"""

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
# Scrapy starts CONCURRENT_ITEMS worker tasks (and a queue) for every response, however
# few things its callback yields. ListingSpider's HTML callbacks yield one item (a detail
# page) or only requests (a list page), so one worker does the same work for less CPU
# (docs/crawl-speed.md); items still go through the pipelines concurrently, one response
# each. An API page yields many listings: its crawl gets at least 16
# (crawler.crawl.settings.API_CONCURRENT_ITEMS).
CONCURRENT_ITEMS = 1
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
    "crawler.crawl.media.MediaBlockMiddleware": 50,
    # Answers 429/503 before Scrapy's RetryMiddleware (550) would retry at once.
    "crawler.crawl.politeness.RetryAfterMiddleware": 570,
    # After HttpCompressionMiddleware (590) has inflated the body (bounded by DOWNLOAD_MAXSIZE).
    "crawler.crawl.pages.PageBoundsMiddleware": 585,
    # Evidence (crawler/evidence/capture.py): last before the download handler, so every
    # route's responses are written as the server sent them (before 590 inflates a gzip
    # body, before 585 flattens a hostile page).
    "crawler.evidence.capture.EvidenceCapture": 950,
    # Members-only platforms (crawler/auth): Scrapy's cookies middleware, at its own place,
    # filled from the platform's stored session and saved back after a login.
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "crawler.auth.jar.SessionCookiesMiddleware": 700,
    # Scrapy components a crawl does not use, off so that no request or response pays for
    # them (docs/crawl-speed.md): Scrapy's offsite filter (the spider has no
    # allowed_domains: it lets everything through; ScopeMiddleware above is the one that
    # refuses) and HTTP basic auth (no spider sets http_user; members-only platforms log
    # in through crawler.auth).
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
}
SPIDER_MIDDLEWARES = {
    # Pagination depth is bounded by the spider (limits.max_depth) and DEPTH_LIMIT is 0
    # for every crawl (crawler.crawl.settings): Scrapy's depth counter only fed a stat no
    # one reads. Its meta-copy detector is a developer warning about spider code.
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
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

EXTENSIONS = {
    # The crawl's one store (spider, pipelines and alerts share it) and its job record.
    "crawler.crawl.store.CrawlStore": 0,
    # Crawl health (crawler/health, docs/health.md): field coverage of the stored listings,
    # and Spidermon for the periodic stalled monitor. The close monitors run when the job
    # is finished (ListingSpider.finish_job -> crawler.health.monitors.monitor_run).
    "crawler.health.metrics.HealthStats": 10,
    "spidermon.contrib.scrapy.extensions.Spidermon": 500,
}
# ---- SPIDERMON_*: Spidermon (crawler/health/monitors.py); thresholds are per platform in
# the profile's `health:` section. A run without progress for health.stalled_minutes is
# stopped; the check runs every SPIDERMON_PERIODIC_MONITORS seconds.
SPIDERMON_ENABLED = True
SPIDERMON_PERIODIC_MONITORS = {"crawler.health.monitors.StalledMonitorSuite": 60}

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

LOG_LEVEL = "INFO"
# Items carry personal data (phones, handles): never log them at INFO.
LOG_FORMATTER = "crawler.crawl.logformat.QuietLogFormatter"

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
# Scrapy's check that a spider callback is not a generator returning a value reads the
# callback's source and parses it, for every new spider (each run of a worker): a developer
# warning about spider code, off like the meta-copy detector above.
WARN_ON_GENERATOR_RETURN_VALUE = False
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# Scrapy's caching resolver that refuses names resolving to loopback, private or other
# special addresses (DNS rebinding) unless the profile's base_url is one (crawler/crawl/scope.py).
TWISTED_DNS_RESOLVER = "crawler.crawl.scope.ScopedResolver"
FEED_EXPORT_ENCODING = "utf-8"

# ---- Where things live ------------------------------------------------------------------
# The store (SQLite by default), alert outbox, spool, locks and scheduler state.
CRAWLER_DATA_DIR = "data"
# Directories of platform profiles, separated by ":"; empty: ./platforms and the bundled
# crawler/platforms (crawler/profiles.py).
PLATFORMS_DIR = ""

# ---- STORE_*: the listing store (crawler/store) -----------------------------------------
# sqlite:///PATH or http(s)://HOST:PORT (Elasticsearch); empty: SQLite at
# CRAWLER_DATA_DIR/crawler.db. ELASTICSEARCH_URL is read as STORE_URL too.
STORE_URL = ""
# Upserts per batch and seconds to wait for a batch to fill (pipelines/store.py).
STORE_BATCH_SIZE = 50
STORE_BATCH_DELAY = 0.01
# Elasticsearch store (crawler/store/elasticsearch): index names, bulk writes, the spool.
STORE_INDEX_PREFIX = "flagwatch"
STORE_BULK_DOCS = 500
STORE_BULK_BYTES = 5 * 1024 * 1024
STORE_BULK_FLUSH_INTERVAL = 0.0
STORE_BULK_MAX_RETRIES = 3
STORE_BULK_RETRY_BACKOFF = 0.5
STORE_BULK_CONCURRENCY = 2
STORE_QUEUE_SIZE = 64
STORE_SPOOL_DIR = ""  # empty: CRAWLER_DATA_DIR/spool
STORE_SPOOL_RETRY_INTERVAL = 5.0

# A listing a complete full walk of its platform did not find this many times in a row is
# marked removed (removed_at); runs judged failing (crawl health) do not count as walks.
STORE_REMOVED_AFTER_MISSES = 2

# ---- ELASTICSEARCH_*: connecting to Elasticsearch (crawler/store/elasticsearch) ----------
# Credentials come from the environment (or a secrets file it names), never from -s.
ELASTICSEARCH_API_KEY = ""
ELASTICSEARCH_USERNAME = ""
ELASTICSEARCH_PASSWORD = ""
ELASTICSEARCH_CA_CERTS = ""
ELASTICSEARCH_VERIFY_CERTS = True  # false only for a lab
ELASTICSEARCH_REQUEST_TIMEOUT = 30.0

# ---- TOR_*: tor (crawler/tor) -----------------------------------------------------------
TOR_SOCKS_URL = "socks5h://127.0.0.1:9050"  # names are always resolved by tor
TOR_CONTROL_HOST = "127.0.0.1"
TOR_CONTROL_PORT = 9051  # or HOST:PORT
TOR_CONTROL_PASSWORD = ""  # or cookie authentication:
TOR_COOKIE_AUTH_FILE = ""
# OPSEC strict for every crawl: every request through tor, or none (a security switch:
# only 1/0, true/false, yes/no, on/off are accepted, anything else is an error).
TOR_STRICT = False
TOR_ISOLATION = True  # a circuit of its own per platform
TOR_ISOLATION_KEY = ""
TOR_NEWNYM_AFTER_FAILURES = 3
TOR_OUTAGE_WAIT = 60.0  # seconds requests wait for a tor that went away
TOR_CONNECT_TIMEOUT = 30.0
TOR_BINARY = "tor"  # for `crawler run`'s private network and the tests

# ---- BROWSER_*: Chromium for network: js (crawler/browser) --------------------------------
BROWSER_EXECUTABLE_PATH = "/usr/lib/chromium/chromium"
BROWSER_HEADLESS = True
BROWSER_MAX_PAGES = 0  # open pages per context; 0: the profile's concurrency
BROWSER_NAVIGATION_TIMEOUT_MS = 30000
BROWSER_RETRY_TIMES = 3  # retries of a request failed by a browser that died
BROWSER_USER_AGENT = ""  # empty: the profile's, else desktop Chrome's

# ---- EVIDENCE_*: captures, manifests, signatures, case exports (crawler/evidence) ---------
# Every text response (HTML, JSON) on every route is written to WARC files (capture.py).
EVIDENCE_ENABLED = True
EVIDENCE_DIR = ""  # empty: CRAWLER_DATA_DIR/evidence
EVIDENCE_WARC_MAX_BYTES = 100 * 1024 * 1024  # a run's WARC file rolls over at this size
# -- capture (crawler/evidence/capture.py)
# Seconds a browser page waits, after its page actions, for the bodies of the responses it
# loaded (its XHR/fetch JSON) to be written before it is closed.
EVIDENCE_BROWSER_CAPTURE_TIMEOUT = 10.0
# -- manifests and signatures (crawler/evidence/chain.py, keys.py): the Ed25519 signing
# key is a secret: from the environment (EVIDENCE_SIGNING_KEY, base64) or a key file
# written by `crawler evidence keygen` (EVIDENCE_SIGNING_KEY_FILE), never from -s.
EVIDENCE_SIGNING_KEY = ""
EVIDENCE_SIGNING_KEY_FILE = ""  # empty: CRAWLER_DATA_DIR/keys/evidence-signing.key
# -- case exports (crawler/evidence/export.py)

# ---- AUTH_*: members-only platforms: logins and sessions (crawler/auth, docs/auth.md) ----
# Account secrets are never in a profile: the profile names environment variables, or a
# key of this secrets file (YAML: {key: {username, password, pin}}; refused unless mode 0600).
AUTH_SECRETS_FILE = ""
AUTH_SESSIONS_DIR = ""  # empty: CRAWLER_DATA_DIR/sessions (one <platform>.json, mode 0600)

# ---- ALERTS_*: rules, watchlist, outbox, delivery (crawler/alerts) -----------------------
ALERTS_ENABLED = True
ALERTS_RULES = ""  # rules file or directory; empty: ./rules when it exists
ALERTS_WATCHLIST = ""  # empty: ./watchlist.yaml when it exists
ALERTS_OUTBOX = ""  # empty: CRAWLER_DATA_DIR/outbox.db
ALERTS_RETRY_BASE = 1.0
ALERTS_RETRY_MAX = 300.0
ALERTS_MAX_AGE = 7 * 86400.0
ALERTS_DRAIN_TIMEOUT = 15.0
ALERTS_LEASE = 60.0

# ---- SCHEDULER_*: `crawler schedule` (crawler/schedule) ---------------------------------
SCHEDULER_CRAWL_COMMAND = "{python} -m crawler crawl {platform}"
SCHEDULER_STATE = ""  # empty: CRAWLER_DATA_DIR/scheduler.json
SCHEDULER_HISTORY = ""  # empty: CRAWLER_DATA_DIR/scheduler-history.jsonl
SCHEDULER_STOP_TIMEOUT = 120.0
SCHEDULER_MAX_PARALLEL = 2
SCHEDULER_DELIVER_INTERVAL = 60.0

# ---- QUEUE_*, WORKER_*: scaling out on Redis (crawler/worker, docs/scaling.md) -----------
QUEUE_URL = ""  # redis://HOST:PORT/DB; empty: no queue, `crawler schedule` starts processes
QUEUE_NAME = "flagwatch"  # prefix of this deployment's Redis keys
QUEUE_LEASE = 30.0  # seconds a platform lease lasts unless renewed
QUEUE_JOB_TIMEOUT = 6 * 3600.0  # longest platform run
QUEUE_MAX_TRIES = 5  # runs of one job: the first and its retries after worker deaths
WORKER_MAX_JOBS = 2  # platform runs one worker does at once
WORKER_CAPABILITIES = "auto"  # auto, none, or a list of browser,tor
WORKER_STOP_TIMEOUT = 120.0  # seconds running crawls get after SIGTERM before hand-back
CRAWL_FENCE_TOKEN = 0  # set per run by `crawler worker` (its platform-lease token)

# ---- KIBANA_*: `crawler kibana import` (crawler/kibana) ---------------------------------
KIBANA_URL = ""
KIBANA_API_KEY = ""
KIBANA_SPACE = ""
