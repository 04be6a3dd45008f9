"""Loading the questions folder off the event loop, in a child process with a time budget.

Parsing decks is CPU work on untrusted files. Run on the event loop it stops every reply
(Discord's 3 s deadline is missed for everyone); run in a thread it cannot be stopped. A
process can: the folder is loaded in a fresh one, the loop only waits on a pipe, and past the
budget the child is killed and the load reported as failed, so the bot keeps its decks.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from multiprocessing.connection import Connection
from pathlib import Path

from bot.core.decks import load_questions
from bot.core.library import Library
from bot.core.limits import LIMITS
from bot.core.models import Deck, DeckError

log = logging.getLogger(__name__)

_Result = tuple[list[Deck], list[DeckError]]


def _load_into(conn: Connection, questions: Path) -> None:
    """The child's work: load the folder and send the decks and errors back."""
    logging.disable(logging.WARNING)  # the parent logs every error and warning once
    try:
        conn.send(load_questions(questions))
    finally:
        conn.close()


def _receive(
    conn: Connection, child: multiprocessing.process.BaseProcess, budget: float, where: str
) -> _Result:
    """Wait for the child's answer (in a thread); past the budget the child is killed."""
    try:
        if not conn.poll(budget):
            raise DeckError(
                where, 0, f"loading the decks took over {budget:g} s; stopped (deck limits)"
            )
        try:
            return conn.recv()
        except EOFError as exc:
            child.join(timeout=5)
            raise DeckError(
                where, 0, f"the deck loader stopped unexpectedly (exit code {child.exitcode})"
            ) from exc
    finally:
        conn.close()
        if child.is_alive():
            child.kill()
        child.join()


async def load_library(questions: Path, budget: float = LIMITS.load_seconds) -> Library:
    """Every deck under `questions`, loaded in a child process within `budget` seconds.

    Raises DeckError (naming the folder) when the budget is exceeded or the child dies; the
    caller keeps whatever it had. Broken decks are errors in the library, as in the core.
    """
    context = multiprocessing.get_context("spawn")
    parent, child_end = context.Pipe(duplex=False)
    child = context.Process(
        target=_load_into, args=(child_end, questions), name="quizbot-deck-loader", daemon=True
    )
    child.start()
    child_end.close()
    try:
        decks, errors = await asyncio.to_thread(_receive, parent, child, budget, str(questions))
    except asyncio.CancelledError:
        child.kill()  # the waiting thread then sees the pipe close and returns
        raise
    report_load(questions, decks, errors)
    return Library.of(decks, errors)


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
