"""One memory per person: the same user in two servers (and alone) has one schedule per card,
while each server's boards count only what was answered there. Run on both repositories."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app.study import QuizService
from bot.core.models import PRIVATE, Learner, Mode, Period, Question
from tests.app.study.test_service import deck, right_response
from tests.backends import REPOSITORIES, study_service

IN_A = Learner("discord", "guild-a", "ann")
IN_B = Learner("discord", "guild-b", "ann")
ALONE = Learner("discord", PRIVATE, "ann")
BOB_A = Learner("discord", "guild-a", "bob")


@pytest.fixture(params=REPOSITORIES)
async def service(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[QuizService]:
    svc = await study_service(request.param, tmp_path, deck(1), seed=3)
    yield svc
    await svc.close()


async def answer_once(service: QuizService, learner: Learner) -> None:
    session = await service.start_session(learner, mode=Mode.QUIZ, limit=1)
    question = await service.next_question(session.id, learner)
    assert isinstance(question, Question)
    await service.answer(session.id, learner, question.turn, right_response(question))


async def test_two_servers_share_one_schedule_and_keep_separate_boards(
    service: QuizService,
) -> None:
    """An answer in A, then in B, then alone: one card state with three reps; A's and B's
    boards each hold one answer; studying alone scores on no board."""
    await answer_once(service, IN_A)
    service.clock.advance(days=2)
    await answer_once(service, IN_B)
    service.clock.advance(days=5)
    await answer_once(service, ALONE)
    await answer_once(service, BOB_A)

    for where in (IN_A, IN_B, ALONE):
        state = await service.repo.load_state(where, ("d", "c0"))
        assert state is not None and state.reps == 3
    board_a = await service.leaderboard("discord", "guild-a", Period.ALL, user="ann")
    board_b = await service.leaderboard("discord", "guild-b", Period.ALL, user="ann")
    assert {e.user: e.answers for e in board_a.entries} == {"ann": 1, "bob": 1}
    assert {e.user: e.answers for e in board_b.entries} == {"ann": 1}
    alone = await service.leaderboard("discord", PRIVATE, Period.ALL, user="ann")
    assert alone.entries == ()
    assert (await service.repo.card_records("discord", "guild-a"))[("d", "c0")].attempts == 2

    stats_b = await service.stats(IN_B)
    assert stats_b.reviews == 3
    assert stats_b.rank is not None and stats_b.rank.answers == 1
    stats_alone = await service.stats(ALONE)
    assert stats_alone.reviews == 3 and stats_alone.rank is None
