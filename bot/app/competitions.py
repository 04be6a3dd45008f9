"""CompetitionService: study-group competitions for any platform, over the pure game in core.

One `ChannelSession` per channel holds the game state and owns the asyncio task that wakes at the
next deadline and calls `tick`; nothing per-game lives anywhere else, so two channels never share
state. Every change is written to SQLite before it is posted, and an answer's FSRS review commits
in the same transaction as its points.

A click for a game another process runs (Slack in HTTP mode: any instance behind the address
gets it) is taken here all the same: a join or team pick is written into the stored lobby, an
answer gets its own row while the stored round is open (by its deadline; once per player and
round). The holder learns of them when it writes: the store refuses a lobby or a round close
that lacks them (`StaleGame`), and the holder reads the game again (the round's answers from
their rows) and decides anew under the channel's lock, so a round counts each answer once.

Which process runs a game's timer (leases, `resume`) is kept in `bot.app._game_leases`; how a
game is shown, and what happens when a channel refuses posts, in `bot.app._game_posts`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

from bot.app._channel import ChannelSession, PendingAnswer, Where
from bot.app._choice_review import choice_review
from bot.app._game_leases import LeaseKeeping, TimerMoved, process_name
from bot.app._game_posts import UNSEEN as UNSEEN
from bot.app._game_posts import GamePosting, Poster
from bot.app._game_posts import Notices as Notices
from bot.app.ports import CompetitionStorage, stores_of
from bot.app.posting import Retrying
from bot.app.study import QuizService
from bot.core import competition as game
from bot.core.competition import Answer, Competition, CompetitionError, Phase, Player, Rules
from bot.core.distractors import make_options
from bot.core.errors import UnknownDeck
from bot.core.models import CardRecord, Learner, Period, ReviewEntry, Source
from bot.core.ports import LeaseLost, StaleGame
from bot.core.reports import Leaderboard

log = logging.getLogger(__name__)

BUSY = "A competition is already running in this channel. Wait for it to end, or `stop` it."
GONE = "That competition is over."
STALE_ROUND = "That round has closed."
MOVED = "That competition is run elsewhere now. Try again."
ANSWERED = "You already answered this round."
ELSEWHERE = (
    "Another instance of the bot runs this competition, and only it can do that. Try again "
    "(the next try may reach it)."
)
RELOADS = 5
"""How often a write is decided anew on a game read again before the caller is told to retry."""
LEASE_SECONDS = 30.0
"""How long a game's timer stays with a process that stopped renewing its lease."""


class CompetitionService(LeaseKeeping, GamePosting):
    """start/join/pick_team/begin/answer/stop/tick for channels, and the competitions board."""

    def __init__(
        self,
        service: QuizService,
        store: CompetitionStorage,
        poster: Poster,
        *,
        lobby_seconds: int = 30,
        pause_seconds: int = 5,
        retrying: Retrying | None = None,
        lease_seconds: float = LEASE_SECONDS,
        owner: str | None = None,
    ) -> None:
        self.service = service
        self.store = store
        self.poster = poster
        self.lobby_seconds = lobby_seconds
        self.pause_seconds = pause_seconds
        self.retrying = retrying or Retrying()
        self._sessions: dict[Where, ChannelSession] = {}
        self.lease = timedelta(seconds=lease_seconds)
        self.owner = owner or process_name()
        self._leases: asyncio.Task[None] | None = None

    @classmethod
    def over(
        cls, service: QuizService, poster: Poster, *, lease_seconds: float = LEASE_SECONDS
    ) -> CompetitionService:
        """The competitions kept in the study service's own database, posted by `poster`."""
        store = stores_of(service.repo).competition_store()
        return cls(service, store, poster, lease_seconds=lease_seconds)

    # --- life cycle -------------------------------------------------------------------------

    async def start(
        self,
        where: Where,
        user: str,
        name: str,
        *,
        deck_id: str | None = None,
        rounds: int = game.DEFAULT_ROUNDS,
        seconds: int = game.DEFAULT_SECONDS,
        teams: bool = False,
    ) -> Competition:
        """Open a lobby the starter has joined; refused while the channel has a game."""
        if where in self._sessions:
            raise CompetitionError(BUSY)
        rules = Rules(
            rounds=rounds,
            seconds=seconds,
            teams=teams,
            lobby_seconds=self.lobby_seconds,
            pause_seconds=self.pause_seconds,
        )
        plan = await self._plan(where, deck_id, rules.rounds)
        now = self.service.clock.now()
        c = game.new(uuid.uuid4().hex[:12], where, Player(user, name), rules, plan, now, deck_id)
        if not await self.store.create(c, owner=self.owner, until=now + self.lease):
            raise CompetitionError(BUSY)
        self._track(c)
        log.info("competition %s started in %s by %s", c.id, where, user)
        return c

    async def _plan(self, where: Where, deck_id: str | None, rounds: int) -> list[game.RoundSpec]:
        """Cards drawn at random, each with options for all, weighted by the group's record."""
        library, rng = self.service.library.seen_from(where[0], where[1]), self.service.rng
        if deck_id and library.deck(deck_id) is None:
            raise UnknownDeck(deck_id)
        cards = list(library.cards(deck_id or None))
        rng.shuffle(cards)
        records = await self.service.repo.card_records(where[0], where[1])
        plan = []
        for card in cards:
            options, correct = make_options(card, library.cards(card.deck_id), rng)
            if len(options) < 2:
                continue
            rate = records.get(card.key, CardRecord()).success_rate
            plan.append(
                game.RoundSpec(card.deck_id, card.id, card.question, options, correct, rate)
            )
            if len(plan) >= rounds:
                break
        return plan

    def _track(self, c: Competition) -> ChannelSession:
        session = ChannelSession(c, self.tick)
        self._sessions[session.where] = session
        session.run(self._seconds_left)
        return session

    def _seconds_left(self, c: Competition) -> float:
        if c.deadline is None:
            return 3600.0
        return (c.deadline - self.service.clock.now()).total_seconds()

    async def close(self) -> None:
        """Cancel every timer; the games stay in the database for the next `resume` (or for
        another process, once the leases lapse)."""
        await self._stop_keeping()
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.cancel()

    # --- events ----------------------------------------------------------------------------

    def current(self, where: Where) -> Competition | None:
        session = self._sessions.get(where)
        return session.state if session else None

    def _session(self, where: Where, cid: str | None) -> ChannelSession:
        session = self._sessions.get(where)
        if session is None or (cid is not None and session.state.id != cid):
            raise CompetitionError(GONE)
        return session

    async def _stored(self, where: Where, cid: str) -> Competition:
        """The running game `cid` of the channel as stored (another process runs it)."""
        c = await self.store.get(cid)
        if c is None or not c.phase.active or (c.platform, c.workspace, c.channel) != where:
            raise CompetitionError(GONE)
        return c

    async def _lobby(
        self, where: Where, cid: str, change: Callable[[Competition], Competition]
    ) -> Competition:
        """A lobby change: under the channel's lock here, or into the stored lobby when
        another process runs the game."""
        if where not in self._sessions:
            await self._stored(where, cid)
            new = await self.store.amend(cid, change)
            if new is None:
                raise CompetitionError(GONE)
            return new
        session = self._session(where, cid)
        async with session.lock:
            return await self._change(session, change)

    async def join(self, where: Where, cid: str, user: str, name: str) -> Competition:
        return await self._lobby(where, cid, lambda c: game.join(c, user, name))

    async def pick_team(
        self, where: Where, cid: str, user: str, name: str, team: int
    ) -> Competition:
        return await self._lobby(where, cid, lambda c: game.pick_team(c, user, name, team))

    async def begin(
        self, where: Where, cid: str, user: str, *, moderator: bool = False
    ) -> Competition:
        if where not in self._sessions:
            await self._stored(where, cid)
            raise CompetitionError(ELSEWHERE)
        session = self._session(where, cid)
        async with session.lock:
            now = self.service.clock.now()
            return await self._change(
                session, lambda c: game.start(c, user, now, moderator=moderator)
            )

    async def answer(
        self, where: Where, cid: str, round_no: int, user: str, option: int
    ) -> tuple[Competition, Answer]:
        """Lock in an answer; it is recorded (with its FSRS review) before this returns.

        The review is worked out before the channel's lock (it reads only the player's card);
        under the lock, whoever comes first commits every answer waiting by then together, so
        a round that a thousand members answer at once waits for a few commits, not a
        thousand in a row. The time of the answer is the moment it arrived."""
        if where not in self._sessions:
            return await self._answer_elsewhere(where, cid, round_no, user, option)
        session = self._session(where, cid)
        c, at = session.state, self.service.clock.now()
        if c.phase is not Phase.ROUND or round_no != c.round_no or c.question is None:
            raise CompetitionError(STALE_ROUND)
        new, given = game.answer(c, user, option, at)  # refused here, before any read
        pending = PendingAnswer(
            round_no, user, option, at, await self._review(new, c.question, given)
        )
        session.pending.append(pending)
        async with session.lock:
            if not pending.outcome.done():
                await self._flush(session)
        return pending.outcome.result()

    async def _flush(self, session: ChannelSession) -> None:
        """Every waiting answer, checked against the game in order and committed together;
        the game moves on in memory and in the channel only with what was committed."""
        batch, session.pending = session.pending, []
        try:
            base = c = session.state
            taken: list[tuple[PendingAnswer, Competition, Answer]] = []
            for p in batch:
                try:
                    if c.phase is not Phase.ROUND or p.round_no != c.round_no:
                        raise CompetitionError(STALE_ROUND)
                    c, given = game.answer(c, p.user, p.option, p.at)
                except CompetitionError as error:
                    p.outcome.set_exception(error)
                    continue
                taken.append((p, c, given))
            if not taken:
                return
            written = await asyncio.gather(
                *(self.store.record_answer(s, a, p.review) for p, s, a in taken),
                return_exceptions=True,
            )
            c = base
            for (p, _, _), result in zip(taken, written, strict=True):
                if isinstance(result, BaseException):
                    p.outcome.set_exception(result)
                    continue
                if not result:  # answered already, in another process: its row counts
                    p.outcome.set_exception(CompetitionError(ANSWERED))
                    continue
                c, given = game.answer(c, p.user, p.option, p.at)
                p.outcome.set_result((c, given))
            self._set(session, c)
            await self._announce(session, base, c)
        finally:
            for p in batch:
                if not p.outcome.done():
                    p.outcome.set_exception(CompetitionError(STALE_ROUND))

    async def _answer_elsewhere(
        self, where: Where, cid: str, round_no: int, user: str, option: int
    ) -> tuple[Competition, Answer]:
        """An answer for a game another process runs: its own row (and review), taken only
        while the stored round is open; the holder counts it when it closes the round."""
        c = await self._stored(where, cid)
        if c.phase is not Phase.ROUND or round_no != c.round_no or c.question is None:
            raise CompetitionError(STALE_ROUND)
        new, given = game.answer(c, user, option, self.service.clock.now())
        review = await self._review(new, c.question, given)
        if not await self.store.record_answer(c, given, review, elsewhere=True):
            raise CompetitionError(ANSWERED)
        return new, given

    async def _review(self, c: Competition, spec: game.RoundSpec, a: Answer) -> ReviewEntry:
        """The answer in the review log (right Good, wrong Again), and in the player's FSRS
        state as `bot.core.evidence` says for a multiple-choice pick. Its points stay 0, so
        competition points never count twice (they have their own board)."""
        return await choice_review(
            self.service,
            Learner(c.platform, c.workspace, a.user),
            spec.deck_id,
            spec.card_id,
            correct=a.correct,
            at=a.at,
            answer_id=f"compete:{c.id}:{c.round_no}:{a.user}",
            points=0,
            response=spec.options[a.option],
            source=Source.COMPETITION,
        )

    async def stop(self, where: Where, user: str, *, moderator: bool = False) -> Competition:
        """End the channel's game now (starter or moderator); the podium shows the scores so far."""
        session = self._sessions.get(where)
        if session is None:
            running = await self.store.active(where[0])
            if any((c.platform, c.workspace, c.channel) == where for c in running):
                raise CompetitionError(ELSEWHERE)
            raise CompetitionError("No competition is running in this channel.")
        async with session.lock:
            return await self._change(session, lambda c: game.stop(c, user, moderator=moderator))

    async def tick(self, where: Where) -> Competition | None:
        """Move the channel's game past every deadline that has passed (tests call this too)."""
        session = self._sessions.get(where)
        if session is None:
            return None
        async with session.lock:
            while not session.closed:
                now = self.service.clock.now()
                if game.tick(session.state, now) == session.state:
                    return session.state
                try:
                    await self._change(session, functools.partial(game.tick, now=now))
                except TimerMoved:
                    return None
            return None

    # --- writing and posting ---------------------------------------------------------------

    async def _change(
        self, session: ChannelSession, step: Callable[[Competition], Competition]
    ) -> Competition:
        """`step` applied to the game and committed; when another process stored a join or an
        answer this state lacks, the game is read again and `step` decided on it."""
        for _ in range(RELOADS):
            try:
                return await self._commit(session, step(session.state))
            except StaleGame:
                fresh = await self.store.get(session.state.id)
                if fresh is None:
                    raise CompetitionError(GONE) from None
                session.state = fresh
        raise CompetitionError(MOVED)

    async def _commit(
        self,
        session: ChannelSession,
        new: Competition,
        *,
        answer: Answer | None = None,
        review: ReviewEntry | None = None,
    ) -> Competition:
        """Durable first, then in memory, then shown."""
        old = session.state
        try:
            if answer is not None:
                await self.store.record_answer(new, answer, review, owner=self.owner)
            else:
                await self.store.save(new, owner=self.owner, before=old)
        except LeaseLost:
            self._drop(session)
            raise TimerMoved(MOVED) from None
        self._set(session, new)
        await self._announce(session, old, new)
        return session.state

    def _set(self, session: ChannelSession, new: Competition) -> None:
        session.state = new
        session.wake.set()
        if not new.phase.active and self._sessions.get(session.where) is session:
            del self._sessions[session.where]

    # --- the board -------------------------------------------------------------------------

    async def leaderboard(
        self, platform: str, workspace: str, user: str = "", limit: int = 10
    ) -> Leaderboard:
        """Competition points per member in the workspace, and the caller's rank."""
        entries, caller = await self.store.leaderboard(platform, workspace, user, limit)
        return Leaderboard(workspace, Period.ALL, None, tuple(entries), caller)
