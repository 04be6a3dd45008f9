"""`python -m bench.learning [--json] [--plot FILE.png] [--small] ...`: run the learning bench.

Runs the bundled deck and, unless `--larger 0`, a generated deck of `--larger` cards; prints a
table with the target beside it (or one JSON object: the main deck's figures at top level, the
generated deck's under "larger").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from bench.learning.decks import study_deck
from bench.learning.metrics import TARGET_DAY, TARGETS, summarise
from bench.learning.plot import draw
from bench.learning.policies import POLICIES
from bench.learning.simulate import PolicyRun, SimConfig, simulate

SMALL = {"learners": 24, "days": 30, "larger": 0}


def _args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench.learning", description=__doc__)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--plot", type=Path, help="write the retention figure to this PNG")
    ap.add_argument("--learners", type=int, default=200)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--budget", type=int, default=20, help="reviews per learner per day")
    ap.add_argument("--deck", default="bundled", help="bundled, generated:N or a deck file")
    ap.add_argument("--larger", type=int, default=500, help="generated deck size; 0 skips it")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1))
    ap.add_argument("--small", action="store_true", help="24 learners, 30 days, no larger deck")
    args = ap.parse_args(argv)
    if args.small:
        for key, value in SMALL.items():
            setattr(args, key, value)
    return args


def _table(name: str, cards: int, summary: dict) -> str:
    kpr, recall = summary["known_per_review"], summary["mean_recall"]
    days = list(kpr)
    head = f"{'policy':<9}" + "".join(f"{'known/rev ' + d:>17}" for d in days)
    head += "".join(f"{'recall ' + d:>14}" for d in days) + f"{'log loss':>10}{'RMSE':>7}"
    lines = [f"{name} ({cards} cards)", head]
    for policy in kpr[days[0]]:
        row = f"{policy:<9}" + "".join(f"{kpr[d][policy]:>17.4f}" for d in days)
        row += "".join(f"{recall[d][policy]:>14.3f}" for d in days)
        cal = summary["calibration"].get(policy)
        row += f"{cal['log_loss']:>10.3f}{cal['rmse']:>7.3f}" if cal else f"{'-':>10}{'-':>7}"
        lines.append(row)
    target = summary.get("target")
    if target:
        for peer, need in TARGETS.items():
            ratio = target.get(f"quizbot_vs_{peer}")
            if ratio is not None:
                ok = "met" if ratio >= need else "NOT met"
                lines.append(
                    f"  day {TARGET_DAY}: quizbot / {peer} = {ratio:.2f}x (target >= {need}x: {ok})"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    config = SimConfig(learners=args.learners, days=args.days, budget=args.budget, seed=args.seed)
    started = time.perf_counter()
    specs = [args.deck] + ([f"generated:{args.larger}"] if args.larger else [])
    results: list[tuple[str, int, dict[str, PolicyRun], dict]] = []
    for spec in specs:
        deck = study_deck(spec)
        runs = simulate(deck, config, workers=args.workers)
        results.append((deck.name, len(deck.cards), runs, summarise(runs, config.days)))
    seconds = time.perf_counter() - started
    if args.plot:
        draw(
            {f"{name} ({cards} cards)": runs for name, cards, runs, _ in results},
            args.plot,
            f"{config.learners} learners, {config.budget} reviews/day, seed {config.seed}",
        )
    name, cards, _, summary = results[0]
    if args.json:
        out = {
            "deck": name,
            "cards": cards,
            "learners": config.learners,
            "days": config.days,
            "budget": config.budget,
            "seed": config.seed,
            "policies": list(POLICIES),
            **summary,
            "seconds": round(seconds, 1),
        }
        if len(results) > 1:
            lname, lcards, _, lsummary = results[1]
            out["larger"] = {"deck": lname, "cards": lcards, **lsummary}
        json.dump(out, sys.stdout)
        print()
    else:
        print(
            f"{config.learners} learners, {config.days} days, budget {config.budget}/day, "
            f"seed {config.seed}; {seconds:.0f} s"
        )
        for name, cards, _, summary in results:
            print()
            print(_table(name, cards, summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
