"""SIGKILL at random moments while many learners answer: nothing told "recorded" is lost,
nothing is counted twice, and every maintained figure still agrees with the review log."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.reliability._checks import check_consistent, logged_ids

ROOT = Path(__file__).resolve().parents[2]
KILLS = 20


def start_load(db: Path, log: Path, seed: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability._load", str(db), str(log), str(seed)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "ready", (line, proc.stderr.read() if proc.stderr else "")
    return proc


def kill(proc: subprocess.Popen[str]) -> None:
    assert proc.poll() is None, proc.stderr.read() if proc.stderr else "load process died"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_twenty_kills_lose_and_double_count_nothing(tmp_path: Path) -> None:
    db, log = tmp_path / "crash.sqlite3", tmp_path / "recorded.log"
    rng = random.Random(20)
    for round_ in range(KILLS):
        proc = start_load(db, log, seed=round_)
        time.sleep(rng.uniform(0.2, 0.6))
        kill(proc)
    logged = logged_ids(log)
    reviews = check_consistent(db, logged)
    assert len(logged) > 100, "the load made too little progress to test anything"
    assert reviews >= len(logged)  # a commit may land just before the kill, unlogged


def test_backups_taken_under_load_are_whole(tmp_path: Path) -> None:
    """`quizbot backup` while answers stream in: each copy opens, passes integrity_check and
    is consistent in itself; the live database survives a kill after it."""
    db, log = tmp_path / "live.sqlite3", tmp_path / "recorded.log"
    proc = start_load(db, log, seed=99)
    env = {**os.environ, "QUIZBOT_DB": str(db)}
    try:
        for i in range(3):
            time.sleep(0.15)
            dest = tmp_path / f"backup-{i}.sqlite3"
            done = subprocess.run(
                [sys.executable, "-m", "bot", "backup", str(dest)],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=30,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            check_consistent(dest)
            with sqlite3.connect(dest) as conn:
                assert conn.execute("SELECT count(*) FROM review_log").fetchone()[0] > 0
    finally:
        kill(proc)
    check_consistent(db, logged_ids(log))
