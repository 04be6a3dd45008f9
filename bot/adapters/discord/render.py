"""Service replies as Discord embeds and button views; every handler renders through here.

Deck text and user input are shown, never obeyed: mentions are defused with a zero-width space
(`@\u200beveryone`) on top of `AllowedMentions.none()` on every send, so a card containing
`@everyone` reads the same but pings nobody.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import discord

from bot.adapters.discord import limits, views
from bot.adapters.discord.limits import LETTERS, clip, count, join_lines, safe
from bot.core.models import (
    Card,
    Feedback,
    Format,
    MediaFile,
    Mode,
    Period,
    Question,
    Rating,
    SessionSummary,
)
from bot.core.reports import DeckSummary, Leaderboard, LoadReport, Stats
from bot.core.timefmt import NOT_SCHEDULED, until

BLURPLE = discord.Color.blurple()
GREEN = discord.Color.green()
RED = discord.Color.red()
PERIOD_NAMES = {Period.DAY: "today", Period.WEEK: "this week", Period.ALL: "all time"}
CHART_NAME = "stats.png"
PICTURE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


@dataclass(frozen=True, slots=True)
class Reply:
    """What to send: an embed, maybe buttons, maybe a file. `view=None` clears old buttons."""

    embed: discord.Embed
    view: discord.ui.View | None = None
    file: discord.File | None = None


__all__ = ["LETTERS", "Reply", "safe"]


def _view(*items: discord.ui.Item[discord.ui.View]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def picture(
    embed: discord.Embed, card: Card, media: MediaFile | None, room: int
) -> discord.File | None:
    """Show the card's picture: an https image by its URL; one stored with the deck as the
    message's attachment (`attachment://card.png`), never its bare file name as a URL. A
    picture that is missing or over Discord's upload limit (`room` bytes) is said so in a line."""
    if card.media_name is None:
        if card.image and card.image.startswith("https://"):
            embed.set_image(url=card.image)
        return None
    if media is None:
        embed.add_field(name="Picture", value="This card's picture is missing from its deck.")
        return None
    if len(media.data) > room:
        size = f"{len(media.data) / (1024 * 1024):.3g} MB"
        embed.add_field(name="Picture", value=f"This card's picture ({size}) is too large to show.")
        return None
    suffix = media.name.rsplit(".", 1)[-1].lower() if "." in media.name else ""
    kind = suffix if suffix in PICTURE_TYPES.values() else PICTURE_TYPES.get(media.mime, "png")
    filename = f"card.{'jpg' if kind == 'jpeg' else kind}"
    embed.set_image(url=f"attachment://{filename}")
    return discord.File(io.BytesIO(media.data), filename=filename)


def question(q: Question, media: MediaFile | None = None, room: int = 8 * 1024 * 1024) -> Reply:
    """A card with the buttons its format needs: options, 'Type answer' or 'Show answer'; its
    picture, if it has one stored with the deck, is `media` (sent if within `room` bytes)."""
    where = f"{q.position}/{q.total}" if q.total else f"#{q.position}"
    embed = discord.Embed(title=f"{limits.name(q.deck_name, 200)} · {where}", color=BLURPLE)
    embed.description = safe(q.card.question)
    file = picture(embed, q.card, media, room)
    hint = {
        Format.CHOICE: "Pick one.",
        Format.TYPED: "Type your answer.",
        Format.FLASHCARD: "Think of the answer, then reveal it.",
    }[q.format]
    embed.set_footer(text=("New card · " if q.is_new else "") + hint)
    stop = views.StopButton(q.session_id)
    if q.format is Format.CHOICE:
        buttons = [
            views.ChoiceButton(q.session_id, q.turn, i, limits.option_label(i, option))
            for i, option in enumerate(q.options[: limits.BUTTONS - 1])  # and Stop
        ]
        return Reply(embed, _view(*buttons, stop), file)
    if q.format is Format.TYPED:
        return Reply(embed, _view(views.TypeButton(q.session_id, q.turn), stop), file)
    return Reply(embed, _view(views.ShowButton(q.session_id, q.turn), stop), file)


def step(
    item: Question | SessionSummary,
    note: str | None = None,
    media: MediaFile | None = None,
    room: int = 8 * 1024 * 1024,
) -> Reply:
    """The session's next question, or its summary, with a one-line note on top saying why
    the learner sees it instead of feedback."""
    reply = question(item, media, room) if isinstance(item, Question) else summary(item)
    if note:
        reply.embed.set_author(name=clip(note, limits.AUTHOR_NAME))
    return reply


def add_answer(embed: discord.Embed, answer: str) -> None:
    """The answer whole, over as many fields as it needs (the deck limits keep it to two)."""
    parts = limits.pieces(safe(answer, limits.EMBED_TOTAL)) if answer else ["-"]
    for i, part in enumerate(parts):
        embed.add_field(name="Answer" if i == 0 else "Answer (continued)", value=part, inline=False)


def revealed(q: Question, media: MediaFile | None = None, room: int = 8 * 1024 * 1024) -> Reply:
    """A flashcard with its answer shown (its picture still beside it) and the self-grades."""
    embed = discord.Embed(title=limits.name(q.deck_name, 200), color=BLURPLE)
    embed.description = safe(q.card.question)
    add_answer(embed, q.card.answer)
    file = picture(embed, q.card, media, room)
    embed.set_footer(text="How well did you know it?")
    rates = [views.RateButton(q.session_id, q.turn, r) for r in Rating]
    return Reply(embed, _view(*rates, views.StopButton(q.session_id)), file)


def feedback(f: Feedback, now: datetime) -> Reply:
    """Right or wrong, the answer, when the card comes back, and Next / Stop."""
    if f.given and f.rating is not None and f.given == f.rating.name.lower():
        title = f"Rated {f.rating.name.title()}"
    else:
        title = "✅ Right!" if f.correct else "❌ Not quite"
    embed = discord.Embed(title=title, color=GREEN if f.correct else RED)
    embed.description = safe(f.card.question)
    add_answer(embed, f.card.answer)
    if f.given and not title.startswith("Rated"):
        embed.add_field(name="You answered", value=limits.name(f.given, 1000), inline=False)
    if f.next_due is None:
        embed.add_field(name="Next review", value=NOT_SCHEDULED)
    else:
        due = discord.utils.format_dt(f.next_due, "f")
        embed.add_field(name="Next review", value=f"{until(f.next_due, now)} ({due})")
    embed.add_field(name="Points", value=f"+{f.points}")
    if f.duplicate:
        embed.set_footer(text="Already recorded; counted once.")
    return Reply(embed, _view(views.NextButton(f.session_id), views.StopButton(f.session_id)))


def summary(s: SessionSummary) -> Reply:
    """The end of a session: score, accuracy and what to look at again."""
    title = "Quiz complete" if s.mode is Mode.QUIZ else "Session over"
    if s.mode is Mode.QUIZ and s.reason == "stopped":
        title = "Quiz stopped"
    if s.reason == "done":
        title = "All caught up for now"
    embed = discord.Embed(title=title, color=BLURPLE)
    embed.description = (
        f"**{s.correct}/{s.answered}** right ({s.accuracy:.0%}) · **{s.points}** points"
    )
    if s.missed:
        lines = [f"• {safe(c.question, 150)}" for c in s.missed[:10]]
        embed.add_field(name="To review", value=join_lines(lines, limits.FIELD_VALUE), inline=False)
    return Reply(embed, None)


def leaderboard(board: Leaderboard) -> Reply:
    """Top entries and the caller's own rank; mentions in embeds never ping."""
    title = f"Leaderboard · {PERIOD_NAMES[board.period]}"
    if board.deck_id:
        title += f" · {limits.name(board.deck_id, 100)}"
    embed = discord.Embed(title=title, color=BLURPLE)
    lines = [
        f"**{e.rank}.** <@{e.user}> · {e.points} pts ({e.correct}/{e.answers} right)"
        for e in board.entries
    ]
    embed.description = "\n".join(lines) or "No scores yet. Be the first: `/quiz`."
    me = board.caller
    embed.add_field(
        name="You",
        value=f"#{me.rank} · {me.points} pts" if me else "No points yet in this period.",
    )
    return Reply(embed)


def stats(s: Stats, name: str, chart: bytes) -> Reply:
    """Totals, due counts and per-deck progress, with the chart attached."""
    embed = discord.Embed(title=f"Stats · {limits.name(name, 100)}", color=BLURPLE)
    embed.add_field(name="Reviews", value=str(s.reviews))
    embed.add_field(name="Accuracy", value=f"{s.accuracy:.0%}")
    embed.add_field(name="Streak", value=f"{s.streak_days} day{'s' * (s.streak_days != 1)}")
    embed.add_field(
        name="Due",
        value=f"{s.due_now} now · {s.due_today} today · {s.due_week} this week",
        inline=False,
    )
    if s.rank is not None:
        embed.add_field(
            name="This server",
            value=f"#{s.rank.rank} · {s.rank.points} points · {s.rank.answers} answers",
            inline=False,
        )
    lines = [
        f"**{limits.name(d.deck_name, 80)}**: {d.seen}/{d.total} seen, {d.mature} mature, {d.due} due"
        for d in s.decks
    ]
    if lines:
        embed.add_field(name="Decks", value=join_lines(lines, limits.FIELD_VALUE), inline=False)
    embed.set_image(url=f"attachment://{CHART_NAME}")
    return Reply(embed, file=discord.File(io.BytesIO(chart), filename=CHART_NAME))


def decks(summaries: tuple[DeckSummary, ...]) -> Reply:
    embed = discord.Embed(title="Decks", color=BLURPLE)
    lines = [
        f"`{clip(d.id.replace('`', ''), 60)}` · {limits.name(d.name, 100)} ({count(d.cards, 'card')})"
        for d in summaries
    ]
    embed.description = join_lines(lines, 4000) or "No decks are loaded."
    cards = sum(d.cards for d in summaries)
    embed.set_footer(text=f"{count(len(summaries), 'deck')} · {count(cards, 'card')}")
    return Reply(embed)


def reload_report(report: LoadReport) -> Reply:
    """What loaded and, by file and line, what did not."""
    ok = not report.errors
    embed = discord.Embed(title="Decks reloaded", color=GREEN if ok else RED)
    cards = sum(d.cards for d in report.decks)
    embed.description = f"{count(len(report.decks), 'deck')}, {count(cards, 'card')} loaded."
    if report.errors:
        lines = [f"`{safe(e.path, 120)}:{e.line}` {safe(e.message, 200)}" for e in report.errors]
        embed.add_field(
            name=count(len(report.errors), "error"),
            value=join_lines(lines, limits.FIELD_VALUE),
            inline=False,
        )
    return Reply(embed)


def error(message: str) -> str:
    return safe(message, 1900)
