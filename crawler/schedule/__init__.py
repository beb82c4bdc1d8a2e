"""Scheduled crawls: `crawler schedule` runs each platform's crawl on its profile schedule.

Modules: `config` (SCHEDULER_* settings), `timing` (when a run is due), `lock` (one run per
platform at a time, shared with `crawler crawl` and `flock`), `daemon` (the scheduler);
the command itself is crawler/cli/schedule.py.


- One crawl job per process: `SCHEDULER_CRAWL_COMMAND` (default
  `{python} -m crawler crawl {platform}`; `{python}` and `{platform}` are substituted).
  The crawl saves its CrawlJob record (stats, status) in the store.
- Never two runs of one platform at once: the scheduler starts a platform only when its
  previous run has exited, and holds an exclusive lock file (CRAWLER_DATA_DIR/locks/NAME.lock)
  while it runs, so a second scheduler on the same data dir skips it too.
- Missed runs are coalesced: a run due while the previous one still runs (or while the
  scheduler was down, per its state file) becomes ONE run as soon as possible.
- Schedules: `interval` (seconds from the previous start) or `cron` (UTC), plus `jitter`
  (a random delay of up to that many seconds per run). Platforms without a schedule are
  only run with --once.
- SIGTERM / SIGINT: no new runs; SIGTERM is forwarded to running crawls (Scrapy stops
  gracefully, the job is recorded as interrupted and the next run resumes); after
  SCHEDULER_STOP_TIMEOUT seconds (default 120) they are killed.
- Between runs (after each crawl and every SCHEDULER_DELIVER_INTERVAL seconds, default 60)
  the alert outbox is drained for deliveries a crawl left behind.
- Decisions (started, finished, coalesced, skipped, stopped) are logged and appended as
  JSON lines to SCHEDULER_HISTORY (default CRAWLER_DATA_DIR/scheduler-history.jsonl); the
  last start per platform is kept in SCHEDULER_STATE (default CRAWLER_DATA_DIR/scheduler.json).
- SCHEDULER_MAX_PARALLEL: crawls of different platforms at once (default 2).
"""
