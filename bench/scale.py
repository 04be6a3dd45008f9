"""Reads and answers on a large database, and start-up with a 10,000-card deck.

Builds 100,000 learners in 1,000 workspaces with 2,000,000 reviews (and the card states,
scores and group records they imply) straight into SQLite, plus one learner with a state for
every card of a generated 10,000-card deck; then times, through the real `QuizService` and
`SqliteRepository`, many sequential calls each of: leaderboard top 10 with the caller's rank,
the next question for the 10,000-state learner, stats, one answer. Finally `quizbot console`
is started on the deck in a subprocess: time to the first question printed and peak RSS.

Targets (2-core machine): each p50 < 5 ms and p99 < 20 ms; start-up < 2 s; RSS < 150 MB.
Run: python -m bench.scale [--small] [--json] [--calls N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench._scale.generate import DECK, FULL, SMALL, build, deck_yaml
from bench._scale.measure import measure_service, startup
from bot.app.study import QuizService
from bot.core.decks import load_deck
from bot.core.library import Library
from bot.core.ports import SystemClock
from bot.core.scheduler import Scheduler
from bot.storage.sqlite import SqliteRepository

P50_MS, P99_MS, STARTUP_S, RSS_MB = 5.0, 20.0, 2.0, 150.0


async def run_service(
    db: Path, deck_file: Path, size, calls: int
) -> dict[str, tuple[float, float]]:
    repo = await SqliteRepository.open(db)
    service = QuizService(
        repo,
        Library.of([load_deck(deck_file)]),
        clock=SystemClock(),
        scheduler=Scheduler(),
        rng=random.Random(5),
    )
    try:
        return await measure_service(service, size, calls)
    finally:
        await service.close()


def run(args: argparse.Namespace, folder: Path) -> dict:
    size = SMALL if args.small else FULL
    questions = folder / "questions"
    questions.mkdir(exist_ok=True)
    deck_file = questions / f"{DECK}.yaml"
    deck_file.write_text(deck_yaml(size.deck_cards), encoding="utf-8")
    db = folder / "scale.sqlite3"
    began = time.perf_counter()
    if not db.exists():
        build(db, size, datetime.now(UTC))
    generated = time.perf_counter() - began
    calls = args.calls or (100 if args.small else 1000)
    timings = asyncio.run(run_service(db, deck_file, size, calls))
    seconds, rss = startup(questions, folder / "startup.sqlite3")
    figures = []
    for name in ("leaderboard", "next_question", "stats", "answer"):
        p50, p99 = timings[name]
        figures.append(
            {"name": f"{name}_p50", "value": round(p50, 3), "target": P50_MS, "unit": "ms"}
        )
        figures.append(
            {"name": f"{name}_p99", "value": round(p99, 3), "target": P99_MS, "unit": "ms"}
        )
    figures.append(
        {"name": "startup_s", "value": round(seconds, 3), "target": STARTUP_S, "unit": "s"}
    )
    figures.append({"name": "rss_mb", "value": round(rss, 1), "target": RSS_MB, "unit": "MB"})
    heavy50, heavy99 = timings["stats_heavy"]
    return {
        "figures": figures,
        "info": {
            "size": {
                "learners": size.learners,
                "workspaces": size.workspaces,
                "reviews": size.reviews,
                "deck_cards": size.deck_cards,
            },
            "generate_s": round(generated, 1),
            "calls": calls,
            "stats_10000_states_p50_ms": round(heavy50, 3),
            "stats_10000_states_p99_ms": round(heavy99, 3),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="2,000 learners, 40,000 reviews (CI)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--calls", type=int, help="timed calls per operation")
    parser.add_argument("--keep", type=Path, help="build/reuse the database in this folder")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        result = run(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="quizbot-scale-") as folder:
            result = run(args, Path(folder))
    if args.json:
        print(json.dumps(result))
        return
    info = result["info"]
    print(
        f"database: {info['size']} (generated in {info['generate_s']} s), {info['calls']} calls each"
    )
    print(f"{'figure':<20}{'value':>10}  {'target':>8}  met")
    for f in result["figures"]:
        met = "yes" if f["value"] <= f["target"] else "NO"
        print(f"{f['name']:<20}{f['value']:>10.3f}  <={f['target']:>6} {f['unit']:<3} {met}")
    print(
        f"stats for the 10,000-state learner: p50 {info['stats_10000_states_p50_ms']} ms,"
        f" p99 {info['stats_10000_states_p99_ms']} ms"
    )


if __name__ == "__main__":
    main()
