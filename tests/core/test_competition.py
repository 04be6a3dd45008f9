"""The competition state machine with a fake clock: transitions, scoring, ties, teams."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.core import competition as game
from bot.core.competition import Competition, CompetitionError, Phase, Player, RoundSpec, Rules

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
WHERE = ("test", "ws", "chan")


def spec(i: int, rate: float = 0.5) -> RoundSpec:
    return RoundSpec("d", f"c{i}", f"Question {i}?", ("a", "b", "c", "d"), i % 4, rate)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def lobby(rounds: int = 3, *, teams: bool = False, rate: float = 0.5) -> Competition:
    rules = Rules(rounds=rounds, seconds=10, teams=teams, lobby_seconds=30, pause_seconds=5)
    plan = [spec(i, rate) for i in range(rounds)]
    return game.new("cid", WHERE, Player("ann", "Ann"), rules, plan, T0)


def running(*others: str, rounds: int = 3, teams: bool = False) -> Competition:
    c = lobby(rounds, teams=teams)
    for user in others:
        c = game.join(c, user, user.title())
    return game.start(c, "ann", T0)


def right(c: Competition) -> int:
    assert c.question is not None
    return c.question.correct


def test_new_opens_a_lobby_the_starter_joined() -> None:
    """A new competition is a lobby with a 30 s deadline and the starter in it."""
    c = lobby()
    assert c.phase is Phase.LOBBY and c.deadline == at(30)
    assert [p.user for p in c.players] == ["ann"]


def test_rules_are_bounded() -> None:
    """Rounds 1-30 and seconds 5-60; anything else is refused with a message."""
    with pytest.raises(CompetitionError):
        Rules(rounds=31)
    with pytest.raises(CompetitionError):
        Rules(seconds=4)


def test_empty_plan_is_refused() -> None:
    """A deck with nothing askable as multiple choice cannot host a competition."""
    with pytest.raises(CompetitionError):
        game.new("x", WHERE, Player("ann", "Ann"), Rules(), [], T0)


def test_join_twice_and_after_the_lobby_refused() -> None:
    """Joining twice, or once the rounds began, is refused."""
    c = game.join(lobby(), "bob", "Bob")
    with pytest.raises(CompetitionError, match="already in"):
        game.join(c, "bob", "Bob")
    with pytest.raises(CompetitionError, match="lobby is closed"):
        game.join(game.start(c, "ann", T0), "cat", "Cat")


def test_only_the_starter_or_a_moderator_begins() -> None:
    """A player who did not start it cannot end the lobby; a moderator can."""
    c = game.join(lobby(), "bob", "Bob")
    with pytest.raises(CompetitionError):
        game.start(c, "bob", T0)
    assert game.start(c, "bob", T0, moderator=True).phase is Phase.ROUND


def test_lobby_times_out_into_round_one() -> None:
    """At the lobby deadline, tick opens round 1 with the full round time."""
    c = lobby()
    assert game.tick(c, at(29)) is c
    c = game.tick(c, at(31))
    assert (c.phase, c.round_no, c.deadline) == (Phase.ROUND, 1, at(41))


def test_full_game_through_every_phase() -> None:
    """ROUND -> BETWEEN_ROUNDS -> ROUND ... -> FINISHED, driven by tick alone."""
    c = running("bob", rounds=2)
    c = game.tick(c, at(10))
    assert c.phase is Phase.BETWEEN_ROUNDS and c.deadline == at(15)
    c = game.tick(c, at(15))
    assert (c.phase, c.round_no, c.deadline) == (Phase.ROUND, 2, at(25))
    c = game.tick(c, at(25))
    assert c.phase is Phase.FINISHED and c.deadline is None
    assert game.tick(c, at(99)) is c


def test_scoring_weights_difficulty_and_speed() -> None:
    """Right at once on a card half the group gets: 100 x 1.0 + 50; wrong scores nothing."""
    c = running("bob")
    c, first = game.answer(c, "ann", right(c), at(0))
    assert first.points == 150
    c, second = game.answer(c, "bob", (right(c) + 1) % 4, at(5))
    assert (second.correct, second.points) == (False, 0)
    hard = replace(spec(0), success_rate=0.1)
    assert game.score(c.rules, hard, 5) == 140 + 25


def test_round_closes_early_when_all_answered() -> None:
    """Once every player answered, the round closes without waiting for its deadline."""
    c = running("bob")
    c, _ = game.answer(c, "ann", 0, at(1))
    assert c.phase is Phase.ROUND
    c, _ = game.answer(c, "bob", 0, at(2))
    assert c.phase is Phase.BETWEEN_ROUNDS and c.deadline == at(7)


def test_answering_twice_is_refused() -> None:
    """A second answer in one round is refused and changes nothing."""
    c = running("bob")
    c, _ = game.answer(c, "ann", right(c), at(1))
    with pytest.raises(CompetitionError, match="already answered"):
        game.answer(c, "ann", 0, at(2))
    assert c.player("ann").points == 145  # type: ignore[union-attr]


def test_answers_from_one_state_in_two_orders_each_count_once() -> None:
    """The service tries answers on a state, then commits them from that state again: each
    line of play scores its own answers and refuses only its own repeats."""
    base = running("bob", "cat")
    wrong = (right(base) + 1) % 4
    first, _ = game.answer(base, "ann", right(base), at(1))
    second, _ = game.answer(base, "bob", right(base), at(1))
    second, _ = game.answer(second, "ann", wrong, at(2))
    first, _ = game.answer(first, "bob", wrong, at(2))
    for line in (first, second):
        with pytest.raises(CompetitionError, match="already answered"):
            game.answer(line, "ann", 0, at(3))
        assert [a.user for a in line.answers] in (["ann", "bob"], ["bob", "ann"])
    assert (first.player("ann").points, first.player("bob").points) == (145, 0)  # type: ignore[union-attr]
    assert (second.player("ann").points, second.player("bob").points) == (0, 145)  # type: ignore[union-attr]
    assert base.answers == () and base.player("ann").points == 0  # type: ignore[union-attr]
    assert game.answer(base, "cat", 0, at(3))[0].player("cat") is not None


def test_late_answer_is_refused() -> None:
    """An answer after the deadline is refused even if tick has not closed the round yet."""
    c = running("bob")
    with pytest.raises(CompetitionError, match="Too late"):
        game.answer(c, "ann", right(c), at(10.5))


def test_someone_who_never_joined_cannot_answer() -> None:
    """Joining by answering during a round is refused: players join in the lobby."""
    c = running("bob")
    with pytest.raises(CompetitionError, match="not playing"):
        game.answer(c, "cat", 0, at(1))


def test_bad_option_refused() -> None:
    """An option index outside the question's options is refused."""
    with pytest.raises(CompetitionError):
        game.answer(running(), "ann", 9, at(1))


def test_no_answer_outside_a_round() -> None:
    """Answers in the lobby or between rounds are refused."""
    with pytest.raises(CompetitionError):
        game.answer(lobby(), "ann", 0, T0)
    between = game.tick(running(), at(10))
    with pytest.raises(CompetitionError):
        game.answer(between, "ann", 0, at(11))


def test_ties_break_by_earlier_last_correct_then_name() -> None:
    """Equal points: who got there first ranks higher; then by name."""
    c = running("bob", "cat", "dan")
    players = (
        replace(c.players[0], points=100, last_correct_at=at(5)),
        replace(c.players[1], points=100, last_correct_at=at(3)),
        replace(c.players[2], points=0),
        replace(c.players[3], points=0),
    )
    order = [s.user for s in game.standings(replace(c, players=players))]
    assert order == ["bob", "ann", "cat", "dan"]


def test_stop_by_non_starter_refused() -> None:
    """Only the starter or a moderator stops a game; afterwards it stays stopped."""
    c = running("bob")
    with pytest.raises(CompetitionError, match="Only the one who started"):
        game.stop(c, "bob")
    stopped = game.stop(c, "bob", moderator=True)
    assert stopped.phase is Phase.STOPPED
    with pytest.raises(CompetitionError, match="already over"):
        game.stop(stopped, "ann")
    assert game.stop(c, "ann").phase is Phase.STOPPED


def test_stop_keeps_the_scores() -> None:
    """Points scored before a stop are still in the standings."""
    c, _ = game.answer(running("bob"), "ann", 0, at(1))
    c = game.stop(c, "ann")
    assert game.standings(c)[0].user == "ann" and game.standings(c)[0].points == 145


def test_a_round_shown_late_gets_its_full_time_once_nobody_answered() -> None:
    """restart_round gives an unanswered round its whole time from now; an answered one or a
    lobby stays as it was. halt stops a game whoever asks, scores kept."""
    c = running("bob")
    late = game.restart_round(c, at(2))
    assert late.opened_at == at(2) and late.deadline == at(12) and late.round_no == 1
    answered, _ = game.answer(c, "ann", right(c), at(1))
    assert game.restart_round(answered, at(2)) == answered
    assert game.restart_round(lobby(), at(2)) == lobby()
    halted = game.halt(answered)
    assert halted.phase is Phase.STOPPED and halted.deadline is None
    assert game.standings(halted)[0].points == answered.players[0].points > 0


def test_teams_pick_and_balance() -> None:
    """Picked teams stand; the rest fill the smaller team at start."""
    c = lobby(teams=True)
    c = game.pick_team(c, "bob", "Bob", 0)
    c = game.pick_team(c, "cat", "Cat", 0)
    c = game.join(c, "dan", "Dan")
    c = game.start(c, "ann", T0)
    teams = {p.user: p.team for p in c.players}
    assert teams == {"ann": 1, "bob": 0, "cat": 0, "dan": 1}


def test_pick_team_needs_a_team_game() -> None:
    """Team buttons in a solo game, or a team that does not exist, are refused."""
    with pytest.raises(CompetitionError):
        game.pick_team(lobby(), "bob", "Bob", 0)
    with pytest.raises(CompetitionError):
        game.pick_team(lobby(teams=True), "bob", "Bob", 5)


def test_team_score_is_the_mean_so_size_does_not_decide() -> None:
    """Three members at 100 lose to one member at 150: means, not sums."""
    c = lobby(teams=True)
    for user in ("bob", "cat"):
        c = game.pick_team(c, user, user.title(), 0)
    c = game.pick_team(c, "ann", "Ann", 0)
    c = game.pick_team(c, "dan", "Dan", 1)
    c = game.start(c, "ann", T0)
    points = {"ann": 100, "bob": 100, "cat": 100, "dan": 150}
    c = replace(c, players=tuple(replace(p, points=points[p.user]) for p in c.players))
    ranked = game.team_standings(c)
    assert [(t.name, t.points, t.members) for t in ranked] == [("Blue", 150, 1), ("Red", 100, 3)]


def test_restart_gap_still_gives_full_time_to_the_next_round() -> None:
    """A tick long after a deadline closes the round; the next one opens at that tick."""
    c = running("bob")
    c = game.tick(c, at(600))
    assert c.phase is Phase.BETWEEN_ROUNDS and c.deadline == at(605)
    c = game.tick(c, at(700))
    assert c.deadline == at(710)
