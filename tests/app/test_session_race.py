"""Two "Next" clicks on one study session reach two processes at once: the session moves on
by one card, and both messages ask that card (a compare-and-set on the session's turn in
storage, not the last writer's card while the member answers the other)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.study import QuizService
from bot.core.models import Learner, Mode, Question, Response
from tests.app.test_competitions import deck
from tests.backends import SQL_BACKENDS, study_service

LEARNER = Learner("slack", "T1", "U1")


@pytest.mark.parametrize("kind", SQL_BACKENDS)
async def test_two_next_clicks_on_two_processes_ask_one_card(kind: str, tmp_path: Path) -> None:
    one = await study_service(kind, tmp_path, deck(), seed=1)
    two = await study_service(kind, tmp_path, deck(), seed=2)
    try:
        session = await one.start_session(LEARNER, mode=Mode.QUIZ, deck_id="d", limit=5)
        first = await one.next_question(session.id, LEARNER)
        assert isinstance(first, Question)
        await one.answer(session.id, LEARNER, first.turn, Response(choice=0))

        # process one has read the session and is choosing a card when process two, serving
        # the other click, moves the session on
        raced: list[Question] = []
        pick = one.chooser.pick

        async def pick_after_the_other(*args: object, **kwargs: object) -> object:
            if not raced:
                other = await two.next_question(session.id, LEARNER)
                assert isinstance(other, Question)
                raced.append(other)
            return await pick(*args, **kwargs)  # type: ignore[arg-type]

        one.chooser.pick = pick_after_the_other  # type: ignore[method-assign]
        mine = await one.next_question(session.id, LEARNER)
        (theirs,) = raced
        assert isinstance(mine, Question)
        assert (mine.turn, mine.card.key, mine.options) == (
            theirs.turn, theirs.card.key, theirs.options,
        )  # fmt: skip
        assert mine.turn == first.turn + 1
        stored = await one.repo.load_session(session.id)
        assert stored is not None and stored.turn == mine.turn
        assert stored.current is not None and stored.current.options == theirs.options
        # the member answers what the message showed, on whichever process: recorded once
        correct = theirs.options.index(theirs.card.answer) if theirs.card.answer in (
            theirs.options) else 0  # fmt: skip
        feedback = await one.answer(session.id, LEARNER, mine.turn, Response(choice=correct))
        assert feedback.card.key == theirs.card.key and not feedback.duplicate
        again = await two.answer(session.id, LEARNER, theirs.turn, Response(choice=correct))
        assert again.duplicate
    finally:
        await close(one)
        await close(two)


async def close(service: QuizService) -> None:
    await service.repo.close()  # type: ignore[attr-defined]
