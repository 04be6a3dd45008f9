"""How long choosing multiple-choice options takes in a large deck (10,000 cards).

It was a wall-clock assertion in tests/core/test_distractors.py; timing belongs here.
Target (2-core machine): p99 under 50 ms a call after the caches are warm, typically ~2 ms.
Run: python -m bench.distractors [--json] [--cards 10000] [--calls 200]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from bot.core.distractors import make_options
from bot.core.models import Card

TARGET_P99_MS = 50.0


def pool(size: int) -> tuple[Card, ...]:
    rng = random.Random(0)
    words = [f"w{i}" for i in range(500)]
    return tuple(
        Card(
            "bench",
            str(i),
            " ".join(rng.sample(words, 8)) + "?",
            " ".join(rng.sample(words, 4)),
            tags=(f"t{i % 20}",),
        )
        for i in range(size)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    cards = pool(args.cards)
    make_options(cards[0], cards, random.Random(0))  # warm the caches
    times = []
    for seed in range(args.calls):
        start = time.perf_counter()
        make_options(cards[seed % len(cards)], cards, random.Random(seed))
        times.append((time.perf_counter() - start) * 1000)
    p99 = statistics.quantiles(times, n=100)[98] if len(times) > 1 else times[0]
    figures = {"cards": args.cards, "calls": args.calls,
               "p50_ms": round(statistics.median(times), 3), "p99_ms": round(p99, 3)}  # fmt: skip
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"{args.cards} cards, {args.calls} calls: p50 {figures['p50_ms']} ms,"
              f" p99 {figures['p99_ms']} ms (target p99 < {TARGET_P99_MS:g} ms)")  # fmt: skip


if __name__ == "__main__":
    main()
