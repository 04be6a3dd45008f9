"""One multiple-choice pick outside a study session (a daily quiz or a competition round) as
a review: the log row (right Good, wrong Again) and the FSRS state `bot.core.evidence` gives it.

Shared by `bot.app.daily` and `bot.app.competitions`; the caller's store commits it with its own
row (the day's answer, the round's points) in one transaction.
"""

from __future__ import annotations

from datetime import datetime

from bot.app.study import QuizService
from bot.core.evidence import weigh
from bot.core.models import AnswerRecord, Format, Learner, Rating, ReviewEntry, Source


async def choice_review(
    service: QuizService,
    learner: Learner,
    deck_id: str,
    card_id: str,
    *,
    correct: bool,
    at: datetime,
    answer_id: str,
    points: int,
    response: str,
    source: Source,
) -> ReviewEntry:
    rating = Rating.GOOD if correct else Rating.AGAIN
    state = await service.repo.load_state(learner, (deck_id, card_id))
    evidence = weigh(
        await service.scheduler_for(learner),
        state,
        deck_id,
        card_id,
        Format.CHOICE,
        rating,
        correct,
        at,
        service.rng,
    )
    record = AnswerRecord(
        answer_id=answer_id,
        learner=learner,
        deck_id=deck_id,
        card_id=card_id,
        format=Format.CHOICE,
        rating=rating,
        correct=correct,
        points=points,
        answered_at=at,
        response=response,
        source=source,
        scheduled=evidence.scheduled,
    )
    return ReviewEntry(record, evidence.state)
