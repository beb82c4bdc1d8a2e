"""Development overrides: verbose logs. Select with SCRAPY_SETTINGS_MODULE=settings.dev."""

from settings.base import *  # noqa: F403
from settings.env import apply_env_overrides

LOG_LEVEL = "DEBUG"

apply_env_overrides(globals())
