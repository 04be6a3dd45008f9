"""The narrow review pick (bot/next_card.py, SQL top-k) chooses what `choose_card` chooses over
every state, for random states, removed cards, a just-asked card and the daily new-card limit."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.study._next_card import ReviewPicker
from bot.core.library import Library
from bot.core.models import Card, CardRecord, Deck, Learner, Mode
from bot.core.scheduler import Scheduler
from bot.core.selection import SelectionConfig, choose_card
from bot.storage.codec import dt_to_text
from bot.storage.sqlite import SqliteRepository

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ME = Learner("t", "w", "me")
SCHEDULER = Scheduler(enable_fuzzing=False)


def _rows(rng: random.Random, keys: list[tuple[str, str]]) -> list[tuple[object, ...]]:
    rows = []
    for deck, card in keys:
        last = NOW - timedelta(days=rng.choice([0, 1, 2, 5, 30]), hours=rng.randrange(24))
        due = last + timedelta(days=rng.choice([0, 1, 3, 10, 60]), hours=rng.randrange(24))
        stability = rng.choice([0.5, 1.0, 2.0, 5.0, 5.0, 20.0])
        rows.append((deck, card, 2, stability, dt_to_text(due), dt_to_text(last), dt_to_text(last)))
    return rows


async def test_narrow_pick_matches_the_full_ranking(tmp_path: Path) -> None:
    rng = random.Random(1)
    for case in range(40):
        repo = await SqliteRepository.open(tmp_path / f"c{case}.sqlite3")
        decks = [
            Deck(d, d, tuple(Card(d, f"c{i}", f"Q{i}?", "A") for i in range(rng.randint(1, 30))))
            for d in ("a", "b")
        ]
        library = Library.of(decks)
        every = [c.key for d in decks for c in d.cards]
        seen = rng.sample(every, rng.randint(0, len(every)))
        removed = [(d, f"gone{i}") for d in ("a", "b") for i in range(rng.randint(0, 3))]
        await repo.write(_Insert(_rows(rng, seen + removed)))
        states = await repo.load_states(ME)
        records = {
            k: CardRecord(rng.randint(0, 9), rng.randint(0, 3)) for k in rng.sample(every, 5)
        }
        for deck_id in (None, "a", "b"):
            cards = library.cards(deck_id)
            for last in (None, *(rng.sample(list(cards), 1)[0].key for _ in range(2))):
                for new_today in (0, 19, 20):
                    config = SelectionConfig(new_per_day=20)
                    want = choose_card(
                        cards, states, records, SCHEDULER, NOW, random.Random(0),
                        new_today=new_today, config=config, last_card=last, mode=Mode.REVIEW,
                    )  # fmt: skip

                    async def today(n: int = new_today) -> int:
                        return n

                    async def recs(r: dict = records) -> dict:
                        return r

                    got = await ReviewPicker(repo).pick(
                        library, ME, deck_id, SCHEDULER, NOW, random.Random(0), config=config,
                        last_card=last, new_today=today, records=recs,
                    )  # fmt: skip
                    assert got is not None
                    assert got[0] == want, (case, deck_id, last, new_today)
        await repo.close()


class _Insert:
    def __init__(self, rows: list[tuple[object, ...]]) -> None:
        self.rows = rows

    def apply(self, conn, ids) -> None:
        lid = ids.get(conn, ME)
        conn.executemany(
            "INSERT INTO card_states (learner_id, deck_id, card_id, phase, stability,"
            " difficulty, due, last_review, reps, first_seen)"
            " VALUES (?, ?, ?, ?, ?, 5.0, ?, ?, 1, ?)",
            [(lid, *row) for row in self.rows],
        )
