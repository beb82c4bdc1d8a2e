"""Alerts on new matching listings: rules, watchlist, engine, durable outbox, channels.

The package imports nothing itself: `crawler.alerts.config` stays cheap for callers that only
need the settings (the scheduler asks it on every finished crawl). Entry points: AlertEngine
(crawler.alerts.engine), the Scrapy stages in pipelines/alerts.py,
and `crawler alerts ...` (crawler.alerts.cli). Settings: ALERTS_* (crawler.alerts.config).
"""
