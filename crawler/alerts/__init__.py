"""Alerts on new matching listings: rules, watchlist, engine, durable outbox, channels.

Entry points: AlertEngine (crawler.alerts.engine), the Scrapy stages in pipelines/alerts.py,
and `crawler alerts ...` (crawler.alerts.cli). Settings: ALERTS_* (crawler.alerts.config).
"""

from crawler.alerts.alert import Alert
from crawler.alerts.config import AlertsConfig
from crawler.alerts.engine import AlertEngine
from crawler.alerts.rules import AlertRule, RuleSet, load_rules
from crawler.alerts.watchlist import AlertConfigError, Watchlist, load_watchlist

__all__ = [
    "Alert",
    "AlertConfigError",
    "AlertEngine",
    "AlertRule",
    "AlertsConfig",
    "RuleSet",
    "Watchlist",
    "load_rules",
    "load_watchlist",
]
