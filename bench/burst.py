"""A whole channel answering at once: the real bot against the fake Discord (and Slack).

A daily quiz (and, separately, a competition round) is in a channel of N members; each member
clicks an answer within one second (open loop, moments spread uniformly). Per N: the time from
click to the interaction response (p50, p99, max), how many came after Discord's 3 s deadline
(Slack: the ack after 3 s), the answers recorded, and the bot's CPU time per answer. The bot
is `quizbot run discord|slack` in a subprocess on SQLite; every REST call to the fake takes
`--latency` ms (default 30), as Discord's do from afar.

Targets: none late at 1,000 members; every answer recorded.
Run: python -m bench.burst [--json] [--members 200,1000,3000] [--latency 30] [--quick]
     [--platforms discord,slack] [--scenarios daily,competition]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
from pathlib import Path

from bench._burst import on_discord, on_slack
from bench._burst.figures import DEADLINE_MS

TARGET_LATE_AT = 1000


async def run(args: argparse.Namespace) -> list[dict[str, object]]:
    runs = []
    for platform in args.platforms.split(","):
        driver = {"discord": on_discord, "slack": on_slack}[platform]
        for scenario in args.scenarios.split(","):
            for members in (int(n) for n in args.members.split(",")):
                with tempfile.TemporaryDirectory(prefix="quizbot-burst-") as folder:
                    outcome = await driver.burst(
                        scenario, members, args.latency, args.spread, Path(folder)
                    )
                runs.append(outcome.figures())
                if not args.json:
                    show(runs[-1])
    return runs


def show(r: dict[str, object]) -> None:
    target = " (target 0)" if r["members"] == TARGET_LATE_AT else ""
    print(
        f"{r['platform']:8} {r['scenario']:12} {r['members']:>5} members: "
        f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, max {r['max_ms']} ms; "
        f"late (> {DEADLINE_MS:.0f} ms) {r['late']}{target}; recorded {r['recorded']}/"
        f"{r['members']}; bot CPU {r['cpu_ms_per_answer']} ms/answer"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--members", default="200,1000,3000")
    parser.add_argument("--latency", type=float, default=30.0, help="ms per REST call")
    parser.add_argument("--spread", type=float, default=1.0, help="seconds the clicks span")
    parser.add_argument("--platforms", default="discord,slack")
    parser.add_argument("--scenarios", default="daily,competition")
    parser.add_argument("--quick", action="store_true", help="a smoke test: 5 members each")
    args = parser.parse_args()
    if args.quick:
        args.members = "5"
    logging.basicConfig(level=logging.ERROR)
    runs = asyncio.run(run(args))
    if args.json:
        print(json.dumps({"runs": runs}))


if __name__ == "__main__":
    main()
