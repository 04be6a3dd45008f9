"""The session a question or an answer leaves is built field by field on the answer path; it
must be exactly what `dataclasses.replace` gives, with no field forgotten."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime

import pytest

from bot.app.study._sessions import answered, asking
from bot.core.models import AskedCard, Format, Learner, Mode, StudySession

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
ASKED = AskedCard("d", "c9", Format.CHOICE, ("a", "b"), 1, NOW, fingerprint="f")
SESSION = StudySession(  # every field away from its default, so a dropped one shows
    id="s1",
    learner=Learner("discord", "g1", "u1"),
    mode=Mode.QUIZ,
    deck_id="d",
    started_at=NOW,
    limit=25,
    turn=7,
    answered=6,
    correct=4,
    points=40,
    current=ASKED,
    last_card=("d", "c8"),
    missed=(("d", "c1"),),
    wrong=(("d", "c2"),),
    asked=(("d", "c1"), ("d", "c2")),
    ended_at=NOW,
)


def test_the_example_session_sets_every_field() -> None:
    defaults = StudySession("x", Learner("slack", "w", "u"), Mode.REVIEW, None, datetime.now(UTC))
    for field in fields(StudySession):
        assert getattr(SESSION, field.name) != getattr(defaults, field.name), field.name


@pytest.mark.parametrize("correct", [True, False])
def test_an_answer_leaves_what_replace_would(correct: bool) -> None:
    key = ("d", "c9")
    expected = replace(
        SESSION,
        current=None,
        last_card=key,
        asked=(*SESSION.asked, key),
        answered=SESSION.answered + 1,
        correct=SESSION.correct + int(correct),
        points=SESSION.points + 10,
        wrong=SESSION.wrong + (() if correct else (key,)),
    )
    assert answered(SESSION, key, correct, 10) == expected


def test_a_question_leaves_what_replace_would() -> None:
    after = replace(SESSION, current=None)
    assert asking(after, ASKED) == replace(after, current=ASKED, turn=after.turn + 1)
