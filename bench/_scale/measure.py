"""Timed calls through the real `QuizService` on a generated database, and a start-up probe."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench._scale.generate import DECK, HEAVY_USER, PLATFORM, Size, learner_name
from bot.core.models import Format, Learner, Mode, Period, Question, Rating, Response


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def timed(calls: int, fn: Callable[[int], Awaitable[object]]) -> tuple[float, float]:
    """(p50, p99) in ms of `calls` sequential calls, after a few untimed warm-up calls."""
    for i in range(min(10, calls)):
        await fn(-1 - i)
    spent = []
    for i in range(calls):
        began = time.perf_counter()
        await fn(i)
        spent.append((time.perf_counter() - began) * 1000)
    return statistics.median(spent), percentile(spent, 99)


def any_response(question: Question, rng: random.Random) -> Response:
    if question.format is Format.CHOICE:
        return Response(choice=rng.randrange(len(question.options)))
    if question.format is Format.TYPED:
        return Response(text=str(rng.randrange(200)))
    return Response(rating=Rating(rng.randint(1, 4)))


async def measure_service(service, size: Size, calls: int) -> dict[str, tuple[float, float]]:
    """p50/p99 per operation: leaderboard, next question (heavy learner), stats, answer."""
    rng = random.Random(11)
    periods = list(Period)
    out: dict[str, tuple[float, float]] = {}

    async def board(_: int) -> None:
        i = rng.randrange(size.learners)
        workspace, user = learner_name(i, size)
        await service.leaderboard(PLATFORM, workspace, rng.choice(periods), user=user, limit=10)

    out["leaderboard"] = await timed(calls, board)

    heavy = Learner(PLATFORM, "w0", HEAVY_USER)
    session = {"id": (await service.start_session(heavy, mode=Mode.REVIEW, deck_id=DECK)).id}

    async def next_question(i: int) -> None:
        if i % 25 == 0:  # a fresh session now and then, as learners do
            session["id"] = (await service.start_session(heavy, deck_id=DECK)).id
            await service.next_question(session["id"], heavy)
        await service.skip(session["id"], heavy)

    out["next_question"] = await timed(calls, next_question)

    async def stats(_: int) -> None:
        workspace, user = learner_name(rng.randrange(size.learners), size)
        await service.stats(Learner(PLATFORM, workspace, user))

    out["stats"] = await timed(calls, stats)
    out["stats_heavy"] = await timed(max(20, calls // 10), lambda _: service.stats(heavy))

    people = [
        Learner(PLATFORM, *learner_name(i, size)) for i in rng.sample(range(size.learners), 200)
    ]
    open_q: dict[Learner, tuple[str, Question]] = {}

    async def fresh(person: Learner) -> tuple[str, Question]:
        """A review question, or a quiz one when nothing is due and the new cards are done."""
        for mode in (Mode.REVIEW, Mode.QUIZ):
            sid = (await service.start_session(person, mode=mode, deck_id=DECK)).id
            question = await service.next_question(sid, person)
            if isinstance(question, Question):
                return sid, question
        raise AssertionError(f"nothing to ask {person}")

    for person in people:
        open_q[person] = await fresh(person)

    # Only the answer is timed; fetching the next question is measured above.
    async def answer_only(i: int) -> None:
        person = people[i % len(people)]
        sid, question = open_q[person]
        began = time.perf_counter()
        await service.answer(sid, person, question.turn, any_response(question, rng))
        spent.append((time.perf_counter() - began) * 1000)
        nxt = await service.next_question(sid, person)
        open_q[person] = (sid, nxt) if isinstance(nxt, Question) else await fresh(person)

    spent: list[float] = []
    for i in range(calls):
        await answer_only(i)
    out["answer"] = (statistics.median(spent), percentile(spent, 99))
    return out


def startup(questions: Path, db: Path, timeout: float = 60.0) -> tuple[float, float]:
    """(seconds to the first question printed, peak RSS in MB) of `quizbot console`."""
    env = {**os.environ, "QUIZBOT_QUESTIONS": str(questions), "QUIZBOT_DB": str(db)}
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--deck", DECK, "--user", "startup"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    assert proc.stdout is not None
    elapsed = float("nan")
    try:
        while time.perf_counter() - began < timeout:
            line = proc.stdout.readline()
            if not line:
                break
            if "Scale question" in line:
                elapsed = time.perf_counter() - began
                break
        rss = _peak_rss_mb(proc.pid)
    finally:
        proc.kill()
        proc.wait()
    return elapsed, rss


def _peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of a live process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
