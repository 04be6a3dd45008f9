"""PostgresRepository on the real server: migrations from the shared numbered list, answers
once under concurrency, failures as StorageError, and the skip-or-fail rule of the suite."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.core.models import Learner, Person
from bot.core.ports import StorageError
from bot.storage.migrate import POSTGRES, SQLITE, load_migrations
from bot.storage.postgres import PostgresRepository
from bot.storage.postgres.migrate import migrate
from tests import backends
from tests.backends import postgres_or_skip, postgres_url
from tests.fakes import answer
from tests.storage.test_sqlite import session

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
ANN = Learner("discord", "g1", "ann")
BOB = Learner("discord", "g1", "bob")


@pytest.fixture
async def url(tmp_path: Path) -> str:
    return await postgres_url(tmp_path)


@pytest.fixture
async def repo(url: str) -> AsyncIterator[PostgresRepository]:
    repo = await PostgresRepository.open(url, pool_size=4)
    yield repo
    await repo.close()


async def raw(url: str, sql: str, *params: object) -> list[asyncpg.Record]:
    """Read through a connection of its own: what another process would see."""
    conn = await asyncpg.connect(url)
    try:
        return list(await conn.fetch(sql, *params))
    finally:
        await conn.close()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- migrations -----------------------------------------------------------------------------


def test_both_dialects_have_the_same_numbered_list() -> None:
    """Every migration exists for SQLite and for PostgreSQL, under the same number and name."""
    sqlite, postgres = load_migrations(SQLITE), load_migrations(POSTGRES)
    assert [m.name for m in postgres] == [m.name for m in sqlite]
    assert all(m.sql.strip() for m in postgres)


async def test_open_applies_every_migration_once(url: str) -> None:
    """A new schema gets every table; opening again (two processes at once) applies nothing."""
    repos = await asyncio.gather(*(PostgresRepository.open(url, pool_size=1) for _ in range(3)))
    for repo in repos:
        await repo.close()
    rows = await raw(url, "SELECT version, name FROM schema_version ORDER BY version")
    assert [(v, n) for v, n in rows] == [(m.version, m.name) for m in load_migrations(POSTGRES)]


async def test_older_database_upgrades_on_open(url: str) -> None:
    """A schema made by an older release (0001 to 0005) is upgraded and keeps its data: card
    states move from the learner to the person, the review log gets its source."""
    conn = await asyncpg.connect(url)
    try:
        assert await migrate(conn, load_migrations(POSTGRES)[:5]) == [1, 2, 3, 4, 5]
        await conn.execute(
            'INSERT INTO learners (id, platform, workspace, "user") VALUES'
            " (1, 'discord', 'g1', 'ann'), (2, 'discord', 'g2', 'ann')"
        )
        for lid, reps in ((1, 1), (2, 3)):
            await conn.execute(
                "INSERT INTO card_states (learner_id, deck_id, card_id, phase, reps, last_review,"
                " first_seen) VALUES ($1, 'd', 'c', 2, $2, $3, $3)",
                lid,
                reps,
                datetime(2025, 1, lid, tzinfo=UTC),
            )
        await conn.execute(
            "INSERT INTO review_log (answer_id, learner_id, deck_id, card_id, format, rating,"
            " correct, points, answered_at) VALUES ('daily:C:2025-01-01:d/c:ann', 1, 'd', 'c',"
            " 'choice', 3, 1, 10, $1)",
            T0,
        )
    finally:
        await conn.close()
    repo = await PostgresRepository.open(url, pool_size=1)
    try:
        state = await repo.load_state(ANN, ("d", "c"))
        assert state is not None and state.reps == 3  # the latest review won the merge
        assert await repo.totals(ANN) == (1, 1)
        found = await repo.find_answer("daily:C:2025-01-01:d/c:ann")
        assert found is not None and str(found.source) == "daily" and found.scheduled == 3
    finally:
        await repo.close()
    versions = await raw(url, "SELECT version FROM schema_version ORDER BY version")
    assert [v for (v,) in versions] == [m.version for m in load_migrations(POSTGRES)]


async def test_newer_database_is_refused(url: str) -> None:
    await (await PostgresRepository.open(url, pool_size=1)).close()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("INSERT INTO schema_version (version, name) VALUES (999, 'future')")
    finally:
        await conn.close()
    with pytest.raises(StorageError, match="newer"):
        await PostgresRepository.open(url, pool_size=1)


async def test_failed_migration_leaves_nothing_behind(url: str) -> None:
    """A migration that fails halfway rolls back: no table, no version recorded."""
    from bot.storage.migrate import Migration

    broken = Migration(1, "0001_broken.sql", "CREATE TABLE t (x INTEGER);\nSELECT * FROM nope;\n")
    conn = await asyncpg.connect(url)
    try:
        with pytest.raises(asyncpg.UndefinedTableError):
            await migrate(conn, [broken])
        assert await conn.fetchval("SELECT to_regclass('t')") is None
        assert await conn.fetchval("SELECT count(*) FROM schema_version") == 0
    finally:
        await conn.close()


# --- answers --------------------------------------------------------------------------------


async def test_recorded_answer_is_there_for_another_connection(
    repo: PostgresRepository, url: str
) -> None:
    """Once record_answer returned, a new connection (another process) sees it committed."""
    record, state = answer(ANN, "i-1", T0)
    assert await repo.record_answer(record, state, None)
    rows = await raw(url, "SELECT answer_id, points FROM review_log")
    assert [tuple(r) for r in rows] == [("i-1", 10)]


async def test_concurrent_answers_all_land_once(repo: PostgresRepository, url: str) -> None:
    """200 concurrent answers on the pool (some redelivered at once) are each stored once,
    and the boards agree with the log."""
    learners = [Learner("discord", "g1", f"u{i % 20}") for i in range(200)]
    calls = [
        repo.record_answer(*answer(who, f"i-{i}", T0, card_id=f"c{i % 7}", points=i), None)
        for i, who in enumerate(learners)
    ]
    redelivered = [
        repo.record_answer(*answer(learners[i], f"i-{i}", T0, card_id=f"c{i % 7}"), None)
        for i in range(0, 200, 10)
    ]
    results = await asyncio.gather(*calls, *redelivered)
    assert sum(results) == 200
    rows = await raw(url, "SELECT count(*), sum(points) FROM review_log")
    assert tuple(rows[0]) == (200, sum(range(200)))
    top, _ = await repo.leaderboard("discord", "g1", "all", None, 50, "u0")
    assert sum(e.points for e in top) == sum(range(200))
    assert sum(r.attempts for r in (await repo.card_records("discord", "g1")).values()) == 200


async def test_one_batch_keeps_the_order_of_answers_to_one_card(repo: PostgresRepository) -> None:
    """Two answers to the same card arriving together (one group commit): both are logged and
    scored, the later state wins, and the card was first seen at the first answer."""
    first, first_state = answer(ANN, "a-1", T0)
    later, later_state = answer(ANN, "a-2", T0 + timedelta(minutes=1), correct=False, points=0)
    results = await asyncio.gather(
        repo.record_answer(first, first_state, None), repo.record_answer(later, later_state, None)
    )
    assert results == [True, True]
    assert await repo.load_state(ANN, ("virt", "c1")) == later_state
    assert await repo.new_cards_since(ANN, T0) == 1
    assert await repo.new_cards_since(ANN, T0 + timedelta(seconds=1)) == 0
    top, _ = await repo.leaderboard("discord", "g1", "all", None, 5, "ann")
    assert [(e.points, e.answers, e.correct) for e in top] == [(10, 2, 1)]
    assert (await repo.card_records("discord", "g1"))[("virt", "c1")].attempts == 2


async def test_a_person_s_answers_past_one_batch_keep_their_order(
    repo: PostgresRepository,
) -> None:
    """300 answers of Ann's to one card (more than one batch holds) with others' answers among
    them, all at once: batches fly two at a time, yet Ann's last answer is her card's state."""
    ann = [answer(ANN, f"o-{i}", T0 + timedelta(minutes=i)) for i in range(300)]
    ann = [(r, replace(st, reps=i + 1)) for i, (r, st) in enumerate(ann)]
    others = [answer(Learner("discord", "g1", f"x{i}"), f"x-{i}", T0) for i in range(300)]
    calls = [
        repo.record_answer(r, st, None) for pair in zip(ann, others, strict=True) for r, st in pair
    ]
    assert all(await asyncio.gather(*calls))
    state = await repo.load_state(ANN, ("virt", "c1"))
    assert state is not None and state.reps == 300


async def test_many_reads_at_once_each_find_their_own_row(repo: PostgresRepository) -> None:
    """Sessions and card states read by many clicks at once (the reads beyond the first few go
    together as one statement) each come back as stored, a missing one as None, and a read
    asked for after a write sees it."""
    people = [Learner("discord", "g1", f"r{i}") for i in range(40)]
    for i, who in enumerate(people):
        await repo.save_session(session(f"rs{i}", who, turn=i))
        if i % 2 == 0:
            await repo.record_answer(*answer(who, f"r-{i}", T0, card_id=f"c{i}", points=i), None)
    sessions = await asyncio.gather(*(repo.load_session(f"rs{i}") for i in range(40)))
    assert [s.turn if s else None for s in sessions] == list(range(40))
    assert [s.learner if s else None for s in sessions] == people
    states = await asyncio.gather(
        *(repo.load_state(who, ("virt", f"c{i}")) for i, who in enumerate(people)),
        *(repo.load_state(who, ("virt", f"c{i + 1}")) for i, who in enumerate(people)),
        repo.load_session("nobody"),
    )
    found = [s is not None for s in states[:80]]
    assert found == [i % 2 == 0 for i in range(40)] + [False] * 40
    assert states[80] is None
    expected = [answer(who, "", T0, card_id=f"c{i}")[1] for i, who in enumerate(people)]
    assert [s for s in states[:40] if s] == expected[::2]
    await repo.save_session(session("rs1", people[1], turn=99))
    again = await asyncio.gather(*(repo.load_session(f"rs{i % 3}") for i in range(30)))
    assert {s.turn for s in again if s and s.id == "rs1"} == {99}


async def test_a_member_forgotten_by_another_process_answers_again(
    repo: PostgresRepository, url: str
) -> None:
    """This process keeps Ann's row ids; another process forgets her (her rows are gone):
    her next answer here is still recorded, once, on new rows."""
    assert await repo.record_answer(*answer(ANN, "f-1", T0), None)
    other = await PostgresRepository.open(url, pool_size=1)
    try:
        await other.people_store().forget(Person("discord", "ann"), "gone")
    finally:
        await other.close()
    assert await repo.record_answer(*answer(ANN, "f-2", T0 + timedelta(minutes=1)), None)
    assert await repo.find_answer("f-2") is not None
    assert await repo.totals(ANN) == (1, 1)  # only the answer after she was forgotten


async def test_a_failing_answer_fails_alone_and_leaves_no_trace(repo: PostgresRepository) -> None:
    """A constraint violation is that caller's StorageError; the others commit."""
    good = [repo.record_answer(*answer(ANN, f"i-{i}", T0, card_id=f"c{i}"), None) for i in range(5)]
    record, state = answer(BOB, "bad", T0)
    bad = repo.record_answer(replace(record, rating=7), state, None)  # type: ignore[arg-type]
    results = await asyncio.gather(*good, bad, return_exceptions=True)
    assert results[:5] == [True] * 5
    assert isinstance(results[5], StorageError)
    assert await repo.find_answer("bad") is None
    assert await repo.load_state(BOB, ("virt", "c1")) is None
    assert await repo.totals(BOB) == (0, 0)


async def test_a_lost_connection_is_a_storage_error_and_the_retry_counts_once(
    repo: PostgresRepository, url: str
) -> None:
    """The server ends the connection of an answer in flight (a restart, a failover): the
    caller gets StorageError (the bot says "could not be recorded"), nothing of it stays, and
    the redelivered answer is then recorded once on a fresh connection."""
    record, state = answer(ANN, "retry-1", T0)
    blocker, watcher = await asyncpg.connect(url), await asyncpg.connect(url)
    try:
        # Another transaction holds the same answer id, so ours waits inside its transaction.
        tx = blocker.transaction()
        await tx.start()
        await blocker.execute(
            "INSERT INTO learners (id, platform, workspace, \"user\") VALUES (999, 'x', 'x', 'x')"
        )
        await blocker.execute(
            "INSERT INTO review_log (answer_id, learner_id, deck_id, card_id, format, rating,"
            " correct, points, answered_at) VALUES ('retry-1', 999, 'd', 'c', 'choice', 3, 1,"
            " 0, now())"
        )
        pending = asyncio.create_task(repo.record_answer(record, state, None))
        pid = None
        for _ in range(500):
            pid = await watcher.fetchval(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND query LIKE '%INSERT INTO review_log%' AND pid != pg_backend_pid()"
            )
            if pid is not None:
                break
            await asyncio.sleep(0.01)
        assert pid is not None, "the answer never waited for the lock"
        await watcher.execute("SELECT pg_terminate_backend($1)", pid)
        with pytest.raises(StorageError):
            await pending
        await tx.rollback()
    finally:
        await blocker.close()
        await watcher.close()
    assert await repo.find_answer("retry-1") is None
    assert await repo.record_answer(record, state, None) is True
    assert await repo.record_answer(record, state, None) is False
    assert await repo.totals(ANN) == (1, 1)


async def test_closed_repository_refuses(repo: PostgresRepository) -> None:
    await repo.close()
    await repo.close()
    with pytest.raises(StorageError, match="closed"):
        await repo.record_answer(*answer(ANN, "late", T0), None)


# --- no server ------------------------------------------------------------------------------


async def test_no_server_is_a_storage_error() -> None:
    """Opening a closed port fails fast with StorageError, the password not in the message."""
    with pytest.raises(StorageError, match="cannot open") as caught:
        await PostgresRepository.open(
            f"postgresql://bot:hunter2@127.0.0.1:{closed_port()}/quizbot", pool_size=1
        )
    assert "hunter2" not in str(caught.value)


async def test_unreachable_server_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without QUIZBOT_REQUIRE_POSTGRES a newcomer's machine skips the postgres cases, and
    says why."""
    monkeypatch.delenv(backends.REQUIRE, raising=False)
    url = f"postgresql://postgres@127.0.0.1:{closed_port()}/test"
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL server at"):
        await postgres_or_skip(url)


async def test_unreachable_server_fails_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    """CI sets QUIZBOT_REQUIRE_POSTGRES=1: the same unreachable server is a failure."""
    monkeypatch.setenv(backends.REQUIRE, "1")
    url = f"postgresql://postgres@127.0.0.1:{closed_port()}/test"
    with pytest.raises(pytest.fail.Exception, match="QUIZBOT_REQUIRE_POSTGRES=1"):
        await postgres_or_skip(url)
