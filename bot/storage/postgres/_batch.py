"""Group commit on PostgreSQL: the answers and session saves waiting at one moment are
written by one statement, in one transaction, in one round trip (plus one to find their rows).

Measured with `bench/answer_path.py --database-url`: one statement per answer on a pool of ten
connections reached about 1,100 answers/s on the 2-core machine, too close to the 1,000/s
target for its p99 (hundreds of ms of queueing); batching makes the cost per answer a share of
a round trip. Set-based SQL keeps sequential semantics: a redelivered answer id (in the
database or earlier in the batch) changes nothing, the last state of a card and the last save
of a session win, boards and card records add up every new answer, and rows are upserted in
key order so two batches (two processes) never wait on each other in a circle. When the batch
statement fails (one answer breaks a constraint), each op runs alone, so only that one fails.

The learner and person row ids and the board's time zone are kept per process for a minute
(`IdCache`), so a batch of members already seen is one round trip, not two; a failed batch
forgets them all (a person forgotten by another process breaks a foreign key there), and the
ops then run alone, each finding its ids afresh. A zone changed by `/daily set` reaches the
boards within that minute.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from bot.core.models import Learner
from bot.core.periods import period_keys
from bot.core.ports import StorageError
from bot.storage._writes import Unchanged
from bot.storage.codec import session_to_json
from bot.storage.postgres._db import FAILURES, Db, opt_utc, utc
from bot.storage.postgres._writes import RecordAnswer, SaveSession, learner_ids

log = logging.getLogger(__name__)

MAX_BATCH = 256
FLIGHTS = 2
Person = tuple[str, str]
Op = RecordAnswer | SaveSession
IDS_SECONDS = 60.0
IDS_KEPT = 50_000
Ids = tuple[int, int, str | None]


class IdCache:
    """Learner -> (learner id, person id, board zone), each for `IDS_SECONDS` at most."""

    def __init__(self, seconds: float = IDS_SECONDS, kept: int = IDS_KEPT) -> None:
        self.seconds, self.kept = seconds, kept
        self._ids: dict[Learner, tuple[float, Ids]] = {}

    def get(self, learner: Learner, now: float) -> Ids | None:
        found = self._ids.get(learner)
        return found[1] if found is not None and found[0] > now else None

    def put(self, learner: Learner, ids: Ids, now: float) -> None:
        if len(self._ids) >= self.kept:
            self._ids.clear()
        self._ids[learner] = (now + self.seconds, ids)

    def clear(self) -> None:
        self._ids.clear()


_IDS = (
    "SELECT k.ord, l.id, p.id, (SELECT d.timezone FROM daily_schedules d"
    " WHERE d.platform = k.platform AND d.workspace = k.workspace"
    " ORDER BY d.since, d.channel LIMIT 1)"
    ' FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k (platform, workspace, "user", ord)'
    " LEFT JOIN learners l ON l.platform = k.platform AND l.workspace = k.workspace"
    ' AND l."user" = k."user"'
    ' LEFT JOIN people p ON p.platform = k.platform AND p."user" = k."user"'
)

_WRITE = (
    "WITH a AS (SELECT * FROM unnest($1::int[], $2::text[], $3::int8[], $4::int8[], $5::text[],"
    " $6::text[], $7::text[], $8::int[], $9::int[], $10::int[], $11::timestamptz[], $12::int[],"
    " $13::text[], $14::text[], $15::text[], $16::int[]) AS a (ord, answer_id, learner_id,"
    " person_id, deck_id, card_id, format, rating, correct, points, answered_at, duration_ms,"
    " session_id, response, source, scheduled)),"
    " log AS (INSERT INTO review_log (answer_id, learner_id, deck_id, card_id, format, rating,"
    " correct, points, answered_at, duration_ms, session_id, response, source, scheduled)"
    " SELECT answer_id, learner_id, deck_id, card_id, format, rating, correct, points,"
    " answered_at, duration_ms, session_id, response, source, scheduled FROM a ORDER BY ord"
    " ON CONFLICT (answer_id) DO NOTHING RETURNING answer_id),"
    " new AS (SELECT a.* FROM a JOIN log USING (answer_id)),"
    " s AS (SELECT * FROM unnest($17::int[], $18::int[], $19::int[], $20::float8[],"
    " $21::float8[], $22::timestamptz[], $23::timestamptz[], $24::int[], $25::int[], $26::int[])"
    " AS s (ord, phase, step, stability, difficulty, due, last_review, reps, lapses,"
    " wrong_streak)),"
    " states AS (INSERT INTO card_states (person_id, deck_id, card_id, phase, step, stability,"
    " difficulty, due, last_review, reps, lapses, wrong_streak, first_seen)"
    " SELECT DISTINCT ON (n.person_id, n.deck_id, n.card_id) n.person_id, n.deck_id,"
    " n.card_id, s.phase, s.step, s.stability, s.difficulty, s.due, s.last_review, s.reps,"
    " s.lapses, s.wrong_streak,"
    " min(n.answered_at) OVER (PARTITION BY n.person_id, n.deck_id, n.card_id)"
    " FROM new n JOIN s USING (ord)"
    " ORDER BY n.person_id, n.deck_id, n.card_id, n.ord DESC"
    " ON CONFLICT (person_id, deck_id, card_id) DO UPDATE SET phase = excluded.phase,"
    " step = excluded.step, stability = excluded.stability, difficulty = excluded.difficulty,"
    " due = excluded.due, last_review = excluded.last_review, reps = excluded.reps,"
    " lapses = excluded.lapses, wrong_streak = excluded.wrong_streak),"
    " b AS (SELECT * FROM unnest($27::int[], $28::text[], $29::text[], $30::text[],"
    ' $31::text[], $32::text[]) AS b (ord, platform, workspace, period_key, scope, "user")),'
    ' boards AS (INSERT INTO scores (platform, workspace, period_key, deck_id, "user",'
    " points, answers, correct)"
    ' SELECT b.platform, b.workspace, b.period_key, b.scope, b."user", sum(n.points),'
    " count(*), sum(n.correct) FROM new n JOIN b USING (ord)"
    " GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
    ' ON CONFLICT (platform, workspace, period_key, deck_id, "user") DO UPDATE SET'
    " points = scores.points + excluded.points, answers = scores.answers + excluded.answers,"
    " correct = scores.correct + excluded.correct),"
    " g AS (SELECT * FROM unnest($33::int[], $34::text[], $35::text[])"
    " AS g (ord, platform, workspace)),"
    " records AS (INSERT INTO card_records (platform, workspace, deck_id, card_id, attempts,"
    " correct) SELECT g.platform, g.workspace, n.deck_id, n.card_id, count(*), sum(n.correct)"
    " FROM new n JOIN g USING (ord) GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
    " ON CONFLICT (platform, workspace, deck_id, card_id) DO UPDATE SET"
    " attempts = card_records.attempts + excluded.attempts,"
    " correct = card_records.correct + excluded.correct),"
    " x AS (SELECT * FROM unnest($36::int[], $37::int[], $38::text[], $39::int8[], $40::text[],"
    " $41::int[], $42::timestamptz[]) AS x (ord, answer_ord, id, learner_id, data, answered,"
    " ended_at)),"
    " saved AS (INSERT INTO sessions (id, learner_id, data, answered, updated_at, ended_at)"
    " SELECT DISTINCT ON (x.id) x.id, x.learner_id, x.data, x.answered, now(), x.ended_at"
    " FROM x WHERE x.answer_ord IS NULL OR x.answer_ord IN (SELECT ord FROM new)"
    " ORDER BY x.id, x.ord DESC"
    " ON CONFLICT (id) DO UPDATE SET learner_id = excluded.learner_id, data = excluded.data,"
    " answered = excluded.answered, updated_at = excluded.updated_at,"
    " ended_at = excluded.ended_at)"
    " SELECT ord FROM new"
)


@dataclass(slots=True)
class _Columns:
    """The batch as the statement's arrays, one list per parameter."""

    lists: list[list[Any]]

    @classmethod
    def empty(cls) -> _Columns:
        return cls([[] for _ in range(42)])

    def add(self, first: int, *values: Any) -> None:
        """Append one row to the arrays starting at parameter `first` (1-based)."""
        for offset, value in enumerate(values):
            self.lists[first - 1 + offset].append(value)


async def write_batch(
    conn: asyncpg.Connection, ops: Sequence[Op], cache: IdCache | None = None
) -> list[object]:
    """Every op's result (True/False for answers, None for saves), one statement for all."""
    cache = cache or IdCache(seconds=0.0)
    now = time.monotonic()
    ids: dict[Learner, Ids] = {}
    unknown: list[Learner] = []
    for learner in dict.fromkeys(_learner(op) for op in ops):
        known = cache.get(learner, now)
        if known is None:
            unknown.append(learner)
        else:
            ids[learner] = known
    if unknown:
        found = await conn.fetch(
            _IDS,
            [w.platform for w in unknown],
            [w.workspace for w in unknown],
            [w.user for w in unknown],
        )
        for ord_, lid, pid, zone in found:
            learner = unknown[ord_ - 1]
            if lid is None or pid is None:
                lid, pid, zone = await learner_ids(conn, learner)
            ids[learner] = (lid, pid, zone)
            cache.put(learner, ids[learner], now)

    cols = _Columns.empty()
    first_seen: dict[str, int] = {}
    results: list[object] = [None] * len(ops)
    for index, op in enumerate(ops, start=1):
        if isinstance(op, SaveSession):
            s = op.session
            cols.add(36, index, None, s.id, ids[s.learner][0], session_to_json(s), s.answered,
                     opt_utc(s.ended_at))  # fmt: skip
            continue
        a, st, learner = op.answer, op.state, op.answer.learner
        results[index - 1] = False
        if a.answer_id in first_seen:  # the same delivery twice in one batch: the first counts
            continue
        first_seen[a.answer_id] = index
        lid, pid, zone = ids[learner]
        cols.add(1, index, a.answer_id, lid, pid, a.deck_id, a.card_id, str(a.format),
                 int(a.rating), int(a.correct), a.points, utc(a.answered_at), a.duration_ms,
                 a.session_id, a.response, str(a.source),
                 None if a.scheduled is None else int(a.scheduled))  # fmt: skip
        if st is not None:
            cols.add(17, index, int(st.phase), st.step, st.stability, st.difficulty,
                     opt_utc(st.due), opt_utc(st.last_review), st.reps, st.lapses,
                     st.wrong_streak)  # fmt: skip
        if learner.in_group:
            for key in period_keys(a.answered_at, zone):
                for scope in dict.fromkeys(("", a.deck_id)):
                    cols.add(27, index, learner.platform, learner.workspace, key, scope,
                             learner.user)  # fmt: skip
            cols.add(33, index, learner.platform, learner.workspace)
        if op.session is not None:
            s = op.session
            cols.add(36, index, index, s.id, lid, session_to_json(s), s.answered,
                     opt_utc(s.ended_at))  # fmt: skip
    for row in await conn.fetch(_WRITE, *cols.lists):
        results[row[0] - 1] = True
    return results


def _learner(op: Op) -> Learner:
    return op.session.learner if isinstance(op, SaveSession) else op.answer.learner


def _person(op: Op) -> Person:
    """Whose card states the op writes: one person's writes never fly in two batches."""
    learner = _learner(op)
    return (learner.platform, learner.user)


class Batcher:
    """Queues answers and session saves; one task forms batches of what waits and writes
    them, two at most in flight."""

    def __init__(self, db: Db, max_batch: int = MAX_BATCH) -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: list[tuple[Op, asyncio.Future[Any]]] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._flights: set[asyncio.Task[None]] = set()
        self._busy: set[Person] = set()
        self.ids = IdCache()

    async def submit(self, op: Op) -> Any:
        """The op's result once its batch committed; StorageError when it could not."""
        if self.db.closed:
            raise StorageError("the repository is closed")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((op, future))
        self._idle.clear()
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="quizbot-postgres-batcher")
        return await future

    async def close(self) -> None:
        """Write what is queued, then stop (each batch ends within the command timeout)."""
        if self._task is None:
            return
        if not self._task.done():
            await self._idle.wait()
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        """Up to `FLIGHTS` batches in flight on their own connections, their people apart: a
        batch forms while the one before it commits, so an answer waits for one commit, not
        for one and a half; one person's writes still commit in the order they came."""
        while True:
            if not self._queue and not self._flights:
                self._idle.set()
            await self._wake.wait()
            self._wake.clear()
            while self._queue and len(self._flights) < FLIGHTS:
                batch, people = self._take()
                if not batch:
                    break  # everyone waiting has a write in flight: wait for it to land
                self._flights.add(asyncio.create_task(self._fly(batch, people)))

    def _take(self) -> tuple[list[tuple[Op, asyncio.Future[Any]]], set[Person]]:
        """The next batch, in order, of ops whose person has nothing in flight."""
        batch: list[tuple[Op, asyncio.Future[Any]]] = []
        rest: list[tuple[Op, asyncio.Future[Any]]] = []
        people: set[Person] = set()
        for item in self._queue:
            who = _person(item[0])
            if len(batch) < self.max_batch and who not in self._busy:
                batch.append(item)
                people.add(who)
            else:
                rest.append(item)
        self._queue = rest
        self._busy |= people
        return batch, people

    async def _fly(self, batch: list[tuple[Op, asyncio.Future[Any]]], people: set[Person]) -> None:
        try:
            outcomes = await self._write([op for op, _ in batch])
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # the caller gave up waiting; the write stands
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
        finally:
            self._busy -= people
            self._flights.discard(asyncio.current_task())  # type: ignore[arg-type]
            self._wake.set()

    async def _write(self, ops: list[Op]) -> list[object | BaseException]:
        try:
            async with self.db.connection() as conn:
                try:
                    return list(await write_batch(conn, ops, self.ids))
                except asyncpg.PostgresError as exc:
                    self.ids.clear()  # stale ids (a person forgotten elsewhere) fail here too
                    log.info(
                        "a batch of %d writes failed (%s); writing them one by one", len(ops), exc
                    )
                return [await _alone(conn, op) for op in ops]
        except StorageError as exc:
            return [exc] * len(ops)
        except Exception as exc:  # a bug, not a storage failure: callers still hear of it
            log.exception("postgres batch crashed")
            return [exc] * len(ops)


async def _alone(conn: asyncpg.Connection, op: Op) -> object | BaseException:
    """One op as its own statement, its failure its own."""
    try:
        return await op.apply(conn)
    except Unchanged as unchanged:
        return unchanged.result
    except FAILURES as exc:
        error = StorageError(f"could not write: {exc} (nothing of it was saved)")
        error.__cause__ = exc
        return error
    except Exception as exc:
        return exc
