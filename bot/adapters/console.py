"""The terminal adapter: study on the bundled decks with no token at all.

Input is read line by line, so it works at a prompt and from a pipe; end of input ends the
session cleanly (progress is already on disk after every answer).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TextIO

from bot.app.study import QuizService
from bot.core.errors import QuizError
from bot.core.models import (
    Feedback,
    Format,
    Learner,
    Mode,
    Period,
    Question,
    Rating,
    Response,
    SessionSummary,
)
from bot.core.reports import Leaderboard, Stats
from bot.core.timefmt import NOT_SCHEDULED, until

log = logging.getLogger(__name__)

HELP = (
    "Commands: a number picks an option, 's' shows a flashcard's answer, 1-4 rates it, "
    ":skip, :stats, :leaderboard, :decks, :help, :quit"
)
RATINGS = "1 Again · 2 Hard · 3 Good · 4 Easy"


class EndOfInput(Exception):
    """Standard input closed: leave quietly."""


class Console:
    """One learner's study session in a terminal."""

    def __init__(
        self,
        service: QuizService,
        learner: Learner,
        out: TextIO = sys.stdout,
        read_line: Callable[[], Awaitable[str]] | None = None,
    ) -> None:
        self.service = service
        self.learner = learner
        self.out = out
        self._read_line = read_line or _stdin_line

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    async def ask(self, prompt: str) -> str:
        self.out.write(prompt)
        self.out.flush()
        line = await self._read_line()
        if line == "":
            raise EndOfInput()
        return line.strip()

    async def run(self, mode: Mode, deck_id: str | None, limit: int | None = None) -> int:
        try:
            session = await self.service.start_session(
                self.learner, mode=mode, deck_id=deck_id, limit=limit
            )
        except QuizError as error:
            self.say(str(error))
            return 2
        decks = self.service.decks(self.learner)
        self.say(
            f"quizbot · {len(decks)} deck(s), {sum(d.cards for d in decks)} cards · "
            f"studying as {self.learner.user} ({mode.value})"
        )
        self.say(HELP)
        try:
            while True:
                step = await self.service.next_question(session.id, self.learner)
                if isinstance(step, SessionSummary):
                    self.say(render_summary(step))
                    return 0
                outcome = await self._ask(step)
                if outcome == "quit":
                    self.say(
                        render_summary(await self.service.end_session(session.id, self.learner))
                    )
                    return 0
        except EndOfInput:
            self.say()
            self.say(render_summary(await self.service.end_session(session.id, self.learner)))
            return 0

    async def _ask(self, question: Question) -> str:
        """Ask one question until it is answered, skipped or the learner quits."""
        self.say()
        self.say(render_question(question))
        revealed = False
        while True:
            if question.format is Format.CHOICE:
                prompt = f"Your answer (1-{len(question.options)}): "
            elif question.format is Format.TYPED:
                prompt = "Type your answer: "
            else:
                prompt = (
                    f"Rate yourself ({RATINGS}): " if revealed else "Press s to show the answer: "
                )
            line = await self.ask(prompt)
            if line.startswith(":"):
                done = await self._command(line, question)
                if done:
                    return done
                continue
            response = self._parse(question, line, revealed)
            if response == "reveal":
                revealed = True
                self.say("Answer:\n" + indent(question.card.answer))
                continue
            if response is None:
                continue
            try:
                feedback = await self.service.answer(
                    question.session_id, self.learner, question.turn, response
                )
            except QuizError as error:
                self.say(str(error))
                return "answered"
            self.say(render_feedback(feedback, self.service.clock.now()))
            return "answered"

    def _parse(self, question: Question, line: str, revealed: bool) -> Response | str | None:
        if question.format is Format.TYPED:
            return Response(text=line)
        if question.format is Format.CHOICE:
            if line.isdigit() and 1 <= int(line) <= len(question.options):
                return Response(choice=int(line) - 1)
            self.say(f"Pick a number from 1 to {len(question.options)}.")
            return None
        if not revealed:
            if line.lower() in {"", "s", "show"}:
                return "reveal"
            self.say("Press s to show the answer first.")
            return None
        if line.isdigit() and 1 <= int(line) <= 4:
            return Response(rating=Rating(int(line)))
        self.say(f"Rate with a number: {RATINGS}.")
        return None

    async def _command(self, line: str, question: Question) -> str | None:
        command = line[1:].strip().lower()
        if command in {"q", "quit", "exit"}:
            return "quit"
        if command == "skip":
            await self.service.skip(question.session_id, self.learner)
            return "skipped"
        if command == "stats":
            self.say(render_stats(await self.service.stats(self.learner)))
        elif command in {"leaderboard", "lb", "top"}:
            board = await self.service.leaderboard(
                self.learner.platform, self.learner.workspace, Period.ALL, user=self.learner.user
            )
            self.say(render_leaderboard(board))
        elif command == "decks":
            for deck in self.service.decks(self.learner):
                self.say(f"  {deck.id}: {deck.name} ({deck.cards} cards)")
        else:
            self.say(HELP)
        return None


async def _stdin_line() -> str:
    return await asyncio.to_thread(sys.stdin.readline)


def indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def render_question(question: Question) -> str:
    where = (
        f"[{question.position}/{question.total}]" if question.total else f"[{question.position}]"
    )
    tag = " · new card" if question.is_new else ""
    lines = [f"{where} {question.deck_name}{tag}", question.card.question]
    if question.card.image:
        lines.append(f"(image: {question.card.image})")
    lines += [f"  {i}) {option}" for i, option in enumerate(question.options, 1)]
    return "\n".join(lines)


def render_feedback(feedback: Feedback, now: datetime) -> str:
    points = f" (+{feedback.points})" if feedback.points else ""
    again = " — already recorded" if feedback.duplicate else ""
    if feedback.format is Format.FLASHCARD:  # the learner has just seen the answer
        lines = [f"Rated {feedback.rating.name.title()}{points}{again}"]
    else:
        mark = "✓ Right" if feedback.correct else "✗ Not quite"
        lines = [f"{mark}{points}{again}", "Answer:\n" + indent(feedback.card.answer)]
    if feedback.next_due is None:
        lines.append(f"Next review: {NOT_SCHEDULED}")
    else:
        when = f"{feedback.next_due:%Y-%m-%d %H:%M} UTC"
        lines.append(f"Next review {until(feedback.next_due, now)} ({when})")
    return "\n".join(lines)


def render_summary(summary: SessionSummary) -> str:
    if summary.answered == 0:
        reason = {"done": "Nothing is due right now. Come back later!"}.get(
            summary.reason, "Session ended."
        )
        return reason
    lines = [
        f"Session over: {summary.correct}/{summary.answered} right "
        f"({summary.accuracy:.0%}), {summary.points} points."
    ]
    if summary.missed:
        lines.append("To look at again:")
        lines += [f"  - {card.question}" for card in summary.missed]
    return "\n".join(lines)


def render_stats(stats: Stats) -> str:
    lines = [
        f"Reviews {stats.reviews} · accuracy {stats.accuracy:.0%} · streak {stats.streak_days} day(s)",
        f"Due now {stats.due_now} · today {stats.due_today} · this week {stats.due_week}",
    ]
    if stats.rank is not None:
        lines.append(f"Rank #{stats.rank.rank} · {stats.rank.points} points")
    lines += [
        f"  {d.deck_name}: seen {d.seen}/{d.total}, mature {d.mature}, due {d.due}"
        for d in stats.decks
    ]
    return "\n".join(lines)


def render_leaderboard(board: Leaderboard) -> str:
    if not board.entries:
        return "No scores yet."
    lines = [f"Leaderboard ({board.period.value}):"]
    lines += [
        f"  {e.rank}. {e.user} — {e.points} pts ({e.correct}/{e.answers})" for e in board.entries
    ]
    if board.caller and all(e.user != board.caller.user for e in board.entries):
        lines.append(f"  … {board.caller.rank}. {board.caller.user} — {board.caller.points} pts")
    return "\n".join(lines)
