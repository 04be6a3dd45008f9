"""The service on each real back-end: concurrency, restarts and deck reloads lose nothing."""

from __future__ import annotations

import asyncio
import random

import pytest

from bot.app.study import QuizService
from bot.core.errors import WrongKindOfAnswer
from bot.core.library import Library
from bot.core.models import Card, Deck, Learner, Mode, Period, Question, Rating, Response
from bot.core.scheduler import Scheduler
from tests.app.study.test_service import deck, right_response, wrong_response
from tests.backends import SQL_BACKENDS, open_repository
from tests.fakes import FixedClock

pytestmark = pytest.mark.parametrize("kind", SQL_BACKENDS)


async def open_service(place, decks=None, clock=None) -> QuizService:
    """`place` is (kind, folder): the same place reopens the same data."""
    repo = await open_repository(*place)
    return QuizService(
        repo,
        Library.of(decks or [deck(8)]),
        clock=clock or FixedClock(),
        scheduler=Scheduler(enable_fuzzing=False),
        rng=random.Random(3),
    )


async def test_two_hundred_concurrent_learners_lose_and_double_count_nothing(kind, tmp_path):
    """200 learners answering at once, each also double-clicking: every answer lands once."""
    service = await open_service((kind, tmp_path))
    learners = [Learner("test", "ws", f"u{i}") for i in range(200)]

    async def study(learner: Learner) -> int:
        session = await service.start_session(learner, mode=Mode.QUIZ, limit=3)
        right = 0
        for _ in range(3):
            question = await service.next_question(session.id, learner)
            response = right_response(question)
            first, second = await asyncio.gather(
                service.answer(session.id, learner, question.turn, response),
                service.answer(session.id, learner, question.turn, response),
            )
            assert first.duplicate != second.duplicate
            right += first.correct
        return right

    results = await asyncio.gather(*(study(learner) for learner in learners))
    await service.close()
    reopened = await open_service((kind, tmp_path))
    board = await reopened.leaderboard("test", "ws", Period.ALL, limit=500)
    assert len(board.entries) == 200
    assert all(e.answers == 3 for e in board.entries)
    assert sum(e.correct for e in board.entries) == sum(results)
    for learner in learners[:5]:
        assert (await reopened.stats(learner)).reviews == 3
    await reopened.close()


async def test_a_restart_keeps_progress_and_the_open_question(kind, tmp_path):
    """Stop between question and answer: after a restart the same question can be answered."""
    clock = FixedClock()
    path = (kind, tmp_path)
    service = await open_service(path, clock=clock)
    ann = Learner("test", "ws", "ann")
    session = await service.start_session(ann)
    question = await service.next_question(session.id, ann)
    await service.answer(session.id, ann, question.turn, wrong_response(question))
    pending = await service.next_question(session.id, ann)
    await service.close()

    restarted = await open_service(path, clock=clock)
    assert isinstance(pending, Question)
    again = await restarted.next_question(session.id, ann)
    assert isinstance(again, Question) and again.card.key == pending.card.key
    feedback = await restarted.answer(session.id, ann, again.turn, right_response(again))
    assert feedback.correct
    assert (await restarted.stats(ann)).reviews == 2
    await restarted.close()


async def test_reloading_an_edited_deck_keeps_the_other_cards_progress(kind, tmp_path):
    """Editing one card's answer and reloading keeps every card's schedule."""
    path = (kind, tmp_path)
    original = deck(4)
    service = await open_service(path, decks=[original])
    ann = Learner("test", "ws", "ann")
    session = await service.start_session(ann, limit=4)
    for _ in range(4):
        question = await service.next_question(session.id, ann)
        await service.answer(session.id, ann, question.turn, right_response(question))
    edited = Deck(
        original.id,
        original.name,
        (Card(original.id, "c0", "Question number 0?", "a better answer"), *original.cards[1:]),
    )

    async def reloaded() -> Library:
        return Library.of([edited])

    service._loader = reloaded
    report = await service.reload_decks()
    assert report.decks[0].cards == 4 and not report.errors
    stats = await service.stats(ann)
    assert stats.decks[0].seen == 4
    await service.close()


async def test_odd_answers_are_graded_or_refused_never_an_error(kind, tmp_path):
    """Empty, huge, RTL, zero-width and mention-laden answers are graded, or refused clearly."""
    cards = (
        Card("t", "a", "Capital of France?", "Paris", accept=("Paris",)),
        Card("t", "b", "Two plus two?", "4", accept=("4",)),
    )
    clock = FixedClock()
    service = await open_service((kind, tmp_path), decks=[Deck("t", "T", cards)], clock=clock)
    ann = Learner("test", "ws", "ann")
    texts = ("", "x" * 4000, "\u202eSIRAP", "P\u200ba\u200bris", "@everyone <!channel> ```x```")
    for text in texts:
        session = await service.start_session(ann, mode=Mode.REVIEW)
        question = await service.next_question(session.id, ann)
        if not isinstance(question, Question):
            clock.advance(days=60)
            continue
        try:
            feedback = await service.answer(session.id, ann, question.turn, Response(text=text))
        except WrongKindOfAnswer:
            await service.answer(session.id, ann, question.turn, Response(rating=Rating.GOOD))
        else:
            assert feedback.recorded
        clock.advance(days=60)
    assert (await service.stats(ann)).reviews == len(texts)
    await service.close()
