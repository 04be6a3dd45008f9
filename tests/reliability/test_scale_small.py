"""`bench/scale.py --small --json` runs end to end and prints the figures CI reads (not timings)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAMES = {
    f"{op}_{q}"
    for op in ("leaderboard", "next_question", "stats", "answer")
    for q in ("p50", "p99")
} | {"startup_s", "rss_mb"}


def test_small_scale_bench_prints_every_figure() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.scale", "--small", "--json", "--calls", "30"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    figures = result["figures"]
    assert {f["name"] for f in figures} == NAMES
    for figure in figures:
        assert set(figure) == {"name", "value", "target", "unit"}
        assert isinstance(figure["value"], int | float) and figure["value"] >= 0
        assert figure["target"] > 0 and figure["unit"] in {"ms", "s", "MB"}
