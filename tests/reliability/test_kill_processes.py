"""Kill -9 one of three bot processes under load on one PostgreSQL schema: every answer told
"recorded" is in the database once, the daily quiz the dead process was posting and the
competition whose timer it ran are finished by a survivor, and nothing is posted twice.

The processes run the service layer through a small driver (tests/reliability/_node.py), each
over its own workspaces as a shard slice would give it; leases are a few seconds here (the
setting a deployment leaves at minutes) so the takeover comes within the test.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import asyncpg

from bot.storage.postgres import PostgresRepository
from tests.backends import postgres_url
from tests.reliability._checks import logged_ids

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3
WAIT = 180.0
"""Generous: the machine is loaded; only a stuck survivor takes this long."""


def node(url: str, name: str, role: str, folder: Path, workspaces: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable, "-m", "tests.reliability._node", url, name, role,
            str(folder / "recorded.log"), str(folder / "posts.jsonl"), str(LEASE_SECONDS),
            workspaces,
        ],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def expect(proc: subprocess.Popen[str], line: str) -> None:
    assert proc.stdout is not None
    got = proc.stdout.readline().strip()
    assert got == line, (got, proc.stderr.read() if proc.stderr else "")


def posts(folder: Path) -> list[dict[str, str]]:
    path = folder / "posts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


def wait_for(what: str, done: object, procs: list[subprocess.Popen[str]]) -> None:
    deadline = time.monotonic() + WAIT
    while not done():  # type: ignore[operator]
        for proc in procs:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, f"a survivor never {what}"
        time.sleep(0.2)


async def database(url: str) -> tuple[dict[str, int], list[tuple[str, str]], list[str]]:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        reviews = await conn.fetch("SELECT answer_id, count(*) AS n FROM review_log GROUP BY 1")
        games = await conn.fetch("SELECT id, phase FROM competitions")
        runs = await conn.fetch("SELECT message_refs AS refs FROM daily_runs")
    finally:
        await conn.close()
    return (
        {r["answer_id"]: r["n"] for r in reviews},
        [(g["id"], g["phase"]) for g in games],
        [str(r["refs"]) for r in runs],
    )


async def migrate(url: str) -> None:
    await (await PostgresRepository.open(url, pool_size=1)).close()


def test_kill_one_of_three_processes(tmp_path: Path) -> None:
    url = asyncio.run(postgres_url(tmp_path))
    asyncio.run(migrate(url))  # the schema made once, before three processes race for it
    victim = node(url, "victim", "victim", tmp_path, "w0,w1")
    procs = [victim]
    try:
        expect(victim, "posting")  # the day claimed, its post in flight; round 1 running
        survivors = [
            node(url, "s1", "survivor", tmp_path, "w2,w3"),
            node(url, "s2", "survivor", tmp_path, "w4,w5"),
        ]
        procs += survivors
        for proc in survivors:
            expect(proc, "ready")
        log = tmp_path / "recorded.log"
        wait_for("answered", lambda: len({a.split(":")[0] for a in logged_ids(log)}) >= 12, procs)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        procs.remove(victim)
        before = len(logged_ids(log))
        wait_for("finished the game", lambda: any(p["kind"] == "podium" for p in posts(tmp_path)),
                 procs)  # fmt: skip
        wait_for(
            "posted the daily quiz",
            lambda: any(p["kind"] == "daily" and p["node"] != "victim" for p in posts(tmp_path)),
            procs,
        )
        wait_for("kept answering", lambda: len(logged_ids(log)) > before + 20, procs)
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
    found, games, runs = asyncio.run(database(url))
    logged = logged_ids(tmp_path / "recorded.log")
    assert len(set(logged)) == len(logged), "an answer was reported recorded twice"
    missing = [a for a in logged if a not in found]
    assert not missing, f"{len(missing)} answers told 'recorded' are lost: {missing[:5]}"
    assert all(n == 1 for n in found.values())

    sent = posts(tmp_path)
    keys: dict[str, set[str]] = defaultdict(set)
    for post in sent:
        keys[post["kind"]].add(post["key"])
    # one daily post per day: every attempt carried the same nonce (the platform keeps one)
    assert len(keys["daily"]) == 1
    assert {p["node"] for p in sent if p["kind"] == "daily"} >= {"victim"}
    assert runs and all("daily-" in r for r in runs)  # the survivor saved the post's refs
    # the competition: each round's result posted once, one podium, the game over in the db
    results = Counter(p["key"] for p in sent if p["kind"] == "result")
    assert results and all(n == 1 for n in results.values()), results
    assert len([p for p in sent if p["kind"] == "podium"]) == 1
    assert [phase for _, phase in games] == ["finished"]
    assert any(p["node"] != "victim" for p in sent if p["kind"] in {"result", "podium"})
