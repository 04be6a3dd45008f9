"""QuizService on the in-memory repository and a fixed clock: what a learner sees."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from bot.app.fitting import DEFAULT_PARAMETERS
from bot.app.study import QuizService
from bot.core.errors import (
    CardChanged,
    NotRecorded,
    NotYourSession,
    SessionOver,
    StaleQuestion,
    UnknownDeck,
)
from bot.core.library import Library
from bot.core.models import (
    Card,
    Deck,
    Format,
    Learner,
    Mode,
    Period,
    Question,
    Rating,
    Response,
    SessionSummary,
)
from bot.core.ports import StorageError
from bot.core.scheduler import Scheduler
from bot.core.selection import SelectionConfig
from tests.fakes import FixedClock, MemoryRepository

ANN = Learner("test", "ws", "ann")
BOB = Learner("test", "ws", "bob")


def deck(n: int = 6, deck_id: str = "d") -> Deck:
    cards = tuple(
        Card(
            deck_id,
            f"c{i}",
            f"Question number {i}?",
            f"answer {i} word{i}",
            accept=(f"answer {i}",),
        )
        for i in range(n)
    )
    return Deck(deck_id, f"Deck {deck_id}", cards)


def make_service(repo=None, *, decks=None, new_per_day: int = 20) -> QuizService:
    return QuizService(
        repo or MemoryRepository(),
        Library.of(decks or [deck()]),
        clock=FixedClock(),
        scheduler=Scheduler(enable_fuzzing=False),
        selection=SelectionConfig(new_per_day=new_per_day),
        rng=random.Random(7),
    )


def right_response(question: Question) -> Response:
    """The response that answers `question` correctly, whatever its format."""
    if question.format is Format.CHOICE:
        return Response(choice=question.options.index(_label(question)))
    if question.format is Format.TYPED:
        return Response(text=question.card.accept[0])
    return Response(rating=Rating.GOOD)


def wrong_response(question: Question) -> Response:
    if question.format is Format.CHOICE:
        right = question.options.index(_label(question))
        return Response(choice=(right + 1) % len(question.options))
    if question.format is Format.TYPED:
        return Response(text="something else entirely")
    return Response(rating=Rating.AGAIN)


def _label(question: Question) -> str:
    from bot.core.distractors import shorten

    return next(
        o
        for o in question.options
        if o == shorten(question.card.answer) or o == question.card.answer
    )


async def test_a_new_learner_is_asked_a_new_card_and_the_answer_is_recorded():
    """The first question is a new card; a right answer is fed back and scored."""
    service = make_service()
    session = await service.start_session(ANN)
    question = await service.next_question(session.id, ANN)
    assert isinstance(question, Question) and question.is_new
    feedback = await service.answer(session.id, ANN, question.turn, right_response(question))
    assert feedback.correct and feedback.recorded and not feedback.duplicate
    assert feedback.next_due > service.clock.now()
    stats = await service.stats(ANN)
    assert stats.reviews == 1


async def test_answering_the_same_turn_twice_counts_once():
    """A double click returns the first result and adds nothing to the leaderboard."""
    service = make_service()
    session = await service.start_session(ANN, mode=Mode.QUIZ, limit=3)
    question = await service.next_question(session.id, ANN)
    first = await service.answer(session.id, ANN, question.turn, right_response(question))
    again = await service.answer(session.id, ANN, question.turn, right_response(question))
    assert again.duplicate and again.points == first.points
    board = await service.leaderboard("test", "ws", Period.ALL, user="ann")
    assert board.entries[0].answers == 1


async def test_someone_else_cannot_answer_your_session():
    """Only the learner who opened a session may answer it."""
    service = make_service()
    session = await service.start_session(ANN)
    question = await service.next_question(session.id, ANN)
    with pytest.raises(NotYourSession):
        await service.answer(session.id, BOB, question.turn, right_response(question))
    assert (await service.stats(ANN)).reviews == 0


async def test_an_old_turn_is_refused_as_stale():
    """A button from an earlier question cannot answer the current one."""
    service = make_service()
    session = await service.start_session(ANN)
    question = await service.next_question(session.id, ANN)
    with pytest.raises(StaleQuestion):
        await service.answer(session.id, ANN, question.turn + 5, right_response(question))


async def test_a_quiz_ends_after_its_length_with_a_summary():
    """A quiz of three asks three multiple-choice questions, then sums up."""
    service = make_service()
    session = await service.start_session(ANN, mode=Mode.QUIZ, limit=3)
    asked = []
    for _ in range(3):
        question = await service.next_question(session.id, ANN)
        assert isinstance(question, Question) and question.format is Format.CHOICE
        asked.append(question.card.key)
        await service.answer(session.id, ANN, question.turn, right_response(question))
    summary = await service.next_question(session.id, ANN)
    assert isinstance(summary, SessionSummary)
    assert (summary.answered, summary.correct, summary.reason) == (3, 3, "complete")
    assert len(set(asked)) == 3
    with pytest.raises(SessionOver):
        await service.answer(session.id, ANN, 99, Response(choice=0))


async def test_missed_mode_asks_again_only_what_was_missed():
    """After a session with one wrong answer, missed mode asks that card and then stops."""
    service = make_service()
    session = await service.start_session(ANN, mode=Mode.QUIZ, limit=3)
    wrong_key = None
    for i in range(3):
        question = await service.next_question(session.id, ANN)
        response = wrong_response(question) if i == 1 else right_response(question)
        if i == 1:
            wrong_key = question.card.key
        await service.answer(session.id, ANN, question.turn, response)
    await service.end_session(session.id, ANN)
    missed = await service.start_session(ANN, mode=Mode.MISSED)
    question = await service.next_question(missed.id, ANN)
    assert isinstance(question, Question) and question.card.key == wrong_key
    await service.answer(missed.id, ANN, question.turn, right_response(question))
    assert isinstance(await service.next_question(missed.id, ANN), SessionSummary)


async def test_never_the_same_card_twice_in_a_row():
    """Even when a failed card is due again at once, another card comes in between."""
    service = make_service(decks=[deck(3)])
    session = await service.start_session(ANN)
    previous = None
    for _ in range(8):
        question = await service.next_question(session.id, ANN)
        if isinstance(question, SessionSummary):
            break
        assert question.card.key != previous
        previous = question.card.key
        await service.answer(session.id, ANN, question.turn, wrong_response(question))
        service.clock.advance(minutes=11)


async def test_new_cards_are_paced_per_day_and_due_cards_come_back():
    """With two new cards a day, the session ends after two; the next day they are due again."""
    service = make_service(new_per_day=2)
    session = await service.start_session(ANN)
    for _ in range(2):
        question = await service.next_question(session.id, ANN)
        assert isinstance(question, Question)
        await service.answer(
            session.id,
            ANN,
            question.turn,
            Response(rating=Rating.EASY)
            if question.format is Format.FLASHCARD
            else right_response(question),
        )
    assert isinstance(await service.next_question(session.id, ANN), SessionSummary)
    service.clock.advance(days=30)
    later = await service.start_session(ANN)
    question = await service.next_question(later.id, ANN)
    assert isinstance(question, Question) and not question.is_new


async def test_an_unknown_deck_gets_a_clear_error():
    """A deck option that names no deck (or a path) is refused with its name."""
    service = make_service()
    with pytest.raises(UnknownDeck, match="no deck"):
        await service.start_session(ANN, deck_id="../../etc/passwd")


async def test_leaderboard_ranks_the_caller_and_splits_periods():
    """Points land on the day, week and all-time boards; next week's board starts empty."""
    service = make_service()
    for learner, right in ((ANN, 2), (BOB, 1)):
        session = await service.start_session(learner, mode=Mode.QUIZ, limit=2)
        for i in range(2):
            question = await service.next_question(session.id, learner)
            response = right_response(question) if i < right else wrong_response(question)
            await service.answer(session.id, learner, question.turn, response)
    board = await service.leaderboard("test", "ws", Period.WEEK, user="bob")
    assert [e.user for e in board.entries] == ["ann", "bob"]
    assert board.caller is not None and board.caller.rank == 2
    service.clock.advance(days=8)
    assert (await service.leaderboard("test", "ws", Period.WEEK)).entries == ()
    assert len((await service.leaderboard("test", "ws", Period.ALL)).entries) == 2


async def test_a_failed_write_says_not_recorded_and_keeps_the_question():
    """When storage cannot commit, the learner is told and can answer again later."""

    class FailingRepository(MemoryRepository):
        async def record_answer(self, answer, state, session):
            raise StorageError("disk full")

    service = make_service(FailingRepository())
    session = await service.start_session(ANN)
    question = await service.next_question(session.id, ANN)
    with pytest.raises(NotRecorded, match="could not be recorded"):
        await service.answer(session.id, ANN, question.turn, right_response(question))
    again = await service.next_question(session.id, ANN)
    assert isinstance(again, Question) and again.turn == question.turn


async def test_stats_count_due_cards_and_streak():
    """Stats show reviews, a one-day streak and per-deck progress."""
    service = make_service()
    session = await service.start_session(ANN)
    question = await service.next_question(session.id, ANN)
    await service.answer(session.id, ANN, question.turn, wrong_response(question))
    service.clock.advance(minutes=30)
    stats = await service.stats(ANN)
    assert stats.reviews == 1 and stats.correct == 0 and stats.streak_days == 1
    assert stats.due_now == 1 and stats.decks[0].seen == 1
    service.clock.advance(days=3)
    assert (await service.stats(ANN)).streak_days == 0


async def test_a_skip_from_an_earlier_card_skips_nothing():
    """A double-clicked Skip names the card already skipped: refused, the current one stays."""
    service = make_service()
    session = await service.start_session(ANN)
    first = await service.next_question(session.id, ANN)
    second = await service.skip(session.id, ANN, first.turn)
    assert isinstance(second, Question) and second.card.key != first.card.key
    with pytest.raises(StaleQuestion):
        await service.skip(session.id, ANN, first.turn)
    current = await service.current_question(session.id, ANN)
    assert current is not None and (current.turn, current.card) == (second.turn, second.card)


def _reloaded(service: QuizService, *cards: Card) -> None:
    """A deck reload that leaves deck d with exactly `cards`."""
    service.library = Library.of([Deck("d", "Deck d", cards)])


async def test_a_card_changed_in_a_reload_is_not_graded_and_the_quiz_moves_on():
    """The open card's answer changed in a reload: nothing recorded, the error says so and
    carries the next question; that question is answered and counted as usual."""
    service = make_service(decks=[deck(2)])
    session = await service.start_session(ANN, mode=Mode.QUIZ, limit=2)
    question = await service.next_question(session.id, ANN)
    assert isinstance(question, Question)
    changed = replace(question.card, answer="a different answer")
    other = next(c for c in deck(2).cards if c.id != question.card.id)
    _reloaded(service, changed, other)
    with pytest.raises(CardChanged) as moved:
        await service.answer(session.id, ANN, question.turn, right_response(question))
    assert str(moved.value) == "This card changed in a deck reload, so that answer was not counted."
    assert not moved.value.gone and isinstance(moved.value.step, Question)
    step = moved.value.step
    assert step.card.id == other.id and step.turn == question.turn + 1 and step.position == 1
    assert service.repo.answers == {}
    current = await service.next_question(session.id, ANN)  # the session is on it
    assert isinstance(current, Question) and (current.card, current.turn) == (step.card, step.turn)
    feedback = await service.answer(session.id, ANN, step.turn, right_response(step))
    assert feedback.correct and (await service.stats(ANN)).reviews == 1


async def test_a_card_that_left_its_deck_ends_a_quiz_with_nothing_else_to_ask():
    """The open card left its deck and no card is left to ask: the summary comes back."""
    service = make_service(decks=[deck(2)])
    session = await service.start_session(ANN, mode=Mode.QUIZ, limit=3)
    first = await service.next_question(session.id, ANN)
    assert isinstance(first, Question)
    await service.answer(session.id, ANN, first.turn, right_response(first))
    second = await service.next_question(session.id, ANN)
    assert isinstance(second, Question)
    _reloaded(service, first.card)
    with pytest.raises(CardChanged) as moved:
        await service.answer(session.id, ANN, second.turn, wrong_response(second))
    assert moved.value.gone and "left its deck" in str(moved.value)
    summary = moved.value.step
    assert isinstance(summary, SessionSummary)
    assert (summary.answered, summary.correct) == (1, 1)
    assert len(service.repo.answers) == 1


async def test_an_unchanged_card_and_an_old_session_are_graded_as_before():
    """A reload that leaves the card as it was changes nothing; a session stored before
    fingerprints were kept cannot tell, so its click is graded."""
    service = make_service()
    session = await service.start_session(ANN)
    question = await service.next_question(session.id, ANN)
    assert isinstance(question, Question)
    _reloaded(service, *deck().cards)
    stored = service.repo.sessions[session.id]
    assert stored.current is not None and stored.current.fingerprint == question.card.fingerprint
    service.repo.sessions[session.id] = replace(
        stored, current=replace(stored.current, fingerprint="")
    )
    service.sessions.forget(session.id)
    feedback = await service.answer(session.id, ANN, question.turn, right_response(question))
    assert feedback.correct and not feedback.duplicate


async def test_a_fitted_workspace_chooses_cards_with_the_curve_it_schedules_with():
    """A workspace with an accepted FSRS fit ranks its cards by the fitted forgetting curve,
    the same parameters its answers are scheduled with (not the defaults)."""
    ranked_with: list[tuple[float, ...] | None] = []

    class Recording(Scheduler):
        def retrievability(self, state, now):
            ranked_with.append(self.parameters)
            return super().retrievability(state, now)

        def with_parameters(self, parameters):
            return Recording(enable_fuzzing=False, parameters=parameters)

    fitted = (*DEFAULT_PARAMETERS[:20], 0.4)  # a group that forgets faster than the default

    async def load(platform: str, workspace: str) -> tuple[float, ...] | None:
        return fitted if workspace == "ws" else None

    service = QuizService(
        MemoryRepository(),
        Library.of([deck()]),
        clock=FixedClock(),
        scheduler=Recording(enable_fuzzing=False),
        parameters=load,
        rng=random.Random(7),
    )
    session = await service.start_session(ANN)
    question = await service.next_question(session.id, ANN)
    await service.answer(session.id, ANN, question.turn, right_response(question))
    quiz = await service.start_session(ANN, mode=Mode.QUIZ, limit=2)
    assert isinstance(await service.next_question(quiz.id, ANN), Question)
    assert ranked_with and set(ranked_with) == {fitted}
