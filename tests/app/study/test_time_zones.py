"""A group's boards count days in its daily quiz's zone and a person's streak in their own,
across a daylight-saving change, on both repositories."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app.daily import DailyService
from bot.app.study import QuizService
from bot.core.models import Learner, Mode, Period, Question
from bot.storage.sqlite import SqliteRepository
from tests.app.study.test_service import deck, right_response
from tests.backends import REPOSITORIES, study_service
from tests.fakes import FixedClock, MemoryRepository

BERLIN = Learner("discord", "berlin-guild", "ann")
PLAIN = Learner("discord", "utc-guild", "ann")


@pytest.fixture(params=REPOSITORIES)
async def service(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[QuizService]:
    svc = await study_service(request.param, tmp_path, deck(8), seed=5)
    yield svc
    await svc.close()


async def group_zone(service: QuizService, where: Learner, zone: str) -> None:
    """What `/daily set` does to a workspace's zone."""
    if isinstance(service.repo, MemoryRepository):
        service.repo.board_zones[(where.platform, where.workspace)] = zone
        return
    await DailyService.over(service).set(where, "chan", at="09:00", timezone=zone, questions=1)


async def own_zone(service: QuizService, who: Learner, zone: str) -> None:
    """What `/remind on <zone>` does to a person's zone."""
    if isinstance(service.repo, MemoryRepository):
        service.repo.person_zones[who.person] = zone
        return
    await DailyService.over(service).remind(who, True, zone)


async def answer_at(service: QuizService, learner: Learner, at: datetime) -> None:
    assert isinstance(service.clock, FixedClock)
    service.clock.set(at)
    session = await service.start_session(learner, mode=Mode.QUIZ, limit=1)
    question = await service.next_question(session.id, learner)
    assert isinstance(question, Question)
    await service.answer(session.id, learner, question.turn, right_response(question))


async def test_boards_count_days_in_the_daily_quiz_zone(service: QuizService) -> None:
    """22:30 UTC on Sunday 30 March 2025 is Monday 00:30 in Berlin (summer time since that
    night): on Monday morning Berlin's day and week boards hold the answer, the UTC group's
    (no daily quiz) do not."""
    await group_zone(service, BERLIN, "Europe/Berlin")
    sunday_night = datetime(2025, 3, 30, 22, 30, tzinfo=UTC)
    await answer_at(service, BERLIN, sunday_night)
    await answer_at(service, PLAIN, sunday_night)
    service.clock.set(datetime(2025, 3, 31, 6, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    for period in (Period.DAY, Period.WEEK):
        berlin = await service.leaderboard("discord", "berlin-guild", period)
        plain = await service.leaderboard("discord", "utc-guild", period)
        assert [e.user for e in berlin.entries] == ["ann"], period
        assert plain.entries == (), period


async def test_streak_counts_the_persons_days_across_the_change(service: QuizService) -> None:
    """Ann studies at 19:30 in New York on 8 and 9 March 2025 (clocks go forward on the 9th).
    In UTC both reviews fall on 9 March; in her zone they are two days in a row."""
    ann = Learner("slack", "T1", "ann")
    await answer_at(service, ann, datetime(2025, 3, 9, 0, 30, tzinfo=UTC))  # 8th, 19:30 EST
    await answer_at(service, ann, datetime(2025, 3, 9, 23, 30, tzinfo=UTC))  # 9th, 19:30 EDT
    service.clock.set(datetime(2025, 3, 10, 1, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    assert (await service.stats(ann)).streak_days == 1
    await own_zone(service, ann, "America/New_York")
    stats = await service.stats(ann)
    assert stats.streak_days == 2
    assert [d.day for d in stats.days] == ["2025-03-08", "2025-03-09"]


async def test_a_new_daily_quiz_moves_the_boards_at_once(tmp_path: Path) -> None:
    """The writer remembers each workspace's zone; setting or removing a daily quiz changes
    where the next answer's day falls without a restart."""
    from datetime import time

    from bot.core.daily import Schedule
    from bot.storage.daily import DailyStore
    from tests.fakes import answer

    repo = await SqliteRepository.open(tmp_path / "quiz.sqlite3")
    store = DailyStore(repo)
    where = ("discord", "g")
    sunday_night = datetime(2025, 3, 30, 22, 30, tzinfo=UTC)  # Monday 00:30 in Berlin
    try:
        await repo.record_answer(*answer(Learner(*where, "a"), "1", sunday_night), None)
        berlin = Schedule(*where, "chan", time(9), "Europe/Berlin", 1, sunday_night)
        await store.save_schedule(berlin)
        await repo.record_answer(*answer(Learner(*where, "b"), "2", sunday_night), None)
        await store.delete_schedule(*where, "chan")
        await repo.record_answer(*answer(Learner(*where, "c"), "3", sunday_night), None)
        sunday, _ = await repo.leaderboard(*where, "day:2025-03-30", None, 10, "")
        monday, _ = await repo.leaderboard(*where, "day:2025-03-31", None, 10, "")
        assert [e.user for e in sunday] == ["a", "c"] and [e.user for e in monday] == ["b"]
    finally:
        await repo.close()
