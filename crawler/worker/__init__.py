"""Scaling out on Redis: long-running workers take platform runs from a shared queue.

- config.py  QUEUE_* and WORKER_* settings (the queue's Redis, leases, capabilities)
- queue.py   arq queues per capability, one job per platform at a time, enqueueing
- lease.py   the platform lease and its fencing token (one run per platform cluster-wide)
- worker.py  `crawler worker`: runs in-process through Scrapy's AsyncCrawlerRunner

`crawler schedule` with QUEUE_URL set enqueues due platforms instead of starting processes
(crawler.schedule). docs/scaling.md has the picture, the failure cases and systemd units.
"""
