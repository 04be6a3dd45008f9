"""`python -m bot run` as a subprocess, its stderr kept in the run's folder, stopped after."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]


def _log(folder: Path) -> IO[bytes]:
    return (folder / "bot.log").open("wb")


@contextlib.asynccontextmanager
async def bot_process(
    env: dict[str, str], folder: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """The bot with the bench's environment plus `env` (platform settings), on SQLite in
    `folder`; terminated (then killed) on the way out."""
    full = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))},
        "QUIZBOT_DB": str(folder / "burst.sqlite3"),
        "QUIZBOT_QUESTIONS": str(folder / "questions"),
        "QUIZBOT_LOG_LEVEL": "WARNING",
        **env,
    }
    with _log(folder) as err:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=full,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
        try:
            yield proc
        finally:
            if proc.returncode is None:
                proc.terminate()
                try:
                    await asyncio.wait_for(proc.wait(), 20)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()


async def first_of(proc: asyncio.subprocess.Process, waiting: asyncio.Task[object]) -> object:
    """`waiting`'s result, or SystemExit when the bot dies first."""
    died = asyncio.create_task(proc.wait())
    done, _ = await asyncio.wait({waiting, died}, return_when=asyncio.FIRST_COMPLETED)
    died.cancel()
    if waiting not in done:
        waiting.cancel()
        raise SystemExit("the bot stopped before it posted; see bot.log")
    return waiting.result()
