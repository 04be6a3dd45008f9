"""Competitions in Block Kit: lobby, round (with "closes at"), round result, podium, board.

Names are plain escaped text (a channel post must ping nobody); deck text goes through `mrkdwn`.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.adapters.slack.kit import label, literal, option_rows
from bot.adapters.slack.names import shown
from bot.adapters.slack.render import (
    Message,
    actions,
    button,
    context,
    mrkdwn,
    section,
)
from bot.core import competition as game
from bot.core.competition import TEAM_NAMES, Competition, Phase
from bot.core.reports import Leaderboard

JOIN, START, TEAM, ANSWER = "compete.join", "compete.start", "compete.team.", "compete.answer."
MEDALS = (":first_place_medal:", ":second_place_medal:", ":third_place_medal:")
STANDINGS = 10
"""Rows of the standings a round's result shows."""


def value(c: Competition) -> str:
    return f"{c.id}:{c.round_no}"


def _closes(c: Competition) -> str:
    if c.deadline is None:
        return "now"
    unix = int(c.deadline.timestamp())
    return f"<!date^{unix}^{{time_secs}}|{c.deadline.strftime('%H:%M:%S UTC')}>"


def _team(team: int | None) -> str:
    return f" ({TEAM_NAMES[team]})" if team is not None else ""


def lobby(c: Competition, names: Mapping[str, str] | None = None) -> Message:
    rules = f"{c.total_rounds} rounds · {c.rules.seconds} s each" + (
        " · teams" if c.rules.teams else ""
    )
    players = "\n".join(f"• {_name(names or {}, p.user, p.name)}{_team(p.team)}" for p in c.players)
    lines = [f"*Competition lobby* · {rules}", f"*Players*\n{players}"]
    blocks = [section("\n".join(lines))]
    if c.phase is Phase.LOBBY:
        blocks.append(context(f"Starts at {_closes(c)}, or when the starter presses Start."))
        v = value(c)
        items = [button("Join", JOIN, v, "primary")]
        if c.rules.teams:
            items += [button(f"Team {n}", f"{TEAM}{t}", v) for t, n in enumerate(TEAM_NAMES)]
        items.append(button("Start", START, v))
        blocks.append(actions(*items, block_id="compete"))
    else:
        blocks.append(context("The lobby is closed."))
    return {"text": "Competition lobby", "blocks": blocks}


def round_(c: Competition) -> Message:
    """The question, every option as a lettered button (rows of 25), the options spelled out
    above when a button would cut one."""
    q = c.question
    assert q is not None
    head = f"*Round {c.round_no}/{c.total_rounds}*\n{mrkdwn(q.question, 2500)}"
    v = value(c)
    labels = [f"{label(i)}. {' '.join(o.split())}" for i, o in enumerate(q.options)]
    blocks = [section(head)]
    options = [button(text, f"{ANSWER}{i}", v) for i, text in enumerate(labels)]
    blocks += option_rows(labels, options, "compete")
    blocks.append(
        context(f"Closes at {_closes(c)}. One answer each, revealed when the round closes.")
    )
    return {"text": f"Round {c.round_no}/{c.total_rounds}", "blocks": blocks}


def _name(names: Mapping[str, str], user: str, recorded: str) -> str:
    """The looked-up display name, else the recorded one, as escaped plain text (no ping)."""
    return literal(names.get(user) or shown(recorded, user), 80)


def _standings(c: Competition, names: Mapping[str, str]) -> str:
    rows = game.standings(c)[:STANDINGS]
    return "\n".join(
        f"{s.rank}. *{_name(names, s.user, s.name)}*{_team(s.team)} — {s.points} pts" for s in rows
    )


def _teams(c: Competition) -> str:
    return "\n".join(
        f"{t.rank}. {t.name} — {t.points:g} pts (mean of {t.members})"
        for t in game.team_standings(c)
    )


def result(c: Competition, names: Mapping[str, str] | None = None) -> Message:
    """`names`: display names looked up for the leaders (else the recorded ones)."""
    q, names = c.plan[c.round_no - 1], names or {}
    recorded = {p.user: p.name for p in c.players}
    right = ", ".join(
        f"{_name(names, a.user, recorded.get(a.user, ''))} (+{a.points})"
        for a in c.answers
        if a.correct
    )
    lines = [
        f"*Round {c.round_no} closed* · answer: *{mrkdwn(q.answer, 500)}*",
        f"Right: {right or 'nobody'}",
        "*Standings*",
        _standings(c, names),
    ]
    if c.rules.teams:
        lines += ["*Teams*", _teams(c)]
    return {"text": f"Round {c.round_no} closed", "blocks": [section("\n".join(lines))]}


def podium(c: Competition, names: Mapping[str, str] | None = None) -> Message:
    head = "*Competition stopped*" if c.phase is Phase.STOPPED else "*Podium*"
    lines = [head]
    lines += [
        f"{MEDALS[s.rank - 1]} *{_name(names or {}, s.user, s.name)}*{_team(s.team)}"
        f" — {s.points} pts"
        for s in game.standings(c)[:3]
    ]
    if c.rules.teams and (teams := game.team_standings(c)):
        lines += [f"Winning team: *{teams[0].name}*", _teams(c)]
    lines.append("Scores added to `/quiz leaderboard competitions`.")
    return {"text": head.strip("*"), "blocks": [section("\n".join(lines))]}


def board(b: Leaderboard, names: Mapping[str, str]) -> Message:
    lines = ["*Leaderboard · competitions*"]
    if not b.entries:
        lines.append("No competition points yet: `/quiz compete start`")
    for e in b.entries:
        lines.append(f"{e.rank}. *{_name(names, e.user, '')}* — {e.points} pts")
    if b.caller is not None:
        lines.append(f"You: #{b.caller.rank} · {b.caller.points} pts")
    return {"text": "Leaderboard · competitions", "blocks": [section("\n".join(lines))]}
