"""The benchmark scripts still run end to end (tiny sizes; the figures are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_json(*args: str, timeout: float = 120) -> dict:
    result = subprocess.run(
        [sys.executable, *args, "--json"], cwd=ROOT, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_answer_path_bench_prints_its_figures():
    """bench/answer_path.py runs and prints every figure the issue names."""
    figures = run_json(
        "-m",
        "bench.answer_path",
        "--learners",
        "20",
        "--answers",
        "3",
        "--rate",
        "100",
        "--seconds",
        "0.5",
        "--repeats",
        "2",
    )
    assert set(figures) >= {
        "learners",
        "answers_per_s",
        "baseline_answers_per_s",
        "ratio",
        "ratio_min",
        "ratio_max",
        "target_ratio",
        "rate",
        "p50_ms",
        "p99_ms",
        "target_p99_ms",
    }
    # Every leg is reported, the grouped and naive ones in pairs.
    assert len(figures["answers_per_s_runs"]) == len(figures["baseline_answers_per_s_runs"]) == 2
    assert figures["ratio_min"] <= figures["ratio_max"]


async def test_answer_path_bench_measures_postgres_in_the_same_run(tmp_path):
    """--database-url adds PostgreSQL's capacity and latency beside SQLite's, and leaves no
    schema behind."""
    from tests.backends import POSTGRES_URL, postgres_or_skip

    await postgres_or_skip()
    figures = run_json(
        "-m", "bench.answer_path", "--learners", "20", "--answers", "3", "--rate", "100",
        "--seconds", "0.5", "--database-url", POSTGRES_URL, "--pool", "2",
    )  # fmt: skip
    assert figures["answers_per_s"] > 0 and figures["postgres_answers_per_s"] > 0
    assert figures["postgres_baseline_answers_per_s"] > 0
    assert figures["postgres_answers_timed"] > 0 and figures["postgres_p99_ms"] > 0


def test_discord_bench_prints_its_figures():
    """bench/discord_e2e.py drives the real client through the fake and reports latency."""
    figures = run_json("bench/discord_e2e.py", "-n", "20")
    assert figures["interactions"] == 20 and figures["p99_ms"] > 0


def test_distractors_bench_prints_its_figures():
    """bench/distractors.py times option choice in a large deck."""
    figures = run_json("-m", "bench.distractors", "--cards", "500", "--calls", "5")
    assert figures["calls"] == 5 and figures["p99_ms"] > 0


def test_burst_bench_prints_a_run_per_platform_and_scenario():
    """bench/burst.py runs the real bot (Discord and Slack) through a tiny burst and every
    click is answered and recorded."""
    runs = run_json("-m", "bench.burst", "--quick", timeout=400)["runs"]
    assert {(r["platform"], r["scenario"]) for r in runs} == {
        (p, s) for p in ("discord", "slack") for s in ("daily", "competition")
    }
    for r in runs:
        assert set(r) >= {"members", "p50_ms", "p99_ms", "max_ms", "late", "recorded"}
        assert r["recorded"] == r["members"], r


async def test_processes_bench_prints_a_run_per_process_count():
    """bench/processes.py runs 1 and 2 worker processes over one PostgreSQL (tiny sizes)."""
    from tests.backends import POSTGRES_URL, postgres_or_skip

    await postgres_or_skip()
    runs = run_json(
        "-m", "bench.processes", "--counts", "1,2", "--guilds", "1", "--members", "3",
        "--seconds", "0.5", "--pool", "2", "--database-url", POSTGRES_URL,
    )["runs"]  # fmt: skip
    assert [r["processes"] for r in runs] == [1, 2]
    assert all(r["answers_per_s"] > 0 and r["p99_ms"] >= r["p50_ms"] > 0 for r in runs)
