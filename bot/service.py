"""QuizService: the one API every adapter calls.

It joins the pure core (what to ask, how to grade, when again) with the repository (what each
learner knows). Replies are dataclasses from `bot.core.models`; adapters render them.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.distractors import make_options
from bot.core.errors import (
    NoCards,
    NotRecorded,
    NotYourSession,
    SessionNotFound,
    SessionOver,
    StaleQuestion,
    UnknownDeck,
    WrongKindOfAnswer,
)
from bot.core.grading import grade
from bot.core.library import Library
from bot.core.models import (
    AnswerRecord,
    AskedCard,
    Card,
    CardKey,
    CardRecord,
    CardState,
    DeckSummary,
    Feedback,
    Format,
    Leaderboard,
    Learner,
    LoadReport,
    Mode,
    Period,
    Question,
    Response,
    SessionSummary,
    Stats,
    StudySession,
)
from bot.core.periods import period_key
from bot.core.ports import Clock, Repository, StorageError
from bot.core.scheduler import Scheduler
from bot.core.selection import SelectionConfig, choose_card, choose_format
from bot.core.stats import MATURE_DAYS, build_stats, build_stats_from_counts
from bot.next_card import NarrowReads, ReviewPicker

log = logging.getLogger(__name__)

QUIZ_DEFAULT_LENGTH = 10
QUIZ_MAX_LENGTH = 25
SESSION_CACHE_SIZE = 50_000
RECORDS_TTL_SECONDS = 60.0


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
        loader: Callable[[], Library] | None = None,
    ) -> None:
        self.repo = repo
        self.library = library
        self.clock = clock
        self.scheduler = scheduler
        self.selection = selection or SelectionConfig()
        self.rng = rng or random.Random()
        self.fast_seconds = fast_seconds
        self._loader = loader
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._sessions: OrderedDict[str, StudySession] = OrderedDict()
        self._records: dict[tuple[str, str], tuple[float, dict[CardKey, CardRecord]]] = {}
        self._picker = ReviewPicker(repo) if isinstance(repo, NarrowReads) else None

    # --- decks ---------------------------------------------------------------------------

    def decks(self) -> tuple[DeckSummary, ...]:
        return self.library.summaries()

    def search_decks(self, text: str, limit: int = 25) -> tuple[DeckSummary, ...]:
        return self.library.search(text, limit)

    def deck_name(self, deck_id: str) -> str:
        return self.library.deck_name(deck_id)

    def load_report(self) -> LoadReport:
        return self.library.report()

    async def reload_decks(self) -> LoadReport:
        """Re-read the questions directory. Progress is keyed by card id, so it survives."""
        if self._loader is None:
            return self.library.report()
        library = await asyncio.to_thread(self._loader)
        self.library = library
        for error in library.errors:
            log.warning("deck error: %s", error)
        log.info("decks reloaded: %d decks, %d errors", len(library.decks), len(library.errors))
        return library.report()

    def _check_deck(self, deck_id: str | None) -> str | None:
        if deck_id is None or deck_id == "":
            if not self.library.decks:
                raise NoCards()
            return None
        if self.library.deck(deck_id) is None:
            raise UnknownDeck(deck_id)
        return deck_id

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
        deck = self._check_deck(deck_id)
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
        await self._save(session)
        log.info("session %s started: %s %s deck=%s", session.id, learner.platform, mode, deck)
        return session

    async def _save(self, session: StudySession) -> None:
        try:
            await self.repo.save_session(session)
        except StorageError as exc:
            log.error("could not save session %s: %s", session.id, exc)
            raise NotRecorded() from exc
        self._remember(session)

    def _remember(self, session: StudySession) -> None:
        """Write-through cache of sessions: SQLite stays the truth, reads skip a round trip."""
        self._sessions[session.id] = session
        self._sessions.move_to_end(session.id)
        if len(self._sessions) > SESSION_CACHE_SIZE:
            self._sessions.popitem(last=False)

    async def _own(self, session_id: str, learner: Learner) -> StudySession:
        session = self._sessions.get(session_id)
        if session is None:
            session = await self.repo.load_session(session_id)
            if session is not None:
                self._remember(session)
        if session is None:
            raise SessionNotFound()
        if session.learner != learner:
            raise NotYourSession()
        return session

    def _lock(self, session_id: str) -> asyncio.Lock:
        lock = self._locks.get(session_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[session_id] = lock
        return lock

    async def next_question(self, session_id: str, learner: Learner) -> Question | SessionSummary:
        """The question the session waits on, or a new one, or the summary when it is over."""
        async with self._lock(session_id):
            session = await self._own(session_id, learner)
            if not session.active:
                return self._summary(session, "ended")
            if session.current is not None:
                question = self._question(session, session.current)
                if question is not None:
                    return question
            return await self._advance(session)

    async def current_question(self, session_id: str, learner: Learner) -> Question | None:
        session = await self._own(session_id, learner)
        if session.current is None or not session.active:
            return None
        return self._question(session, session.current)

    async def skip(self, session_id: str, learner: Learner) -> Question | SessionSummary:
        """Leave the current card unanswered (no review is logged) and ask another."""
        async with self._lock(session_id):
            session = await self._own(session_id, learner)
            if not session.active:
                return self._summary(session, "ended")
            current = session.current
            session = replace(
                session,
                current=None,
                last_card=current.key if current else session.last_card,
                asked=session.asked + ((current.key,) if current else ()),
            )
            return await self._advance(session)

    async def end_session(self, session_id: str, learner: Learner) -> SessionSummary:
        async with self._lock(session_id):
            session = await self._own(session_id, learner)
            if session.active:
                session = replace(session, ended_at=self.clock.now(), current=None)
                await self._save(session)
            return self._summary(session, "stopped")

    async def _advance(self, session: StudySession) -> Question | SessionSummary:
        now = self.clock.now()
        if session.limit is not None and session.answered >= session.limit:
            return await self._finish(session, "complete")
        picked, states = await self._pick(session, now)
        if picked is None:
            return await self._finish(session, "done")
        card, _is_new = picked
        pool = self.library.cards(card.deck_id)
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
        asked = AskedCard(card.deck_id, card.id, fmt, tuple(options), correct, now)
        session = replace(session, current=asked, turn=session.turn + 1)
        await self._save(session)
        question = self._question(session, asked, is_new=card.key not in states)
        assert question is not None
        return question

    async def _pick(
        self, session: StudySession, now: datetime
    ) -> tuple[tuple[Card, bool] | None, Mapping[CardKey, CardState]]:
        """The next card and the states that decided it. Review reads only candidate states
        when the repository can (bot/next_card.py); quiz and missed modes rank what they need."""
        learner = session.learner
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        if session.mode is Mode.REVIEW and self._picker is not None:
            fast = await self._picker.pick(
                self.library,
                learner,
                session.deck_id,
                self.scheduler,
                now,
                self.rng,
                config=self.selection,
                last_card=session.last_card,
                new_today=lambda: self.repo.new_cards_since(learner, day_start),
                records=lambda: self._card_records(learner.platform, learner.workspace),
            )
            if fast is not None:
                return fast
        cards = self.library.cards(session.deck_id)
        if session.mode is Mode.MISSED:
            keys = dict.fromkeys(session.missed)
            found = [await self.repo.load_state(learner, k) for k in keys]
            states: Mapping[CardKey, CardState] = {s.key: s for s in found if s is not None}
            records: Mapping[CardKey, CardRecord] = {}
            new_today = 0
        elif session.mode is Mode.QUIZ:  # a quiz ignores the group's record and the new limit
            states, records, new_today = await self.repo.load_states(learner), {}, 0
        else:
            states = await self.repo.load_states(learner)
            records = await self._card_records(learner.platform, learner.workspace)
            new_today = await self.repo.new_cards_since(learner, day_start)
        picked = choose_card(
            cards,
            states,
            records,
            self.scheduler,
            now,
            self.rng,
            new_today=new_today,
            config=self.selection,
            last_card=session.last_card,
            mode=session.mode,
            missed=session.missed,
            asked=session.asked,
        )
        return picked, states

    async def _card_records(self, platform: str, workspace: str) -> dict[CardKey, CardRecord]:
        """The group's record per card, refreshed at most once a minute: it orders new cards
        easiest first, where a minute-old figure is as good as a fresh one."""
        key = (platform, workspace)
        cached = self._records.get(key)
        if cached is not None and time.monotonic() < cached[0]:
            return cached[1]
        records = await self.repo.card_records(platform, workspace)
        self._records[key] = (time.monotonic() + RECORDS_TTL_SECONDS, records)
        return records

    async def _finish(self, session: StudySession, reason: str) -> SessionSummary:
        session = replace(session, ended_at=self.clock.now(), current=None)
        await self._save(session)
        return self._summary(session, reason)

    def _question(
        self, session: StudySession, asked: AskedCard, *, is_new: bool = False
    ) -> Question | None:
        card = self.library.card(asked.key)
        if card is None:  # the deck was reloaded without this card
            return None
        return Question(
            session_id=session.id,
            turn=session.turn,
            card=card,
            deck_name=self.library.deck_name(card.deck_id),
            format=asked.format,
            options=asked.options,
            position=session.answered + 1,
            total=session.limit,
            is_new=is_new,
        )

    def _summary(self, session: StudySession, reason: str) -> SessionSummary:
        missed = tuple(c for k in session.wrong if (c := self.library.card(k)) is not None)
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
        answer_id = f"{session_id}:{turn}"
        async with self._lock(session_id):
            session = await self._own(session_id, learner)
            asked = session.current
            if asked is None or turn != session.turn or not session.active:
                # Not the open question: a repeat of an answered turn, or a stale button.
                earlier = await self.repo.find_answer(answer_id)
                if earlier is not None:
                    return await self._replay(session, earlier, turn)
                if not session.active:
                    raise SessionOver()
                raise StaleQuestion()
            card = self.library.card(asked.key)
            if card is None:
                raise StaleQuestion()
            if not _fits(response, asked):
                raise WrongKindOfAnswer()
            now = self.clock.now()
            result = grade(card, asked, response, now, self.fast_seconds)
            state = await self.repo.load_state(learner, card.key)
            new_state = self.scheduler.review(
                state, card.deck_id, card.id, result.rating, now, rng=self.rng
            )
            record = AnswerRecord(
                answer_id=answer_id,
                learner=learner,
                deck_id=card.deck_id,
                card_id=card.id,
                format=asked.format,
                rating=result.rating,
                correct=result.correct,
                points=result.points,
                answered_at=now,
                duration_ms=duration_ms,
                session_id=session.id,
                response=_describe(response, asked)[:500],
            )
            session = replace(
                session,
                current=None,
                last_card=card.key,
                asked=(*session.asked, card.key),
                answered=session.answered + 1,
                correct=session.correct + int(result.correct),
                points=session.points + result.points,
                wrong=session.wrong + (() if result.correct else (card.key,)),
            )
            try:
                fresh = await self.repo.record_answer(record, new_state, session)
            except StorageError as exc:
                log.error("answer %s not recorded: %s", answer_id, exc)
                raise NotRecorded() from exc
            if fresh:
                self._remember(session)
            else:
                self._sessions.pop(session_id, None)
                earlier = await self.repo.find_answer(answer_id)
                if earlier is not None:
                    return await self._replay(session, earlier, turn)
            return Feedback(
                session_id=session.id,
                turn=turn,
                card=card,
                correct=result.correct,
                rating=result.rating,
                points=result.points,
                next_due=new_state.due or now,
                given=record.response,
                similarity=result.similarity,
                format=asked.format,
            )

    async def _replay(self, session: StudySession, earlier: AnswerRecord, turn: int) -> Feedback:
        card = self.library.card((earlier.deck_id, earlier.card_id))
        if card is None:
            raise StaleQuestion()
        state = await self.repo.load_state(session.learner, card.key)
        return Feedback(
            session_id=session.id,
            turn=turn,
            card=card,
            correct=earlier.correct,
            rating=earlier.rating,
            points=earlier.points,
            next_due=(state.due if state and state.due else earlier.answered_at),
            duplicate=True,
            given=earlier.response,
            format=earlier.format,
        )

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
        deck = self._check_deck(deck_id) if deck_id else None
        key = period_key(period, self.clock.now())
        entries, caller = await self.repo.leaderboard(platform, workspace, key, deck, limit, user)
        return Leaderboard(workspace, period, deck, tuple(entries), caller)

    async def stats(self, learner: Learner) -> Stats:
        now = self.clock.now()
        reviews, correct = await self.repo.totals(learner)
        days = await self.repo.review_days(learner, now - timedelta(days=30))
        day_keys = await self.repo.review_day_keys(learner)
        deck_counts = getattr(self.repo, "deck_counts", None)
        if deck_counts is not None:  # aggregated in SQL: 10,000 states are not read one by one
            end_of_day = today_start(now) + timedelta(days=1)
            counts = await deck_counts(
                learner, now, end_of_day, now + timedelta(days=7), MATURE_DAYS
            )
            return build_stats_from_counts(
                learner, self.library, counts, reviews, correct, days, day_keys, now
            )
        states = await self.repo.load_states(learner)
        return build_stats(learner, self.library, states, reviews, correct, days, day_keys, now)

    async def close(self) -> None:
        await self.repo.close()


def _fits(response: Response, asked: AskedCard) -> bool:
    """Whether the response is the kind the question asked for (hostile or stale input is not)."""
    if asked.format is Format.FLASHCARD:
        return response.rating is not None
    if asked.format is Format.CHOICE:
        return response.choice is not None and 0 <= response.choice < len(asked.options)
    return response.text is not None


def _describe(response: Response, asked: AskedCard) -> str:
    """The learner's answer as text for the log and the feedback."""
    if response.text is not None:
        return response.text.strip()
    if response.choice is not None and 0 <= response.choice < len(asked.options):
        return asked.options[response.choice]
    if response.rating is not None:
        return response.rating.name.lower()
    return ""


def today_start(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)
