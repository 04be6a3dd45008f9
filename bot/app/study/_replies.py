"""A session's replies built from the learner's view of the decks: the question asked and the
summary at the end (a card a reload took away is left out, never shown stale)."""

from __future__ import annotations

from bot.core.library import Library
from bot.core.models import AskedCard, Question, SessionSummary, StudySession


def question_of(
    library: Library, session: StudySession, asked: AskedCard, *, is_new: bool = False
) -> Question | None:
    """The question for `asked`, or None when the deck was reloaded (or removed) without it."""
    card = library.card(asked.key)
    if card is None:
        return None
    return Question(
        session_id=session.id,
        turn=session.turn,
        card=card,
        deck_name=library.deck_name(card.deck_id),
        format=asked.format,
        options=asked.options,
        position=session.answered + 1,
        total=session.limit,
        is_new=is_new,
    )


def summary_of(library: Library, session: StudySession, reason: str) -> SessionSummary:
    """How the session went, with the cards missed that the decks still hold."""
    missed = tuple(c for k in session.wrong if (c := library.card(k)) is not None)
    return SessionSummary(
        session_id=session.id,
        mode=session.mode,
        answered=session.answered,
        correct=session.correct,
        points=session.points,
        missed=missed,
        reason=reason,
        deck_id=session.deck_id,
    )
