"""SqliteRepository: durability, group commit, idempotent answers, leaderboards, failures."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core.models import AskedCard, Format, Learner, Mode, Source, StudySession
from bot.core.ports import StorageError
from bot.storage.sqlite import SqliteRepository
from tests.fakes import answer

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)  # a Monday
ANN = Learner("discord", "g1", "ann")
BOB = Learner("discord", "g1", "bob")


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[SqliteRepository]:
    repo = await SqliteRepository.open(tmp_path / "data" / "quiz.sqlite3")
    yield repo
    await repo.close()


def raw(repo: SqliteRepository, sql: str) -> list[Any]:
    """Read through a fresh connection: what another process would see on disk."""
    with sqlite3.connect(repo.path) as conn:
        return conn.execute(sql).fetchall()


def session(sid: str = "s1", learner: Learner = ANN, **changes: Any) -> StudySession:
    base = StudySession(
        id=sid,
        learner=learner,
        mode=Mode.QUIZ,
        deck_id="virt",
        started_at=T0,
        limit=10,
        turn=3,
        answered=2,
        correct=1,
        points=15,
        current=AskedCard("virt", "c3", Format.CHOICE, ("a", "b", "c"), 2, T0),
        last_card=("virt", "c2"),
        missed=(("virt", "c1"),),
    )
    return replace(base, **changes)


async def test_open_sets_wal_and_creates_the_folder(repo: SqliteRepository) -> None:
    """The parent folder is created and the file is in WAL mode for concurrent reads."""
    assert repo.path.exists()
    assert raw(repo, "PRAGMA journal_mode") == [("wal",)]
    assert await repo.check() == "ok"


async def test_recorded_answer_is_on_disk_after_reopen(tmp_path: Path) -> None:
    """What record_answer confirmed is there after the process reopens the file."""
    path = tmp_path / "quiz.sqlite3"
    repo = await SqliteRepository.open(path)
    record, state = answer(ANN, "i-1", T0)
    assert await repo.record_answer(record, state, session())
    await repo.close()
    repo = await SqliteRepository.open(path)
    try:
        assert await repo.find_answer("i-1") == record
        assert await repo.load_state(ANN, ("virt", "c1")) == state
        assert await repo.load_states(ANN) == {("virt", "c1"): state}
        assert await repo.totals(ANN) == (1, 1)
        assert await repo.load_session("s1") == session()
    finally:
        await repo.close()


async def test_duplicate_answer_id_counts_once_and_changes_nothing(repo: SqliteRepository) -> None:
    """A redelivered interaction returns False and leaves state, scores and log untouched."""
    record, state = answer(ANN, "i-1", T0)
    assert await repo.record_answer(record, state, None) is True
    again, other_state = answer(ANN, "i-1", T0 + timedelta(hours=1), points=99, correct=False)
    assert await repo.record_answer(again, other_state, session()) is False
    assert await repo.load_state(ANN, ("virt", "c1")) == state
    assert await repo.totals(ANN) == (1, 1)
    assert await repo.load_session("s1") is None
    assert (await repo.card_records("discord", "g1"))[("virt", "c1")].attempts == 1
    assert raw(repo, "SELECT count(*) FROM review_log") == [(1,)]


async def test_concurrent_answers_all_land_once(repo: SqliteRepository) -> None:
    """200 concurrent answers (some redelivered) are each stored exactly once, scores agree."""
    learners = [Learner("discord", "g1", f"u{i % 20}") for i in range(200)]
    calls = [
        repo.record_answer(*answer(who, f"i-{i}", T0, card_id=f"c{i}", points=i), None)
        for i, who in enumerate(learners)
    ]
    redelivered = [
        repo.record_answer(*answer(learners[i], f"i-{i}", T0, card_id=f"c{i}"), None)
        for i in range(0, 200, 10)
    ]
    results = await asyncio.gather(*calls, *redelivered)
    assert sum(results) == 200
    assert raw(repo, "SELECT count(*), sum(points) FROM review_log") == [(200, sum(range(200)))]
    top, _ = await repo.leaderboard("discord", "g1", "all", None, 50, "u0")
    assert sum(e.points for e in top) == sum(range(200))
    assert sum(e.answers for e in top) == 200
    assert await repo.totals(learners[3]) == (10, 10)


async def test_one_failing_answer_does_not_poison_its_batch(repo: SqliteRepository) -> None:
    """A constraint violation fails only its own caller; the batch around it commits."""
    good = [repo.record_answer(*answer(ANN, f"i-{i}", T0, card_id=f"c{i}"), None) for i in range(9)]
    bad_record, bad_state = answer(BOB, "bad", T0)
    bad = repo.record_answer(replace(bad_record, rating=7), bad_state, None)  # CHECK fails
    results = await asyncio.gather(*good[:4], bad, *good[4:], return_exceptions=True)
    assert isinstance(results[4], StorageError)
    assert [r for i, r in enumerate(results) if i != 4] == [True] * 9
    assert await repo.find_answer("bad") is None
    assert await repo.totals(BOB) == (0, 0)
    assert raw(repo, "SELECT count(*) FROM learners WHERE user = 'bob'") == [(0,)]
    assert await repo.totals(ANN) == (9, 9)


async def test_leaderboard_ranks_per_period_and_deck(repo: SqliteRepository) -> None:
    """Ranks order by points, then correct answers, then user id; the caller gets their rank."""
    next_week = T0 + timedelta(days=7)
    script = [
        (ANN, T0, "virt", 10, True),
        (ANN, T0, "virt", 5, True),
        (BOB, T0, "net", 15, True),
        (Learner("discord", "g1", "cat"), T0, "virt", 15, False),
        (Learner("discord", "g1", "dan"), next_week, "virt", 40, True),
        (Learner("discord", "g2", "eve"), T0, "virt", 99, True),  # another guild
    ]
    for i, (who, at, deck, points, correct) in enumerate(script):
        record, state = answer(who, f"i-{i}", at, deck_id=deck, card_id="c", points=points,
                               correct=correct)  # fmt: skip
        assert await repo.record_answer(record, state, None)

    def board(rows: list[Any]) -> list[tuple[int, str, int]]:
        return [(e.rank, e.user, e.points) for e in rows]

    top, me = await repo.leaderboard("discord", "g1", "all", None, 10, "cat")
    assert board(top) == [(1, "dan", 40), (2, "ann", 15), (3, "bob", 15), (4, "cat", 15)]
    assert me is not None and (me.rank, me.answers, me.correct) == (4, 1, 0)
    top, me = await repo.leaderboard("discord", "g1", "all", None, 2, "cat")
    assert board(top) == [(1, "dan", 40), (2, "ann", 15)] and me is not None and me.rank == 4
    top, _ = await repo.leaderboard("discord", "g1", "week:2025-W02", None, 10, "ann")
    assert board(top) == [(1, "ann", 15), (2, "bob", 15), (3, "cat", 15)]
    top, me = await repo.leaderboard("discord", "g1", "day:2025-01-13", "virt", 10, "ann")
    assert board(top) == [(1, "dan", 40)] and me is None
    top, me = await repo.leaderboard("discord", "g1", "all", "net", 10, "bob")
    assert board(top) == [(1, "bob", 15)] and me == top[0]


async def test_session_round_trips_exactly(repo: SqliteRepository) -> None:
    """Enums, tuples, the asked card and aware datetimes come back equal."""
    paris = ZoneInfo("Europe/Paris")
    saved = session(started_at=datetime(2025, 3, 30, 3, 30, tzinfo=paris))
    await repo.save_session(saved)
    assert await repo.load_session("s1") == saved
    done = replace(saved, current=None, ended_at=T0 + timedelta(hours=1))
    await repo.save_session(done)
    assert await repo.load_session("s1") == done
    assert await repo.load_session("nope") is None


async def test_last_session_is_the_latest_started_one_with_answers(repo: SqliteRepository) -> None:
    """A session left open counts (people rarely press Stop); one without answers does not."""
    await repo.save_session(session("a", ended_at=T0))
    await repo.save_session(session("b"))
    await repo.save_session(session("c", ended_at=T0 + timedelta(hours=3), answered=0))
    await repo.save_session(replace(session("a"), ended_at=T0 + timedelta(hours=4)))
    last = await repo.last_session(ANN)
    assert last is not None and last.id == "b"
    assert await repo.last_session(BOB) is None


async def test_history_queries(repo: SqliteRepository) -> None:
    """review_days, review_day_keys, new_cards_since and card_records read what was written."""
    for i, (days, card, correct) in enumerate([(0, "c1", True), (0, "c2", False), (2, "c1", True)]):
        at = T0 + timedelta(days=days)
        assert await repo.record_answer(*answer(ANN, f"i-{i}", at, card_id=card, correct=correct),
                                        None)  # fmt: skip
    days = await repo.review_days(ANN, T0 - timedelta(days=30))
    assert [(d.day, d.reviews, d.correct) for d in days] == [
        ("2025-01-06", 2, 1),
        ("2025-01-08", 1, 1),
    ]
    assert await repo.review_days(ANN, T0 + timedelta(days=1)) == days[1:]
    assert await repo.review_day_keys(ANN) == ["2025-01-08", "2025-01-06"]
    assert await repo.new_cards_since(ANN, T0) == 2
    assert await repo.new_cards_since(ANN, T0 + timedelta(days=1)) == 0
    records = await repo.card_records("discord", "g1")
    assert (records[("virt", "c1")].attempts, records[("virt", "c1")].correct) == (2, 2)
    assert await repo.card_records("slack", "g1") == {}


class FailingCommit:
    """A write connection whose COMMIT fails, as on a full or read-only disk."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql == "COMMIT":
            raise sqlite3.OperationalError("database or disk is full")
        return self.conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


async def test_failed_commit_reaches_every_caller_and_reads_go_on(
    repo: SqliteRepository,
) -> None:
    """When COMMIT fails, each waiting caller gets StorageError, nothing is half-written."""
    assert await repo.record_answer(*answer(ANN, "before", T0), None)
    real = repo._writer.conn
    repo._writer.conn = FailingCommit(real)  # type: ignore[assignment]
    calls = [repo.record_answer(*answer(BOB, f"i-{i}", T0), None) for i in range(5)]
    results = await asyncio.gather(*calls, repo.save_session(session()), return_exceptions=True)
    assert all(isinstance(r, StorageError) for r in results), results
    assert "disk is full" in str(results[0])
    assert await repo.totals(ANN) == (1, 1)
    assert await repo.totals(BOB) == (0, 0)
    assert await repo.load_session("s1") is None
    repo._writer.conn = real
    assert await repo.record_answer(*answer(BOB, "i-0", T0), None) is True
    assert await repo.totals(BOB) == (1, 1)


async def test_full_disk_gives_storage_error_and_recovers(repo: SqliteRepository) -> None:
    """A database that cannot grow (max_page_count) fails writes cleanly, reads keep working."""
    assert await repo.record_answer(*answer(ANN, "before", T0), None)
    pages = await repo._writer.call(lambda c: c.execute("PRAGMA page_count").fetchone()[0])
    await repo._writer.call(lambda c: c.execute(f"PRAGMA max_page_count = {pages}"))
    big = [
        repo.record_answer(replace(r, response="x" * 50_000), s, None)
        for r, s in (answer(BOB, f"i-{i}", T0, card_id=f"c{i}") for i in range(5))
    ]
    results = await asyncio.gather(*big, return_exceptions=True)
    assert all(isinstance(r, StorageError) for r in results), results
    assert await repo.totals(ANN) == (1, 1)
    assert await repo.totals(BOB) == (0, 0)
    await repo._writer.call(lambda c: c.execute("PRAGMA max_page_count = 1073741823"))
    assert await repo.record_answer(*answer(BOB, "after", T0), None) is True


async def test_backup_during_writes_is_consistent(repo: SqliteRepository, tmp_path: Path) -> None:
    """An online backup taken while answers keep streaming in holds a consistent, non-empty
    prefix of them: every answer committed before it started, none half-written, and writes
    go on after it."""
    written = 0
    stop, progress = asyncio.Event(), asyncio.Event()

    async def stream() -> None:
        nonlocal written
        while not stop.is_set():
            await repo.record_answer(*answer(ANN, f"i-{written}", T0, card_id=f"c{written}"), None)
            written += 1
            progress.set()

    async def reach(count: int) -> None:
        while written < count:
            progress.clear()
            await progress.wait()

    writer = asyncio.create_task(stream())
    await reach(50)
    before = written
    dest = tmp_path / "backups" / "quiz.sqlite3"
    await repo.backup(dest)
    after = written
    await reach(after + 5)  # the stream outlives the backup
    stop.set()
    await writer
    with sqlite3.connect(dest) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        ids = [r[0] for r in conn.execute("SELECT answer_id FROM review_log ORDER BY id")]
        scored = conn.execute(
            "SELECT answers FROM scores WHERE period_key = 'all' AND deck_id = ''"
        ).fetchall()
    assert before <= len(ids) <= after + 1 < written  # +1: a commit not yet seen by stream()
    assert ids == [f"i-{i}" for i in range(len(ids))]  # a prefix, in order, no gaps
    assert scored == [(len(ids),)]  # scores from the same transactions as the log
    assert not dest.with_name(dest.name + ".tmp").exists()


async def test_close_commits_queued_writes_and_is_idempotent(tmp_path: Path) -> None:
    """close() drains the queue before closing; a second close is a no-op; later use fails."""
    path = tmp_path / "quiz.sqlite3"
    repo = await SqliteRepository.open(path)
    pending = [
        asyncio.create_task(repo.record_answer(*answer(ANN, f"i-{i}", T0), None)) for i in range(20)
    ]
    await asyncio.sleep(0)
    await repo.close()
    await repo.close()
    assert all(task.result() is True for task in pending)
    with pytest.raises(StorageError):
        await repo.totals(ANN)
    with pytest.raises(StorageError):
        await repo.record_answer(*answer(ANN, "late", T0), None)
    reopened = await SqliteRepository.open(path)
    try:
        assert await reopened.totals(ANN) == (20, 20)
    finally:
        await reopened.close()


async def test_state_must_match_the_answered_card(repo: SqliteRepository) -> None:
    """A state for another card is a caller bug, refused before anything is queued."""
    record, state = answer(ANN, "i-1", T0)
    with pytest.raises(ValueError):
        await repo.record_answer(record, replace(state, card_id="other"), None)


async def test_each_row_keeps_its_source_format_and_what_it_scheduled(
    repo: SqliteRepository,
) -> None:
    """The review log says where an answer came from, in which format, and which rating FSRS
    got; an answer that left the schedule alone writes no card state (the card stays new)."""
    studied, state = answer(ANN, "s1:1", T0, card_id="c1")
    studied = replace(studied, format=Format.TYPED, scheduled=studied.rating)
    assert await repo.record_answer(studied, state, None)
    picked, _ = answer(ANN, "daily:C:2025-01-06:virt/c2:ann", T0, card_id="c2")
    picked = replace(picked, source=Source.DAILY, scheduled=None)
    assert await repo.record_answer(picked, None, None)
    rows = raw(
        repo, "SELECT card_id, source, format, rating, scheduled FROM review_log ORDER BY id"
    )
    assert rows == [("c1", "study", "typed", 3, 3), ("c2", "daily", "choice", 3, None)]
    assert await repo.load_state(ANN, ("virt", "c2")) is None
    assert await repo.new_cards_since(ANN, T0) == 1
    found = await repo.find_answer(picked.answer_id)
    assert found is not None and (found.source, found.scheduled) == (Source.DAILY, None)
    assert await repo.totals(ANN) == (2, 2)  # the pick still scores


async def test_a_batch_of_answers_and_next_cards_lands_as_one_by_one(
    repo: SqliteRepository,
) -> None:
    """Answers with card states and sessions, then next-card saves, all at once: each is
    stored, a person's later state of a card wins, boards add up, and a stale "Next" is
    refused while the others in its batch move on."""
    people = [Learner("discord", "g1", f"u{i}") for i in range(30)]
    sessions = [session(f"s{i}", who) for i, who in enumerate(people)]
    for s in sessions:
        await repo.save_session(replace(s, current=None))
    calls = []
    for i, (who, s) in enumerate(zip(people, sessions, strict=True)):
        record, state = answer(who, f"i-{i}", T0, points=i, session_id=s.id)
        calls.append(repo.record_answer(record, replace(state, reps=i), s))
    later, later_state = answer(people[0], "i-later", T0, points=5)
    calls.append(repo.record_answer(later, replace(later_state, reps=99), None))
    assert all(await asyncio.gather(*calls))
    assert await repo.load_state(people[0], ("virt", "c1")) == replace(later_state, reps=99)
    assert (await repo.load_state(people[7], ("virt", "c1"))).reps == 7
    assert [await repo.load_session(s.id) for s in sessions] == sessions
    top, _ = await repo.leaderboard("discord", "g1", "all", None, 50, "u0")
    assert sum(e.points for e in top) == sum(range(30)) + 5
    other = session("s-other", BOB)
    await repo.save_session(other)
    moved = [replace(s, turn=s.turn + 1, answered=s.answered + 1) for s in sessions]
    stale = repo.advance_session(replace(other, turn=2, answered=42), from_turn=1)
    results = await asyncio.gather(
        *(repo.advance_session(m, s.turn) for m, s in zip(moved, sessions, strict=True)), stale
    )
    assert results == [True] * 30 + [False]
    assert [await repo.load_session(s.id) for s in sessions] == moved
    assert await repo.load_session("s-other") == other
