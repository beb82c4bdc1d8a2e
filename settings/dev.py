"""Development overrides: verbose logs. Select with SCRAPY_SETTINGS_MODULE=settings.dev."""

from settings.base import *  # noqa: F403

LOG_LEVEL = "DEBUG"
