"""A load process for the crash tests: many learners answer through `QuizService` on one file.

Each answer id is appended to the log (write, flush, fsync) only after the service returned,
i.e. after the commit: the log is what users were told was recorded. Prints "ready" once the
service is open. Run: python -m tests.reliability._load DB LOG SEED [LEARNERS]
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
from pathlib import Path

from bot.app.study import QuizService
from bot.core.errors import QuizError
from bot.core.library import Library
from bot.core.models import Card, Deck, Format, Learner, Mode, Question, Rating, Response
from bot.core.ports import SystemClock
from bot.core.scheduler import Scheduler
from bot.storage.sqlite import SqliteRepository

DECK = Deck(
    "load",
    "Load",
    tuple(
        Card("load", f"c{i}", f"Question {i}?", f"answer {i}", accept=(str(i),), choices=())
        for i in range(30)
    ),
)
WORKSPACES = ("w1", "w2", "w3")


def respond(question: Question, rng: random.Random) -> Response:
    if question.format is Format.CHOICE:
        return Response(choice=rng.randrange(len(question.options)))
    if question.format is Format.TYPED:
        return Response(text=str(rng.randrange(40)))
    return Response(rating=Rating(rng.randint(1, 4)))


async def study(service: QuizService, learner: Learner, log_fd: int, rng: random.Random) -> None:
    while True:
        mode = rng.choice((Mode.REVIEW, Mode.QUIZ))
        session = await service.start_session(learner, mode=mode, limit=8)
        while True:
            step = await service.next_question(session.id, learner)
            if not isinstance(step, Question):
                break
            try:
                feedback = await service.answer(
                    session.id, learner, step.turn, respond(step, rng), duration_ms=1000
                )
            except QuizError:
                continue
            if not feedback.duplicate:
                os.write(log_fd, f"{session.id}:{step.turn}\n".encode())
                os.fsync(log_fd)


async def main(db: Path, log: Path, seed: int, learners: int) -> None:
    repo = await SqliteRepository.open(db)
    service = QuizService(
        repo, Library.of([DECK]), clock=SystemClock(), scheduler=Scheduler(),
        rng=random.Random(seed),
    )  # fmt: skip
    log_fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    people = [Learner("load", WORKSPACES[i % 3], f"u{i}") for i in range(learners)]
    print("ready", flush=True)
    await asyncio.gather(
        *(study(service, p, log_fd, random.Random(f"{seed}-{p.user}")) for p in people)
    )


if __name__ == "__main__":
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 24
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), count))
