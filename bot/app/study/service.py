"""QuizService: the one API every adapter calls.

It joins the pure core (what to ask, how to grade, when again) with the repository (what each
learner knows). Replies are dataclasses from `bot.core.models`; adapters render them.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.app.study import _answers
from bot.app.study._card_choice import CardChooser
from bot.app.study._decks import chat_decks, checked_deck
from bot.app.study._replies import question_of, summary_of
from bot.app.study._schedulers import GroupSchedulers, Load
from bot.app.study._sessions import SessionBook, asking
from bot.app.study._stats_report import board, gather_stats
from bot.core.distractors import make_options
from bot.core.errors import (
    CardChanged,
    NotRecorded,
    SessionOver,
    StaleQuestion,
    WrongKindOfAnswer,
)
from bot.core.library import Library
from bot.core.models import (
    PRIVATE,
    AskedCard,
    CardKey,
    Deck,
    DeckError,
    Feedback,
    Format,
    Learner,
    Mode,
    Period,
    Question,
    Response,
    SessionSummary,
    StudySession,
)
from bot.core.ports import Clock, Repository, StorageError
from bot.core.reports import DeckSummary, Leaderboard, LoadReport, Stats
from bot.core.responses import fits
from bot.core.scheduler import Scheduler
from bot.core.selection import SelectionConfig, choose_format

log = logging.getLogger(__name__)

QUIZ_DEFAULT_LENGTH = 10
QUIZ_MAX_LENGTH = 25


class QuizService:
    """Sessions, answers, leaderboards, stats and deck reloads, for any platform."""

    def __init__(
        self,
        repo: Repository,
        library: Library,
        *,
        clock: Clock,
        scheduler: Scheduler,
        selection: SelectionConfig | None = None,
        rng: random.Random | None = None,
        fast_seconds: float = 8.0,
        loader: Callable[[], Awaitable[Library]] | None = None,
        parameters: Load | None = None,
    ) -> None:
        """`loader` reads the questions folder (global decks); the decks the workspaces
        imported in chat are read again from the repository's chat-deck store on a reload
        (`reload_decks`); `parameters` reads a workspace's accepted FSRS fit
        (`bot.app.fitting`)."""
        self.repo = repo
        self.library = library
        """Every deck of every workspace; a request reads only `view(learner)` of it."""
        self.decks_changing = asyncio.Lock()
        """Held while the chat decks are read or changed, so a reload never drops an import."""
        self.clock = clock
        self.scheduler = scheduler
        self.selection = selection or SelectionConfig()
        self.rng = rng or random.Random()
        self.fast_seconds = fast_seconds
        self._loader = loader
        self.schedulers = GroupSchedulers(scheduler, parameters)
        self.sessions = SessionBook(repo)
        self.chooser = CardChooser(repo, scheduler, self.selection, self.rng)

    # --- decks ---------------------------------------------------------------------------

    def view(self, learner: Learner) -> Library:
        """The decks `learner` may see: the global ones and their workspace's own."""
        return self.library.seen_from(learner.platform, learner.workspace)

    def decks(self, learner: Learner) -> tuple[DeckSummary, ...]:
        return self.view(learner).summaries()

    def search_decks(self, learner: Learner, text: str, limit: int = 25) -> tuple[DeckSummary, ...]:
        return self.view(learner).search(text, limit)

    def deck_name(self, deck_id: str) -> str:
        return self.library.deck_name(deck_id)

    def load_report(self) -> LoadReport:
        """The questions folder's decks (global); no workspace's chat decks."""
        return self._folder().report()

    def _folder(self) -> Library:
        return self.library.seen_from("", PRIVATE)

    def put_deck(self, deck: Deck) -> None:
        """Add or replace one deck in the next snapshot (a chat import)."""
        self.library = self.library.with_deck(deck)

    def drop_deck(self, deck_id: str) -> None:
        self.library = self.library.without_deck(deck_id)

    async def reload_decks(self) -> LoadReport:
        """Re-read the questions directory, keeping the decks imported in chat. Progress is
        keyed by card id, so it survives.

        The loader works off the event loop within a time budget; when it gives up (DeckError)
        the decks loaded before stay, and the report says why. The chat decks are read again
        from the store, under the lock imports take, so one finishing meanwhile is kept.
        """
        if self._loader is None:
            return self.load_report()
        try:
            folder = await self._loader()
        except DeckError as exc:
            log.error("decks not reloaded, keeping the loaded ones: %s", exc)
            return LoadReport(self._folder().summaries(), (exc,))
        for error in folder.errors:
            log.warning("deck error: %s", error)
        async with self.decks_changing:
            chat = await chat_decks(self.repo, self.library)
            globals_ = (d for d in folder.decks if d.owner is None)
            self.library = Library.of((*globals_, *chat), folder.errors)
        log.info(
            "decks reloaded: %d folder decks, %d chat decks, %d errors",
            len(folder.decks), len(chat), len(folder.errors),
        )  # fmt: skip
        return folder.report()

    # --- sessions ------------------------------------------------------------------------

    async def start_session(
        self,
        learner: Learner,
        *,
        mode: Mode = Mode.REVIEW,
        deck_id: str | None = None,
        limit: int | None = None,
    ) -> StudySession:
        """Open a session; the first question comes from `next_question`."""
        deck = checked_deck(self.view(learner), deck_id)
        if mode is Mode.QUIZ:
            limit = max(1, min(limit or QUIZ_DEFAULT_LENGTH, QUIZ_MAX_LENGTH))
        missed: tuple[CardKey, ...] = ()
        if mode is Mode.MISSED:
            last = await self.repo.last_session(learner)
            missed = tuple(k for k in (last.wrong if last else ()) if deck is None or k[0] == deck)
        session = StudySession(
            id=uuid.uuid4().hex[:16],
            learner=learner,
            mode=mode,
            deck_id=deck,
            started_at=self.clock.now(),
            limit=limit,
            missed=missed,
        )
        await self.sessions.save(session)
        log.info("session %s started: %s %s deck=%s", session.id, learner.platform, mode, deck)
        return session

    async def next_question(self, session_id: str, learner: Learner) -> Question | SessionSummary:
        """The question the session waits on, or a new one, or the summary when it is over."""
        async with self.sessions.lock(session_id):
            session = await self.sessions.own(session_id, learner)
            if not session.active:
                return self._summary(session, "ended")
            if session.current is not None:
                question = self._question(session, session.current)
                if question is not None:
                    return question
            return await self._advance(session)

    async def current_question(self, session_id: str, learner: Learner) -> Question | None:
        session = await self.sessions.own(session_id, learner)
        if session.current is None or not session.active:
            return None
        return self._question(session, session.current)

    async def skip(
        self, session_id: str, learner: Learner, turn: int | None = None
    ) -> Question | SessionSummary:
        """Leave the current card unanswered (no review is logged) and ask another. With
        `turn`, a click from an earlier card (a double click) raises StaleQuestion instead of
        skipping a card the learner has not seen."""
        async with self.sessions.lock(session_id):
            session = await self.sessions.own(session_id, learner)
            if not session.active:
                return self._summary(session, "ended")
            current = session.current
            if turn is not None and (current is None or turn != session.turn):
                raise StaleQuestion()
            session = replace(
                session,
                current=None,
                last_card=current.key if current else session.last_card,
                asked=session.asked + ((current.key,) if current else ()),
            )
            return await self._advance(session)

    async def end_session(self, session_id: str, learner: Learner) -> SessionSummary:
        async with self.sessions.lock(session_id):
            session = await self.sessions.own(session_id, learner)
            if session.active:
                session = replace(session, ended_at=self.clock.now(), current=None)
                await self.sessions.save(session)
            return self._summary(session, "stopped")

    async def _advance(self, session: StudySession) -> Question | SessionSummary:
        now = self.clock.now()
        if session.limit is not None and session.answered >= session.limit:
            return await self._finish(session, "complete")
        library = self.view(session.learner)
        scheduler = await self.scheduler_for(session.learner)
        picked, states = await self.chooser.pick(library, session, now, scheduler)
        if picked is None:
            return await self._finish(session, "done")
        card, _is_new = picked
        pool = library.cards(card.deck_id)
        options, correct = make_options(card, pool, self.rng)
        fmt = choose_format(
            card,
            states.get(card.key),
            session.mode,
            self.selection,
            choices_available=len(options) >= 2,
        )
        if fmt is not Format.CHOICE:
            options, correct = (), None
        asked = AskedCard(
            card.deck_id, card.id, fmt, tuple(options), correct, now, fingerprint=card.fingerprint
        )
        from_turn = session.turn
        session = asking(session, asked)
        if not await self.sessions.advance(session, from_turn):
            return await self._raced(session)
        question = self._question(session, asked, is_new=card.key not in states)
        assert question is not None
        return question

    async def _raced(self, session: StudySession) -> Question | SessionSummary:
        """Another process moved the session on at the same moment (a "Next" click on each):
        this click shows the card the winner asked, so both messages ask one card."""
        stored = await self.sessions.own(session.id, session.learner)
        if stored.current is not None and stored.active:
            question = self._question(stored, stored.current)
            if question is not None:
                return question
        if not stored.active:
            return self._summary(stored, "ended")
        return await self._advance(stored)

    async def _finish(self, session: StudySession, reason: str) -> SessionSummary:
        session = replace(session, ended_at=self.clock.now(), current=None)
        await self.sessions.save(session)
        return self._summary(session, reason)

    def _question(
        self, session: StudySession, asked: AskedCard, *, is_new: bool = False
    ) -> Question | None:
        return question_of(self.view(session.learner), session, asked, is_new=is_new)

    def _summary(self, session: StudySession, reason: str) -> SessionSummary:
        return summary_of(self.view(session.learner), session, reason)

    # --- answers -------------------------------------------------------------------------

    async def answer(
        self,
        session_id: str,
        learner: Learner,
        turn: int,
        response: Response,
        *,
        duration_ms: int | None = None,
    ) -> Feedback:
        """Grade and record one answer. A repeat of the same turn (a double click, a redelivered
        interaction) returns the first result and records nothing new."""
        try:
            return await self._answer(session_id, learner, turn, response, duration_ms)
        except StorageError as exc:
            # A read on the way failed (the database went away mid-answer): nothing was
            # written, and the member hears "could not be recorded" like a failed commit.
            log.error("answer %s:%s not recorded: %s", session_id, turn, exc)
            raise NotRecorded() from exc

    async def _answer(
        self,
        session_id: str,
        learner: Learner,
        turn: int,
        response: Response,
        duration_ms: int | None,
    ) -> Feedback:
        answer_id = f"{session_id}:{turn}"
        async with self.sessions.lock(session_id):
            session = await self.sessions.own(session_id, learner)
            asked = session.current
            if asked is None or turn != session.turn or not session.active:
                # Not the open question: a repeat of an answered turn, or a stale button.
                earlier = await self.repo.find_answer(answer_id)
                if earlier is not None:
                    return await _answers.replay(self, session, earlier, turn)
                if not session.active:
                    raise SessionOver()
                raise StaleQuestion()
            card = self.view(session.learner).card(asked.key)
            if card is None or not asked.same_as(card):
                raise await self._moved_on(session, asked, gone=card is None)
            if not fits(response, asked):
                raise WrongKindOfAnswer()
            return await _answers.record(
                self,
                session,
                card,
                asked,
                response,
                answer_id=answer_id,
                turn=turn,
                duration_ms=duration_ms,
            )

    async def _moved_on(
        self, session: StudySession, asked: AskedCard, *, gone: bool
    ) -> CardChanged:
        """A click on a card a reload changed or removed: nothing recorded, the session moves
        on (as a skip does) and the error carries the next step."""
        log.info("session %s: card %s %s in a reload; click not graded",
                 session.id, asked.key, "gone" if gone else "changed")  # fmt: skip
        session = replace(
            session, current=None, last_card=asked.key, asked=(*session.asked, asked.key)
        )
        return CardChanged(await self._advance(session), gone=gone)

    async def scheduler_for(self, learner: Learner) -> Scheduler:
        """FSRS with the learner's workspace's accepted fitted parameters, else the defaults."""
        return await self.schedulers.get(learner.platform, learner.workspace)

    # --- boards and stats ----------------------------------------------------------------

    async def leaderboard(
        self,
        platform: str,
        workspace: str,
        period: Period = Period.ALL,
        *,
        deck_id: str | None = None,
        user: str = "",
        limit: int = 10,
    ) -> Leaderboard:
        view = self.library.seen_from(platform, workspace)
        deck = checked_deck(view, deck_id) if deck_id else None
        return await board(self.repo, platform, workspace, period, deck, user, limit, self.clock)

    async def stats(self, learner: Learner) -> Stats:
        """The person's memory everywhere; asked in a group, also their all-time rank there."""
        return await gather_stats(self.repo, self.view(learner), learner, self.clock.now())

    async def close(self) -> None:
        await self.repo.close()
