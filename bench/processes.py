"""Several bot processes over one PostgreSQL: answers/s and latency as processes are added.

Each process (a subprocess running this module with `--worker`) opens its own repository on a
schema made for the run, as a bot process owning a slice of the Discord shards would, and
drives its own guilds through `QuizService`: every member answers back to back (question,
answer, next) for `--seconds`. Every answer is timed from the call to "recorded" (committed).
The processes start together; the figures are their sum (answers/s) and the merged latencies.

Goal: near-linear scaling until PostgreSQL's commit rate is the limit (say where the knee is).
Run: python -m bench.processes [--json] [--counts 1,2,4] [--guilds 4] [--members 50]
     [--seconds 10] [--database-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time

import asyncpg

from bench.answer_path import any_response, next_open, open_service, postgres_at, scratch_schema
from bot.core.models import Learner, Mode
from bot.storage.postgres import PostgresRepository

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


async def worker(args: argparse.Namespace) -> dict[str, object]:
    """One process: its guilds' members answer until the shared end; its timings."""
    service = await open_service(postgres_at(args.database_url, args.pool))
    people = [
        Learner("bench", f"p{args.worker}-g{g}", f"u{m}")
        for g in range(args.guilds)
        for m in range(args.members)
    ]
    sessions = {}
    for learner in people:
        session_id = (await service.start_session(learner, mode=Mode.QUIZ, limit=25)).id
        sessions[learner] = await next_open(service, learner, session_id)
    timings: list[float] = []
    await asyncio.sleep(max(0.0, args.start_at - time.time()))
    end = args.start_at + args.seconds

    async def study(learner: Learner) -> None:
        rng = random.Random(learner.user + learner.workspace)
        session_id, question = sessions[learner]
        while time.time() < end:
            began = time.perf_counter()
            await service.answer(session_id, learner, question.turn, any_response(question, rng))
            timings.append((time.perf_counter() - began) * 1000)
            session_id, question = await next_open(service, learner, session_id)

    cpu = time.process_time()
    await asyncio.gather(*(study(p) for p in people))
    cpu = time.process_time() - cpu
    await service.close()
    return {"answers": len(timings), "timings": timings, "cpu_s": cpu}


async def spawn(
    args: argparse.Namespace, url: str, n: int, start_at: float
) -> asyncio.subprocess.Process:
    """Worker `n`: this module with `--worker n`, its JSON figures on stdout."""
    argv = ["--worker", str(n), "--database-url", url, "--pool", str(args.pool),
            "--guilds", str(args.guilds), "--members", str(args.members),
            "--seconds", str(args.seconds), "--start-at", str(start_at)]  # fmt: skip
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.processes", *argv, stdout=asyncio.subprocess.PIPE
    )


async def run_count(args: argparse.Namespace, url: str, count: int) -> dict[str, float]:
    start_at = time.time() + 5 + count  # after every process has opened and warmed up
    server = await postmaster(url)
    server_cpu = server_cpu_seconds(server)
    procs = [await spawn(args, url, n, start_at) for n in range(count)]
    outputs = [json.loads((await p.communicate())[0]) for p in procs]
    await asyncio.sleep(1.0)  # the server reaps the ended backends (their CPU joins its own)
    server_cpu = server_cpu_seconds(server) - server_cpu
    if any(p.returncode for p in procs):
        raise SystemExit("a worker process failed")
    timings = sorted(t for o in outputs for t in o["timings"])
    answers = sum(o["answers"] for o in outputs)
    return {
        "processes": count,
        "answers_per_s": round(answers / args.seconds, 1),
        "p50_ms": round(statistics.median(timings), 2),
        "p99_ms": round(statistics.quantiles(timings, n=100, method="inclusive")[98], 2),
        "learners_per_process": args.guilds * args.members,
        "bot_cpu_ms_per_answer": round(1000 * sum(o["cpu_s"] for o in outputs) / answers, 3),
        "postgres_cpu_ms_per_answer": round(1000 * server_cpu / answers, 3),
        "cores": os.cpu_count() or 0,
    }


async def postmaster(url: str) -> int:
    """The server's main process id when it runs on this machine (0 when it does not)."""
    conn = await asyncpg.connect(url)
    try:
        backend = await conn.fetchval("SELECT pg_backend_pid()")
    finally:
        await conn.close()
    return _parent_of(backend)


def _parent_of(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0


def server_cpu_seconds(pid: int) -> float:
    """CPU the server has used, its ended backends included (reaped children's times)."""
    if not pid:
        return 0.0
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


async def run(args: argparse.Namespace) -> list[dict[str, float]]:
    runs = []
    for count in (int(c) for c in args.counts.split(",")):
        async with scratch_schema(args.database_url) as url:
            repo = await PostgresRepository.open(url, pool_size=1)  # the schema, made once
            await repo.close()
            runs.append(await run_count(args, url, count))
        if not args.json:
            r = runs[-1]
            print(
                f"{r['processes']} process(es): {r['answers_per_s']:>8.1f} answers/s, "
                f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms; CPU per answer: bot "
                f"{r['bot_cpu_ms_per_answer']} ms, PostgreSQL {r['postgres_cpu_ms_per_answer']} ms"
            )
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--counts", default="1,2,4", help="process counts to measure")
    parser.add_argument("--guilds", type=int, default=4, help="guilds per process")
    parser.add_argument("--members", type=int, default=50, help="members answering per guild")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--pool", type=int, default=10, help="connections per process")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--worker", type=int, default=-1, help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker >= 0:
        print(json.dumps(asyncio.run(worker(args))))
        return
    runs = asyncio.run(run(args))
    if args.json:
        print(json.dumps({"runs": runs}))


if __name__ == "__main__":
    main()
