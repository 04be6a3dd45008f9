"""CompetitionService on real SQLite with a fixed clock: events, posts, scores, restart."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app.competitions import UNSEEN, CompetitionService
from bot.app.posting import MAX_RETRY_DELAY, RETRY_DELAY, PostFailed, Retrying
from bot.app.study import QuizService
from bot.core.competition import Competition, CompetitionError, Phase
from bot.core.errors import UnknownDeck
from bot.core.library import Library
from bot.core.models import AnswerRecord, Card, Deck, Format, Learner, Rating, Source
from bot.core.scheduler import Scheduler
from bot.storage.postgres import PostgresRepository
from bot.storage.sqlite import SqliteRepository
from tests.backends import SQL_BACKENDS, open_repository
from tests.fakes import FixedClock

WHERE = ("test", "ws", "chan")


def deck() -> Deck:
    cards = tuple(
        Card("d", f"c{i}", f"Question {i}?", f"answer {i}", choices=(f"answer {i}", "x", "y"))
        for i in range(6)
    )
    return Deck("d", "Deck", cards)


class PlainPoster:
    """Records what would be posted, in order; `refuse` makes the next posts of a kind fail,
    as a platform refuses them (with a Retry-After when given). No `post_notice`."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, Competition]] = []
        self.notices: list[str] = []
        self.refusals: dict[str, list[float | None]] = {}

    def refuse(self, kind: str, times: int = 1, retry_after: float | None = None) -> None:
        self.refusals.setdefault(kind, []).extend([retry_after] * times)

    def _record(self, kind: str, c: Competition) -> None:
        if self.refusals.get(kind):
            raise PostFailed(f"{kind} refused", retry_after=self.refusals[kind].pop(0))
        self.posts.append((kind, c))

    async def post_lobby(self, c: Competition) -> None:
        self._record("lobby", c)

    async def post_round(self, c: Competition) -> None:
        self._record("round", c)

    async def post_round_result(self, c: Competition) -> None:
        self._record("result", c)

    async def post_podium(self, c: Competition) -> None:
        self._record("podium", c)

    @property
    def kinds(self) -> list[str]:
        return [k for k, _ in self.posts]


class Poster(PlainPoster):
    """A poster that can also post a line of text."""

    async def post_notice(self, c: Competition, text: str) -> None:
        self._record("notice", c)
        self.notices.append(text)


class World:
    def __init__(self, folder: Path, clock: FixedClock, kind: str = "sqlite") -> None:
        self.folder, self.kind, self.clock, self.poster = folder, kind, clock, Poster()
        self.service: QuizService
        self.comps: CompetitionService

    async def open(self) -> CompetitionService:
        repo = await open_repository(self.kind, self.folder)
        self.service = QuizService(
            repo,
            Library.of([deck()]),
            clock=self.clock,
            scheduler=Scheduler(enable_fuzzing=False),
            rng=random.Random(3),
        )
        self.poster: PlainPoster = Poster()
        self.waits: list[float] = []
        self.comps = CompetitionService(
            self.service,
            repo.competition_store(),  # type: ignore[attr-defined]
            self.poster,
            retrying=Retrying(sleep=self.wait),
        )
        return self.comps

    async def wait(self, seconds: float) -> None:
        """The pause before a retried post: recorded, and spent on the test's clock."""
        self.waits.append(seconds)
        self.clock.advance(seconds=seconds)

    async def phase(self, cid: str) -> str:
        """The phase saved in the database (read apart from the service)."""
        repo = self.service.repo
        if isinstance(repo, PostgresRepository):
            row = await repo.db.fetchrow("SELECT phase FROM competitions WHERE id = $1", cid)
            return str(row[0]) if row else ""
        assert isinstance(repo, SqliteRepository)
        with contextlib.closing(sqlite3.connect(repo.path)) as db:
            return db.execute("SELECT phase FROM competitions WHERE id = ?", (cid,)).fetchone()[0]

    async def close(self) -> None:
        await self.comps.close()
        await self.service.close()


@pytest.fixture(params=SQL_BACKENDS)
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    w = World(tmp_path, FixedClock(), request.param)
    await w.open()
    yield w
    await w.close()


async def started(w: World, rounds: int = 2, **kw: object) -> Competition:
    c = await w.comps.start(WHERE, "ann", "Ann", deck_id="d", rounds=rounds, seconds=5, **kw)
    await w.comps.join(WHERE, c.id, "bob", "Bob")
    return await w.comps.begin(WHERE, c.id, "ann")


async def test_second_start_in_a_channel_is_refused(world: World) -> None:
    """One competition per channel: a second start gets a clear refusal."""
    await world.comps.start(WHERE, "ann", "Ann")
    with pytest.raises(CompetitionError, match="already running"):
        await world.comps.start(WHERE, "bob", "Bob")
    other = await world.comps.start(("test", "ws", "other"), "bob", "Bob")
    assert other.phase is Phase.LOBBY


async def test_unknown_deck_refused(world: World) -> None:
    """A deck id that is not loaded is refused before any lobby opens."""
    with pytest.raises(UnknownDeck):
        await world.comps.start(WHERE, "ann", "Ann", deck_id="nope")
    assert world.comps.current(WHERE) is None


async def test_full_game_posts_scores_and_reviews(world: World) -> None:
    """Rounds are posted, closed, scored; the board and each player's FSRS state are updated."""
    c = await started(world)
    assert world.poster.kinds == ["round"]
    q = c.question
    assert q is not None
    _, a = await world.comps.answer(WHERE, c.id, 1, "ann", q.correct)
    assert a.points > 0
    await world.comps.answer(WHERE, c.id, 1, "bob", (q.correct + 1) % len(q.options))
    assert world.poster.kinds == ["round", "result"]
    world.clock.advance(seconds=5)
    c2 = await world.comps.tick(WHERE)
    assert c2 is not None and c2.round_no == 2
    world.clock.advance(seconds=5)
    done = await world.comps.tick(WHERE)
    assert done is not None and done.phase is Phase.FINISHED
    assert world.poster.kinds == ["round", "result", "round", "result", "podium"]
    board = await world.comps.leaderboard("test", "ws", "bob")
    assert [e.user for e in board.entries] == ["ann", "bob"]
    assert board.caller is not None and board.caller.rank == 2
    # Neither had studied the card: a pick, right or wrong, is logged and leaves it new.
    for user, right in (("ann", True), ("bob", False)):
        learner = Learner("test", "ws", user)
        assert await world.service.repo.load_state(learner, ("d", q.card_id)) is None
        logged = await world.service.repo.find_answer(f"compete:{c.id}:1:{user}")
        assert logged is not None and logged.correct is right
        assert (logged.source, logged.format, logged.scheduled) == (
            Source.COMPETITION,
            Format.CHOICE,
            None,
        )
    assert world.comps.current(WHERE) is None


async def test_a_crowd_answering_at_once_is_scored_each_and_closes_the_round_once(
    world: World,
) -> None:
    """Forty players answer the same moment (committed together): each gets their own
    outcome, a second click from one of them is refused, every answer is on the board, and
    the round closes once with its result."""
    c = await world.comps.start(WHERE, "ann", "Ann", deck_id="d", rounds=2, seconds=5)
    crowd = [f"p{i}" for i in range(40)]
    for user in crowd:
        await world.comps.join(WHERE, c.id, user, user.upper())
    c = await world.comps.begin(WHERE, c.id, "ann")
    q = c.question
    assert q is not None
    picks = {user: (q.correct + i % 2) % len(q.options) for i, user in enumerate(crowd)}
    outcomes = await asyncio.gather(
        *(world.comps.answer(WHERE, c.id, 1, u, o) for u, o in picks.items()),
        world.comps.answer(WHERE, c.id, 1, "p0", q.correct),
        return_exceptions=True,
    )
    *given, twice = outcomes
    assert isinstance(twice, CompetitionError) and "already answered" in str(twice)
    assert [a.user for _, a in given] == crowd  # type: ignore[misc]
    assert all(a.correct == (picks[a.user] == q.correct) for _, a in given)  # type: ignore[misc]
    assert world.poster.kinds == ["round"]
    await world.comps.answer(WHERE, c.id, 1, "ann", q.correct)
    assert world.poster.kinds == ["round", "result"]
    board = await world.comps.leaderboard("test", "ws", "p0", limit=100)
    assert len(board.entries) == 41 and board.caller is not None
    assert sum(e.points > 0 for e in board.entries) == 21


async def test_a_wrong_pick_on_a_studied_card_is_a_lapse(world: World) -> None:
    """A player who had learned the card and misses it in a competition sees it again soon;
    a right pick on a learned card counts as Good, never Easy."""
    ann, bob = Learner("test", "ws", "ann"), Learner("test", "ws", "bob")
    for learner in (ann, bob):
        await _learn_every_card(world, learner)
    c = await started(world)
    q = c.question
    assert q is not None
    key = ("d", q.card_id)
    before = await world.service.repo.load_state(bob, key)
    ann_before = await world.service.repo.load_state(ann, key)
    await world.comps.answer(WHERE, c.id, 1, "ann", q.correct)
    await world.comps.answer(WHERE, c.id, 1, "bob", (q.correct + 1) % len(q.options))
    ann_after = await world.service.repo.load_state(ann, key)
    assert ann_before is not None and ann_after is not None
    assert ann_after.reps == ann_before.reps + 1 and ann_after.lapses == ann_before.lapses
    after = await world.service.repo.load_state(bob, key)
    assert before is not None and after is not None and before.due and after.due
    assert after.wrong_streak == 1 and after.lapses == before.lapses + 1
    assert after.due < world.clock.now() + timedelta(hours=1) < before.due


async def _learn_every_card(w: World, learner: Learner) -> None:
    """Every card studied yesterday and rated Easy: in review, due about a week from now."""
    scheduler = Scheduler(enable_fuzzing=False)
    at = w.clock.now() - timedelta(days=1)
    for card in deck().cards:
        state = scheduler.review(None, "d", card.id, Rating.EASY, at)
        record = AnswerRecord(
            f"seed:{learner.user}:{card.id}", learner, "d", card.id, Format.FLASHCARD,
            Rating.EASY, True, 0, at, scheduled=Rating.EASY,
        )  # fmt: skip
        assert await w.service.repo.record_answer(record, state, None)


async def test_stale_and_double_answers(world: World) -> None:
    """A second click is refused; a click for another round or game is refused."""
    c = await started(world)
    await world.comps.answer(WHERE, c.id, 1, "ann", 0)
    with pytest.raises(CompetitionError, match="already answered"):
        await world.comps.answer(WHERE, c.id, 1, "ann", 1)
    with pytest.raises(CompetitionError, match="closed"):
        await world.comps.answer(WHERE, c.id, 2, "bob", 0)
    with pytest.raises(CompetitionError, match="over"):
        await world.comps.answer(WHERE, "other", 1, "bob", 0)


async def test_stop_by_plain_member_refused_moderator_allowed(world: World) -> None:
    """A member who did not start it cannot stop it; a moderator can, and the podium posts."""
    await started(world)
    with pytest.raises(CompetitionError):
        await world.comps.stop(WHERE, "bob")
    stopped = await world.comps.stop(WHERE, "bob", moderator=True)
    assert stopped.phase is Phase.STOPPED and world.poster.kinds[-1] == "podium"
    await world.comps.start(WHERE, "ann", "Ann")  # the channel is free again


async def test_timer_task_closes_the_round(world: World) -> None:
    """The channel's own task ticks when the deadline passes, without anyone calling tick."""
    c = await started(world)
    world.clock.advance(seconds=6)
    session = world.comps._sessions[WHERE]
    session.wake.set()
    for _ in range(100):
        if "result" in world.poster.kinds:
            break
        await asyncio.sleep(0.01)
    assert world.poster.kinds == ["round", "result"]
    assert c.id == world.comps.current(WHERE).id  # type: ignore[union-attr]


async def test_restart_mid_round_reposts_with_the_same_deadline(world: World) -> None:
    """After a restart inside a round the round is posted again, time left unchanged, with the
    answers already given and their points (recorded as rows, not in the saved game)."""
    c = await started(world)
    _, a = await world.comps.answer(WHERE, c.id, 1, "ann", c.question.correct)  # type: ignore[union-attr]
    await world.close()
    comps = await world.open()
    assert await comps.resume("test") == 1
    assert world.poster.kinds == ["round"]
    again = world.poster.posts[0][1]
    assert again.deadline == c.deadline and again.answer_of("ann") == a
    assert again.player("ann").points == a.points > 0  # type: ignore[union-attr]
    await comps.answer(WHERE, c.id, 1, "bob", 0)
    assert world.poster.kinds == ["round", "result"]


async def test_restart_after_deadline_closes_and_continues(world: World) -> None:
    """A round whose deadline passed while down is closed on resume; nothing scored is lost."""
    c = await started(world)
    _, a = await world.comps.answer(WHERE, c.id, 1, "ann", c.question.correct)  # type: ignore[union-attr]
    await world.close()
    world.clock.advance(minutes=10)
    comps = await world.open()
    await comps.resume("test")
    await comps.tick(WHERE)
    assert world.poster.kinds == ["result"]
    world.clock.advance(seconds=5)
    resumed = await comps.tick(WHERE)
    assert resumed is not None and resumed.round_no == 2 and resumed.phase is Phase.ROUND
    board = await comps.leaderboard("test", "ws", "ann")
    assert board.caller is not None and board.caller.points == a.points


async def test_a_round_refused_once_is_posted_again_with_its_full_time(world: World) -> None:
    """The platform refuses round 1 once (Retry-After 0.5 s): after that wait the round is
    posted again, its clock restarted, and it is played and scored as usual."""
    world.poster.refuse("round", retry_after=0.5)
    c = await started(world)
    assert world.waits == [0.5] and world.poster.kinds == ["round"]
    shown = world.poster.posts[0][1]
    assert shown.deadline == world.clock.now() + timedelta(seconds=5)  # not 4.5 s
    assert c.phase is Phase.ROUND and await world.phase(c.id) == "round"
    q = c.question
    assert q is not None
    _, a = await world.comps.answer(WHERE, c.id, 1, "ann", q.correct)
    await world.comps.answer(WHERE, c.id, 1, "bob", (q.correct + 1) % len(q.options))
    assert world.poster.kinds == ["round", "result"]
    board = await world.comps.leaderboard("test", "ws", "ann")
    assert board.caller is not None and board.caller.points == a.points == 150


async def test_a_channel_that_keeps_refusing_rounds_stops_the_game(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Round 1 refused twice: the game stops (saved as stopped), says why, logs the channel,
    and plays no rounds nobody can see."""
    world.poster.refuse("round", times=2)
    with caplog.at_level(logging.WARNING, "bot.app"):
        c = await started(world)
    assert world.waits == [RETRY_DELAY]
    assert c.phase is Phase.STOPPED and await world.phase(c.id) == "stopped"
    assert world.poster.kinds == ["notice"] and world.poster.notices == [UNSEEN]
    assert world.comps.current(WHERE) is None
    assert any("channel chan" in r.getMessage() and "stopped" in r.getMessage()
               for r in caplog.records if r.levelno == logging.WARNING)  # fmt: skip
    with pytest.raises(CompetitionError, match="over"):
        await world.comps.answer(WHERE, c.id, 1, "ann", 0)
    world.clock.advance(minutes=5)
    assert await world.comps.tick(WHERE) is None
    assert world.poster.kinds == ["notice"]
    board = await world.comps.leaderboard("test", "ws", "ann")
    assert board.entries == () and board.caller is None
    await world.comps.start(WHERE, "ann", "Ann")  # the channel is free again


async def test_a_retry_after_too_long_for_a_round_stops_at_once(world: World) -> None:
    """Asked to wait longer than a round can sit unseen, the service does not retry early."""
    world.poster.refuse("round", retry_after=MAX_RETRY_DELAY + 1)
    c = await started(world)
    assert world.waits == [] and c.phase is Phase.STOPPED
    assert world.poster.kinds == ["notice"]


async def test_a_refused_result_is_retried_and_the_game_goes_on(world: World) -> None:
    """A round's result refused once is posted on the retry; the next round still opens."""
    c = await started(world)
    world.poster.refuse("result")
    q = c.question
    assert q is not None
    await world.comps.answer(WHERE, c.id, 1, "ann", q.correct)
    await world.comps.answer(WHERE, c.id, 1, "bob", q.correct)
    assert world.poster.kinds == ["round", "result"] and world.waits == [RETRY_DELAY]
    world.clock.advance(seconds=5)
    nxt = await world.comps.tick(WHERE)
    assert nxt is not None and nxt.round_no == 2 and world.poster.kinds[-1] == "round"


@pytest.mark.parametrize("kind", SQL_BACKENDS)
async def test_without_notices_the_stopped_podium_says_it(kind: str, tmp_path: Path) -> None:
    """A platform poster without `post_notice` gets the stopped game's podium instead."""
    w = World(tmp_path, FixedClock(), kind)
    await w.open()
    w.poster = w.comps.poster = PlainPoster()  # type: ignore[assignment]
    try:
        w.poster.refuse("round", times=2)
        c = await started(w)
        assert c.phase is Phase.STOPPED and w.poster.kinds == ["podium"]
        assert w.poster.posts[0][1].phase is Phase.STOPPED
    finally:
        await w.close()
