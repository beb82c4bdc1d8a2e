"""When a platform's next run is due: interval or cron (UTC), plus jitter."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from crawler.profiles import Schedule


def next_run(schedule: Schedule, after: float, rng: random.Random | None = None) -> float:
    """The next start time strictly after `after` (Unix seconds), jitter included."""
    if schedule.interval is not None:
        base = after + schedule.interval
    else:
        from croniter import croniter

        assert schedule.cron is not None
        base = croniter(schedule.cron, datetime.fromtimestamp(after, UTC)).get_next(float)
    jitter = (rng or random).uniform(0, schedule.jitter) if schedule.jitter else 0.0
    return base + jitter


def period(schedule: Schedule | None) -> float:
    # Only to count missed runs for the history; cron periods are approximated by 60 s.
    return (schedule.interval if schedule and schedule.interval else 60.0) or 60.0
