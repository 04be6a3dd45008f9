"""The answer path of `QuizService.answer` once the click is known to be for the open card:
grade it, weigh it for FSRS, record it with the session in one write, and say how it went; a
repeat of a recorded turn replays the first feedback.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime
from typing import Protocol

from bot.app.study._sessions import SessionBook, answered
from bot.core.errors import NotRecorded, StaleQuestion
from bot.core.evidence import weigh
from bot.core.grading import grade
from bot.core.library import Library
from bot.core.models import (
    AnswerRecord,
    AskedCard,
    Card,
    CardState,
    Feedback,
    Learner,
    Mode,
    Response,
    Source,
    StudySession,
)
from bot.core.ports import Clock, Repository, StorageError
from bot.core.responses import describe
from bot.core.scheduler import Scheduler

log = logging.getLogger(__name__)


class Study(Protocol):
    """What the answer path reads off `QuizService`."""

    repo: Repository
    library: Library
    clock: Clock
    rng: random.Random
    fast_seconds: float
    sessions: SessionBook

    def view(self, learner: Learner) -> Library: ...

    async def scheduler_for(self, learner: Learner) -> Scheduler: ...


async def record(
    svc: Study,
    session: StudySession,
    card: Card,
    asked: AskedCard,
    response: Response,
    *,
    answer_id: str,
    turn: int,
    duration_ms: int | None,
) -> Feedback:
    now = svc.clock.now()
    result = grade(card, asked, response, now, svc.fast_seconds)
    state = await svc.repo.load_state(session.learner, card.key)
    evidence = weigh(
        await svc.scheduler_for(session.learner),
        state,
        card.deck_id,
        card.id,
        asked.format,
        result.rating,
        result.correct,
        now,
        svc.rng,
    )
    record = AnswerRecord(
        answer_id=answer_id,
        learner=session.learner,
        deck_id=card.deck_id,
        card_id=card.id,
        format=asked.format,
        rating=result.rating,
        correct=result.correct,
        points=result.points,
        answered_at=now,
        duration_ms=duration_ms,
        session_id=session.id,
        response=describe(response, asked)[:500],
        source=Source.QUIZ if session.mode is Mode.QUIZ else Source.STUDY,
        scheduled=evidence.scheduled,
    )
    session = answered(session, card.key, result.correct, result.points)
    try:
        fresh = await svc.repo.record_answer(record, evidence.state, session)
    except StorageError as exc:
        log.error("answer %s not recorded: %s", answer_id, exc)
        raise NotRecorded() from exc
    if fresh:
        svc.sessions.remember(session)
    else:
        svc.sessions.forget(session.id)
        earlier = await svc.repo.find_answer(answer_id)
        if earlier is not None:
            return await replay(svc, session, earlier, turn)
    return Feedback(
        session_id=session.id,
        turn=turn,
        card=card,
        correct=result.correct,
        rating=result.rating,
        points=result.points,
        next_due=due(evidence.state or state),
        given=record.response,
        similarity=result.similarity,
        format=asked.format,
    )


async def replay(svc: Study, session: StudySession, earlier: AnswerRecord, turn: int) -> Feedback:
    """The feedback first given for `earlier`, marked as a duplicate; nothing is recorded."""
    card = svc.view(session.learner).card((earlier.deck_id, earlier.card_id))
    if card is None:
        raise StaleQuestion()
    state = await svc.repo.load_state(session.learner, card.key)
    return Feedback(
        session_id=session.id,
        turn=turn,
        card=card,
        correct=earlier.correct,
        rating=earlier.rating,
        points=earlier.points,
        next_due=due(state),
        duplicate=True,
        given=earlier.response,
        format=earlier.format,
    )


def due(state: CardState | None) -> datetime | None:
    """When the card comes back; None while it is new (a right pick does not schedule it)."""
    return state.due if state is not None else None
