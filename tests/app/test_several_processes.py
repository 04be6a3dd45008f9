"""Two processes on one database (two services, two repositories): a daily post or a
competition timer left by a process that died is finished by the other, once, a stale
session cache never answers for a turn another process moved past, and a competition click
that reaches the process not running the game counts once."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app.competitions import CompetitionService
from bot.app.daily import POST_LEASE, DailyPost
from bot.app.study import QuizService
from bot.core.competition import Answer, CompetitionError, Phase
from bot.core.competition import answer as game_answer
from bot.core.library import Library
from bot.core.models import Learner, Mode, Question, Response
from bot.core.ports import LeaseLost
from bot.core.scheduler import Scheduler
from tests.app.test_competitions import Poster as GamePoster
from tests.app.test_competitions import deck
from tests.app.test_daily import ADMIN, DECK, START, Clock, Poster, _open
from tests.backends import SQL_BACKENDS, open_repository
from tests.fakes import FixedClock

WHERE = ("test", "ws", "chan")


class Stalled(Poster):
    """A poster whose process dies while posting: the call never returns."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()

    async def post_questions(self, channel: str, post: DailyPost) -> list[str]:
        self.entered.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


@pytest.fixture(params=SQL_BACKENDS)
async def pair(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple]:
    (tmp_path / "questions").mkdir()
    (tmp_path / "questions" / "geo.yaml").write_text(DECK)
    clock = Clock()
    first = await _open(tmp_path, clock, request.param)
    second = await _open(tmp_path, clock, request.param)
    yield clock, first, second
    await first[0].close()
    await second[0].close()


async def test_a_day_whose_poster_died_mid_post_is_posted_by_the_other_once(pair: tuple) -> None:
    """Process one claims the day and dies inside the post; process two waits while the lease
    holds, then posts it with the first attempt's key (so a platform that kept the first
    message returns it), and later closes it; nothing is posted twice."""
    clock, (_, one), (_, two) = pair
    await one.set(ADMIN, "C1", at="09:00", timezone="Europe/Berlin", questions=3)
    clock.at = START + timedelta(hours=1)
    dying = Stalled()
    task = asyncio.create_task(one.tick(dying))
    await dying.entered.wait()
    task.cancel()  # kill -9: the claim is committed, the post never finished
    survivor = Poster()
    assert await two.tick(survivor) == []  # the lease still holds
    assert survivor.posts == []
    clock.at += POST_LEASE + timedelta(seconds=1)
    assert [e.kind for e in await two.tick(survivor)] == ["posted"]
    assert [e.kind for e in await two.tick(survivor)] == []
    assert [e.kind for e in await one.tick(Poster())] == []  # a restarted one: nothing left
    ((channel, post),) = survivor.posts
    assert channel == "C1" and len(post.questions) == 3 and post.key.startswith("daily-")
    clock.at += timedelta(days=1)
    events = await two.tick(survivor)
    assert [e.kind for e in events].count("closed") == 1
    assert len(survivor.results) == 1 and survivor.results[0][1].key.startswith("results-")


async def test_two_processes_ticking_together_post_each_day_once(pair: tuple) -> None:
    clock, (_, one), (_, two) = pair
    await one.set(ADMIN, "C1", at="09:00", timezone="Europe/Berlin", questions=3)
    clock.at = START + timedelta(hours=1)
    a, b = Poster(), Poster()
    await asyncio.gather(one.tick(a), two.tick(b), one.tick(a), two.tick(b))
    assert len(a.posts) + len(b.posts) == 1


async def test_a_session_answered_in_another_process_is_read_afresh(pair: tuple) -> None:
    """A study session moved on in process two; process one, which served its first card,
    answers the new turn rather than calling the click stale (PostgreSQL); on SQLite (one
    process) the cache is kept."""
    _, (svc_one, _), (svc_two, _) = pair
    learner = Learner("discord", "G", "u1")
    if svc_one.sessions.keep:
        pytest.skip("SQLite: one process per database, sessions cached")
    first = await svc_one.start_session(learner, mode=Mode.QUIZ, deck_id="geo", limit=5)
    q1 = await svc_one.next_question(first.id, learner)
    assert isinstance(q1, Question)
    await svc_two.answer(first.id, learner, q1.turn, Response(choice=0))
    q2 = await svc_two.next_question(first.id, learner)
    assert isinstance(q2, Question)
    feedback = await svc_one.answer(first.id, learner, q2.turn, Response(choice=0))
    assert feedback.turn == q2.turn and not feedback.duplicate
    again = await svc_two.answer(first.id, learner, q2.turn, Response(choice=0))
    assert again.duplicate  # one answer per turn, whichever process got it


async def _game(kind: str, folder: Path, clock: FixedClock, name: str):
    repo = await open_repository(kind, folder)
    service = QuizService(
        repo,
        Library.of([deck()]),
        clock=clock,
        scheduler=Scheduler(enable_fuzzing=False),
        rng=random.Random(3),
    )
    poster = GamePoster()
    comps = CompetitionService(
        service, repo.competition_store(), poster, lease_seconds=30, owner=name
    )
    return service, comps, poster


@pytest.mark.parametrize("kind", SQL_BACKENDS)
async def test_a_round_whose_process_died_is_closed_by_a_survivor_once(
    kind: str, tmp_path: Path
) -> None:
    clock = FixedClock()
    s1, one, p1 = await _game(kind, tmp_path, clock, "one")
    s2, two, p2 = await _game(kind, tmp_path, clock, "two")
    try:
        await two.resume("test", lambda ws: False)
        c = await one.start(WHERE, "ann", "Ann", deck_id="d", rounds=2, seconds=5)
        await one.join(WHERE, c.id, "bob", "Bob")
        c = await one.begin(WHERE, c.id, "ann")
        assert c.phase is Phase.ROUND
        await one.answer(WHERE, c.id, c.round_no, "ann", c.question.correct)
        await one.close()  # the process dies: its timer stops, its lease is not renewed
        assert await two.keep_leases("test") == 0  # still leased
        clock.advance(seconds=31)
        assert await two.keep_leases("test") == 1
        await two.tick(WHERE)
        after = two.current(WHERE)
        assert after is not None and after.phase is Phase.BETWEEN_ROUNDS
        ann = after.player("ann")
        assert ann is not None and ann.correct == 1  # the answer given before the crash counts
        assert [k for k, _ in p2.posts].count("result") == 1
        assert "result" not in [k for k, _ in p1.posts]
        # a write of the silent process (its stale state) is refused: the game runs elsewhere
        with pytest.raises(LeaseLost):
            await one.store.save(c, owner="one")
    finally:
        await two.close()
        await s1.close()
        await s2.close()


@pytest.mark.parametrize("kind", SQL_BACKENDS)
async def test_the_process_serving_the_workspace_takes_its_game_back(
    kind: str, tmp_path: Path
) -> None:
    """After a takeover, the restarted owner of the workspace resumes the game; the survivor
    drops its timer at its next renewal and scores nothing more."""
    clock = FixedClock()
    s1, one, _ = await _game(kind, tmp_path, clock, "one")
    s2, two, _ = await _game(kind, tmp_path, clock, "two")
    try:
        c = await one.start(WHERE, "ann", "Ann", deck_id="d", rounds=3, seconds=5)
        await one.close()
        clock.advance(seconds=31)
        assert await two.keep_leases("test") == 1
        s3, back, _ = await _game(kind, tmp_path, clock, "one-again")
        assert await back.resume("test", lambda ws: ws == "ws") == 1
        await two.keep_leases("test")
        assert two.current(WHERE) is None
        resumed = back.current(WHERE)
        assert resumed is not None and resumed.id == c.id
        stopped = await back.stop(WHERE, "ann")  # written by its new holder
        assert not stopped.phase.active
        await back.close()
        await s3.close()
    finally:
        await two.close()
        await s1.close()
        await s2.close()


@pytest.mark.parametrize("kind", SQL_BACKENDS)
async def test_clicks_on_the_instance_not_running_the_game_count_once(
    kind: str, tmp_path: Path
) -> None:
    """Slack in HTTP mode: a join and answers reach the instance that does not run the game.
    They are recorded there while the stored lobby or round is open; the holder closes each
    round once, with every answer from both instances counted once, and its points, the
    round's result and the competitions board agree. An answer after the deadline, or one
    that arrives after the holder closed the round, is refused."""
    clock = FixedClock()
    s1, one, p1 = await _game(kind, tmp_path, clock, "one")
    s2, two, p2 = await _game(kind, tmp_path, clock, "two")
    try:
        c = await one.start(WHERE, "ann", "Ann", deck_id="d", rounds=2, seconds=10)
        lobby = await two.join(WHERE, c.id, "bob", "Bob")  # reaches the other instance
        assert [p.user for p in lobby.players] == ["ann", "bob"]
        with pytest.raises(CompetitionError, match="already in"):
            await one.join(WHERE, c.id, "bob", "Bob")  # the holder reads the lobby again
        await one.join(WHERE, c.id, "cat", "Cat")
        with pytest.raises(CompetitionError, match="Another instance"):
            await two.begin(WHERE, c.id, "ann")  # the lobby's timer runs on the holder only
        with pytest.raises(CompetitionError, match="Another instance"):
            await two.stop(WHERE, "ann")
        c = await one.begin(WHERE, c.id, "ann")
        assert [p.user for p in c.players] == ["ann", "bob", "cat"]
        assert c.question is not None
        right, wrong = c.question.correct, (c.question.correct + 1) % len(c.question.options)

        clock.advance(seconds=2)
        _, ann = await one.answer(WHERE, c.id, 1, "ann", right)
        clock.advance(seconds=2)
        _, bob = await two.answer(WHERE, c.id, 1, "bob", right)
        assert bob.correct and bob.points > 0
        for process in (one, two):  # bob's answer counts once, whichever instance he clicks
            with pytest.raises(CompetitionError, match="already answered"):
                await process.answer(WHERE, c.id, 1, "bob", wrong)
        clock.advance(seconds=7)  # past the deadline
        with pytest.raises(CompetitionError, match="Too late"):
            await two.answer(WHERE, c.id, 1, "cat", right)

        closed = await one.tick(WHERE)
        assert closed is not None and closed.phase is Phase.BETWEEN_ROUNDS
        assert {a.user: a.points for a in closed.answers} == {"ann": ann.points, "bob": bob.points}
        points = {p.user: p.points for p in closed.players}
        assert points == {"ann": ann.points, "bob": bob.points, "cat": 0}
        results = [g for k, g in p1.posts if k == "result"]
        assert len(results) == 1 and results[0] == closed
        assert p2.posts == []
        # an answer given before the deadline whose write comes after the close is refused
        late = Answer("cat", right, c.deadline - timedelta(seconds=1), True, 100)
        with pytest.raises(CompetitionError, match="Too late"):
            await two.store.record_answer(c, late, None, elsewhere=True)

        clock.advance(seconds=6)
        second = await one.tick(WHERE)
        assert second is not None and second.phase is Phase.ROUND and second.round_no == 2
        assert second.question is not None
        given = {}
        for user in ("ann", "bob", "cat"):  # all on the other instance
            clock.advance(seconds=1)
            _, given[user] = await two.answer(WHERE, c.id, 2, user, second.question.correct)
        clock.advance(seconds=10)
        end = await one.tick(WHERE)
        assert end is not None and end.phase is Phase.FINISHED
        total = {p.user: p.points for p in end.players}
        assert total == {u: points[u] + given[u].points for u in ("ann", "bob", "cat")}
        assert [k for k, _ in p1.posts].count("result") == 2
        board, _ = await two.store.leaderboard("test", "ws", "", 10)
        assert {e.user: e.points for e in board} == total
        assert {e.user: e.answers for e in board} == {"ann": 2, "bob": 2, "cat": 1}
    finally:
        await one.close()
        await two.close()
        await s1.close()
        await s2.close()


@pytest.mark.parametrize("kind", SQL_BACKENDS)
async def test_a_repeat_on_the_holder_never_closes_a_round_over_the_answer_given_elsewhere(
    kind: str, tmp_path: Path
) -> None:
    """Bob answered on the other instance; on the holder, his repeat and Ann's answer are
    written together, and Ann's write holds the state that would close the round with Bob's
    repeat. The store keeps the round open; the holder closes it at the deadline with the
    answer Bob gave first."""
    clock = FixedClock()
    s1, one, _ = await _game(kind, tmp_path, clock, "one")
    s2, two, _ = await _game(kind, tmp_path, clock, "two")
    try:
        c = await one.start(WHERE, "ann", "Ann", deck_id="d", rounds=1, seconds=10)
        await one.join(WHERE, c.id, "bob", "Bob")
        c = await one.begin(WHERE, c.id, "ann")
        assert c.question is not None
        right, wrong = c.question.correct, (c.question.correct + 1) % len(c.question.options)
        clock.advance(seconds=1)
        _, first = await two.answer(WHERE, c.id, 1, "bob", right)
        clock.advance(seconds=1)
        repeat, _ = game_answer(c, "bob", wrong, clock.now())
        closing, ann = game_answer(repeat, "ann", right, clock.now())
        assert closing.phase is Phase.FINISHED
        assert await one.store.record_answer(closing, ann, None)
        stored = await one.store.get(c.id)
        assert stored is not None and stored.phase is Phase.ROUND
        clock.advance(seconds=9)
        end = await one.tick(WHERE)
        assert end is not None and end.phase is Phase.FINISHED
        assert {a.user: (a.option, a.points) for a in end.answers} == {
            "bob": (right, first.points),
            "ann": (right, ann.points),
        }
    finally:
        await one.close()
        await two.close()
        await s1.close()
        await s2.close()
