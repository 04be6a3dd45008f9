"""Parsing an uploaded deck off the event loop, in a child process with a time budget.

The `ParseUpload` port of `bot.app.deck_book`. An upload is a stranger's file (an Anki package
is a zip and an SQLite database): parsing it on the loop would stall every other member's
click, and a thread cannot be stopped. So, as `deck_loading` does for the questions folder, a
fresh interpreter parses it: the bytes go in on its stdin, the deck (or the DeckError naming
the line) comes back on its stdout, and past the budget the child is killed and the upload
refused with one line. At most `parallel` parses run at once, so a burst of imports cannot
take every core from the bot.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import sys
from pathlib import PurePath

from bot.core.errors import ImportRefused
from bot.core.importers import import_bytes
from bot.core.models import Deck, DeckError
from bot.core.text_bounds import one_line

log = logging.getLogger(__name__)

UPLOAD_SECONDS = 20.0
"""Time one upload may take to parse before it is refused (the README's "Deck limits")."""
PARALLEL = 2
CHILD_MEMORY_BYTES = 2 * 1024**3
"""Address space of the parsing child: a file that makes the parser balloon fails there."""


class UploadParser:
    """`await parser(filename, data, fmt, name)` -> Deck, or DeckError, or ImportRefused."""

    def __init__(
        self, budget: float = UPLOAD_SECONDS, parallel: int = PARALLEL, *, program: str = __name__
    ) -> None:
        """`program` is the module the child runs (tests give it one that never finishes)."""
        self.budget = budget
        self.program = program
        self._slots = asyncio.Semaphore(parallel)

    async def __call__(self, filename: str, data: bytes, fmt: str | None, name: str | None) -> Deck:
        async with self._slots:
            return await parse_in_child(filename, data, fmt, name, self.budget, self.program)


async def parse_in_child(
    filename: str,
    data: bytes,
    fmt: str | None,
    name: str | None,
    budget: float,
    program: str = __name__,
) -> Deck:
    """Run `_parse_in_child` in a child process; kill it past `budget` seconds."""
    shown = one_line(PurePath(filename).name or "upload", 120)
    request = pickle.dumps((filename, data, fmt, name), protocol=pickle.HIGHEST_PROTOCOL)
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        program,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        out, _ = await asyncio.wait_for(child.communicate(request), budget)
    except TimeoutError:
        log.warning("upload %s: parsing took over %g s; child killed", shown, budget)
        raise ImportRefused(
            f"{shown}: reading it took over {budget:g} seconds, so it was refused "
            "(is it very large, or damaged?)"
        ) from None
    finally:
        if child.returncode is None:  # over budget or cancelled: the work is stopped for real
            child.kill()
            await asyncio.shield(child.wait())
    if child.returncode != 0 or not out:
        log.warning("upload %s: the parser failed (exit code %s)", shown, child.returncode)
        raise ImportRefused(f"{shown}: the file could not be read (it may be damaged).")
    # Our own child's answer, not the upload; unpickled off the loop (media can be megabytes).
    kind, value = await asyncio.to_thread(pickle.loads, out)
    if kind == "error":
        raise value
    return value  # type: ignore[no-any-return]


def _parse_in_child(filename: str, data: bytes, fmt: str | None, name: str | None) -> Deck:
    """The one import pipeline (`quizbot import` uses it too), on the upload's own name so
    every error names the file the member sent."""
    return import_bytes(PurePath(filename).name or "upload", data, fmt, name)


def _limit_memory() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))
    except (ImportError, ValueError, OSError):  # not on this system: the time budget remains
        pass


def _child() -> None:
    """The child's work: read the request from stdin, write ("deck"|"error", value) to stdout."""
    logging.disable(logging.WARNING)  # the parent logs what matters, once
    _limit_memory()
    filename, data, fmt, name = pickle.loads(sys.stdin.buffer.read())
    try:
        result: tuple[str, object] = ("deck", _parse_in_child(filename, data, fmt, name))
    except DeckError as exc:
        result = ("error", exc)
    except MemoryError:
        result = ("error", DeckError(PurePath(filename).name, 0, "too large to read"))
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    _child()
