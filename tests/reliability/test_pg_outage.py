"""PostgreSQL goes away under load (a proxy in front of the real server is cut, the server
itself keeps running): the answers in flight are told "could not be recorded", the pool
reconnects once it is back, and retrying those very answers records each of them once."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.app.study import QuizService
from bot.core.errors import NotRecorded, QuizError
from bot.core.library import Library
from bot.core.models import Learner, Mode, Question, Response
from bot.core.ports import StorageError, SystemClock
from bot.core.scheduler import Scheduler
from bot.storage.postgres import PostgresRepository
from tests.backends import postgres_url
from tests.reliability._load import DECK, WORKSPACES, respond
from tests.reliability._tcp_proxy import PgProxy

LEARNERS = 12
WAIT = 120.0
"""Generous: a loaded machine; only a hang would take this long."""

Retry = tuple[str, Learner, int, Response]


def through(url: str, port: int) -> str:
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{port}"))


class Outcomes:
    """What members were told: recorded answer ids, and answers to press again."""

    def __init__(self, enough: int) -> None:
        self.acked: list[str] = []
        self.failed: list[Retry] = []
        self.enough = enough
        self.streaming = asyncio.Event()

    def recorded(self, answer_id: str) -> None:
        self.acked.append(answer_id)
        if len(self.acked) >= self.enough:
            self.streaming.set()


async def study(service: QuizService, learner: Learner, out: Outcomes, rng: random.Random) -> None:
    """Answer until the database fails under this learner; an answer told "not recorded" is
    kept to be retried, as the member would press the button again."""
    while True:
        try:
            session = await service.start_session(learner, mode=Mode.QUIZ, limit=8)
            while isinstance(step := await service.next_question(session.id, learner), Question):
                response = respond(step, rng)
                try:
                    feedback = await service.answer(session.id, learner, step.turn, response)
                except NotRecorded:
                    out.failed.append((session.id, learner, step.turn, response))
                    return
                assert not feedback.duplicate
                out.recorded(f"{session.id}:{step.turn}")
        except (StorageError, NotRecorded):
            return  # a read failed: no answer was in flight
        except QuizError:
            continue


async def counts(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        rows = await conn.fetch("SELECT answer_id, count(*) AS n FROM review_log GROUP BY 1")
    finally:
        await conn.close()
    return {r["answer_id"]: r["n"] for r in rows}


@pytest.mark.parametrize("group_commit", [True, False], ids=["group-commit", "per-answer"])
async def test_an_outage_fails_answers_in_flight_and_their_retry_counts_once(
    tmp_path: Path, group_commit: bool
) -> None:
    direct = await postgres_url(tmp_path)
    proxy = PgProxy(urlsplit(direct).hostname or "127.0.0.1", urlsplit(direct).port or 5432)
    await proxy.start()
    repo = await PostgresRepository.open(
        through(direct, proxy.port), pool_size=4, group_commit=group_commit
    )
    service = QuizService(
        repo, Library.of([DECK]), clock=SystemClock(), scheduler=Scheduler(),
        rng=random.Random(7),
    )  # fmt: skip
    out = Outcomes(enough=3 * LEARNERS)
    acked, failed = out.acked, out.failed
    try:
        people = [Learner("load", WORKSPACES[i % 3], f"u{i}") for i in range(LEARNERS)]
        load = asyncio.gather(*(study(service, p, out, random.Random(p.user)) for p in people))
        await asyncio.wait_for(out.streaming.wait(), WAIT)  # answers stream in, then the outage
        proxy.hold()  # from now on nothing reaches the server: whatever is sent is in flight
        await asyncio.wait_for(proxy.held.wait(), WAIT)
        proxy.cut()
        await asyncio.wait_for(load, WAIT)  # every learner heard of the outage, none hangs
        assert failed, "no answer was in flight at the cut"
        before = await counts(direct)
        assert all(before.get(a) == 1 for a in acked)

        proxy.restore()
        for session_id, learner, turn, response in failed:  # the member presses again
            feedback = await asyncio.wait_for(
                service.answer(session_id, learner, turn, response), WAIT
            )
            assert feedback.turn == turn
            acked.append(f"{session_id}:{turn}")
        again = await service.answer(*failed[0])  # a second press: the first result
        assert again.duplicate
        fresh = Learner("load", "w1", "after")
        session = await service.start_session(fresh, mode=Mode.QUIZ, limit=2)
        step = await service.next_question(session.id, fresh)
        assert isinstance(step, Question)
        assert not (
            await service.answer(session.id, fresh, step.turn, Response(choice=0))
        ).duplicate
        acked.append(f"{session.id}:{step.turn}")
    finally:
        await repo.close()
        await proxy.close()
    found = await counts(direct)
    missing = [a for a in acked if a not in found]
    assert not missing, f"answers told 'recorded' are lost: {missing[:5]}"
    assert all(n == 1 for n in found.values())
    assert set(found) == set(acked)  # nothing recorded that nobody was told of
