"""`/deck`: a server's own decks from chat (import a file, paste, a share code, list, export,
remove, add a card, share) and `/deck reload` of the bundled folder.

Rights: the group carries Manage Server as its default permission, so plain members do not see
it; a server can still hand it to anyone, so every change checks the member's permissions in
the interaction again and refuses with a clear line (`NotAllowed`), and a direct message or a
user-installed app outside the bot's servers is told that decks belong to a server. Listing
and exporting change nothing and are left to whoever the server lets see the command.

Imports defer first (an ephemeral "thinking"), so Discord's 3 seconds never run out while a
file downloads or parses: the DeckBook parses off the event loop, and other members' clicks are
answered meanwhile. Every reply here is ephemeral: the importer's report is theirs alone.
"""

from __future__ import annotations

import asyncio
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord import render, render_decks
from bot.adapters.discord._download import Downloader, megabytes
from bot.adapters.discord._replies import (
    NO_PINGS,
    SERVER_ONLY,
    learner_of,
    reply_error,
    say,
    send,
)
from bot.adapters.discord.deck_items import (
    DECK_ITEMS,
    DECK_NAME,
    AddCardModal,
    PasteModal,
    deck_key,
)
from bot.adapters.discord.limits import deck_choice
from bot.app.deck_book import DeckBook
from bot.app.study import QuizService
from bot.core.errors import ImportRefused, NotAllowed, NotYourDeck, QuizError
from bot.core.library import deck_slug
from bot.core.models import PRIVATE, Learner
from bot.core.ports import Clock
from bot.core.reports import DeckSummary

log = logging.getLogger(__name__)

CONFIRM_SECONDS = 120
CODE = 64
"""A share code as typed; the DeckBook says whether it is one."""
REMEMBERED = 256
"""Finished removals remembered, so a double click replays the first click's result."""
DECK_HELP = "One of this server's decks"
IMPORT = "import decks into this server"
REMOVE = "remove this server's decks"
ADD = "add cards to this server's decks"
SHARE = "share this server's decks"


class NotInServer(QuizError):
    def __init__(self) -> None:
        super().__init__(
            "Decks belong to a server: run this in a server where quizbot is installed."
        )


class OneSource(QuizError):
    def __init__(self) -> None:
        super().__init__(
            "Attach a deck file (`file:`) or give a share code (`code:`): one of the two."
        )


class DeckCog(commands.Cog, name="Decks"):
    """A server's decks: see the module docstring."""

    deck = app_commands.Group(
        name="deck",
        description="Import, share and manage this server's decks",
        **SERVER_ONLY,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(
        self, bot: commands.Bot, service: QuizService, deck_book: DeckBook, clock: Clock
    ) -> None:
        self.bot = bot
        self.service = service
        self.book = deck_book
        self.clock = clock
        self.downloads = Downloader(proxy=bot.http.proxy, proxy_auth=bot.http.proxy_auth)
        self._removing: dict[str, asyncio.Lock] = {}
        self._removed: dict[str, str] = {}

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DECK_ITEMS)

    async def cog_unload(self) -> None:
        await self.downloads.close()

    # --- rights and lookups ------------------------------------------------------------------

    @staticmethod
    def _manager(interaction: discord.Interaction, action: str) -> Learner:
        """The member, if they may change this server's decks; else a clear refusal."""
        actor = learner_of(interaction)
        if actor.workspace == PRIVATE:
            raise NotInServer()
        if not interaction.permissions.manage_guild:
            raise NotAllowed(action)
        return actor

    async def _own(self, actor: Learner, deck: str) -> DeckSummary:
        """One of the actor's server's decks, by the id autocomplete gives (`virt@3f9a1c`) or
        the name it was imported as (`virt`, as a member types it); else NotYourDeck."""
        own = [i.summary for i in await self.book.listing(actor) if i.owned]
        wanted = deck.strip()
        found = next((d for d in own if d.id == wanted), None) or next(
            (d for d in own if deck_slug(d.id) == wanted), None
        )
        if found is None:
            raise NotYourDeck(wanted)
        return found

    async def _seen(self, actor: Learner, deck: str) -> str:
        """The id of a deck the actor's server sees, a typed import name resolved as in `_own`."""
        listing = await self.book.listing(actor)
        wanted = deck.strip()
        if any(i.summary.id == wanted for i in listing):
            return wanted
        own = (i.summary.id for i in listing if i.owned and deck_slug(i.summary.id) == wanted)
        return next(own, wanted)

    async def _owned_by_key(self, actor: Learner, key: str) -> DeckSummary | None:
        for item in await self.book.listing(actor):
            if item.owned and deck_key(item.summary.id) == key:
                return item.summary
        return None

    async def _own_decks(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Autocomplete: this server's own decks (the ones it may change)."""
        found = self.book.search(learner_of(interaction), current, 25, owned=True)
        return [deck_choice(d) for d in found]

    async def _seen_decks(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Autocomplete: every deck this server sees, bundled ones included."""
        return [deck_choice(d) for d in self.book.search(learner_of(interaction), current, 25)]

    # --- importing ---------------------------------------------------------------------------

    @deck.command(name="import", description="Import a deck file, or a deck shared by code")
    @app_commands.describe(
        file="Anki .apkg/.colpkg, Obsidian or notes .md/.txt, Quizlet/CSV/TSV, quizbot YAML",
        code="A share code from /deck share in another server",
        name="Deck name (default: from the file)",
    )
    async def import_(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment | None = None,
        code: app_commands.Range[str, 1, CODE] | None = None,
        name: app_commands.Range[str, 1, DECK_NAME] | None = None,
    ) -> None:
        actor = self._manager(interaction, IMPORT)
        if (file is None) == (code is None):
            raise OneSource()
        if file is not None:
            limit = self.book.upload_limit(file.filename)
            if file.size > limit:  # refused before a single byte is fetched
                raise ImportRefused(
                    f"{file.filename} is {megabytes(file.size)}; files of this kind may have "
                    f"{megabytes(limit)} at most. Nothing was downloaded."
                )
        await interaction.response.defer(ephemeral=True, thinking=True)
        if file is not None:
            data = await self.downloads.fetch(file.url, file.filename, limit)
            report = await self.book.import_file(actor, file.filename, data, admin=True, name=name)
        else:
            assert code is not None
            report = await self.book.import_code(actor, code.strip(), admin=True)
        await send(interaction, render_decks.report(report))

    @deck.command(name="paste", description="Paste a few cards of notes into a modal")
    @app_commands.describe(name="Deck name (the name of an existing deck replaces its cards)")
    async def paste(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, DECK_NAME] | None = None,
    ) -> None:
        self._manager(interaction, IMPORT)
        await interaction.response.send_modal(PasteModal(name))

    async def pasted(self, interaction: discord.Interaction, name: str, text: str) -> None:
        try:
            actor = self._manager(interaction, IMPORT)
            await interaction.response.defer(ephemeral=True, thinking=True)
            report = await self.book.import_text(actor, text, name.strip(), admin=True)
            await send(interaction, render_decks.report(report))
        except Exception as error:
            await reply_error(interaction, error)

    # --- looking -----------------------------------------------------------------------------

    @deck.command(name="list", description="This server's decks and the bundled ones")
    async def list_(self, interaction: discord.Interaction) -> None:
        listing = await self.book.listing(learner_of(interaction))
        await send(interaction, render_decks.listing(listing))

    @deck.command(name="export", description="A deck as a YAML file to edit and import again")
    @app_commands.describe(deck="Any deck this server sees")
    @app_commands.autocomplete(deck=_seen_decks)
    async def export(self, interaction: discord.Interaction, deck: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        actor = learner_of(interaction)
        exported = await self.book.export(actor, await self._seen(actor, deck))
        text, file = render_decks.exported(exported)
        size = len(exported.text.encode())
        if size > interaction.filesize_limit:
            await say(interaction, render_decks.too_large(file.filename, size,
                                                          interaction.filesize_limit))  # fmt: skip
            return
        await interaction.followup.send(
            render.error(text), file=file, ephemeral=True, allowed_mentions=NO_PINGS
        )

    # --- changing ----------------------------------------------------------------------------

    @deck.command(name="remove", description="Remove one of this server's decks")
    @app_commands.describe(deck=DECK_HELP)
    @app_commands.autocomplete(deck=_own_decks)
    async def remove(self, interaction: discord.Interaction, deck: str) -> None:
        actor = self._manager(interaction, REMOVE)
        summary = await self._own(actor, deck)
        until = int(self.clock.now().timestamp()) + CONFIRM_SECONDS
        prompt = render_decks.remove_prompt(summary, actor.user, until, deck_key(summary.id))
        await send(interaction, prompt)

    async def confirm_remove(
        self, interaction: discord.Interaction, user: str, until: int, key: str
    ) -> None:
        """Remove, once: a second click (or a click after a restart) replays the outcome."""
        confirmation = f"{user}:{until}:{key}"
        try:
            actor = self._manager(interaction, REMOVE)
            if actor.user != user:
                await say(interaction, render_decks.NOT_YOURS)
                return
            if confirmation not in self._removed and self.clock.now().timestamp() > until:
                await self._close(interaction, render_decks.EXPIRED)
                return
            await interaction.response.defer()
            async with self._removing.setdefault(confirmation, asyncio.Lock()):
                if confirmation not in self._removed:
                    deck = await self._owned_by_key(actor, key)
                    if deck is None:
                        outcome = render_decks.GONE
                    else:
                        outcome = render_decks.removed(
                            await self.book.remove(actor, deck.id, admin=True)
                        )
                    self._remember(confirmation, outcome)
            await interaction.edit_original_response(
                content=self._removed[confirmation], embed=None, view=None
            )
        except Exception as error:
            await reply_error(interaction, error)

    def _remember(self, confirmation: str, outcome: str) -> None:
        self._removed[confirmation] = outcome
        self._removing.pop(confirmation, None)
        while len(self._removed) > REMEMBERED:
            del self._removed[next(iter(self._removed))]

    async def keep(self, interaction: discord.Interaction, user: str, until: int, key: str) -> None:
        try:
            if str(interaction.user.id) != user:
                await say(interaction, render_decks.NOT_YOURS)
                return
            deck = await self._owned_by_key(learner_of(interaction), key)
            await self._close(interaction, render_decks.kept(deck))
        except Exception as error:
            await reply_error(interaction, error)

    @staticmethod
    async def _close(interaction: discord.Interaction, text: str) -> None:
        """The prompt becomes one line, its buttons gone."""
        await interaction.response.edit_message(
            content=render.error(text), embed=None, view=None, allowed_mentions=NO_PINGS
        )

    @deck.command(name="add", description="Add a card to one of this server's decks")
    @app_commands.describe(deck=DECK_HELP)
    @app_commands.autocomplete(deck=_own_decks)
    async def add(self, interaction: discord.Interaction, deck: str) -> None:
        actor = self._manager(interaction, ADD)
        summary = await self._own(actor, deck)
        await interaction.response.send_modal(AddCardModal(summary.id, summary.name))

    async def added(
        self,
        interaction: discord.Interaction,
        deck_id: str,
        question: str,
        answer: str,
        accept: str,
    ) -> None:
        try:
            actor = self._manager(interaction, ADD)
            await interaction.response.defer(ephemeral=True, thinking=True)
            short = tuple(a.strip() for a in accept.splitlines() if a.strip())
            card = await self.book.add_card(
                actor, deck_id, question.strip(), answer.strip(), short, admin=True
            )
            summary = await self._owned_by_key(actor, deck_key(deck_id))
            await send(interaction, render_decks.added(card, summary))
        except Exception as error:
            await reply_error(interaction, error)

    @deck.command(name="share", description="A code another server can import a copy with")
    @app_commands.describe(deck=DECK_HELP)
    @app_commands.autocomplete(deck=_own_decks)
    async def share(self, interaction: discord.Interaction, deck: str) -> None:
        actor = self._manager(interaction, SHARE)
        summary = await self._own(actor, deck)
        code = await self.book.share(actor, summary.id, admin=True)
        await send(interaction, render_decks.shared(summary, code))

    @deck.command(name="reload", description="Re-read the question files (Manage Server only)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def reload(self, interaction: discord.Interaction) -> None:
        # default_permissions is only a default: server admins can hand the command to anyone,
        # so the check above runs on every call too.
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.service.reload_decks()
        await send(interaction, render.reload_report(report), ephemeral=True)
