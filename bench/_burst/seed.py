"""What the bot finds in its database when it starts: a daily quiz due now, or a round open.

The burst starts from a post already in the channel, so the bench writes the state the bot
would have written (a schedule due a minute ago; a competition whose first round is open with
every member joined) and lets the bot's own start-up post it (the daily loop's first tick,
the competitions' resume).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.ports import stores_of
from bot.core import competition as game
from bot.core.competition import Player, RoundSpec, Rules
from bot.core.daily import Schedule
from bot.storage.sqlite import SqliteRepository

DECK = "burst"
CARDS = 12
ROUND_SECONDS = 60


def write_deck(folder: Path) -> Path:
    """A multiple-choice deck (JSON is YAML) the daily quiz and the round ask from."""
    folder.mkdir(parents=True, exist_ok=True)
    cards = [
        {
            "id": f"c{i}",
            "question": f"Which number is {i} plus one?",
            "answer": str(i + 1),
            "choices": [str(i + 1), str(i + 2), str(i + 3), str(i)],
        }
        for i in range(CARDS)
    ]
    deck = {"deck": {"id": DECK, "name": "Burst"}, "cards": cards}
    (folder / "burst.yaml").write_text(json.dumps(deck))
    return folder


@dataclass(frozen=True)
class Place:
    platform: str
    workspace: str
    channel: str


async def seed_daily(db: Path, where: Place) -> None:
    """A schedule whose post time passed a minute ago: the bot posts it on its first tick."""
    now = datetime.now(UTC)
    at = (now - timedelta(minutes=1)).replace(second=0, microsecond=0).timetz()
    schedule = Schedule(
        platform=where.platform,
        workspace=where.workspace,
        channel=where.channel,
        at=at.replace(tzinfo=None),
        timezone="UTC",
        questions=3,
        since=now - timedelta(days=2),
        deck_id=DECK,
    )
    repo = await SqliteRepository.open(db)
    try:
        await stores_of(repo).daily_store().save_schedule(schedule)
    finally:
        await repo.close()


async def seed_round(db: Path, where: Place, members: list[tuple[str, str]]) -> str:
    """A one-round competition with every member joined and its round open for a minute; the
    bot's resume posts the round. Returns the competition id."""
    now = datetime.now(UTC)
    spec = RoundSpec(DECK, "c0", "Which number is 0 plus one?", ("1", "2", "3", "0"), 0)
    rules = Rules(rounds=1, seconds=ROUND_SECONDS)
    (starter, starter_name), rest = members[0], members[1:]
    c = game.new(
        "b0a7" + now.strftime("%H%M%S"),
        (where.platform, where.workspace, where.channel),
        Player(starter, starter_name),
        rules,
        [spec],
        now,
        DECK,
    )
    players = [*c.players, *(Player(user, name) for user, name in rest)]
    c = game.start(replace(c, players=tuple(players)), starter, now)
    repo = await SqliteRepository.open(db)
    try:
        store = stores_of(repo).competition_store()
        await store.create(c)
        await store.save(c)
    finally:
        await repo.close()
    return c.id


def recorded(db: Path, scenario: str) -> int:
    """Answers the bot committed for the burst (read beside the running bot: WAL)."""
    table = "daily_answers" if scenario == "daily" else "competition_answers"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
