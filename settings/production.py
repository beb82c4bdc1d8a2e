"""Production overrides: politer defaults, less logging. Select with SCRAPY_SETTINGS_MODULE=settings.production."""

from settings.base import *  # noqa: F403

LOG_LEVEL = "WARNING"
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS_PER_DOMAIN = 4
