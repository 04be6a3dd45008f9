"""Per-run figures: latency percentiles, late answers, the bot's CPU time."""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass

DEADLINE_MS = 3000.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Burst:
    """One burst's raw outcome: a latency per click (None: never answered)."""

    platform: str
    scenario: str
    members: int
    latencies: list[float | None]
    recorded: int
    cpu_s: float
    extra: dict[str, object]

    def figures(self) -> dict[str, object]:
        done = sorted(x for x in self.latencies if x is not None)
        missing = len(self.latencies) - len(done)
        late = sum(1 for x in done if x > DEADLINE_MS) + missing

        def pct(q: float) -> float:
            if not done:
                return 0.0
            if len(done) == 1:
                return round(done[0], 1)
            return round(statistics.quantiles(done, n=100, method="inclusive")[q - 1], 1)

        return {
            "platform": self.platform,
            "scenario": self.scenario,
            "members": self.members,
            "p50_ms": pct(50),
            "p99_ms": pct(99),
            "max_ms": round(done[-1], 1) if done else 0.0,
            "late": late,
            "unanswered": missing,
            "recorded": self.recorded,
            "cpu_ms_per_answer": round(1000 * self.cpu_s / max(1, self.members), 3),
            "target_late": 0,
            "deadline_ms": DEADLINE_MS,
            "target_recorded": self.members,
            **self.extra,
        }
