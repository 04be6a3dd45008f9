"""MemoryRepository keeps the SqliteRepository contract, so core tests on the fake mean something."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.models import AskedCard, Format, Learner, Mode, StudySession
from bot.core.ports import Repository, StorageError
from tests.backends import REPOSITORIES, SQL_BACKENDS, open_repository
from tests.fakes import FixedClock, MemoryRepository, answer

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
PEOPLE = [Learner("slack", "T1", u) for u in ("ann", "bob", "cat", "dan")] + [
    Learner("slack", "T2", "ann")
]


@pytest.fixture(params=REPOSITORIES)
async def repo(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Repository]:
    repo = await open_repository(request.param, tmp_path)
    yield repo
    await repo.close()


def study(sid: str, learner: Learner, **changes: Any) -> StudySession:
    base = StudySession(
        id=sid,
        learner=learner,
        mode=Mode.REVIEW,
        deck_id=None,
        started_at=T0,
        answered=1,
        current=AskedCard("d1", "c1", Format.TYPED, (), None, T0),
        missed=(("d1", "c1"), ("d2", "c9")),
    )
    return replace(base, **changes)


async def run_script(repo: Repository) -> dict[str, Any]:
    """A fixed mix of answers, redeliveries and sessions; returns every observable result."""
    seen: dict[str, Any] = {"recorded": []}
    for i in range(60):
        who = PEOPLE[(i * 7) % len(PEOPLE)]
        at = T0 + timedelta(hours=5 * i)
        record, state = answer(
            who,
            f"i-{i % 50}",  # the last ten are redeliveries
            at,
            deck_id=("d1", "d2")[i % 2],
            card_id=f"c{i % 6}",
            points=(i * 13) % 17,
            correct=i % 3 != 0,
            session_id=f"s-{who.user}",
        )
        session = study(f"s-{who.user}-{who.workspace}", who, answered=i, ended_at=at)
        seen["recorded"].append(await repo.record_answer(record, state, session))
    for who in PEOPLE:
        seen[f"states {who}"] = await repo.load_states(who)
        seen[f"totals {who}"] = await repo.totals(who)
        seen[f"days {who}"] = await repo.review_days(who, T0 + timedelta(days=3))
        seen[f"day keys {who}"] = await repo.review_day_keys(who)
        seen[f"new {who}"] = await repo.new_cards_since(who, T0 + timedelta(days=4))
        seen[f"last {who}"] = await repo.last_session(who)
        for key in ("all", "week:2025-W02", "day:2025-01-07"):
            for deck in (None, "d1", "d2"):
                seen[f"board {who} {key} {deck}"] = await repo.leaderboard(
                    who.platform, who.workspace, key, deck, 2, who.user
                )
    seen["records"] = await repo.card_records("slack", "T1")
    seen["answer"] = await repo.find_answer("i-7")
    seen["missing"] = await repo.find_answer("i-99")
    return seen


@pytest.mark.parametrize("kind", SQL_BACKENDS)
async def test_memory_and_sql_agree_on_a_script(kind: str, tmp_path: Path) -> None:
    """The same operations give the same answers from the fake and each real back-end."""
    memory = MemoryRepository()
    real = await open_repository(kind, tmp_path)
    try:
        expected, got = await run_script(memory), await run_script(real)
    finally:
        await real.close()
    assert expected["recorded"] == [True] * 50 + [False] * 10
    assert expected.keys() == got.keys()
    for key in expected:
        assert got[key] == expected[key], key


async def test_duplicate_answer_changes_nothing(repo: Repository) -> None:
    """Both count a redelivered answer id once."""
    who = PEOPLE[0]
    assert await repo.record_answer(*answer(who, "x", T0), None) is True
    assert await repo.record_answer(*answer(who, "x", T0, points=50, correct=False), None) is False
    assert await repo.totals(who) == (1, 1)
    board, me = await repo.leaderboard("slack", "T1", "all", None, 5, "ann")
    assert [(e.rank, e.points) for e in board] == [(1, 10)] and me == board[0]


async def test_ties_break_by_correct_then_user(repo: Repository) -> None:
    """Equal points: more correct answers first, then the user id, in both."""
    ann, bob, cat = PEOPLE[:3]
    await repo.record_answer(*answer(cat, "1", T0, points=10), None)
    await repo.record_answer(*answer(bob, "2", T0, points=10), None)
    await repo.record_answer(*answer(ann, "3", T0, points=10, correct=False), None)
    board, me = await repo.leaderboard("slack", "T1", "day:2025-01-06", "virt", 10, "ann")
    assert [(e.rank, e.user) for e in board] == [(1, "bob"), (2, "cat"), (3, "ann")]
    assert me is not None and me.rank == 3


async def test_session_round_trip(repo: Repository) -> None:
    """A saved session loads back equal; the latest started session with answers is 'last'."""
    who = PEOPLE[1]
    await repo.save_session(study("open", who))
    await repo.save_session(study("done", who, ended_at=T0 + timedelta(minutes=5)))
    assert await repo.load_session("open") == study("open", who)
    assert await repo.last_session(who) == study("done", who, ended_at=T0 + timedelta(minutes=5))


async def test_closed_repository_refuses_writes(repo: Repository) -> None:
    """Writing after close is a StorageError, not a silent loss."""
    await repo.close()
    with pytest.raises(StorageError):
        await repo.record_answer(*answer(PEOPLE[0], "late", T0), None)


def test_fixed_clock_moves_only_when_told() -> None:
    """FixedClock returns the same aware instant until advanced."""
    clock = FixedClock(T0)
    assert clock.now() == clock.now() == T0
    assert clock.advance(days=1, minutes=5) == T0 + timedelta(days=1, minutes=5)
    assert clock.now().tzinfo is UTC
