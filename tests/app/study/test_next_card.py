"""The narrow review pick (bot/next_card.py, SQL top-k) chooses what `choose_card` chooses over
every state, for random states, removed cards, a just-asked card and the daily new-card limit."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.study._next_card import ReviewPicker
from bot.core.library import Library
from bot.core.models import Card, CardRecord, Deck, Learner, Mode
from bot.core.scheduler import Scheduler
from bot.core.selection import SelectionConfig, choose_card
from tests.backends import SQL_BACKENDS, open_repository
from tests.storage.people_data import raw_of

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ME = Learner("t", "w", "me")
SCHEDULER = Scheduler(enable_fuzzing=False)


def _rows(rng: random.Random, keys: list[tuple[str, str]]) -> list[tuple[object, ...]]:
    rows = []
    for deck, card in keys:
        last = NOW - timedelta(days=rng.choice([0, 1, 2, 5, 30]), hours=rng.randrange(24))
        due = last + timedelta(days=rng.choice([0, 1, 3, 10, 60]), hours=rng.randrange(24))
        stability = rng.choice([0.5, 1.0, 2.0, 5.0, 5.0, 20.0])
        rows.append((deck, card, 2, stability, due, last, last))
    return rows


@pytest.mark.parametrize("kind", SQL_BACKENDS)
async def test_narrow_pick_matches_the_full_ranking(kind: str, tmp_path: Path) -> None:
    """The SQL top-k of each back-end ranks as `choose_card` does."""
    rng = random.Random(1)
    for case in range(40):
        repo = await open_repository(kind, tmp_path / f"c{case}")
        decks = [
            Deck(d, d, tuple(Card(d, f"c{i}", f"Q{i}?", "A") for i in range(rng.randint(1, 30))))
            for d in ("a", "b")
        ]
        library = Library.of(decks)
        every = [c.key for d in decks for c in d.cards]
        seen = rng.sample(every, rng.randint(0, len(every)))
        removed = [(d, f"gone{i}") for d in ("a", "b") for i in range(rng.randint(0, 3))]
        await insert_states(repo, _rows(rng, seen + removed))
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


async def insert_states(repo: object, rows: list[tuple[object, ...]]) -> None:
    """Card states written straight into the database, as a long study history leaves them."""
    raw = raw_of(repo)  # type: ignore[arg-type]
    await raw.script(
        [("INSERT INTO people (platform, user) VALUES (?, ?)", (ME.platform, ME.user))]
        + [
            (
                "INSERT INTO card_states (person_id, deck_id, card_id, phase, stability,"
                " difficulty, due, last_review, reps, first_seen) VALUES ((SELECT id FROM people"
                " WHERE platform = ? AND user = ?), ?, ?, ?, ?, 5.0, ?, ?, 1, ?)",
                (ME.platform, ME.user, deck, card, phase, stability,
                 *(raw.time(t) for t in times)),  # type: ignore[arg-type]
            )
            for deck, card, phase, stability, *times in rows
        ]
    )  # fmt: skip
