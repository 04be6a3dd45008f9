"""DailyService on each real back-end (a SQLite file, PostgreSQL): posting, answering once,
closing, restarts, reminders."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.daily import DailyPost, DailyService, answer_id
from bot.app.study import QuizService
from bot.core.daily import DailyConfigError, DailyResults, DailyRun
from bot.core.models import CardKey, Format, Learner, Question, Rating, Response, Source
from bot.process.bootstrap import build_service
from bot.process.settings import Settings
from tests.backends import SQL_BACKENDS, database_settings

DECK = "deck: {id: geo, name: Geography}\ncards:\n" + "".join(
    f"  - {{id: c{i}, question: 'Capital number {i}?', answer: 'City {i}',"
    f" choices: ['City {i}', 'Town {i}', 'Village {i}']}}\n"
    for i in range(6)
)
ADMIN = Learner("discord", "G", "admin")
START = datetime(2025, 3, 28, 7, 0, tzinfo=UTC)  # 08:00 in Berlin, a day before the DST change


class Clock:
    def __init__(self) -> None:
        self.at = START

    def now(self) -> datetime:
        return self.at


@dataclass
class Poster:
    platform: str = "discord"
    posts: list[tuple[str, DailyPost]] = field(default_factory=list)
    results: list[tuple[str, DailyResults]] = field(default_factory=list)
    reminders: list[tuple[Learner, int]] = field(default_factory=list)

    async def post_questions(self, channel: str, post: DailyPost) -> list[str]:
        self.posts.append((channel, post))
        return [f"m{len(self.posts)}"]

    async def post_results(self, channel: str, results: DailyResults) -> None:
        self.results.append((channel, results))

    async def send_reminder(self, learner: Learner, due: int) -> None:
        self.reminders.append((learner, due))


@dataclass
class World:
    tmp: Path
    clock: Clock
    service: QuizService
    daily: DailyService
    kind: str = "sqlite"

    async def restart(self) -> None:
        """Close everything and open the same database again, as a new process would."""
        await self.service.close()
        self.service, self.daily = await _open(self.tmp, self.clock, self.kind)


async def _open(
    tmp: Path, clock: Clock, kind: str = "sqlite", *, new_per_day: int = 20
) -> tuple[QuizService, DailyService]:
    settings = Settings(  # type: ignore[call-arg]
        **await database_settings(kind, tmp),
        QUIZBOT_QUESTIONS=tmp / "questions",
        QUIZBOT_NEW_PER_DAY=new_per_day,
    )
    service = await build_service(settings, clock=clock, rng=random.Random(1))
    return service, DailyService.over(service)


@pytest.fixture(params=SQL_BACKENDS)
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    (tmp_path / "questions").mkdir()
    (tmp_path / "questions" / "geo.yaml").write_text(DECK)
    clock = Clock()
    service, daily = await _open(tmp_path, clock, request.param)
    w = World(tmp_path, clock, service, daily, request.param)
    yield w
    await w.service.close()


async def _set(w: World, **kw: object) -> None:
    values: dict[str, object] = {"at": "09:00", "timezone": "Europe/Berlin", "questions": 3}
    values.update(kw)
    await w.daily.set(ADMIN, "C1", **values)  # type: ignore[arg-type]


async def test_posts_at_local_time_once_and_closes_at_next_post(world: World) -> None:
    """Nothing before 09:00 local; one post at 09:00; results when the next day's post comes."""
    await _set(world)
    poster = Poster()
    assert await world.daily.tick(poster) == []
    world.clock.at = START + timedelta(hours=1)
    assert [e.kind for e in await world.daily.tick(poster)] == ["posted"]
    assert [e.kind for e in await world.daily.tick(poster)] == []
    post = poster.posts[0][1]
    assert len(post.questions) == 3
    for user, right in (("u1", True), ("u2", False)):
        q = post.questions[0]
        choice = q.correct if right else (q.correct + 1) % len(q.options)
        outcome = await world.daily.answer(post.run_id, 0, choice, Learner("discord", "G", user))
        assert (outcome.status, outcome.correct) == ("recorded", right)
    again = await world.daily.answer(post.run_id, 0, 0, Learner("discord", "G", "u1"))
    assert again.status == "already"
    world.clock.at = datetime(2025, 3, 29, 8, 0, tzinfo=UTC)
    kinds = [e.kind for e in await world.daily.tick(poster)]
    assert kinds == ["closed", "posted"]
    results = poster.results[0][1]
    assert (results.questions[0].right, results.questions[0].answered) == (1, 2)
    assert [s.user for s in results.top] == ["u1"]
    assert not {q.key for q in post.questions} & {q.key for q in poster.posts[1][1].questions}
    late = await world.daily.answer(post.run_id, 1, 0, Learner("discord", "G", "u3"))
    assert late.status == "closed"


@pytest.mark.parametrize("kind", SQL_BACKENDS)
async def test_a_right_pick_on_a_new_card_scores_but_leaves_it_new(
    kind: str, tmp_path: Path
) -> None:
    """Recognition is not recall: a right daily pick on a card never studied scores, is logged
    as a daily multiple-choice answer, and leaves the card new; it does not use the learner's
    new-card allowance (one a day here), so study still offers a new card that day."""
    (tmp_path / "questions").mkdir()
    (tmp_path / "questions" / "geo.yaml").write_text(DECK)
    clock = Clock()
    w = World(tmp_path, clock, *await _open(tmp_path, clock, kind, new_per_day=1), kind)
    try:
        await _set(w)
        poster = Poster()
        w.clock.at = START + timedelta(hours=1)
        await w.daily.tick(poster)
        q = poster.posts[0][1].questions[1]
        learner = Learner("discord", "G", "u1")
        outcome = await w.daily.answer(poster.posts[0][1].run_id, 1, q.correct, learner, "Ann")
        assert (outcome.status, outcome.correct) == ("recorded", True)
        assert await w.service.repo.load_state(learner, q.key) is None
        board = await w.service.leaderboard("discord", "G")
        assert [(e.user, e.points) for e in board.entries] == [("u1", 10)]
        logged = await w.service.repo.find_answer(answer_id(await _run(w), q, learner))
        assert logged is not None
        assert (logged.source, logged.format, logged.scheduled) == (
            Source.DAILY,
            Format.CHOICE,
            None,
        )
        session = await w.service.start_session(learner)
        first = await w.service.next_question(session.id, learner)
        assert isinstance(first, Question) and first.is_new
    finally:
        await w.service.close()


async def test_a_wrong_pick_on_a_studied_card_brings_it_back(world: World) -> None:
    """A studied card missed in the daily quiz is rated Again: due again within minutes."""
    learner = Learner("discord", "G", "u1")
    for _ in range(6):
        await _study_one(world, learner)
    await _set(world)
    poster = Poster()
    world.clock.at = START + timedelta(days=3, hours=1)
    await world.daily.tick(poster)
    post = poster.posts[0][1]
    index = 0
    q = post.questions[index]
    studied = q.key
    before = await world.service.repo.load_state(learner, studied)
    await world.daily.answer(post.run_id, index, (q.correct + 1) % len(q.options), learner)
    after = await world.service.repo.load_state(learner, studied)
    assert before is not None and after is not None and before.due is not None
    assert after.due is not None and after.due < world.clock.at + timedelta(hours=1) < before.due
    assert after.lapses == before.lapses + 1


async def _study_one(w: World, learner: Learner) -> CardKey:
    """One new card studied and rated Easy: due days from now."""
    session = await w.service.start_session(learner)
    question = await w.service.next_question(session.id, learner)
    assert isinstance(question, Question)
    await w.service.answer(session.id, learner, question.turn, Response(rating=Rating.EASY))
    await w.service.end_session(session.id, learner)
    return question.card.key


async def _run(w: World) -> DailyRun:
    runs = await w.daily.store.open_runs("discord")
    assert len(runs) == 1
    return runs[0]


async def test_restart_inside_grace_posts_and_never_twice(world: World) -> None:
    """Down at 09:00, up at 10:30 local: posted once, even after two more restarts."""
    await _set(world)
    world.clock.at = START + timedelta(hours=2, minutes=30)
    await world.restart()
    poster = Poster()
    assert [e.kind for e in await world.daily.tick(poster)] == ["posted"]
    for _ in range(2):
        await world.restart()
        assert await world.daily.tick(poster) == []
    assert len(poster.posts) == 1


async def test_restart_outside_grace_skips_the_day(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Up at 11:30 local with a two-hour grace: the day is skipped and the log says why."""
    await _set(world)
    world.clock.at = START + timedelta(hours=3, minutes=30)
    await world.restart()
    poster = Poster()
    assert [e.kind for e in await world.daily.tick(poster)] == ["skipped"]
    assert poster.posts == [] and "grace" in caplog.text
    assert await world.daily.tick(poster) == []


async def test_configuration_errors_show_off(world: World) -> None:
    """Bad zone, time or deck are refused; show reports the next post; off removes it."""
    with pytest.raises(DailyConfigError, match="Europe/Berlin"):
        await _set(world, timezone="Moon/Base")
    with pytest.raises(DailyConfigError, match="HH:MM"):
        await _set(world, at="25:00")
    with pytest.raises(Exception, match="no deck called"):
        await _set(world, deck_id="nope")
    await _set(world)
    shown = await world.daily.show(ADMIN, "C1")
    assert shown is not None and shown.next_post == START + timedelta(hours=1)
    assert await world.daily.off(ADMIN, "C1")
    assert await world.daily.show(ADMIN, "C1") is None


async def test_reminder_once_a_day_when_cards_are_due(world: World) -> None:
    """An opted-in member with due cards gets one reminder a day; opted-out members none."""
    await _set(world)
    poster = Poster()
    await world.daily.tick(poster, START + timedelta(hours=1))
    learner = Learner("discord", "G", "u1")
    await _study_one(world, learner)
    await world.daily.remind(learner, True)
    world.clock.at = START + timedelta(days=10)
    await world.daily.tick(poster)
    await world.daily.tick(poster)
    assert poster.reminders == [(learner, 1)]
    await world.daily.remind(learner, False)
    await world.daily.tick(poster, START + timedelta(days=11))
    assert len(poster.reminders) == 1
