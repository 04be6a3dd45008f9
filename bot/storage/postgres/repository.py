"""PostgresRepository: the `bot.core.ports.Repository` and the feature stores on PostgreSQL.

Several bot processes can share one database: every write is one transaction on a pooled
connection (`Db.write`), nothing the others could change is cached here, and everything that
must happen once is a claim in the database. `QUIZBOT_DATABASE_URL` selects it
(`bot.process.bootstrap.open_repository`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import asyncpg

from bot.core.models import (
    AnswerRecord,
    CardKey,
    CardPhase,
    CardRecord,
    CardState,
    Format,
    Learner,
    Rating,
    Source,
    StudySession,
)
from bot.core.ports import StorageError
from bot.core.reports import DayCount, LeaderboardEntry
from bot.storage.codec import session_from_json
from bot.storage.postgres import _stats
from bot.storage.postgres._batch import Batcher
from bot.storage.postgres._db import FAILURES, Db, PgOp, utc
from bot.storage.postgres._reads import STATE_COLUMNS, session_reads, state_reads
from bot.storage.postgres._stats import PERSON, PLACES, who
from bot.storage.postgres._writes import (
    BOARD_ZONE,
    AdvanceSession,
    RecordAnswer,
    SaveSession,
)
from bot.storage.postgres.chat_decks import ChatDeckStore
from bot.storage.postgres.competitions import CompetitionStore
from bot.storage.postgres.daily import DailyStore
from bot.storage.postgres.fitting import FitStore
from bot.storage.postgres.installs import InstallStore
from bot.storage.postgres.migrate import migrate
from bot.storage.postgres.people import PeopleStore
from bot.storage.postgres.seen import SeenStore

log = logging.getLogger(__name__)

POOL_SIZE = 10


class PostgresRepository:
    """The Repository, the narrow reads of the answer path, and the feature stores."""

    shared = True
    """Other processes write this database: the services keep nothing read in memory."""

    def __init__(self, db: Db, where: str, *, group_commit: bool = True) -> None:
        self.db = db
        self.where = where
        self._batch = Batcher(db) if group_commit else None
        self._sessions = session_reads(db)
        self._states = state_reads(db)

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        schema: str | None = None,
        pool_size: int = POOL_SIZE,
        group_commit: bool = True,
    ) -> PostgresRepository:
        """Connect to `url`, create or upgrade the schema, and keep a pool of connections.

        `group_commit=False` writes each answer as its own statement on the pool: the design
        the benchmark compares.

        `schema` (else the URL's or the server's search_path) holds the tables; tests give each
        test its own. StorageError when the server cannot be reached or the schema not made.
        """
        settings = {"search_path": schema} if schema else {}
        where = _redacted(url) + (f" (schema {schema})" if schema else "")
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=1,
                max_size=pool_size,
                server_settings=settings,
                timeout=10,
                command_timeout=60,
                reset=_keep_session,
            )
        except (*FAILURES, ValueError) as exc:
            raise StorageError(f"cannot open {where}: {exc}") from exc
        db = Db(pool)
        try:
            async with db.connection() as conn:
                await migrate(conn)
        except BaseException:
            await db.close()
            raise
        log.info("opened %s", where)
        return cls(db, where, group_commit=group_commit)

    # --- writes ----------------------------------------------------------------------------

    async def record_answer(
        self, answer: AnswerRecord, state: CardState | None, session: StudySession | None
    ) -> bool:
        if state is not None and state.key != (answer.deck_id, answer.card_id):
            raise ValueError(f"state {state.key} is not the answered card {answer.card_id!r}")
        op = RecordAnswer(answer, state, session)
        if self._batch is None:
            return bool(await self.db.run_atomic(op))
        return bool(await self._batch.submit(op))

    async def save_session(self, session: StudySession) -> None:
        if self._batch is None:
            await self.db.run_atomic(SaveSession(session))
        else:
            await self._batch.submit(SaveSession(session))

    async def advance_session(self, session: StudySession, from_turn: int) -> bool:
        return bool(await self.db.run_atomic(AdvanceSession(session, from_turn)))

    async def write(self, op: PgOp) -> Any:
        """Run `op` in its own transaction; its result once committed."""
        return await self.db.write(op)

    # --- reads -----------------------------------------------------------------------------

    async def load_states(self, learner: Learner) -> dict[CardKey, CardState]:
        rows = await self.db.fetch(
            f"SELECT {STATE_COLUMNS} FROM card_states WHERE person_id = {PERSON}", *who(learner)
        )
        states = (_state(row) for row in rows)
        return {s.key: s for s in states}

    async def load_state(self, learner: Learner, key: CardKey) -> CardState | None:
        row = await self._states.get((learner.platform, learner.user, *key))
        return None if row is None else _state(row)

    async def new_cards_since(self, learner: Learner, since: datetime) -> int:
        row = await self.db.fetchrow(
            f"SELECT count(*) FROM card_states WHERE person_id = {PERSON} AND first_seen >= $3",
            *who(learner),
            utc(since),
        )
        return int(row[0]) if row else 0

    async def card_records(self, platform: str, workspace: str) -> dict[CardKey, CardRecord]:
        rows = await self.db.fetch(
            "SELECT deck_id, card_id, attempts, correct FROM card_records"
            " WHERE platform = $1 AND workspace = $2",
            platform,
            workspace,
        )
        return {(d, c): CardRecord(attempts=n, correct=k) for d, c, n, k in rows}

    async def load_session(self, session_id: str) -> StudySession | None:
        data = await self._sessions.get(session_id)
        return None if data is None else session_from_json(data)

    async def last_session(self, learner: Learner) -> StudySession | None:
        row = await self.db.fetchrow(
            f"SELECT data FROM sessions WHERE learner_id IN {PLACES}"
            " AND answered > 0 ORDER BY seq DESC LIMIT 1",
            *who(learner),
        )
        return None if row is None else session_from_json(row[0])

    async def find_answer(self, answer_id: str) -> AnswerRecord | None:
        row = await self.db.fetchrow(
            'SELECT r.answer_id, l.platform, l.workspace, l."user", r.deck_id, r.card_id,'
            " r.format, r.rating, r.correct, r.points, r.answered_at, r.duration_ms,"
            " r.session_id, r.response, r.source, r.scheduled"
            " FROM review_log r JOIN learners l ON l.id = r.learner_id WHERE r.answer_id = $1",
            answer_id,
        )
        if row is None:
            return None
        aid, platform, workspace, user, deck, card, fmt, rating, correct, *rest = row
        points, at, duration, session_id, response, source, scheduled = rest
        return AnswerRecord(
            answer_id=aid,
            learner=Learner(platform, workspace, user),
            deck_id=deck,
            card_id=card,
            format=Format(fmt),
            rating=Rating(rating),
            correct=bool(correct),
            points=points,
            answered_at=at,
            duration_ms=duration,
            session_id=session_id,
            response=response,
            source=Source(source),
            scheduled=None if scheduled is None else Rating(scheduled),
        )

    async def leaderboard(
        self,
        platform: str,
        workspace: str,
        period_key: str,
        deck_id: str | None,
        limit: int,
        user: str,
    ) -> tuple[list[LeaderboardEntry], LeaderboardEntry | None]:
        board = (platform, workspace, period_key, deck_id or "")
        return await _stats.leaderboard(self.db, board, limit, user)

    async def totals(self, learner: Learner) -> tuple[int, int]:
        row = await self.db.fetchrow(
            "SELECT count(*), coalesce(sum(correct), 0) FROM review_log"
            f" WHERE learner_id IN {PLACES}",
            *who(learner),
        )
        return (0, 0) if row is None else (int(row[0]), int(row[1]))

    async def review_days(
        self, learner: Learner, since: datetime, zone: str | None = None
    ) -> list[DayCount]:
        return await _stats.review_days(self.db, learner, since, zone)

    async def review_day_keys(self, learner: Learner, zone: str | None = None) -> list[str]:
        return await _stats.review_day_keys(self.db, learner, zone)

    async def board_zone(self, platform: str, workspace: str) -> str | None:
        row = await self.db.fetchrow(BOARD_ZONE, platform, workspace)
        return None if row is None else row[0]

    async def person_zone(self, learner: Learner) -> str | None:
        row = await self.db.fetchrow(
            'SELECT timezone FROM people WHERE platform = $1 AND "user" = $2', *who(learner)
        )
        return None if row is None else row[0]

    # --- scale reads: what the next question and the stats need, not every card state ------

    async def due_candidates(
        self, learner: Learner, deck_id: str | None, now: datetime, limit: int
    ) -> list[CardState]:
        """Up to `limit` reviewed cards due at `now`, weakest memory first: whole elapsed days
        over stability, as `SqliteRepository.due_candidates` orders them."""
        scope = " AND deck_id = $5" if deck_id is not None else ""
        rows = await self.db.fetch(
            f"SELECT {STATE_COLUMNS} FROM card_states WHERE person_id = {PERSON}"
            f" AND due <= $3 AND last_review IS NOT NULL{scope}"
            " ORDER BY CASE WHEN phase = 0 OR NOT stability > 0 THEN 1e300 ELSE"
            " greatest(0, trunc(extract(epoch FROM $3 - last_review) / 86400)) / stability"
            " END DESC NULLS LAST, due LIMIT $4",
            *who(learner),
            utc(now),
            limit,
            *((deck_id,) if scope else ()),
        )
        return [_state(row) for row in rows]

    async def reviewed_count(self, learner: Learner, deck_id: str | None) -> int:
        scope = " AND deck_id = $3" if deck_id is not None else ""
        row = await self.db.fetchrow(
            f"SELECT count(*) FROM card_states WHERE person_id = {PERSON}"
            f" AND last_review IS NOT NULL{scope}",
            *who(learner),
            *((deck_id,) if scope else ()),
        )
        return int(row[0]) if row else 0

    async def reviewed_among(self, learner: Learner, keys: list[CardKey]) -> set[CardKey]:
        """Which of `keys` the learner has reviewed, in one query."""
        if not keys:
            return set()
        rows = await self.db.fetch(
            f"SELECT deck_id, card_id FROM card_states WHERE person_id = {PERSON}"
            " AND last_review IS NOT NULL AND (deck_id, card_id) IN"
            " (SELECT * FROM unnest($3::text[], $4::text[]))",
            *who(learner),
            [d for d, _ in keys],
            [c for _, c in keys],
        )
        return {(d, c) for d, c in rows}

    async def deck_counts(
        self, learner: Learner, now: datetime, end_of_day: datetime, week: datetime, mature: float
    ) -> dict[str, tuple[int, int, int, int, int]]:
        """Per deck: (seen, mature, due now, due today, due this week)."""
        rows = await self.db.fetch(
            "SELECT deck_id, count(*), count(*) FILTER (WHERE stability >= $3),"
            " count(*) FILTER (WHERE due <= $4), count(*) FILTER (WHERE due < $5),"
            f" count(*) FILTER (WHERE due < $6) FROM card_states WHERE person_id = {PERSON}"
            " AND due IS NOT NULL GROUP BY deck_id",
            *who(learner),
            mature,
            utc(now),
            utc(end_of_day),
            utc(week),
        )
        return {deck: tuple(int(v) for v in rest) for deck, *rest in rows}  # type: ignore[misc]

    # --- the feature stores (bot/app/ports.py `Stores`) -------------------------------------

    def daily_store(self) -> DailyStore:
        return DailyStore(self.db)

    def competition_store(self) -> CompetitionStore:
        return CompetitionStore(self.db)

    def people_store(self) -> PeopleStore:
        return PeopleStore(self.db)

    def fit_store(self) -> FitStore:
        return FitStore(self.db)

    def chat_deck_store(self) -> ChatDeckStore:
        return ChatDeckStore(self.db)

    def install_store(self) -> InstallStore:
        return InstallStore(self.db)

    def seen_store(self) -> SeenStore:
        return SeenStore(self.db)

    # --- maintenance -----------------------------------------------------------------------

    async def check(self) -> str:
        """ "ok" when the server answers (for a health command)."""
        row = await self.db.fetchrow("SELECT 1")
        return "ok" if row is not None and row[0] == 1 else "no answer"

    async def close(self) -> None:
        """Write what is queued, then close the pool; safe to call twice."""
        if self._batch is not None and not self.db.closed:
            await self._batch.close()
        await self.db.close()


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Nothing to reset when a connection goes back to the pool: no statement here changes
    session state (no SET, LISTEN, cursor or session lock; the migration lock is per
    transaction). asyncpg's default would send `RESET ALL` and more on every release, a round
    trip per read and write."""


def _redacted(url: str) -> str:
    """The URL without its password, for logs and errors."""
    scheme, sep, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    if not at or ":" not in creds:
        return url
    return f"{scheme}{sep}{creds.split(':', 1)[0]}:***@{host}"


def _state(row: Any) -> CardState:
    deck, card, phase, step, stability, difficulty, due, last, reps, lapses, streak = row
    return CardState(
        deck_id=deck,
        card_id=card,
        phase=CardPhase(phase),
        step=step,
        stability=stability,
        difficulty=difficulty,
        due=due,
        last_review=last,
        reps=reps,
        lapses=lapses,
        wrong_streak=streak,
    )
