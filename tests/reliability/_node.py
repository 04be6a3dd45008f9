"""One bot process of three over one PostgreSQL schema, for the kill -9 test: the service
layer (QuizService, DailyService, CompetitionService) as `quizbot run` wires it, with members
answering in this process's own workspaces (its shard slice) and a poster that appends each
post to a shared file, as a platform that keeps message nonces would receive it.

Answer ids go to LOG (write, fsync) only after the service returned, i.e. after the commit.
Role `victim`: sets a daily quiz due now and begins a competition, then its daily post hangs
after the platform got the message (the kill comes mid-post); prints "ready". Role
`survivor`: ticks the daily quiz and keeps competition leases, taking over what lapses.
Run: python -m tests.reliability._node URL NAME ROLE LOG POSTS LEASE_S WORKSPACES
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.competitions import CompetitionService
from bot.app.daily import DailyPost, DailyService
from bot.app.ports import stores_of
from bot.app.study import QuizService
from bot.core.competition import Competition
from bot.core.daily import DailyResults
from bot.core.errors import QuizError
from bot.core.library import Library
from bot.core.models import Card, Deck, Learner, Mode, Question
from bot.core.ports import StorageError, SystemClock
from bot.core.scheduler import Scheduler
from bot.storage.postgres import PostgresRepository
from tests.reliability._load import respond

PLATFORM = "load"
DECK = Deck(
    "load",
    "Load",
    tuple(
        Card("load", f"c{i}", f"Question {i}?", f"answer {i}", choices=(f"answer {i}", "x", "y"))
        for i in range(30)
    ),
)
DAILY = Learner(PLATFORM, "w0", "admin")
DAILY_CHANNEL = "daily"
GAME = (PLATFORM, "w0", "game")
PACE = 0.02
"""Seconds between a member's answers: load, without starving the other processes' timers."""
RUNNING: set[asyncio.Task[None]] = set()


class Platform:
    """Appends every post as one JSON line (O_APPEND: whole lines from every process)."""

    def __init__(self, path: Path, node: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.node = node

    def post(self, kind: str, key: str) -> None:
        line = json.dumps({"node": self.node, "kind": kind, "key": key}) + "\n"
        os.write(self.fd, line.encode())
        os.fsync(self.fd)


class DailyPoster:
    platform = PLATFORM

    def __init__(self, out: Platform, *, hang: bool) -> None:
        self.out, self.hang = out, hang

    async def post_questions(self, channel: str, post: DailyPost) -> list[str]:
        self.out.post("daily", f"{channel}:{post.key}")
        if self.hang:  # the platform has the message; this process dies before it hears back
            print("posting", flush=True)
            await asyncio.Event().wait()
        return [post.key]

    async def post_results(self, channel: str, results: DailyResults) -> None:
        self.out.post("results", f"{channel}:{results.key}")

    async def send_reminder(self, learner: Learner, due: int) -> None:
        return None


class GamePoster:
    def __init__(self, out: Platform) -> None:
        self.out = out

    async def post_lobby(self, c: Competition) -> None:
        self.out.post("lobby", c.id)

    async def post_round(self, c: Competition) -> None:
        self.out.post("round", f"{c.id}:{c.round_no}")

    async def post_round_result(self, c: Competition) -> None:
        self.out.post("result", f"{c.id}:{c.round_no}")

    async def post_podium(self, c: Competition) -> None:
        self.out.post("podium", c.id)


async def study(service: QuizService, learner: Learner, log_fd: int, rng: random.Random) -> None:
    while True:
        try:
            session = await service.start_session(learner, mode=Mode.QUIZ, limit=8)
            while isinstance(step := await service.next_question(session.id, learner), Question):
                feedback = await service.answer(
                    session.id, learner, step.turn, respond(step, rng), duration_ms=900
                )
                if not feedback.duplicate:
                    os.write(log_fd, f"{session.id}:{step.turn}\n".encode())
                    os.fsync(log_fd)
                await asyncio.sleep(PACE)
        except (QuizError, StorageError):
            await asyncio.sleep(0.1)


class Earlier(SystemClock):
    """The clock of an admin who set the quiz a few minutes ago, so today's post is due now."""

    def now(self) -> datetime:
        return super().now() - timedelta(minutes=3)


async def victim(daily: DailyService, comps: CompetitionService, out: Platform) -> None:
    at = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%H:%M")
    svc = daily.service
    earlier = QuizService(svc.repo, svc.library, clock=Earlier(), scheduler=Scheduler())
    await DailyService(earlier, daily.store).set(
        DAILY, DAILY_CHANNEL, at=at, timezone="UTC", questions=3
    )
    await comps.resume(PLATFORM, lambda ws: ws == "w0")  # keeps its leases renewed while alive
    c = await comps.start(GAME, "ann", "Ann", deck_id="load", rounds=3, seconds=5)
    await comps.join(GAME, c.id, "bob", "Bob")
    await comps.begin(GAME, c.id, "ann")
    await comps.answer(GAME, c.id, 1, "ann", 0)
    RUNNING.add(asyncio.create_task(daily.tick(DailyPoster(out, hang=True))))


async def survivor(daily: DailyService, comps: CompetitionService, out: Platform) -> None:
    await comps.resume(PLATFORM, lambda ws: False)  # its workspaces hold no game; takes lapsed
    poster = DailyPoster(out, hang=False)

    async def ticking() -> None:
        while True:
            try:
                await daily.tick(poster)
            except Exception as exc:  # a tick that failed is retried, as run_forever does
                print(f"tick failed: {exc}", file=sys.stderr, flush=True)
            await asyncio.sleep(0.3)

    RUNNING.add(asyncio.create_task(ticking()))
    print("ready", flush=True)


async def main(argv: list[str]) -> None:
    url, name, role, log, posts, lease, workspaces = argv
    seconds = float(lease)
    repo = await PostgresRepository.open(url, pool_size=4)
    service = QuizService(
        repo, Library.of([DECK]), clock=SystemClock(), scheduler=Scheduler(),
        rng=random.Random(name),
    )  # fmt: skip
    stores = stores_of(repo)
    daily = DailyService(service, stores.daily_store(), post_lease=timedelta(seconds=seconds))
    out = Platform(Path(posts), name)
    comps = CompetitionService(
        service, stores.competition_store(), GamePoster(out), lease_seconds=seconds, owner=name
    )
    log_fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    people = [Learner(PLATFORM, ws, f"{ws}-u{i}") for ws in workspaces.split(",") for i in range(4)]
    for p in people:
        RUNNING.add(asyncio.create_task(study(service, p, log_fd, random.Random(p.user))))
    if role == "victim":
        await victim(daily, comps, out)
    else:
        await survivor(daily, comps, out)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
