"""DailyService: scheduled daily quizzes for any platform, over QuizService and a DailyStore.

Adapters implement `DailyPoster` (post the questions, post the results, send a reminder) and
run `run_forever(poster)`; tests call `tick(poster, now)` with a fixed clock instead. Every
post is claimed in the database first, so restarts and a second instance never post a day twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Literal, Protocol

from bot.app._choice_review import choice_review
from bot.app._periodic import repeat
from bot.app.ports import DailyStorage, stores_of
from bot.app.study import QuizService
from bot.core.daily import (
    Action,
    DailyQuestion,
    DailyResults,
    DailyRun,
    Schedule,
    aggregate,
    check_questions,
    choose_questions,
    close_instant,
    due_action,
    next_post_at,
    parse_clock,
    parse_zone,
)
from bot.core.errors import UnknownDeck
from bot.core.grading import CHOICE_POINTS
from bot.core.models import Learner, Source

log = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(hours=2)
POST_LEASE = timedelta(minutes=2)
"""How long a post in flight is its process's; past it, a survivor posts it."""
TICK_SECONDS = 30.0
Status = Literal["recorded", "already", "closed", "unknown"]


@dataclass(frozen=True, slots=True)
class DailyPost:
    """A day's questions as the channel sees them; buttons carry `run_id`."""

    run_id: int
    day: date
    title: str
    questions: tuple[DailyQuestion, ...]
    closes_at: datetime
    workspace: str = ""
    """The schedule's workspace: a poster with one token per workspace picks it by this."""

    @property
    def key(self) -> str:
        """The same for every attempt at this post (a platform's message nonce, 25 chars)."""
        return f"daily-{self.run_id}"


def results_key(run_id: int) -> str:
    return f"results-{run_id}"


@dataclass(frozen=True, slots=True)
class DailyEvent:
    kind: Literal["posted", "skipped", "closed", "reminded"]
    where: str
    day: date | None = None


@dataclass(frozen=True, slots=True)
class DailyAnswer:
    """The outcome of a click: recorded (and whether right), already answered, or too late."""

    status: Status
    correct: bool = False
    question: int = 0


@dataclass(frozen=True, slots=True)
class ScheduleView:
    schedule: Schedule
    next_post: datetime
    deck_name: str


class DailyPoster(Protocol):
    """What an adapter does for the daily quiz; `platform` picks its schedules."""

    platform: str

    async def post_questions(self, channel: str, post: DailyPost) -> list[str]: ...

    async def post_results(self, channel: str, results: DailyResults) -> None: ...

    async def send_reminder(self, learner: Learner, due: int) -> None: ...


class DailyService:
    """Configure, post, grade and close daily quizzes; reminders ride on the same tick."""

    def __init__(
        self,
        service: QuizService,
        store: DailyStorage,
        *,
        grace: timedelta = DEFAULT_GRACE,
        post_lease: timedelta = POST_LEASE,
    ) -> None:
        self.service = service
        self.store = store
        self.grace = grace
        self.post_lease = post_lease
        """How long a post in flight stays with this process before a survivor takes it."""

    @classmethod
    def over(
        cls,
        service: QuizService,
        *,
        grace: timedelta = DEFAULT_GRACE,
        post_lease: timedelta = POST_LEASE,
    ) -> DailyService:
        """The daily quizzes kept in the study service's own database."""
        store = stores_of(service.repo).daily_store()
        return cls(service, store, grace=grace, post_lease=post_lease)

    # --- configuration -------------------------------------------------------------------

    async def set(
        self,
        where: Learner,
        channel: str,
        *,
        at: str,
        timezone: str,
        questions: int,
        deck_id: str | None = None,
        close_at: str | None = None,
    ) -> ScheduleView:
        """Validate and save (replacing any earlier schedule of the channel)."""
        parse_zone(timezone)
        if deck_id and self.service.view(where).deck(deck_id) is None:
            raise UnknownDeck(deck_id)
        schedule = Schedule(
            platform=where.platform,
            workspace=where.workspace,
            channel=channel,
            at=parse_clock(at),
            timezone=timezone.strip(),
            questions=check_questions(questions),
            since=self.service.clock.now(),
            deck_id=deck_id or None,
            close_at=parse_clock(close_at) if close_at else None,
            set_by=where.user,
        )
        await self.store.save_schedule(schedule)
        log.info("daily quiz set: %s %s at %s %s", where.platform, channel, at, timezone)
        return self._view(schedule)

    async def show(self, where: Learner, channel: str) -> ScheduleView | None:
        schedule = await self.store.schedule(where.platform, where.workspace, channel)
        return self._view(schedule) if schedule else None

    async def off(self, where: Learner, channel: str) -> bool:
        """Stop posting; a quiz already open still closes with its results."""
        return await self.store.delete_schedule(where.platform, where.workspace, channel)

    async def remind(self, learner: Learner, on: bool, timezone: str | None = None) -> None:
        """Opt in or out of reminders; `timezone` (an IANA name) is where the person's days,
        and so their streak, begin and end."""
        if timezone:
            parse_zone(timezone)
            await self.store.set_zone(learner, timezone.strip())
        await self.store.set_reminder(learner, on)

    def _view(self, schedule: Schedule) -> ScheduleView:
        deck = self.service.deck_name(schedule.deck_id) if schedule.deck_id else "every deck"
        return ScheduleView(schedule, next_post_at(schedule, self.service.clock.now()), deck)

    # --- the loop ------------------------------------------------------------------------

    async def run_forever(self, poster: DailyPoster, every: float = TICK_SECONDS) -> None:
        """Tick now (a restart catches up within the grace window), then every `every` s."""
        log.info("daily loop started for %s", poster.platform)
        await repeat(lambda: self.tick(poster), every, log, "daily tick failed")

    async def tick(self, poster: DailyPoster, now: datetime | None = None) -> list[DailyEvent]:
        """Close what is due (results first), post or skip each schedule, send reminders."""
        now = now or self.service.clock.now()
        events: list[DailyEvent] = []
        for run in await self.store.lapsed(poster.platform, now, now + self.post_lease):
            try:
                events += await self._finish(poster, run)
            except Exception:
                log.exception("daily quiz %s %s: taking over its post failed", run.channel,
                              run.day)  # fmt: skip
        for run in await self.store.open_runs(poster.platform):
            if run.close_at is None or run.close_at <= now:
                events += await self._close(poster, run, now)
        for schedule in await self.store.schedules(poster.platform):
            try:
                events += await self._handle(poster, schedule, now)
            except Exception:
                log.exception("daily quiz for channel %s failed", schedule.channel)
        events += await self._remind(poster, now)
        return events

    async def _handle(
        self, poster: DailyPoster, schedule: Schedule, now: datetime
    ) -> list[DailyEvent]:
        last = await self.store.last_day(schedule)
        due = due_action(schedule, last, now, self.grace)
        if due.action is Action.WAIT or due.day is None:
            return []
        if due.action is Action.SKIP:
            if await self.store.claim_run(schedule, due.day, now, note=due.reason):
                log.warning("daily quiz %s %s skipped: %s", schedule.channel, due.day, due.reason)
                return [DailyEvent("skipped", schedule.channel, due.day)]
            return []
        questions = await self._questions(schedule, due.day)
        if not questions:
            note = "no multiple-choice cards to ask"
            if not await self.store.claim_run(schedule, due.day, now, note=note):
                return []
            log.warning("daily quiz %s %s skipped: %s", schedule.channel, due.day, note)
            return [DailyEvent("skipped", schedule.channel, due.day)]
        closes = close_instant(schedule, due.day)
        run_id = await self.store.claim_run(
            schedule,
            due.day,
            now,
            questions=questions,
            close_at=closes,
            until=now + self.post_lease,
        )
        if run_id is None:
            return []  # claimed by an earlier tick or another instance: never twice
        title = self.service.deck_name(schedule.deck_id) if schedule.deck_id else "Daily quiz"
        post = DailyPost(run_id, due.day, title, questions, closes, schedule.workspace)
        try:
            refs = await poster.post_questions(schedule.channel, post)
        except Exception:
            # Nobody saw it: give the day back so the next tick (or a twin) posts it again,
            # rather than losing the quiz and reporting "0 took part" tomorrow.
            await self.store.release_run(run_id)
            raise
        await self.store.set_refs(run_id, refs)
        log.info("daily quiz %s %s posted (%d questions)", schedule.channel, due.day, len(refs))
        return [DailyEvent("posted", schedule.channel, due.day)]

    async def _finish(self, poster: DailyPoster, run: DailyRun) -> list[DailyEvent]:
        """Post what a process that died mid-post left in flight: the questions (a run not
        closed), else the results. The key is the first attempt's, so a platform that keeps
        nonces (Discord) returns the message the dead process got out instead of a second."""
        if run.closed_at is None:
            schedule = await self.store.schedule(run.platform, run.workspace, run.channel)
            deck = schedule.deck_id if schedule is not None else None
            title = self.service.deck_name(deck) if deck else "Daily quiz"
            closes = run.close_at or run.closed_at or self.service.clock.now()
            post = DailyPost(run.id, run.day, title, run.questions, closes, run.workspace)
            refs = await poster.post_questions(run.channel, post)
            await self.store.set_refs(run.id, refs)
            log.info("daily quiz %s %s posted for a process that stopped", run.channel, run.day)
            return [DailyEvent("posted", run.channel, run.day)]
        await self._post_results(poster, run)
        return [DailyEvent("closed", run.channel, run.day)]

    async def _questions(self, schedule: Schedule, day: date) -> tuple[DailyQuestion, ...]:
        """Cards of the decks the schedule's workspace sees: a deck it removed (or one it
        never could see) gives no questions, and the day is skipped with a note."""
        library = self.service.library.seen_from(schedule.platform, schedule.workspace)
        if schedule.deck_id and library.deck(schedule.deck_id) is None:
            return ()
        cards = library.cards(schedule.deck_id)
        records = await self.service.repo.card_records(schedule.platform, schedule.workspace)
        previous = await self.store.previous_cards(schedule)
        return choose_questions(cards, records, schedule.questions, schedule.channel, day, previous)

    async def _close(self, poster: DailyPoster, run: DailyRun, now: datetime) -> list[DailyEvent]:
        if not await self.store.claim_close(run.id, now, now + self.post_lease):
            return []
        await self._post_results(poster, run)
        return [DailyEvent("closed", run.channel, run.day)]

    async def _post_results(self, poster: DailyPoster, run: DailyRun) -> None:
        """The closed run's results; a refusal is logged and not tried again (the lease only
        covers a process dying mid-post)."""
        results = aggregate(run.day, run.questions, await self.store.answers(run.id))
        try:
            told = replace(results, key=results_key(run.id), workspace=run.workspace)
            await poster.post_results(run.channel, told)
        except Exception:
            log.exception("daily results for %s %s not posted", run.channel, run.day)
        await self.store.done(run.id)

    async def _remind(self, poster: DailyPoster, now: datetime) -> list[DailyEvent]:
        today = now.date().isoformat()
        events: list[DailyEvent] = []
        for learner, due in await self.store.reminders_due(poster.platform, today, now):
            if await self.store.claim_reminder(learner, today):
                try:
                    await poster.send_reminder(learner, due)
                except Exception:
                    log.exception("reminder to %s not sent", learner.user)
                events.append(DailyEvent("reminded", learner.user))
        return events

    # --- answers -------------------------------------------------------------------------

    async def answer(
        self, run_id: int, question: int, choice: int, learner: Learner, name: str = ""
    ) -> DailyAnswer:
        """Once per member and question; it feeds the scores, and the member's FSRS state as
        `bot.core.evidence` says (a right pick never schedules a new card, nor counts against
        the new-card limit)."""
        run = await self.store.run(run_id)
        if run is None or not 0 <= question < len(run.questions):
            return DailyAnswer("unknown")
        asked = run.questions[question]
        if not 0 <= choice < len(asked.options):
            return DailyAnswer("unknown")
        if run.closed_at is not None:
            return DailyAnswer("closed", question=question)
        correct = choice == asked.correct
        review = await choice_review(
            self.service,
            learner,
            asked.deck_id,
            asked.card_id,
            correct=correct,
            at=self.service.clock.now(),
            answer_id=answer_id(run, asked, learner),
            points=CHOICE_POINTS if correct else 0,
            response=asked.options[choice][:500],
            source=Source.DAILY,
        )
        status = await self.store.record_answer(run.id, question, name[:80], choice, review)
        return DailyAnswer(status, correct and status == "recorded", question)  # type: ignore[arg-type]


def answer_id(run: DailyRun, asked: DailyQuestion, learner: Learner) -> str:
    """`daily:{channel}:{date}:{deck}/{card}:{user}`: a redelivered click counts once."""
    return (
        f"daily:{run.channel}:{run.day.isoformat()}:{asked.deck_id}/{asked.card_id}:{learner.user}"
    )
