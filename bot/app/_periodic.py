"""A background job that runs now and then every so often, for the life of the process.

One failed run is logged with its traceback and the next run comes as usual, so a bad tick
(a database hiccup, a platform error) never ends the loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import NoReturn


async def repeat(
    job: Callable[[], Awaitable[object]], every: float, log: logging.Logger, failed: str
) -> NoReturn:
    """Run `job` now and then every `every` seconds until cancelled; `failed` is logged with the
    traceback (on the caller's logger) when a run raises."""
    while True:
        try:
            await job()
        except Exception:
            log.exception(failed)
        await asyncio.sleep(every)
