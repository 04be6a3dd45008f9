"""`/deck` replies as Discord embeds, buttons and files: plain data the `Decks` cog sends.

Deck names, file names and importer messages come from strangers' files: they are shown as
written, never as markdown or mentions (`limits.name`). Long lists stop at a whole line and say
how many more there are, so a report is never cut without saying so.
"""

from __future__ import annotations

import io
from datetime import datetime

import discord

from bot.adapters.discord import limits
from bot.adapters.discord._download import megabytes
from bot.adapters.discord.deck_items import KeepButton, RemoveButton
from bot.adapters.discord.limits import count, join_lines
from bot.adapters.discord.render import BLURPLE, GREEN, RED, Reply, _view, add_answer
from bot.app.deck_book import DeckListing, ExportedDeck, ImportReport
from bot.core.models import Card, DeckError, DeckWarning
from bot.core.reports import DeckSummary

ERRORS_ROOM = 2800
WARNINGS_ROOM = limits.FIELD_VALUE
LISTING_ROOM = 1900


def _deck(d: DeckSummary) -> str:
    """`**Name**` (`id`, N cards): the name escaped, the id as code."""
    return f"**{limits.name(d.name, 100)}** (`{_code(d.id)}`, {count(d.cards, 'card')})"


def _code(text: str, limit: int = 100) -> str:
    """Text inside backticks: none of its own, mentions defused, clipped."""
    return limits.safe(text.replace("`", "'"), limit)


def _line(item: DeckError | DeckWarning, source: str) -> str:
    """`• line 12: message`; a problem of the whole file (line 0) has no line."""
    where = f"line {item.line}" if item.line > 0 else ""
    path = getattr(item, "path", source)
    if path and path != source:
        where = f"{limits.name(path, 80)} {where}".rstrip()
    text = limits.name(item.message, 400)
    return f"• {where}: {text}" if where else f"• {text}"


def report(r: ImportReport) -> Reply:
    """What an import did: counts, then every error and warning with its line, bounded."""
    source = limits.name(r.source, 100)
    if r.imported and r.deck is not None:
        embed = discord.Embed(title="Deck imported", color=GREEN)
        embed.description = (
            f"{_deck(r.deck)} from `{_code(r.source)}`\n"
            f"{r.added} added · {r.updated} updated · {r.kept} kept · {r.retired} retired\n"
            f"Members of this server can study it now: `/study deck:{_code(r.deck.id)}`."
        )
    else:
        embed = discord.Embed(title="Nothing imported", color=RED)
        if r.errors:
            problems = count(len(r.errors), "error")
            embed.description = (
                f"{source} has {problems}; nothing was stored. Fix them and import it again."
            )
        else:
            embed.description = f"{source} holds no cards; nothing was stored."
    if r.errors:
        lines = [_line(e, r.source) for e in r.errors]
        heading = f"\n\n**{count(len(r.errors), 'error')}**\n"
        embed.description += heading + join_lines(lines, ERRORS_ROOM)
    if r.warnings:
        lines = [_line(w, r.source) for w in r.warnings]
        embed.add_field(
            name=f"{count(len(r.warnings), 'warning')} (imported anyway)",
            value=join_lines(lines, WARNINGS_ROOM),
            inline=False,
        )
    return Reply(embed)


def _listed(item: DeckListing) -> str:
    line = f"• {_deck(item.summary)}"
    if item.source:
        line += f" from `{_code(item.source, 60)}`"
    if item.updated_at is not None:
        line += f", {_when(item.updated_at)}"
    return line


def _when(at: datetime) -> str:
    return f"updated {discord.utils.format_dt(at, 'R')}"


def listing(items: tuple[DeckListing, ...]) -> Reply:
    """This server's decks, then the bundled ones every server sees."""
    own = [_listed(i) for i in items if i.owned]
    bundled = [_listed(i) for i in items if not i.owned]
    embed = discord.Embed(title="Decks", color=BLURPLE)
    mine = join_lines(own, LISTING_ROOM) or "None yet: `/deck import` a file, or `/deck paste`."
    shared = join_lines(bundled, LISTING_ROOM) or "None."
    embed.description = (
        f"**This server's decks ({len(own)})**\n{mine}\n\n"
        f"**Bundled decks ({len(bundled)})**\n{shared}"
    )
    embed.set_footer(text="Study one with /study deck:<id>. Only this server sees its own decks.")
    return Reply(embed)


def exported(e: ExportedDeck) -> tuple[str, discord.File]:
    """The text above the file, and the YAML file itself."""
    text = (
        f"`{_code(e.filename)}`: edit it and `/deck import` it again; "
        "the cards keep their ids, so everyone's progress stays."
    )
    return text, discord.File(io.BytesIO(e.text.encode()), filename=_filename(e.filename))


def _filename(name: str) -> str:
    """A file name Discord keeps as it is (letters, digits, dot, dash, underscore)."""
    kept = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in name)
    return kept.strip("._")[:100] or "deck.yaml"


def too_large(name: str, size: int, room: int) -> str:
    return (
        f"{name} is {megabytes(size)} as YAML, more than the {megabytes(room)} Discord takes "
        "here; the operator can export it with `quizbot` on the server."
    )


def remove_prompt(deck: DeckSummary, user: str, until: int, key: str) -> Reply:
    """The warning, and Remove / Keep it, pressable until `until` (Unix time)."""
    embed = discord.Embed(title="Remove this deck?", color=RED)
    embed.description = (
        f"{_deck(deck)} leaves this server: nobody can study it any more. Members' past answers "
        "stay in their history, and importing the deck again brings its cards back with their "
        "progress."
    )
    embed.add_field(name="Confirm", value=f"Press **Remove** before <t:{until}:T> (<t:{until}:R>).")
    return Reply(embed, _view(RemoveButton(user, until, key), KeepButton(user, until, key)))


def removed(deck: DeckSummary) -> str:
    return f"Removed {limits.name(deck.name, 100)} (`{_code(deck.id)}`) from this server."


def kept(deck: DeckSummary | None) -> str:
    if deck is None:
        return "Nothing was removed."
    return f"Kept {limits.name(deck.name, 100)}; nothing was removed."


EXPIRED = "That confirmation has expired; nothing was removed. Run /deck remove again."
GONE = "That deck is no longer one of this server's decks; nothing to remove."
NOT_YOURS = "Only the person who asked can answer this."


def shared(deck: DeckSummary | None, code: str) -> Reply:
    embed = discord.Embed(title="Share code", color=BLURPLE)
    what = _deck(deck) if deck is not None else "This deck"
    embed.description = (
        f"{what} can be copied into another server with this code:\n"
        f"```\n{_code(code, 200)}\n```\n"
        f"An admin there runs `/deck import code:{_code(code, 200)}`; the copy has the same "
        "cards and card ids."
    )
    return Reply(embed)


def added(card: Card, deck: DeckSummary | None) -> Reply:
    name = _deck(deck) if deck is not None else f"`{_code(card.deck_id)}`"
    embed = discord.Embed(title="Card added", color=GREEN)
    embed.description = f"Added to {name}:\n{limits.safe(card.question)}"
    add_answer(embed, card.answer)
    if card.accept:
        accepted = ", ".join(limits.name(a, 100) for a in card.accept)
        embed.add_field(name="Accepted", value=limits.clip(accepted, 1000), inline=False)
    return Reply(embed)
