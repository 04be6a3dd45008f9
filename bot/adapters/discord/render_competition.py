"""Competitions as Discord embeds and buttons: lobby, round, round result, podium, board.

Deadlines are `<t:unix:R>` timestamps, which every client counts down by itself, so the bot never
edits a message to show the time left. Names and deck text go through `render.safe`.
"""

from __future__ import annotations

import discord

from bot.adapters.discord import limits, render
from bot.adapters.discord.competition_items import (
    AnswerButton,
    JoinButton,
    StartButton,
    TeamButton,
)
from bot.adapters.discord.limits import count, join_lines, name, safe
from bot.adapters.discord.render import BLURPLE, GREEN, Reply
from bot.core import competition as game
from bot.core.competition import TEAM_NAMES, Competition, Phase
from bot.core.reports import Leaderboard

MEDALS = ("🥇", "🥈", "🥉")


def _when(c: Competition) -> str:
    return f"<t:{int(c.deadline.timestamp())}:R>" if c.deadline else "now"


def _team(team: int | None) -> str:
    return f" ({TEAM_NAMES[team]})" if team is not None else ""


def lobby(c: Competition) -> Reply:
    """Who is in, the rules, and Join / team / Start buttons while the lobby is open."""
    embed = discord.Embed(title="Competition lobby", color=BLURPLE)
    rules = f"{count(c.total_rounds, 'round')} · {c.rules.seconds} s each"
    rules += " · teams" if c.rules.teams else ""
    deck = f" · deck `{safe(c.deck_id, 100)}`" if c.deck_id else ""
    players = join_lines([f"• {name(p.name)}{_team(p.team)}" for p in c.players], 3500)
    embed.description = f"{rules}{deck}\n\n**Players**\n{players}"
    if c.phase is not Phase.LOBBY:
        embed.set_footer(text="The lobby is closed.")
        return Reply(embed, None)
    embed.add_field(name="Starts", value=f"{_when(c)}, or when the starter presses Start")
    items: list[discord.ui.Item[discord.ui.View]] = [JoinButton(c.id)]
    if c.rules.teams:
        items += [TeamButton(c.id, t, name) for t, name in enumerate(TEAM_NAMES)]
    items.append(StartButton(c.id))
    return Reply(embed, render._view(*items))


def round_(c: Competition) -> Reply:
    """The question, its lettered options as buttons, and the countdown."""
    q = c.question
    assert q is not None
    embed = discord.Embed(title=f"Round {c.round_no}/{c.total_rounds}", color=BLURPLE)
    embed.description = f"{safe(q.question, 3000)}\n\nCloses {_when(c)}"
    embed.set_footer(text="One answer each; answers are revealed when the round closes.")
    shown = limits.shown_options(len(q.options), q.correct, limits.BUTTONS)
    buttons = [
        AnswerButton(c.id, c.round_no, i, limits.option_label(n, q.options[i]), row=n // 5)
        for n, i in enumerate(shown)
    ]
    return Reply(embed, render._view(*buttons))


def _standings(c: Competition, limit: int = 10) -> str:
    lines = [
        f"**{s.rank}.** {name(s.name)}{_team(s.team)} · {s.points} pts"
        for s in game.standings(c)[:limit]
    ]
    return join_lines(lines, limits.FIELD_VALUE) or "Nobody played."


def _teams(c: Competition) -> str:
    return "\n".join(
        f"**{t.rank}.** {t.name} · {t.points:g} pts (mean of {t.members})"
        for t in game.team_standings(c)
    )


def result(c: Competition) -> Reply:
    """After a round: the right answer, who got it, and the standings."""
    q = c.plan[c.round_no - 1]
    embed = discord.Embed(title=f"Round {c.round_no} closed", color=GREEN)
    right = [a for a in c.answers if a.correct]
    names = {p.user: p.name for p in c.players}
    got = ", ".join(f"{name(names.get(a.user, a.user))} (+{a.points})" for a in right)
    got = limits.clip(got, 3000)
    embed.description = f"Answer: **{safe(q.answer, 500)}**\nRight: {got or 'nobody'}"
    embed.add_field(name="Standings", value=_standings(c), inline=False)
    if c.rules.teams:
        embed.add_field(name="Teams", value=_teams(c) or "-", inline=False)
    return Reply(embed, None)


def podium(c: Competition) -> Reply:
    """The top three (and the winning team); says so when the game was stopped early."""
    stopped = c.phase is Phase.STOPPED
    embed = discord.Embed(title="Competition stopped" if stopped else "Podium", color=GREEN)
    top = [
        f"{MEDALS[s.rank - 1]} {name(s.name)}{_team(s.team)} · {s.points} pts"
        for s in game.standings(c)[:3]
    ]
    embed.description = "\n".join(top) or "Nobody scored."
    if c.rules.teams and (teams := game.team_standings(c)):
        embed.add_field(name="Winning team", value=f"{teams[0].name} · {teams[0].points:g} pts")
        embed.add_field(name="Teams", value=_teams(c), inline=False)
    embed.set_footer(text="Scores added to /leaderboard period:competitions")
    return Reply(embed, None)


def board(b: Leaderboard) -> Reply:
    """The competitions leaderboard: competition points per member, and the caller's rank."""
    embed = discord.Embed(title="Leaderboard · competitions", color=BLURPLE)
    lines = [f"**{e.rank}.** <@{e.user}> · {e.points} pts" for e in b.entries]
    embed.description = "\n".join(lines) or "No competition points yet: `/compete start`."
    me = b.caller
    embed.add_field(name="You", value=f"#{me.rank} · {me.points} pts" if me else "No points yet.")
    return Reply(embed)
