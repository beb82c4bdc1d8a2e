"""One run per platform across all hosts: a platform lease in Redis, with a fencing token.

A worker that starts a platform's run takes `<queue>:lease:<platform>` with SET NX PX (the
value is the run's token) and renews it every third of QUEUE_LEASE while the run goes on. A
worker that dies stops renewing, so the lease expires and another worker may take the
platform; a worker cut off from Redis cannot renew either, and stops its own crawl once its
lease has run out by its own clock (it cannot know whether someone else took over).

The token is a fencing token: `<queue>:fence:<platform>` counts up (INCR) at every take, so a
later holder always has a larger token than any earlier one. The run hands its token to the
store (crawler.store: `ListingStore.hold_fence`), and the store refuses writes whose token is
older than the newest it has seen for that platform. A worker that stalled past its lease
(a pause, a cut link) and wakes up still writing is therefore refused by the store, not
merely asked to stop. When Redis lost its counter (a restart without persistence), the store's
own newest token re-seeds it: `take` is given the store's token and never hands out one at
or below it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

# KEYS: lease, fence. ARGV: ttl ms, store's newest token (0: unknown).
# Returns the new token, or 0 when the lease is held by another run.
_TAKE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
local floor = tonumber(ARGV[2])
if token <= floor then
  token = floor + 1
  redis.call('SET', KEYS[2], token)
end
redis.call('SET', KEYS[1], token, 'PX', tonumber(ARGV[1]))
return token
"""

# KEYS: lease, fence, then markers that live as long as the lease (the queue's in-progress
# mark of the job). ARGV: token, ttl ms. Returns 1 when renewed, 0 when the lease is not ours.
# A lease that expired (a renewal came late: a busy event loop, a short outage) is ours
# again as long as nobody took a newer token since: the fence counter still equals ours.
_RENEW = """
local held = redis.call('GET', KEYS[1])
if held ~= ARGV[1] then
  if held or redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
for i = 3, #KEYS do redis.call('SET', KEYS[i], '1', 'PX', tonumber(ARGV[2])) end
return 1
"""

# KEYS: lease. ARGV: token. Deletes the lease only when it is still ours.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class LeaseLost(RuntimeError):
    """The run's platform lease expired or was taken by another run."""


@dataclass
class PlatformLease:
    """A held lease: renew it while the run goes on, release it at the end."""

    redis: Any  # redis.asyncio.Redis
    key: str
    platform: str
    token: int
    ttl: float
    fence_key: str = ""
    followers: tuple[str, ...] = ()
    deadline: float = 0.0  # monotonic time at which the lease runs out by our own clock

    @classmethod
    async def take(
        cls,
        redis: Any,
        prefix: str,
        platform: str,
        ttl: float,
        store_token: int = 0,
        followers: tuple[str, ...] = (),
    ) -> PlatformLease | None:
        """The platform's lease with a new token, or None when another run holds it."""
        start = time.monotonic()
        key, fence = f"{prefix}:lease:{platform}", f"{prefix}:fence:{platform}"
        token = int(await redis.eval(_TAKE, 2, key, fence, int(ttl * 1000), store_token))
        if not token:
            return None
        return cls(redis, key, platform, token, ttl, fence, followers, start + ttl)

    async def renew(self) -> None:
        """Extend the lease (and its followers) by its ttl; LeaseLost when it is not ours."""
        start = time.monotonic()
        keys = (self.key, self.fence_key, *self.followers)
        renewed = await self.redis.eval(_RENEW, len(keys), *keys, self.token, int(self.ttl * 1000))
        if not int(renewed):
            raise LeaseLost(f"{self.platform}: the platform lease (token {self.token}) is gone")
        self.deadline = start + self.ttl

    def expired(self) -> bool:
        """True once the lease has run out by this process's clock (renewals failing)."""
        return time.monotonic() >= self.deadline

    async def release(self) -> None:
        await self.redis.eval(_RELEASE, 1, self.key, self.token)

    async def holder(self) -> int | None:
        value = await self.redis.get(self.key)
        return int(value) if value is not None else None
