"""PeopleStore on PostgreSQL: forget a person, export their data, purge a departed workspace.

The tables and what forget and purge do to each are `bot.storage.people.COVERAGE`, one list
for both back-ends (a test checks it against each schema). Each action is one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from bot.core.errors import InCompetition
from bot.core.models import PRIVATE, Person
from bot.storage.codec import dt_to_text
from bot.storage.competitions import _ACTIVE, decode, encode
from bot.storage.people import COVERAGE, Purge, anonymise
from bot.storage.postgres._db import Db, rowcount, utc
from bot.storage.postgres._stats import PERSON, PLACES
from bot.storage.postgres._writes import Statement

_RUNS = "(SELECT id FROM daily_runs WHERE platform = $1)"
_GAMES = "(SELECT id FROM competitions WHERE platform = $1)"


@dataclass(frozen=True, slots=True)
class ForgetPerson:
    """Delete or anonymise every row about `person`; returns the rows touched per table."""

    person: Person
    alias: str

    async def apply(self, conn: asyncpg.Connection) -> dict[str, int]:
        platform, user = self.person.platform, self.person.user
        if await _playing(conn, self.person):
            raise InCompetition()
        done: dict[str, int] = {}

        async def run(table: str, sql: str, *params: Any) -> None:
            done[table] = done.get(table, 0) + rowcount(await conn.execute(sql, *params))

        done["card_records"] = await _subtract_card_records(conn, platform, user)
        await run(
            "review_log", f"DELETE FROM review_log WHERE learner_id IN {PLACES}", platform, user
        )
        await run("sessions", f"DELETE FROM sessions WHERE learner_id IN {PLACES}", platform, user)
        await run(
            "card_states", f"DELETE FROM card_states WHERE person_id = {PERSON}", platform, user
        )
        await run(
            "scores", 'DELETE FROM scores WHERE platform = $1 AND "user" = $2', platform, user
        )
        await run(
            "daily_answers",
            f'DELETE FROM daily_answers WHERE "user" = $2 AND run_id IN {_RUNS}',
            platform,
            user,
        )
        await run(
            "daily_reminders",
            'DELETE FROM daily_reminders WHERE platform = $1 AND "user" = $2',
            platform,
            user,
        )
        await run(
            "daily_schedules",
            "UPDATE daily_schedules SET set_by = '' WHERE platform = $1 AND set_by = $2",
            platform,
            user,
        )
        await run(
            "competition_answers",
            f'UPDATE competition_answers SET "user" = $3 WHERE "user" = $2'
            f" AND competition_id IN {_GAMES}",
            platform,
            user,
            self.alias,
        )
        await run(
            "competition_scores",
            'DELETE FROM competition_scores WHERE platform = $1 AND "user" = $2',
            platform,
            user,
        )
        done["competitions"] = await _anonymise_competitions(conn, self.person, self.alias)
        await run(
            "chat_decks",
            "UPDATE chat_decks SET imported_by = '' WHERE platform = $1 AND imported_by = $2",
            platform,
            user,
        )
        await run(
            "chat_deck_shares",
            "UPDATE chat_deck_shares SET created_by = '' WHERE platform = $1 AND created_by = $2",
            platform,
            user,
        )
        await run(
            "app_installs",
            "UPDATE app_installs SET installed_by = '', user_secrets = NULL"
            " WHERE platform = $1 AND installed_by = $2",
            platform,
            user,
        )
        await run(
            "learners", 'DELETE FROM learners WHERE platform = $1 AND "user" = $2', platform, user
        )
        await run(
            "people", 'DELETE FROM people WHERE platform = $1 AND "user" = $2', platform, user
        )
        return {table: n for table, n in done.items() if n}


async def _playing(conn: asyncpg.Connection, person: Person) -> bool:
    """Whether the person is a player in a competition that is still running."""
    rows = await conn.fetch(
        f"SELECT data FROM competitions WHERE platform = $1 AND {_ACTIVE} AND strpos(data, $2) > 0",
        person.platform,
        json.dumps(person.user),
    )
    return any(decode(row[0]).player(person.user) is not None for row in rows)


async def _subtract_card_records(conn: asyncpg.Connection, platform: str, user: str) -> int:
    """Take the person's answers out of each group's record of each card."""
    parts = await conn.fetch(
        "SELECT l.workspace, r.deck_id, r.card_id, count(*), sum(r.correct)"
        " FROM review_log r JOIN learners l ON l.id = r.learner_id"
        ' WHERE l.platform = $1 AND l."user" = $2 AND l.workspace != $3'
        " GROUP BY l.workspace, r.deck_id, r.card_id ORDER BY 1, 2, 3",
        platform,
        user,
        PRIVATE,
    )
    await conn.executemany(
        "UPDATE card_records SET attempts = greatest(0, attempts - $1),"
        " correct = greatest(0, correct - $2)"
        " WHERE platform = $3 AND workspace = $4 AND deck_id = $5 AND card_id = $6",
        [(n, k, platform, ws, deck, card) for ws, deck, card, n, k in parts],
    )
    await conn.execute("DELETE FROM card_records WHERE platform = $1 AND attempts = 0", platform)
    return len(parts)


async def _anonymise_competitions(conn: asyncpg.Connection, person: Person, alias: str) -> int:
    """Results stay (the others placed where they placed); the person's id and name do not."""
    changed = 0
    rows = await conn.fetch(
        "SELECT id, data FROM competitions WHERE platform = $1 AND strpos(data, $2) > 0",
        person.platform,
        json.dumps(person.user),
    )
    for game_id, data in rows:
        before = decode(data)
        after = anonymise(before, person.user, alias)
        if after != before:
            await conn.execute(
                "UPDATE competitions SET data = $1 WHERE id = $2", encode(after), game_id
            )
            changed += 1
    return changed


@dataclass(frozen=True, slots=True)
class PurgeWorkspace:
    """Delete a workspace's group data (every table marked Purge.DELETE); rows per table."""

    platform: str
    workspace: str

    async def apply(self, conn: asyncpg.Connection) -> dict[str, int]:
        runs = "(SELECT id FROM daily_runs WHERE platform = $1 AND workspace = $2)"
        games = "(SELECT id FROM competitions WHERE platform = $1 AND workspace = $2)"
        statements = {  # children before their parents
            "daily_answers": f"DELETE FROM daily_answers WHERE run_id IN {runs}",
            "competition_answers": f"DELETE FROM competition_answers WHERE competition_id IN {games}",
            "chat_deck_media": "DELETE FROM chat_deck_media WHERE platform = $1 AND workspace = $2",
            "chat_deck_shares": "DELETE FROM chat_deck_shares WHERE platform = $1 AND workspace = $2",
        }
        for table, cover in COVERAGE.items():
            if cover.purge is Purge.DELETE and table not in statements:
                statements[table] = f"DELETE FROM {table} WHERE platform = $1 AND workspace = $2"
        return {
            table: rowcount(await conn.execute(sql, self.platform, self.workspace))
            for table, sql in statements.items()
        }


class PeopleStore:
    """Forget, export and purge on a pool (`bot.app.ports.PeopleStorage`)."""

    def __init__(self, db: Db) -> None:
        self.db = db

    async def forget(self, person: Person, alias: str) -> dict[str, int]:
        return dict(await self.db.write(ForgetPerson(person, alias)))

    async def purge_workspace(self, platform: str, workspace: str) -> dict[str, int]:
        return dict(await self.db.write(PurgeWorkspace(platform, workspace)))

    async def departed(self, platform: str, workspace: str, at: datetime) -> None:
        """Note the bot's removal; a second notice keeps the first time."""
        await self.db.write(
            Statement(
                "INSERT INTO departures (platform, workspace, left_at) VALUES ($1, $2, $3)"
                " ON CONFLICT DO NOTHING",
                (platform, workspace, utc(at)),
            )
        )

    async def returned(self, platform: str, workspace: str) -> bool:
        """The bot is back: no purge. True when a departure was pending."""
        sql = "DELETE FROM departures WHERE platform = $1 AND workspace = $2"
        return bool(await self.db.write(Statement(sql, (platform, workspace))))

    async def departed_from(self, platform: str) -> set[str]:
        rows = await self.db.fetch("SELECT workspace FROM departures WHERE platform = $1", platform)
        return {row[0] for row in rows}

    async def departed_before(self, cutoff: datetime) -> list[tuple[str, str]]:
        rows = await self.db.fetch(
            "SELECT platform, workspace FROM departures WHERE left_at <= $1"
            " ORDER BY left_at, platform, workspace",
            utc(cutoff),
        )
        return [(p, w) for p, w in rows]

    async def export(self, person: Person) -> dict[str, Any]:
        """Every row about the person, table by table, as JSON-ready values (times as the same
        UTC text SQLite stores, so an export reads alike from either back-end)."""
        out: dict[str, Any] = {"platform": person.platform, "user": person.user}
        for name, sql in _EXPORT.items():
            rows = await self.db.fetch(sql, person.platform, person.user)
            out[name] = [_plain(dict(row)) for row in rows]
        return out


_EXPORT = {
    "profile": 'SELECT platform, "user", timezone FROM people WHERE platform = $1 AND "user" = $2',
    "card_states": (
        "SELECT deck_id, card_id, phase, step, stability, difficulty, due, last_review,"
        " reps, lapses, wrong_streak, first_seen FROM card_states"
        f" WHERE person_id = {PERSON} ORDER BY deck_id, card_id"
    ),
    "reviews": (
        "SELECT l.workspace, r.answer_id, r.deck_id, r.card_id, r.format, r.rating,"
        " r.correct, r.points, r.answered_at, r.duration_ms, r.session_id, r.response,"
        " r.source, r.scheduled FROM review_log r JOIN learners l ON l.id = r.learner_id"
        ' WHERE l.platform = $1 AND l."user" = $2 ORDER BY r.answered_at, r.id'
    ),
    "sessions": (
        "SELECT l.workspace, s.id, s.data, s.updated_at, s.ended_at FROM sessions s"
        ' JOIN learners l ON l.id = s.learner_id WHERE l.platform = $1 AND l."user" = $2'
        " ORDER BY s.seq"
    ),
    "scores": (
        "SELECT workspace, period_key, deck_id, points, answers, correct FROM scores"
        ' WHERE platform = $1 AND "user" = $2 ORDER BY workspace, period_key, deck_id'
    ),
    "reminder": (
        'SELECT workspace, last_reminded FROM daily_reminders WHERE platform = $1 AND "user" = $2'
    ),
    "daily_answers": (
        "SELECT d.workspace, d.channel, d.local_date, a.question, a.name, a.choice,"
        " a.correct, a.answered_at FROM daily_answers a JOIN daily_runs d ON d.id = a.run_id"
        ' WHERE d.platform = $1 AND a."user" = $2 ORDER BY a.answered_at'
    ),
    "competition_answers": (
        "SELECT c.workspace, c.channel, a.competition_id, a.round, a.option, a.correct,"
        " a.points, a.answered_at FROM competition_answers a"
        " JOIN competitions c ON c.id = a.competition_id"
        ' WHERE c.platform = $1 AND a."user" = $2 ORDER BY a.answered_at'
    ),
    "competition_scores": (
        "SELECT workspace, points, answers, correct, played FROM competition_scores"
        ' WHERE platform = $1 AND "user" = $2 ORDER BY workspace'
    ),
    "daily_schedules_set": (
        "SELECT workspace, channel, post_time, timezone, since FROM daily_schedules"
        " WHERE platform = $1 AND set_by = $2 ORDER BY workspace, channel"
    ),
    "decks_imported": (
        "SELECT workspace, id, name, source, imported_at, updated_at FROM chat_decks"
        " WHERE platform = $1 AND imported_by = $2 ORDER BY workspace, id"
    ),
    "decks_shared": (
        "SELECT workspace, deck_id, created_at FROM chat_deck_shares"
        " WHERE platform = $1 AND created_by = $2 ORDER BY workspace, deck_id"
    ),
    "apps_installed": (
        "SELECT enterprise, workspace, installed_at FROM app_installs"
        " WHERE platform = $1 AND installed_by = $2 ORDER BY enterprise, workspace"
    ),
}


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """Times as UTC text, days as YYYY-MM-DD, a session's JSON blob as a nested object."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, datetime):
            value = dt_to_text(value)
        elif isinstance(value, date):
            value = value.isoformat()
        elif key == "data" and isinstance(value, str):
            value = json.loads(value)
        out[key] = value
    return out
