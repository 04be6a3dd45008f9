"""A large database in the schema's own format, written with sqlite3 executemany.

Going through `QuizService` would take hours for 2,000,000 reviews; the rows here are what the
service would have written (review log, card states, maintained scores and card records), so
the reads measured afterwards see realistic table and index sizes. Deterministic for a seed.
"""

from __future__ import annotations

import random
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.core.periods import period_keys
from bot.storage._writer import connect_writer
from bot.storage.codec import dt_to_text

PLATFORM = "bench"
DECK = "scale"
HEAVY_USER = "heavy"
"""The learner with a card state for every card of the 10,000-card deck (workspace w0)."""


@dataclass(frozen=True, slots=True)
class Size:
    learners: int
    workspaces: int
    reviews: int
    deck_cards: int = 10_000

    @property
    def per_learner(self) -> int:
        return max(2, self.reviews // self.learners)


FULL = Size(100_000, 1_000, 2_000_000)
SMALL = Size(2_000, 20, 40_000)


def learner_name(index: int, size: Size) -> tuple[str, str]:
    """(workspace, user) of ordinary learner `index`."""
    return f"w{index % size.workspaces}", f"u{index}"


def deck_yaml(cards: int) -> str:
    """The YAML text of a `cards`-card deck, ids c0..c{n-1}, typeable answers."""
    lines = ["deck:", f"  id: {DECK}", "  name: Scale", "cards:"]
    for i in range(cards):
        lines += [
            f"  - id: c{i}",
            f'    question: "Scale question {i}?"',
            f'    answer: "answer {i}"',
            f'    accept: ["{i}"]',
        ]
    return "\n".join(lines) + "\n"


def build(path: Path, size: Size, now: datetime, seed: int = 7) -> None:
    """Create the database at `path` (migrated schema, then bulk rows)."""
    connect_writer(path).close()  # migrations, WAL
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -200000")
    rng = random.Random(seed)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO learners (id, platform, workspace, user) VALUES (?, ?, ?, ?)",
        ((i + 1, PLATFORM, *learner_name(i, size)) for i in range(size.learners)),
    )
    heavy_id = size.learners + 1
    conn.execute(
        "INSERT INTO learners (id, platform, workspace, user) VALUES (?, ?, 'w0', ?)",
        (heavy_id, PLATFORM, HEAVY_USER),
    )
    # every user id is distinct, so each learner is one person with the same row id
    conn.execute("INSERT INTO people (id, platform, user) SELECT id, platform, user FROM learners")
    scores: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    records: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    states: list[tuple[object, ...]] = []

    def reviews() -> Iterator[tuple[object, ...]]:
        for i in range(size.learners + 1):
            heavy = i == size.learners
            lid = i + 1
            workspace, user = ("w0", HEAVY_USER) if heavy else learner_name(i, size)
            if heavy:
                cards = list(range(size.deck_cards))
                reps = 1
            else:
                cards = rng.sample(range(min(2_000, size.deck_cards)), size.per_learner // 2)
                reps = 2
            days = sorted(rng.sample(range(0, 20), 2), reverse=True)
            for card in cards:
                stability = rng.uniform(0.5, 60.0)
                if heavy:
                    days = [rng.randrange(0, 90)]
                for rep in range(reps):
                    at = now - timedelta(days=days[rep], seconds=rng.randrange(80_000))
                    correct = rng.random() < 0.75
                    points = (10 if correct else 0) + (5 if correct and rng.random() < 0.3 else 0)
                    yield (
                        f"g{lid}:{card}:{rep}", lid, DECK, f"c{card}", "typed",
                        3 if correct else 1, int(correct), points, dt_to_text(at),
                        rng.randrange(1_000, 20_000), f"g{lid}", "x",
                    )  # fmt: skip
                    for key in period_keys(at):
                        for scope in ("", DECK):
                            row = scores[(workspace, key, scope, user)]
                            row[0] += points
                            row[1] += 1
                            row[2] += int(correct)
                    rec = records[(workspace, f"c{card}")]
                    rec[0] += 1
                    rec[1] += int(correct)
                last = at
                due = last + timedelta(days=stability * rng.uniform(0.6, 1.1))
                states.append(
                    (lid, DECK, f"c{card}", 2, None, stability, rng.uniform(2, 8),
                     dt_to_text(due), dt_to_text(last), reps, 0, 0, dt_to_text(last))
                )  # fmt: skip

    conn.executemany(
        "INSERT INTO review_log (answer_id, learner_id, deck_id, card_id, format, rating,"
        " correct, points, answered_at, duration_ms, session_id, response)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        reviews(),
    )
    conn.executemany(
        "INSERT INTO card_states (person_id, deck_id, card_id, phase, step, stability,"
        " difficulty, due, last_review, reps, lapses, wrong_streak, first_seen)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        states,
    )
    conn.executemany(
        "INSERT INTO scores (platform, workspace, period_key, deck_id, user, points, answers,"
        " correct) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ((PLATFORM, w, k, d, u, *v) for (w, k, d, u), v in scores.items()),
    )
    conn.executemany(
        "INSERT INTO card_records (platform, workspace, deck_id, card_id, attempts, correct)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        ((PLATFORM, w, DECK, c, *v) for (w, c), v in records.items()),
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
