"""Scheduled daily quizzes, the pure part: when to post, what to ask, how the group did.

Times are stored as a local wall-clock time plus an IANA zone, and every day's instant is
computed from that day's local date, so 09:00 stays 09:00 across daylight-saving changes. A
local time that does not exist (the spring-forward gap) is read with fold=0, which moves it
forward by the gap; an ambiguous one (fall-back) is the first of the two. No I/O here.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.distractors import make_options
from bot.core.errors import QuizError
from bot.core.models import Card, CardKey, CardRecord

MIN_QUESTIONS, MAX_QUESTIONS = 1, 5
"""A Discord message holds five rows of buttons; five questions keep a day's quiz short."""
TOP_SCORERS = 5


class DailyConfigError(QuizError):
    """A schedule setting a person typed wrong; the message says what is expected."""


class Action(StrEnum):
    POST = "post"
    SKIP = "skip"
    WAIT = "wait"


@dataclass(frozen=True, slots=True)
class Schedule:
    """One channel's daily quiz. `since` is when it was set: days before it are never due."""

    platform: str
    workspace: str
    channel: str
    at: time
    timezone: str
    questions: int
    since: datetime
    deck_id: str | None = None
    close_at: time | None = None
    set_by: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return parse_zone(self.timezone)


@dataclass(frozen=True, slots=True)
class Due:
    """What to do now for one schedule, and for which local day."""

    action: Action
    day: date | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class DailyQuestion:
    """A question as posted: its options are fixed here so a restart grades the same buttons."""

    deck_id: str
    card_id: str
    question: str
    options: tuple[str, ...]
    correct: int

    @property
    def key(self) -> CardKey:
        return (self.deck_id, self.card_id)

    @property
    def answer(self) -> str:
        return self.options[self.correct]


@dataclass(frozen=True, slots=True)
class QuestionResult:
    question: DailyQuestion
    right: int
    answered: int


@dataclass(frozen=True, slots=True)
class Scorer:
    user: str
    name: str
    correct: int
    answered: int


@dataclass(frozen=True, slots=True)
class DailyResults:
    """What the closing post shows: answers, the group per question, the day's best."""

    day: date
    questions: tuple[QuestionResult, ...]
    top: tuple[Scorer, ...]
    members: int
    key: str = ""
    """The same for every attempt at posting these results (a platform's message nonce)."""
    workspace: str = ""
    """The run's workspace, so the results reach it after a restart or a stopped schedule."""


@dataclass(frozen=True, slots=True)
class DailyRun:
    """A posted (or skipped) day of one channel's quiz, as stored."""

    id: int
    platform: str
    workspace: str
    channel: str
    day: date
    questions: tuple[DailyQuestion, ...]
    close_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class AnswerRow:
    question: int
    user: str
    name: str
    correct: bool


# --- parsing ---------------------------------------------------------------------------------


def parse_zone(name: str) -> ZoneInfo:
    """An IANA zone such as `Europe/Berlin`, or a DailyConfigError that says so."""
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 64 or cleaned.startswith(("/", ".")) or ".." in cleaned:
        raise DailyConfigError(
            f"Unknown time zone '{cleaned[:64]}'. Use an IANA name such as Europe/Berlin."
        )
    try:
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise DailyConfigError(
            f"Unknown time zone '{cleaned}'. Use an IANA name such as Europe/Berlin."
        ) from None


def parse_clock(text: str) -> time:
    """`HH:MM` on a 24-hour clock."""
    parts = text.strip().split(":")
    if len(parts) == 2 and all(p.isdigit() and 1 <= len(p) <= 2 for p in parts):
        hour, minute = int(parts[0]), int(parts[1])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise DailyConfigError(
        f"'{text[:20]}' is not a time: use HH:MM on a 24-hour clock, e.g. 09:00."
    )


def check_questions(count: int) -> int:
    if not MIN_QUESTIONS <= count <= MAX_QUESTIONS:
        raise DailyConfigError(f"A daily quiz has {MIN_QUESTIONS} to {MAX_QUESTIONS} questions.")
    return count


# --- when ------------------------------------------------------------------------------------


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `at` on local `day`; fold=0 moves a gap time forward."""
    wall = datetime.combine(day, at).replace(tzinfo=zone, fold=0)
    return wall.astimezone(UTC)


def post_instant(schedule: Schedule, day: date) -> datetime:
    return local_instant(day, schedule.at, schedule.zone)


def local_day(schedule: Schedule, when: datetime) -> date:
    return when.astimezone(schedule.zone).date()


def next_post_at(schedule: Schedule, after: datetime) -> datetime:
    """The first post instant strictly after `after`."""
    start = local_day(schedule, after) - timedelta(days=1)
    for offset in range(4):
        instant = post_instant(schedule, start + timedelta(days=offset))
        if instant > after:
            return instant
    raise AssertionError("no post instant within three days")  # pragma: no cover


def latest_day(schedule: Schedule, now: datetime) -> date:
    """The latest local day whose post instant is at or before `now`."""
    today = local_day(schedule, now)
    return today if post_instant(schedule, today) <= now else today - timedelta(days=1)


def due_action(schedule: Schedule, last_run: date | None, now: datetime, grace: timedelta) -> Due:
    """POST today's quiz, SKIP a day missed by more than `grace`, or WAIT.

    `last_run` is the latest day already claimed (posted or skipped): a day is never handled
    twice, and a day that began before the schedule was set is not owed.
    """
    day = latest_day(schedule, now)
    instant = post_instant(schedule, day)
    if last_run is not None and last_run >= day:
        return Due(Action.WAIT)
    if instant < schedule.since:
        return Due(Action.WAIT)
    late = now - instant
    if late <= grace:
        return Due(Action.POST, day)
    return Due(Action.SKIP, day, f"post time {instant.isoformat()} was {late} ago (grace {grace})")


def close_instant(schedule: Schedule, day: date) -> datetime:
    """A day's quiz closes at the configured close time, else at the next day's post."""
    posted = post_instant(schedule, day)
    if schedule.close_at is not None:
        closing = local_instant(day, schedule.close_at, schedule.zone)
        if closing <= posted:
            closing = local_instant(day + timedelta(days=1), schedule.close_at, schedule.zone)
        return closing
    return post_instant(schedule, day + timedelta(days=1))


# --- what ------------------------------------------------------------------------------------


def _tiebreak(channel: str, day: date, key: CardKey) -> str:
    return hashlib.sha256(f"{channel}:{day.isoformat()}:{key[0]}:{key[1]}".encode()).hexdigest()


def choose_questions(
    cards: Sequence[Card],
    records: Mapping[CardKey, CardRecord],
    count: int,
    channel: str,
    day: date,
    previous: Iterable[CardKey] = (),
) -> tuple[DailyQuestion, ...]:
    """What the group knows least (lowest success rate), the same for everyone that day.

    Ties break by a hash of channel and date, so the choice is deterministic per day yet
    varies; yesterday's cards go last, asked again only when nothing else is left.
    """
    before = set(previous)
    ranked = sorted(
        cards,
        key=lambda c: (
            c.key in before,
            records.get(c.key, CardRecord()).success_rate,
            _tiebreak(channel, day, c.key),
        ),
    )
    chosen: list[DailyQuestion] = []
    for card in ranked:
        if len(chosen) >= count:
            break
        rng = random.Random(f"{channel}:{day.isoformat()}:{card.deck_id}:{card.id}")
        options, correct = make_options(card, cards, rng)
        if len(options) >= 2:
            chosen.append(DailyQuestion(card.deck_id, card.id, card.question, options, correct))
    return tuple(chosen)


def aggregate(
    day: date, questions: Sequence[DailyQuestion], answers: Iterable[AnswerRow]
) -> DailyResults:
    """Per question n right / n answered; top scorers by right answers, then by user id."""
    right = [0] * len(questions)
    answered = [0] * len(questions)
    people: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for row in answers:
        if not 0 <= row.question < len(questions):
            continue
        answered[row.question] += 1
        right[row.question] += int(row.correct)
        tally = people.setdefault(row.user, [0, 0])
        tally[0] += int(row.correct)
        tally[1] += 1
        names[row.user] = row.name or names.get(row.user) or row.user
    top = sorted(people.items(), key=lambda item: (-item[1][0], item[1][1], item[0]))
    return DailyResults(
        day=day,
        questions=tuple(QuestionResult(q, right[i], answered[i]) for i, q in enumerate(questions)),
        top=tuple(Scorer(user, names[user], n, a) for user, (n, a) in top[:TOP_SCORERS] if n > 0),
        members=len(people),
    )
