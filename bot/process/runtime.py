"""Running the bot as a long-lived process: heartbeat for the health check, clean SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Awaitable
from pathlib import Path

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
HEARTBEAT_STALE_SECONDS = 60.0


async def heartbeat(path: Path, every: float = HEARTBEAT_SECONDS) -> None:
    """Touch `path` every few seconds; `quizbot health` reads its age."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        path.write_text(f"{time.time():.0f}\n")
        await asyncio.sleep(every)


async def serve(main: Awaitable[None], heartbeat_path: Path) -> None:
    """Run `main` with a heartbeat until it ends or SIGTERM/SIGINT arrives, then stop cleanly.

    Cancelling `main` lets each adapter close its connection and the repository drain its
    queue, so an answer a user was told is recorded is never lost at shutdown.
    """
    loop = asyncio.get_running_loop()
    main_task = asyncio.ensure_future(main)
    beat = asyncio.create_task(heartbeat(heartbeat_path))
    if sys.platform != "win32":  # asyncio has no signal handlers there
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, _stop, main_task, sig)
    try:
        await main_task
    except asyncio.CancelledError:
        log.info("stopped")
    finally:
        beat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beat
        with contextlib.suppress(FileNotFoundError):
            heartbeat_path.unlink()


def _stop(task: asyncio.Future[None], sig: signal.Signals) -> None:
    log.info("received %s, shutting down", sig.name)
    task.cancel()


def heartbeat_age(path: Path) -> float | None:
    """Seconds since the last heartbeat, or None when no bot is running."""
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return None
