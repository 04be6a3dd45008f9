"""Loading the questions folder off the event loop, in a child process with a time budget.

Parsing decks is CPU work on untrusted files. Run on the event loop it stops every reply
(Discord's 3 s deadline is missed for everyone); run in a thread it cannot be stopped. A
process can: the folder is loaded in a fresh interpreter, the loop only awaits its output, and
past the budget the child is killed and the load reported as failed, so the bot keeps its
decks.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import sys
from pathlib import Path

from bot.core.decks import load_questions
from bot.core.library import Library
from bot.core.limits import LIMITS
from bot.core.models import Deck, DeckError

log = logging.getLogger(__name__)


async def load_library(questions: Path, budget: float = LIMITS.load_seconds) -> Library:
    """Every deck under `questions`, loaded in a child process within `budget` seconds.

    The child is this module run as a program (no copy of the bot's state, nothing shared but
    its answer on stdout). Raises DeckError (naming the folder) when the budget is exceeded
    or the child fails; the caller keeps whatever it had. Broken decks are errors in the
    library, as in the core.
    """
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        __name__,
        str(questions),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        out, _ = await asyncio.wait_for(child.communicate(), budget)
    except TimeoutError as exc:
        raise DeckError(
            str(questions), 0, f"loading the decks took over {budget:g} s; stopped (deck limits)"
        ) from exc
    finally:
        if child.returncode is None:  # over budget or cancelled: the work is stopped for real
            child.kill()
            await asyncio.shield(child.wait())
    if child.returncode != 0:
        raise DeckError(str(questions), 0, f"the deck loader failed (exit code {child.returncode})")
    # Our own child's answer, not deck input; unpickled off the loop (10,000 cards take ~0.1 s).
    decks, errors = await asyncio.to_thread(pickle.loads, out)
    report_load(questions, decks, errors)
    return await asyncio.to_thread(Library.of, decks, errors)


async def load_or_report(questions: Path, budget: float = LIMITS.load_seconds) -> Library:
    """At start-up: the decks, or an empty library that says why, so the bot still starts."""
    try:
        return await load_library(questions, budget)
    except DeckError as exc:
        log.error("decks not loaded: %s", exc)
        return Library.of((), (exc,))


def report_load(questions: Path, decks: list[Deck], errors: list[DeckError]) -> None:
    """Log a broken deck with its file and line, each warning, and the totals."""
    for error in errors:
        log.error("deck not loaded: %s", error)
    for deck in decks:
        for warning in deck.warnings:
            log.warning("%s:%d: %s", deck.path, warning.line, warning.message)
    log.info(
        "loaded %d decks (%d cards) from %s",
        len(decks),
        sum(len(d.cards) for d in decks),
        questions,
    )


def _child(argv: list[str]) -> None:
    """The child's work: load the folder, write the decks and errors to stdout."""
    logging.disable(logging.WARNING)  # the parent logs every error and warning once
    result: tuple[list[Deck], list[DeckError]] = load_questions(Path(argv[1]))
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    _child(sys.argv)
