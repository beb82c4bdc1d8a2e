"""Crawl health: whether each platform still yields what it used to (docs/health.md).

Monitors read one run's measurements (Scrapy stats gathered by the spider and the
pipelines) against the platform's recent runs and the thresholds in its profile, and
judge the platform healthy, degraded or failing with reasons (crawler.models.CrawlHealth),
stored with the crawl job in both stores. `pages` tells login walls, CAPTCHAs, block
pages and parked domains from listing pages (pure, no I/O).
"""
