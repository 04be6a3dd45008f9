"""PeopleStore: forget a person, export what is stored about them, purge a departed workspace.

Every table of the schema is listed in `COVERAGE` with what `forget` and `purge` do to it, and
`tests/storage/test_people_store.py` fails when a table is missing there, so a new table that
holds user ids cannot slip past "forget me". Each action is one write op (one transaction).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.core.competition import Competition
from bot.core.errors import InCompetition
from bot.core.models import PRIVATE, Person
from bot.storage._stats import PERSON, PLACES
from bot.storage._writes import LearnerIds, SqlAccess, Statement
from bot.storage.codec import dt_to_text
from bot.storage.competitions import _ACTIVE, decode, encode

FORGOTTEN_NAME = "(former member)"


class Forget(StrEnum):
    """What forgetting a person does to a table."""

    DELETE = "delete"  # their rows go
    ANONYMISE = "anonymise"  # rows stay for the others; the person's id and name are replaced
    RECOMPUTE = "recompute"  # no ids, but totals include them: their part is subtracted
    NOTHING = "nothing"  # holds nothing about any person


class Purge(StrEnum):
    """What purging a departed workspace does to a table."""

    DELETE = "delete"  # the workspace's rows go
    KEEP = "keep"  # people's own memory, or not about a workspace


@dataclass(frozen=True, slots=True)
class Coverage:
    forget: Forget
    purge: Purge


COVERAGE: dict[str, Coverage] = {
    "schema_version": Coverage(Forget.NOTHING, Purge.KEEP),
    "people": Coverage(Forget.DELETE, Purge.KEEP),
    "learners": Coverage(Forget.DELETE, Purge.KEEP),
    "card_states": Coverage(Forget.DELETE, Purge.KEEP),
    "review_log": Coverage(Forget.DELETE, Purge.KEEP),
    "sessions": Coverage(Forget.DELETE, Purge.KEEP),
    "daily_reminders": Coverage(Forget.DELETE, Purge.KEEP),
    "scores": Coverage(Forget.DELETE, Purge.DELETE),
    "card_records": Coverage(Forget.RECOMPUTE, Purge.DELETE),
    "daily_schedules": Coverage(Forget.ANONYMISE, Purge.DELETE),
    "daily_runs": Coverage(Forget.NOTHING, Purge.DELETE),
    "daily_answers": Coverage(Forget.DELETE, Purge.DELETE),
    "competitions": Coverage(Forget.ANONYMISE, Purge.DELETE),
    "competition_answers": Coverage(Forget.ANONYMISE, Purge.DELETE),
    "competition_scores": Coverage(Forget.DELETE, Purge.DELETE),
    "departures": Coverage(Forget.NOTHING, Purge.DELETE),
    "fsrs_params": Coverage(Forget.NOTHING, Purge.DELETE),  # fitted to the group, no person
    "fsrs_fit_claims": Coverage(Forget.NOTHING, Purge.DELETE),
    # A deck imported in chat belongs to the group: forgetting its importer keeps the deck.
    "chat_decks": Coverage(Forget.ANONYMISE, Purge.DELETE),
    "chat_deck_media": Coverage(Forget.NOTHING, Purge.DELETE),
    "chat_deck_shares": Coverage(Forget.ANONYMISE, Purge.DELETE),
    # The app stays installed when its installer is forgotten; their id and own token go.
    "app_installs": Coverage(Forget.ANONYMISE, Purge.DELETE),
    "oauth_states": Coverage(Forget.NOTHING, Purge.KEEP),  # random values, minutes long
    "seen_events": Coverage(Forget.NOTHING, Purge.DELETE),  # event ids, an hour long
}
"""Every table, and what forget and purge do to it (checked against the schema by a test)."""

_RUNS = "(SELECT id FROM daily_runs WHERE platform = ?)"
_GAMES = "(SELECT id FROM competitions WHERE platform = ?)"


@dataclass(frozen=True, slots=True)
class ForgetPerson:
    """Delete or anonymise every row about `person`; returns the rows touched per table."""

    person: Person
    alias: str

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> dict[str, int]:
        platform, user = self.person.platform, self.person.user
        who = (platform, user)
        if _playing(conn, self.person):
            raise InCompetition()
        done: dict[str, int] = {}

        def run(table: str, sql: str, params: tuple[Any, ...]) -> None:
            done[table] = done.get(table, 0) + conn.execute(sql, params).rowcount

        done["card_records"] = _subtract_card_records(conn, who)
        run("review_log", f"DELETE FROM review_log WHERE learner_id IN {PLACES}", who)
        run("sessions", f"DELETE FROM sessions WHERE learner_id IN {PLACES}", who)
        run("card_states", f"DELETE FROM card_states WHERE person_id = {PERSON}", who)
        run("scores", "DELETE FROM scores WHERE platform = ? AND user = ?", who)
        run(
            "daily_answers",
            f"DELETE FROM daily_answers WHERE user = ? AND run_id IN {_RUNS}",
            (user, platform),
        )
        run("daily_reminders", "DELETE FROM daily_reminders WHERE platform = ? AND user = ?", who)
        run(
            "daily_schedules",
            "UPDATE daily_schedules SET set_by = '' WHERE platform = ? AND set_by = ?",
            who,
        )
        run(
            "competition_answers",
            f"UPDATE competition_answers SET user = ? WHERE user = ? AND competition_id IN {_GAMES}",
            (self.alias, user, platform),
        )
        run(
            "competition_scores",
            "DELETE FROM competition_scores WHERE platform = ? AND user = ?",
            who,
        )
        done["competitions"] = _anonymise_competitions(conn, self.person, self.alias)
        run(
            "chat_decks",
            "UPDATE chat_decks SET imported_by = '' WHERE platform = ? AND imported_by = ?",
            who,
        )
        run(
            "chat_deck_shares",
            "UPDATE chat_deck_shares SET created_by = '' WHERE platform = ? AND created_by = ?",
            who,
        )
        run(
            "app_installs",
            "UPDATE app_installs SET installed_by = '', user_secrets = NULL"
            " WHERE platform = ? AND installed_by = ?",
            who,
        )
        run("learners", "DELETE FROM learners WHERE platform = ? AND user = ?", who)
        run("people", "DELETE FROM people WHERE platform = ? AND user = ?", who)
        ids.forget(self.person)
        return {table: n for table, n in done.items() if n}


def _playing(conn: sqlite3.Connection, person: Person) -> bool:
    """Whether the person is a player in a competition that is still running."""
    rows = conn.execute(
        f"SELECT data FROM competitions WHERE platform = ? AND {_ACTIVE} AND instr(data, ?) > 0",
        (person.platform, json.dumps(person.user)),
    ).fetchall()
    return any(decode(data).player(person.user) is not None for (data,) in rows)


def _subtract_card_records(conn: sqlite3.Connection, who: tuple[str, str]) -> int:
    """Take the person's answers out of each group's record of each card."""
    parts = conn.execute(
        "SELECT l.workspace, r.deck_id, r.card_id, count(*), sum(r.correct)"
        " FROM review_log r JOIN learners l ON l.id = r.learner_id"
        " WHERE l.platform = ? AND l.user = ? AND l.workspace != ?"
        " GROUP BY l.workspace, r.deck_id, r.card_id",
        (*who, PRIVATE),
    ).fetchall()
    platform = who[0]
    conn.executemany(
        "UPDATE card_records SET attempts = max(0, attempts - ?), correct = max(0, correct - ?)"
        " WHERE platform = ? AND workspace = ? AND deck_id = ? AND card_id = ?",
        [(n, k, platform, ws, deck, card) for ws, deck, card, n, k in parts],
    )
    conn.execute("DELETE FROM card_records WHERE platform = ? AND attempts = 0", (platform,))
    return len(parts)


def _anonymise_competitions(conn: sqlite3.Connection, person: Person, alias: str) -> int:
    """Results stay (the others placed where they placed); the person's id and name do not."""
    changed = 0
    rows = conn.execute(
        "SELECT id, data FROM competitions WHERE platform = ? AND instr(data, ?) > 0",
        (person.platform, json.dumps(person.user)),
    ).fetchall()
    for game_id, data in rows:
        before = decode(data)
        after = anonymise(before, person.user, alias)
        if after != before:
            conn.execute("UPDATE competitions SET data = ? WHERE id = ?", (encode(after), game_id))
            changed += 1
    return changed


def anonymise(c: Competition, user: str, alias: str) -> Competition:
    """`c` with `user` replaced by `alias` and their name removed."""
    return replace(
        c,
        starter=alias if c.starter == user else c.starter,
        players=tuple(
            replace(p, user=alias, name=FORGOTTEN_NAME) if p.user == user else p for p in c.players
        ),
        answers=tuple(replace(a, user=alias) if a.user == user else a for a in c.answers),
    )


@dataclass(frozen=True, slots=True)
class PurgeWorkspace:
    """Delete a workspace's group data (every table marked Purge.DELETE); rows per table."""

    platform: str
    workspace: str

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> dict[str, int]:
        ids.zones_changed()  # its daily schedules go
        where = (self.platform, self.workspace)
        runs = "(SELECT id FROM daily_runs WHERE platform = ? AND workspace = ?)"
        games = "(SELECT id FROM competitions WHERE platform = ? AND workspace = ?)"
        statements = {  # children before their parents
            "daily_answers": f"DELETE FROM daily_answers WHERE run_id IN {runs}",
            "competition_answers": f"DELETE FROM competition_answers WHERE competition_id IN {games}",
            "chat_deck_media": "DELETE FROM chat_deck_media WHERE platform = ? AND workspace = ?",
            "chat_deck_shares": "DELETE FROM chat_deck_shares WHERE platform = ? AND workspace = ?",
        }
        for table, cover in COVERAGE.items():
            if cover.purge is Purge.DELETE and table not in statements:
                statements[table] = f"DELETE FROM {table} WHERE platform = ? AND workspace = ?"
        return {table: conn.execute(sql, where).rowcount for table, sql in statements.items()}


class PeopleStore:
    """Forget, export and purge over a SqliteRepository's writer and read connection."""

    def __init__(self, repo: SqlAccess) -> None:
        self.repo = repo

    async def forget(self, person: Person, alias: str) -> dict[str, int]:
        return dict(await self.repo.write(ForgetPerson(person, alias)))

    async def purge_workspace(self, platform: str, workspace: str) -> dict[str, int]:
        return dict(await self.repo.write(PurgeWorkspace(platform, workspace)))

    async def departed(self, platform: str, workspace: str, at: datetime) -> None:
        """Note the bot's removal; a second notice keeps the first time."""
        await self.repo.write(
            Statement(
                "INSERT INTO departures (platform, workspace, left_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (platform, workspace, dt_to_text(at)),
            )
        )

    async def returned(self, platform: str, workspace: str) -> bool:
        """The bot is back: no purge. True when a departure was pending."""
        sql = "DELETE FROM departures WHERE platform = ? AND workspace = ?"
        return bool(await self.repo.write(Statement(sql, (platform, workspace))))

    async def departed_from(self, platform: str) -> set[str]:
        """Every workspace of `platform` with a purge pending."""
        rows = await self.repo.fetch(
            "SELECT workspace FROM departures WHERE platform = ?", (platform,)
        )
        return {w for (w,) in rows}

    async def departed_before(self, cutoff: datetime) -> list[tuple[str, str]]:
        rows = await self.repo.fetch(
            "SELECT platform, workspace FROM departures WHERE left_at <= ?"
            " ORDER BY left_at, platform, workspace",
            (dt_to_text(cutoff),),
        )
        return [(p, w) for p, w in rows]

    async def export(self, person: Person) -> dict[str, Any]:
        """Every row about the person, table by table, as JSON-ready values."""
        who = (person.platform, person.user)
        queries = {
            "profile": (
                "SELECT platform, user, timezone FROM people WHERE platform = ? AND user = ?",
                who,
            ),
            "card_states": (
                "SELECT deck_id, card_id, phase, step, stability, difficulty, due, last_review,"
                " reps, lapses, wrong_streak, first_seen FROM card_states"
                f" WHERE person_id = {PERSON} ORDER BY deck_id, card_id",
                who,
            ),
            "reviews": (
                "SELECT l.workspace, r.answer_id, r.deck_id, r.card_id, r.format, r.rating,"
                " r.correct, r.points, r.answered_at, r.duration_ms, r.session_id, r.response,"
                " r.source, r.scheduled"
                " FROM review_log r JOIN learners l ON l.id = r.learner_id"
                " WHERE l.platform = ? AND l.user = ? ORDER BY r.answered_at, r.id",
                who,
            ),
            "sessions": (
                "SELECT l.workspace, s.id, s.data, s.updated_at, s.ended_at FROM sessions s"
                " JOIN learners l ON l.id = s.learner_id WHERE l.platform = ? AND l.user = ?"
                " ORDER BY s.rowid",
                who,
            ),
            "scores": (
                "SELECT workspace, period_key, deck_id, points, answers, correct FROM scores"
                " WHERE platform = ? AND user = ? ORDER BY workspace, period_key, deck_id",
                who,
            ),
            "reminder": (
                "SELECT workspace, last_reminded FROM daily_reminders WHERE platform = ? AND user = ?",
                who,
            ),
            "daily_answers": (
                "SELECT d.workspace, d.channel, d.local_date, a.question, a.name, a.choice,"
                " a.correct, a.answered_at FROM daily_answers a JOIN daily_runs d ON d.id = a.run_id"
                " WHERE d.platform = ? AND a.user = ? ORDER BY a.answered_at",
                who,
            ),
            "competition_answers": (
                "SELECT c.workspace, c.channel, a.competition_id, a.round, a.option, a.correct,"
                " a.points, a.answered_at FROM competition_answers a"
                " JOIN competitions c ON c.id = a.competition_id"
                " WHERE c.platform = ? AND a.user = ? ORDER BY a.answered_at",
                who,
            ),
            "competition_scores": (
                "SELECT workspace, points, answers, correct, played FROM competition_scores"
                " WHERE platform = ? AND user = ? ORDER BY workspace",
                who,
            ),
            "daily_schedules_set": (
                "SELECT workspace, channel, post_time, timezone, since FROM daily_schedules"
                " WHERE platform = ? AND set_by = ? ORDER BY workspace, channel",
                who,
            ),
            "decks_imported": (
                "SELECT workspace, id, name, source, imported_at, updated_at FROM chat_decks"
                " WHERE platform = ? AND imported_by = ? ORDER BY workspace, id",
                who,
            ),
            "decks_shared": (
                "SELECT workspace, deck_id, created_at FROM chat_deck_shares"
                " WHERE platform = ? AND created_by = ? ORDER BY workspace, deck_id",
                who,
            ),
            "apps_installed": (
                "SELECT enterprise, workspace, installed_at FROM app_installs"
                " WHERE platform = ? AND installed_by = ? ORDER BY enterprise, workspace",
                who,
            ),
        }
        out: dict[str, Any] = {"platform": person.platform, "user": person.user}
        for name, (sql, params) in queries.items():
            cursor_rows = await self.repo.fetch_named(sql, params)
            out[name] = [_decoded(row) for row in cursor_rows]
        return out


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """A session's JSON blob as a nested object, not a string inside a string."""
    if "data" in row and isinstance(row["data"], str):
        return {**row, "data": json.loads(row["data"])}
    return row
