"""A disk that fills up, a database that cannot be written: the learner hears "could not
record", nothing is half-written, reads go on, and answers record again once space returns."""

from __future__ import annotations

import contextlib
import errno
import random
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app.study import QuizService
from bot.core.errors import NotRecorded
from bot.core.library import Library
from bot.core.models import Learner, Mode, Period, Question
from bot.core.scheduler import Scheduler
from bot.storage.sqlite import SqliteRepository
from tests.app.study.test_service import deck, right_response
from tests.fakes import FixedClock
from tests.reliability._checks import check_consistent


async def open_service(path: Path) -> QuizService:
    repo = await SqliteRepository.open(path)
    return QuizService(
        repo,
        Library.of([deck(8)]),
        clock=FixedClock(),
        scheduler=Scheduler(enable_fuzzing=False),
        rng=random.Random(4),
    )


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs; skipped where mounting is not allowed (no root, no CAP_SYS_ADMIN)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    """Write a file until the file system says ENOSPC; returns it (delete it to free space)."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out:
        for chunk in (65_536, 4_096, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    try:
                        out.write(b"\0" * chunk)
                    except OSError as exc:
                        if exc.errno != errno.ENOSPC:
                            raise
                        break
    return filler


async def _open_questions(service: QuizService, count: int) -> list[tuple[Learner, str, Question]]:
    out = []
    for i in range(count):
        learner = Learner("test", "ws", f"u{i}")
        session = await service.start_session(learner, mode=Mode.QUIZ, limit=5)
        question = await service.next_question(session.id, learner)
        assert isinstance(question, Question)
        out.append((learner, session.id, question))
    return out


async def test_full_disk_says_not_recorded_keeps_reads_and_recovers(tiny_disk: Path) -> None:
    db = tiny_disk / "quiz.sqlite3"
    service = await open_service(db)
    asked = await _open_questions(service, 60)
    recorded = 0
    for learner, sid, question in asked[:5]:
        await service.answer(sid, learner, question.turn, right_response(question))
        recorded += 1
    filler = fill(tiny_disk)
    failed: list[tuple[Learner, str, Question]] = []
    for learner, sid, question in asked[5:]:
        try:
            await service.answer(sid, learner, question.turn, right_response(question))
            recorded += 1
        except NotRecorded as error:
            assert "could not be recorded" in str(error)
            failed.append((learner, sid, question))
            if len(failed) >= 3:
                break
    assert failed, "the full disk never refused a write"
    # Reads keep serving while the disk is full.
    board = await service.leaderboard("test", "ws", Period.ALL, limit=500)
    assert sum(e.answers for e in board.entries) == recorded
    learner, sid, question = failed[0]
    assert (await service.stats(learner)).reviews == 0
    waiting = await service.current_question(sid, learner)  # the question is still open
    assert waiting is not None and (waiting.card, waiting.turn) == (question.card, question.turn)
    filler.unlink()
    feedback = await service.answer(sid, learner, question.turn, right_response(question))
    assert feedback.correct and not feedback.duplicate
    assert (await service.stats(learner)).reviews == 1
    await service.close()
    assert check_consistent(db) == recorded + 1


class FailingWrites:
    """The writer's connection on a read-only or vanished disk: every write statement fails."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql.startswith(("INSERT", "UPDATE", "COMMIT")):
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return self.conn.execute(sql, *args)

    def executemany(self, sql: str, *args: Any) -> sqlite3.Cursor:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


async def test_unwritable_database_says_not_recorded_and_recovers(tmp_path: Path) -> None:
    """As root chmod stops nothing, so the writer's connection is swapped for one that fails."""
    db = tmp_path / "quiz.sqlite3"
    service = await open_service(db)
    (ann, sid, question), (bob, bob_sid, bob_q) = await _open_questions(service, 2)
    await service.answer(bob_sid, bob, bob_q.turn, right_response(bob_q))
    writer = service.repo._writer  # type: ignore[attr-defined]
    real = writer.conn
    writer.conn = FailingWrites(real)
    with pytest.raises(NotRecorded):
        await service.answer(sid, ann, question.turn, right_response(question))
    with pytest.raises(NotRecorded):
        await service.start_session(ann)
    assert (await service.stats(ann)).reviews == 0
    assert (await service.stats(bob)).reviews == 1
    board = await service.leaderboard("test", "ws", Period.ALL, user="u0")
    assert [e.user for e in board.entries] == ["u1"] and board.caller is None
    writer.conn = real
    feedback = await service.answer(sid, ann, question.turn, right_response(question))
    assert not feedback.duplicate
    await service.close()
    assert check_consistent(db) == 2
