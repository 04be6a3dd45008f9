"""Posting into a channel the platform may refuse: the error adapters raise, and one retry.

A platform refuses a post for reasons a moment may cure (a rate limit, a 5xx) and for reasons
it will not (a missing permission, a deleted channel). The app cannot tell them apart in a
platform-neutral way, so it tries once more after a short pause, waiting as long as the
platform's Retry-After asks when the adapter passes it on through `PostFailed.retry_after`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

RETRY_DELAY = 1.0
"""Seconds before the one retry when the platform gave no Retry-After."""
MAX_RETRY_DELAY = 5.0
"""A longer Retry-After is not waited out: a timed round cannot sit that long unseen."""


class PostFailed(Exception):
    """A post the platform refused; `retry_after` is its Retry-After in seconds, if it gave one."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def retry_delay(error: BaseException, default: float = RETRY_DELAY) -> float | None:
    """How long to wait before retrying after `error`; None when the wait is too long to try."""
    asked = getattr(error, "retry_after", None)
    if not isinstance(asked, int | float) or asked < 0:
        return default
    return float(asked) if asked <= MAX_RETRY_DELAY else None


class Retrying:
    """Runs a post, and once more after `retry_delay` if it fails; says whether it got through.

    `sleep` is replaceable so tests can see the waits without spending them.
    """

    def __init__(
        self,
        delay: float = RETRY_DELAY,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.delay = delay
        self.sleep = sleep

    async def post(
        self,
        send: Callable[[], Awaitable[None]],
        what: str,
        *,
        before_retry: Callable[[], Awaitable[None]] | None = None,
    ) -> bool:
        """True once `send()` succeeds; False (logged at warning) when both tries failed."""
        try:
            await send()
            return True
        except Exception as error:
            wait = retry_delay(error, self.delay)
            if wait is None:
                log.warning("could not post %s: %s; Retry-After too long to wait", what, error)
                return False
            log.info("could not post %s: %s; retrying in %.2f s", what, error, wait)
        await self.sleep(wait)
        if before_retry is not None:
            await before_retry()
        try:
            await send()
            return True
        except Exception as error:
            log.warning("could not post %s, twice: %s", what, error, exc_info=True)
            return False
