"""Study-group competitions as a pure state machine: LOBBY -> ROUND -> BETWEEN_ROUNDS -> FINISHED.

Every event is a function from a `Competition` (frozen) and a time to a new `Competition`; there is
no I/O and no asyncio, so the service owns the timer and the tests own the clock. `tick(now)` moves
the game past whatever deadline has passed, one step per call, so a caller can post each step.

Decisions:
- Only players who joined in the lobby can answer; an answer from anyone else is refused (teams
  would be unbalanced otherwise, and a late joiner could not catch up anyway).
- A round closes at its deadline, or as soon as every player has answered.
- A new round opens at the tick that opens it, never at a time in the past: after a restart that
  missed a deadline the group still gets the full time for the next question.
- Ties rank by the earlier last correct answer (who got there first), then by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.core.errors import QuizError

TEAM_NAMES = ("Red", "Blue")
MIN_ROUNDS, MAX_ROUNDS, DEFAULT_ROUNDS = 1, 30, 10
MIN_SECONDS, MAX_SECONDS, DEFAULT_SECONDS = 5, 60, 20


class Phase(StrEnum):
    LOBBY = "lobby"
    ROUND = "round"
    BETWEEN_ROUNDS = "between_rounds"
    FINISHED = "finished"
    STOPPED = "stopped"

    @property
    def active(self) -> bool:
        return self in (Phase.LOBBY, Phase.ROUND, Phase.BETWEEN_ROUNDS)


class CompetitionError(QuizError):
    """An event the game refuses; the message is shown to the player as it is."""


@dataclass(frozen=True, slots=True)
class Rules:
    rounds: int = DEFAULT_ROUNDS
    seconds: int = DEFAULT_SECONDS
    teams: bool = False
    lobby_seconds: int = 30
    pause_seconds: int = 5
    base_points: int = 100
    speed_bonus: int = 50

    def __post_init__(self) -> None:
        if not MIN_ROUNDS <= self.rounds <= MAX_ROUNDS:
            raise CompetitionError(f"A competition has {MIN_ROUNDS} to {MAX_ROUNDS} rounds.")
        if not MIN_SECONDS <= self.seconds <= MAX_SECONDS:
            raise CompetitionError(f"A round lasts {MIN_SECONDS} to {MAX_SECONDS} seconds.")


@dataclass(frozen=True, slots=True)
class RoundSpec:
    """One planned question; `success_rate` is the group's record on the card when planned."""

    deck_id: str
    card_id: str
    question: str
    options: tuple[str, ...]
    correct: int
    success_rate: float = 0.5

    @property
    def answer(self) -> str:
        return self.options[self.correct]


@dataclass(frozen=True, slots=True)
class Player:
    user: str
    name: str
    team: int | None = None
    points: int = 0
    correct: int = 0
    last_correct_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    user: str
    option: int
    at: datetime
    correct: bool
    points: int


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int
    user: str
    name: str
    points: int
    correct: int
    team: int | None = None


@dataclass(frozen=True, slots=True)
class TeamStanding:
    rank: int
    team: int
    name: str
    points: float
    members: int


@dataclass(frozen=True, slots=True)
class Competition:
    id: str
    platform: str
    workspace: str
    channel: str
    starter: str
    deck_id: str | None
    rules: Rules
    plan: tuple[RoundSpec, ...]
    created_at: datetime
    phase: Phase = Phase.LOBBY
    deadline: datetime | None = None
    players: tuple[Player, ...] = ()
    round_no: int = 0
    opened_at: datetime | None = None
    answers: tuple[Answer, ...] = ()

    @property
    def total_rounds(self) -> int:
        return len(self.plan)

    @property
    def question(self) -> RoundSpec | None:
        return self.plan[self.round_no - 1] if 1 <= self.round_no <= len(self.plan) else None

    def player(self, user: str) -> Player | None:
        at = _positions(self.players).get(user)
        return None if at is None else self.players[at]

    def answer_of(self, user: str) -> Answer | None:
        at = _positions(self.answers).get(user)
        return None if at is None else self.answers[at]


_INDEXES: dict[int, tuple[tuple[Player | Answer, ...], dict[str, int]]] = {}
"""id(players or answers) -> (that tuple, user -> first position). A round that thousands answer
looks a player up on every answer; scanning the tuples each time made a round quadratic. The
tuple is held with its index, so its id is not reused while the entry lives."""
_INDEXES_KEPT = 256


def _positions(items: tuple[Player, ...] | tuple[Answer, ...]) -> dict[str, int]:
    found = _INDEXES.get(id(items))
    if found is not None and found[0] is items:
        return found[1]
    index: dict[str, int] = {}
    for at, item in enumerate(items):
        index.setdefault(item.user, at)
    _remember(items, index)
    return index


def _remember(items: tuple[Player, ...] | tuple[Answer, ...], index: dict[str, int]) -> None:
    """Keep a tuple's index (never changed once kept: a later tuple gets its own)."""
    if len(_INDEXES) >= _INDEXES_KEPT:
        _INDEXES.clear()
    _INDEXES[id(items)] = (items, index)


def new(
    cid: str,
    where: tuple[str, str, str],
    starter: Player,
    rules: Rules,
    plan: Iterable[RoundSpec],
    now: datetime,
    deck_id: str | None = None,
) -> Competition:
    """A lobby the starter has joined; the plan is cut to `rules.rounds` questions."""
    rounds = tuple(plan)[: rules.rounds]
    if not rounds:
        raise CompetitionError("That deck has no cards that can be asked as multiple choice.")
    platform, workspace, channel = where
    return Competition(
        id=cid,
        platform=platform,
        workspace=workspace,
        channel=channel,
        starter=starter.user,
        deck_id=deck_id,
        rules=rules,
        plan=rounds,
        created_at=now,
        deadline=now + timedelta(seconds=rules.lobby_seconds),
        players=(replace(starter, team=None),),
    )


def _in_lobby(c: Competition) -> None:
    if c.phase is not Phase.LOBBY:
        raise CompetitionError("The lobby is closed: this competition has already begun.")


def join(c: Competition, user: str, name: str) -> Competition:
    _in_lobby(c)
    if c.player(user) is not None:
        raise CompetitionError("You are already in.")
    return replace(c, players=(*c.players, Player(user, name)))


def pick_team(c: Competition, user: str, name: str, team: int) -> Competition:
    """Join (if needed) and pick a team; only in a team game, only in the lobby."""
    _in_lobby(c)
    if not c.rules.teams:
        raise CompetitionError("This competition is not played in teams.")
    if team not in range(len(TEAM_NAMES)):
        raise CompetitionError("There is no such team.")
    if c.player(user) is None:
        c = join(c, user, name)
    players = tuple(replace(p, team=team) if p.user == user else p for p in c.players)
    return replace(c, players=players)


def start(c: Competition, user: str, now: datetime, *, moderator: bool = False) -> Competition:
    """The starter (or a moderator) ends the lobby early; round 1 opens now."""
    _in_lobby(c)
    if user != c.starter and not moderator:
        raise CompetitionError("Only the one who started the competition can begin it.")
    return _open_round(_balance(c), now)


def _balance(c: Competition) -> Competition:
    """Players without a team go, in join order, to the smaller team (ties: the first)."""
    if not c.rules.teams:
        return c
    sizes = [sum(p.team == t for p in c.players) for t in range(len(TEAM_NAMES))]
    players = []
    for p in c.players:
        if p.team is None:
            team = sizes.index(min(sizes))
            sizes[team] += 1
            p = replace(p, team=team)
        players.append(p)
    return replace(c, players=tuple(players))


def _open_round(c: Competition, now: datetime) -> Competition:
    return replace(
        c,
        phase=Phase.ROUND,
        round_no=c.round_no + 1,
        opened_at=now,
        deadline=now + timedelta(seconds=c.rules.seconds),
        answers=(),
    )


def score(rules: Rules, spec: RoundSpec, remaining: float) -> int:
    """Base weighted by difficulty (harder cards, lower group success, pay more), plus speed."""
    base = rules.base_points * (1.5 - spec.success_rate)
    fraction = min(1.0, max(0.0, remaining / rules.seconds))
    return round(base + rules.speed_bonus * fraction)


def answer(c: Competition, user: str, option: int, at: datetime) -> tuple[Competition, Answer]:
    """Lock in one answer; the round closes early once every player has answered."""
    spec = c.question
    if c.phase is not Phase.ROUND or spec is None or c.deadline is None:
        raise CompetitionError("No round is open right now.")
    if at > c.deadline:
        raise CompetitionError("Too late: this round has closed.")
    seat = _positions(c.players).get(user)
    if seat is None:
        raise CompetitionError("You are not playing in this competition: join in the next lobby.")
    answered = _positions(c.answers)
    if user in answered:
        raise CompetitionError("You already answered this round.")
    if option not in range(len(spec.options)):
        raise CompetitionError("That is not one of the options.")
    right = option == spec.correct
    remaining = (c.deadline - at).total_seconds()
    points = score(c.rules, spec, remaining) if right else 0
    given = Answer(user, option, at, right, points)
    players = c.players
    if right:  # the same seats: the new tuple shares the old one's index
        p = players[seat]
        p = replace(p, points=p.points + points, correct=p.correct + 1, last_correct_at=at)
        players = (*players[:seat], p, *players[seat + 1 :])
        _remember(players, _positions(c.players))
    answers = (*c.answers, given)
    _remember(answers, {**answered, user: len(c.answers)})
    c = replace(c, players=players, answers=answers)
    if len(c.answers) >= len(c.players):
        c = _close_round(c, at)
    return c, given


def replay(c: Competition, recorded: Iterable[Answer]) -> Competition:
    """`c` with the open round's answers recorded after its state was saved, scored as they
    were: a store writes the whole game only when its phase moves, not with every answer (a
    round of thousands would write the game thousands of times)."""
    if c.phase is not Phase.ROUND:
        return c
    seen = {a.user for a in c.answers}
    index = {p.user: i for i, p in enumerate(c.players)}
    players, answers = list(c.players), list(c.answers)
    for a in recorded:
        if a.user in seen or a.user not in index:
            continue
        seen.add(a.user)
        answers.append(a)
        if a.correct:
            p = players[index[a.user]]
            players[index[a.user]] = replace(
                p, points=p.points + a.points, correct=p.correct + 1, last_correct_at=a.at
            )
    return replace(c, players=tuple(players), answers=tuple(answers))


def _close_round(c: Competition, now: datetime) -> Competition:
    if c.round_no >= c.total_rounds:
        return replace(c, phase=Phase.FINISHED, deadline=None)
    return replace(
        c, phase=Phase.BETWEEN_ROUNDS, deadline=now + timedelta(seconds=c.rules.pause_seconds)
    )


def tick(c: Competition, now: datetime) -> Competition:
    """One step past a passed deadline (or `c` itself when nothing is due)."""
    if not c.phase.active or c.deadline is None or now < c.deadline:
        return c
    if c.phase is Phase.LOBBY:
        return _open_round(_balance(c), now)
    if c.phase is Phase.ROUND:
        return _close_round(c, max(now, c.deadline))
    return _open_round(c, now)


def stop(c: Competition, user: str, *, moderator: bool = False) -> Competition:
    """The starter or a moderator ends it; what was scored stays scored."""
    if not c.phase.active:
        raise CompetitionError("This competition is already over.")
    if user != c.starter and not moderator:
        raise CompetitionError(
            "Only the one who started the competition or a moderator can stop it."
        )
    return halt(c)


def halt(c: Competition) -> Competition:
    """Stopped, whoever asks (the bot itself when the channel cannot show the game)."""
    return replace(c, phase=Phase.STOPPED, deadline=None)


def restart_round(c: Competition, now: datetime) -> Competition:
    """The open round's full time again from `now`: its question was shown late (a retried
    post), and nobody could answer a question they had not seen."""
    if c.phase is not Phase.ROUND or c.answers:
        return c
    return replace(c, opened_at=now, deadline=now + timedelta(seconds=c.rules.seconds))


def _order(p: Player) -> tuple[int, float, str, str]:
    last = p.last_correct_at.timestamp() if p.last_correct_at else float("inf")
    return (-p.points, last, p.name.casefold(), p.user)


def standings(c: Competition) -> tuple[Standing, ...]:
    ranked = sorted(c.players, key=_order)
    return tuple(
        Standing(i, p.user, p.name, p.points, p.correct, p.team) for i, p in enumerate(ranked, 1)
    )


def team_standings(c: Competition) -> tuple[TeamStanding, ...]:
    """Teams ranked by the MEAN of their members' points, so a bigger team has no edge."""
    if not c.rules.teams:
        return ()
    rows = []
    for team, name in enumerate(TEAM_NAMES):
        members = [p for p in c.players if p.team == team]
        if not members:
            continue
        mean = sum(p.points for p in members) / len(members)
        lasts = [p.last_correct_at.timestamp() for p in members if p.last_correct_at]
        rows.append((-mean, min(lasts, default=float("inf")), name, team, mean, len(members)))
    rows.sort()
    return tuple(
        TeamStanding(i, team, name, round(mean, 1), size)
        for i, (_, _, name, team, mean, size) in enumerate(rows, 1)
    )
