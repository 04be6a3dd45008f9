"""The answer path's capacity and latency on a real SQLite file with synchronous=FULL.

1. Capacity: 500 learners answer back-to-back through `QuizService` (question, answer, next),
   all at once. The same run repeats with the naive design (one transaction per answer, the
   writer taking one at a time, as a bot with `async with lock: commit()` does) for the ratio.
   The naive leg waits for one fsync per answer, so it measures the disk more than the code: on
   one machine it swings from 240 to 1,300 answers/s with other I/O about, and a single pair of
   legs gives a ratio anywhere from 4x to 6x. So the two legs run alternately `--repeats` times
   (each on a fresh file), every leg's figure is reported, and the headline `ratio` is the
   median grouped figure over the median naive one, with the lowest and highest ratio of the
   pairs beside it. The baseline itself is unchanged: the same service, one commit per answer.
2. Latency: open-loop arrivals at 1,000 answers/s spread over the 500 learners for 10 s;
   each arrival is timed from the call to "recorded" (the commit has returned).

With `--database-url postgresql://...` the same runs follow on PostgreSQL, in a schema made for
the run and dropped after it: capacity with group commit (the answers waiting at one moment
written by one statement) and without it (one statement per answer on the pool), alternately
`--repeats` times with the medians reported, and latency with group commit; so both back-ends
are measured in one run on one machine.

Targets (2-core machine, the other core idle): capacity >= 5x the naive baseline and p99 < 20 ms
at 1,000/s, on the embedded SQLite default. The PostgreSQL figures are reported beside them, not
held to the same p99: here the server shares the bench's two cores and disk, and its checkpoint
flushes stall a commit for 30-55 ms two or three times in 10 s, which sets the tail (with
synchronous_commit=off, which we never ship, p99 falls to 10-17 ms).
Run: python -m bench.answer_path [--json] [--repeats 3] [--seconds 10] [--rate 1000]
     [--learners 500]
     [--database-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from bot.app.study import QuizService
from bot.core.library import Library
from bot.core.models import Card, Deck, Format, Learner, Mode, Question, Rating, Response
from bot.core.ports import Repository, SystemClock
from bot.core.scheduler import Scheduler
from bot.storage.postgres import PostgresRepository
from bot.storage.sqlite import SqliteRepository

TARGET_RATIO = 5.0
TARGET_P99_MS = 20.0


def bench_deck(cards: int = 200) -> Deck:
    return Deck(
        "bench",
        "Bench",
        tuple(
            Card("bench", f"c{i}", f"Question {i}?", f"answer number {i}", accept=(f"{i}",))
            for i in range(cards)
        ),
    )


Opener = Callable[[], Awaitable[Repository]]


def sqlite_at(path: Path, max_batch: int | None = None) -> Opener:
    async def opener() -> Repository:
        if max_batch:
            return await SqliteRepository.open(path, max_batch=max_batch)
        return await SqliteRepository.open(path)

    return opener


def postgres_at(url: str, pool_size: int, group_commit: bool = True) -> Opener:
    async def opener() -> Repository:
        return await PostgresRepository.open(url, pool_size=pool_size, group_commit=group_commit)

    return opener


@asynccontextmanager
async def scratch_schema(url: str) -> AsyncIterator[str]:
    """`url` with a schema of its own for this run, dropped afterwards."""
    name = f"quizbot_bench_{os.getpid()}"
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}")
        yield url + ("&" if "?" in url else "?") + f"search_path={name}"
    finally:
        await conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        await conn.close()


async def open_service(open_repo: Opener) -> QuizService:
    repo = await open_repo()
    return QuizService(
        repo,
        Library.of([bench_deck()]),
        clock=SystemClock(),
        scheduler=Scheduler(),
        rng=random.Random(1),
    )


def any_response(question: Question, rng: random.Random) -> Response:
    if question.format is Format.CHOICE:
        return Response(choice=rng.randrange(len(question.options)))
    if question.format is Format.TYPED:
        return Response(text=str(rng.randrange(200)))
    return Response(rating=Rating(rng.randint(1, 4)))


async def next_open(
    service: QuizService, learner: Learner, session_id: str
) -> tuple[str, Question]:
    """The learner's next question, starting a new quiz when the last one is over."""
    step = await service.next_question(session_id, learner)
    while not isinstance(step, Question):
        session_id = (await service.start_session(learner, mode=Mode.QUIZ, limit=25)).id
        step = await service.next_question(session_id, learner)
    return session_id, step


async def capacity(open_repo: Opener, learners: int, answers_each: int) -> float:
    """Answers per second with every learner answering as fast as the bot lets them."""
    service = await open_service(open_repo)
    people = [Learner("bench", "ws", f"u{i}") for i in range(learners)]

    async def study(learner: Learner) -> None:
        rng = random.Random(learner.user)
        session_id = (await service.start_session(learner, mode=Mode.QUIZ, limit=25)).id
        for _ in range(answers_each):
            session_id, question = await next_open(service, learner, session_id)
            await service.answer(session_id, learner, question.turn, any_response(question, rng))

    start = time.perf_counter()
    await asyncio.gather(*(study(p) for p in people))
    elapsed = time.perf_counter() - start
    await service.close()
    return learners * answers_each / elapsed


async def latency(open_repo: Opener, learners: int, rate: float, seconds: float) -> list[float]:
    """Open-loop arrivals: each answer is timed from the call to its committed result."""
    service = await open_service(open_repo)
    people = [Learner("bench", "lat", f"u{i}") for i in range(learners)]
    sessions: dict[Learner, tuple[str, Question]] = {}
    for learner in people:
        session_id = (await service.start_session(learner, mode=Mode.QUIZ, limit=25)).id
        sessions[learner] = await next_open(service, learner, session_id)
    busy: set[Learner] = set()
    timings: list[float] = []
    rng = random.Random(2)

    async def arrive(learner: Learner) -> None:
        session_id, question = sessions[learner]
        began = time.perf_counter()
        await service.answer(session_id, learner, question.turn, any_response(question, rng))
        timings.append((time.perf_counter() - began) * 1000)
        sessions[learner] = await next_open(service, learner, session_id)
        busy.discard(learner)

    tasks: set[asyncio.Task[None]] = set()  # the pending ones: a bot keeps no finished task
    start = time.perf_counter()
    for n in range(int(rate * seconds)):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        free = [p for p in random.sample(people, 8) if p not in busy]
        if not free:
            continue
        busy.add(free[0])
        task = asyncio.create_task(arrive(free[0]))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*list(tasks))
    await service.close()
    return timings


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 10) - 1] if len(values) > 1 else values[0]


async def run(args: argparse.Namespace) -> dict[str, object]:
    grouped: list[float] = []
    naive: list[float] = []
    with tempfile.TemporaryDirectory(prefix="quizbot-bench-") as folder:
        root = Path(folder)
        for n in range(max(1, args.repeats)):  # alternately, so disk noise hits both legs
            grouped.append(
                await capacity(sqlite_at(root / f"group{n}.sqlite3"), args.learners, args.answers)
            )
            naive.append(
                await capacity(
                    sqlite_at(root / f"naive{n}.sqlite3", 1), args.learners, args.answers
                )
            )
        timings = await latency(
            sqlite_at(root / "latency.sqlite3"), args.learners, args.rate, args.seconds
        )
    ratios = [g / b for g, b in zip(grouped, naive, strict=True)]
    result: dict[str, object] = {
        "learners": args.learners,
        "repeats": len(grouped),
        "answers_per_s": round(statistics.median(grouped), 1),
        "baseline_answers_per_s": round(statistics.median(naive), 1),
        "ratio": round(statistics.median(grouped) / statistics.median(naive), 2),
        "ratio_min": round(min(ratios), 2),
        "ratio_max": round(max(ratios), 2),
        "target_ratio": TARGET_RATIO,
        "answers_per_s_runs": [round(v, 1) for v in grouped],
        "baseline_answers_per_s_runs": [round(v, 1) for v in naive],
        "rate": args.rate,
        "answers_timed": len(timings),
        "p50_ms": round(statistics.median(timings), 2),
        "p99_ms": round(percentile(timings, 99), 2),
        "target_p99_ms": TARGET_P99_MS,
    }
    if args.database_url:
        result.update(await run_postgres(args))
    return result


async def run_postgres(args: argparse.Namespace) -> dict[str, object]:
    """The same runs on PostgreSQL, each on a fresh schema: the capacity legs alternately
    `--repeats` times (the server shares the cores with the bench), medians as the figures."""
    done: list[float] = []
    alone: list[float] = []
    for _ in range(max(1, args.repeats)):
        async with scratch_schema(args.database_url) as url:
            done.append(await capacity(postgres_at(url, args.pool), args.learners, args.answers))
        async with scratch_schema(args.database_url) as url:
            alone.append(
                await capacity(postgres_at(url, args.pool, False), args.learners, args.answers)
            )
    async with scratch_schema(args.database_url) as url:
        timings = await latency(postgres_at(url, args.pool), args.learners, args.rate, args.seconds)
    return {
        "postgres_pool": args.pool,
        "postgres_answers_per_s": round(statistics.median(done), 1),
        "postgres_baseline_answers_per_s": round(statistics.median(alone), 1),
        "postgres_answers_per_s_runs": [round(v, 1) for v in done],
        "postgres_baseline_answers_per_s_runs": [round(v, 1) for v in alone],
        "postgres_answers_timed": len(timings),
        "postgres_p50_ms": round(statistics.median(timings), 2),
        "postgres_p99_ms": round(percentile(timings, 99), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--answers", type=int, default=10, help="answers per learner (capacity)")
    parser.add_argument(
        "--repeats", type=int, default=3, help="grouped and naive capacity legs, alternately"
    )
    parser.add_argument("--rate", type=float, default=1000.0, help="arrivals per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--database-url", default="", help="postgresql://...: measure PostgreSQL in the same run"
    )
    parser.add_argument("--pool", type=int, default=10, help="PostgreSQL connections")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result))
        return
    print(f"learners                 {result['learners']}")
    runs = f"median of {result['repeats']}, alternately:"
    grouped = " ".join(f"{v:.0f}" for v in result["answers_per_s_runs"])
    naive = " ".join(f"{v:.0f}" for v in result["baseline_answers_per_s_runs"])
    print(
        f"capacity (group commit)  {result['answers_per_s']:>9.1f} answers/s   ({runs} {grouped})"
    )
    print(
        f"capacity (naive)         {result['baseline_answers_per_s']:>9.1f} answers/s   ({runs} {naive})"
    )
    print(
        f"ratio                    {result['ratio']:>9.2f}x   target >= {TARGET_RATIO}x"
        f"   (pairs {result['ratio_min']}x to {result['ratio_max']}x)"
    )
    print(
        f"latency at {args.rate:.0f}/s       p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms"
        f"   target p99 < {TARGET_P99_MS} ms"
    )
    if args.database_url:
        print(
            f"postgres capacity (group commit)  {result['postgres_answers_per_s']:>9.1f} answers/s"
            f"   ({runs} {' '.join(f'{v:.0f}' for v in result['postgres_answers_per_s_runs'])})"
        )
        print(
            f"postgres capacity (per answer)    {result['postgres_baseline_answers_per_s']:>9.1f}"
            f" answers/s   (one statement per answer, pool of {args.pool})"
        )
        print(
            f"postgres latency at {args.rate:.0f}/s p50 {result['postgres_p50_ms']} ms,"
            f" p99 {result['postgres_p99_ms']} ms   target p99 < {TARGET_P99_MS} ms"
        )


if __name__ == "__main__":
    main()
