"""`/quiz deck list|import|export|remove|add|share`, the import and add-a-card modals, and the
remove confirmation: ack first, check the right, one DeckBook call, render, tell only the asker.

Registered before `commands.register` with a matcher on `deck`, so the shared `/quiz` parser is
untouched (`/quiz decks` stays the study list). Importing, removing, adding and sharing need a
workspace admin or owner, checked with users.info on every request; DeckBook checks `admin`
again. Everything a deck command says goes to the person who asked only (ephemeral, or a direct
message), the importer's report included.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import deck_forms as forms
from bot.adapters.slack import ids, render_decks, rights
from bot.adapters.slack.downloads import NO_FILES_READ, Downloads
from bot.adapters.slack.parsing import MAX_TEXT
from bot.adapters.slack.pictures import Pictures
from bot.adapters.slack.render import Message, notice
from bot.adapters.slack.replies import Respond, send_file, user_errors
from bot.app.deck_book import DeckBook, DeckListing, ImportReport
from bot.core.errors import NotYourDeck, UnknownDeck
from bot.core.models import Learner
from bot.core.ports import Clock

log = logging.getLogger(__name__)

CONFIRM_SECONDS = 10 * 60
FILES_READ = "files:read"
ACTIONS = {
    "import": "import decks into this workspace",
    "remove": "remove this workspace's decks",
    "add": "add cards to this workspace's decks",
    "share": "share this workspace's decks",
}
BAD_CLICK = "That button is not one of mine, or it is too old."
NOT_YOURS = "Only the person who asked can answer this."
EXPIRED = "That confirmation has expired; run `/quiz deck remove <deck>` again."
FULL_REPORT = f"the full report is in your direct messages ({render_decks.REPORT_FILE})"


async def is_deck(request: AsyncBoltRequest, command: dict[str, Any]) -> bool:
    words = str(command.get("text") or "").split()
    retry = bool(request.headers.get("x-slack-retry-num"))
    return not retry and bool(words) and words[0].lower() == "deck"


def _ephemeral(respond: Respond) -> Respond:
    """Replies only the asker sees, added below the message they came from."""

    async def say(**message: Any) -> Any:
        message.setdefault("response_type", "ephemeral")
        message.setdefault("replace_original", False)
        return await respond(**message)

    return say


def _refusal(checked: rights.Standing, action: str) -> Message | None:
    """None for an admin or owner; else the note to show (a plain member, or unknown)."""
    if checked.admin is None:
        return notice(rights.UNKNOWN)
    return None if checked.admin else notice(render_decks.NOT_ADMIN.format(action=ACTIONS[action]))


class DeckListener:
    """The listeners; the book does the work, this class talks to Slack."""

    def __init__(
        self, book: DeckBook, clock: Clock, pictures: Pictures, downloads: Downloads
    ) -> None:
        self.book = book
        self.clock = clock
        self.pictures = pictures
        self.downloads = downloads

    # --- the command ---------------------------------------------------------------------

    async def command(
        self, ack: Any, command: dict[str, Any], context: Any, respond: Respond,
        client: AsyncWebClient,
    ) -> None:  # fmt: skip
        await ack()
        words = str(command.get("text") or "")[:MAX_TEXT].split()
        learner = ids.learner_of(context.team_id or context.enterprise_id, context.user_id)
        say = _ephemeral(respond)
        if learner is None:
            await say(**notice("Slack did not say who you are; try again."))
            return
        sub, args = (words[1].lower() if len(words) > 1 else ""), words[2:]
        where = forms.Where(str(command.get("response_url") or ""), context.channel_id or "")
        async with user_errors(say):
            if sub == "list" and not args:
                await say(**render_decks.listing(await self.book.listing(learner)))
            elif sub == "import" and len(args) <= 1:
                trigger = str(command.get("trigger_id") or "")
                await self.start_import(learner, args, trigger, where, say, client)
            elif sub == "export" and len(args) == 1:
                await self.export(learner, args[0], say, client)
            elif sub in ("remove", "add", "share") and len(args) == 1:
                checked = await rights.standing(client, learner.user)
                if (refusal := _refusal(checked, sub)) is not None:
                    await say(**refusal)
                    return
                if sub == "add":
                    await self.start_add(
                        learner, args[0], str(command.get("trigger_id")), where, client
                    )
                    return
                item = await self._owned(learner, args[0])
                if sub == "remove":
                    until = int(self.clock.now().timestamp()) + CONFIRM_SECONDS
                    await say(**render_decks.remove_prompt(item, learner.user, until))
                else:
                    code = await self.book.share(learner, item.summary.id, admin=True)
                    await say(**render_decks.share_code(item.summary.name, item.summary.id, code))
            else:
                await say(**notice(render_decks.USAGE))

    async def start_import(
        self, learner: Learner, args: list[str], trigger: str, where: forms.Where,
        say: Respond, client: AsyncWebClient,
    ) -> None:  # fmt: skip
        """`import <code>` imports a shared deck at once; `import` opens the modal. Slack
        refuses a file input to an app without files:read, so there the modal leaves it out
        and says why (the admin check's reply lists the app's scopes)."""
        checked = await rights.standing(client, learner.user)
        if (refusal := _refusal(checked, "import")) is not None:
            await say(**refusal)
            return
        if args:
            report = await self._import(forms.ImportForm(where, code=args[0]), learner, client)
            await self.tell_report(report, learner, say, client)
            return
        files = checked.granted(FILES_READ)
        try:
            modal = render_decks.import_modal(where, files=files)
            await client.views_open(trigger_id=trigger, view=modal)
        except SlackApiError as error:
            if error.response is None or error.response.get("error") != "missing_scope":
                raise
            log.warning("the import modal was refused: the app lacks files:read")
            await say(**notice(NO_FILES_READ))

    async def start_add(
        self, learner: Learner, deck_id: str, trigger: str, where: forms.Where,
        client: AsyncWebClient,
    ) -> None:  # fmt: skip
        """The add-a-card modal for one of this workspace's decks, or for a new deck of that
        name (the first card makes it); a bundled deck is refused."""
        found = await self._listed(learner, deck_id)
        if found is not None and not found.owned:
            raise NotYourDeck(deck_id)
        name = found.summary.name if found else deck_id
        view = render_decks.add_modal(where, deck_id, name, new=found is None)
        await client.views_open(trigger_id=trigger, view=view)

    async def export(
        self, learner: Learner, deck_id: str, say: Respond, client: AsyncWebClient
    ) -> None:
        exported = await self.book.export(learner, deck_id)
        title = f"quizbot deck {deck_id}"
        if await send_file(client, learner.user, exported.text, exported.filename, title):
            await say(**notice(f"{exported.filename} is in your direct messages."))
        else:
            await say(**notice("The file could not be sent as a direct message; try again."))

    # --- the modals ----------------------------------------------------------------------

    async def import_submitted(
        self, ack: Any, view: dict[str, Any], context: Any, client: AsyncWebClient
    ) -> None:
        """Field errors keep the modal open; otherwise close it at once, then fetch, parse and
        report to the importer alone (the command's response_url, else a direct message)."""
        form = forms.read_import(view)
        if form.errors:
            await ack(response_action="errors", errors=form.errors)
            return
        await ack()
        learner = ids.learner_of(context.team_id or context.enterprise_id, context.user_id)
        if learner is None:
            log.warning("import submitted without a team or user; dropped")
            return
        say = self._teller(form.where, learner, client)
        async with user_errors(say):
            if (refusal := await self._refused(client, learner, "import")) is not None:
                await say(**refusal)
                return
            report = await self._import(form, learner, client)
            await self.tell_report(report, learner, say, client)

    async def _import(
        self, form: forms.ImportForm, learner: Learner, client: AsyncWebClient
    ) -> ImportReport:
        if form.code:
            report = await self.book.import_code(learner, form.code, admin=True)
        elif form.text:
            report = await self.book.import_text(learner, form.text, form.name, admin=True)
        else:
            fetched = await self.downloads.fetch(client, form.file_id, self.book.upload_limit)
            report = await self.book.import_file(
                learner, fetched.name, fetched.data, admin=True, name=form.name or None
            )
        if report.deck is not None:
            self.pictures.forget(learner.workspace, report.deck.id)
        return report

    async def tell_report(
        self, report: ImportReport, learner: Learner, say: Respond, client: AsyncWebClient
    ) -> None:
        """The report in one message; when it cannot hold every line, the whole text goes to
        the importer's direct messages as a file and the message says so."""
        elsewhere = None
        if not render_decks.fits(report):
            text = render_decks.report_text(report)
            sent = await send_file(client, learner.user, text, render_decks.REPORT_FILE,
                                   "Import report")  # fmt: skip
            elsewhere = FULL_REPORT if sent else None
        await say(**render_decks.report(report, elsewhere))

    async def card_submitted(
        self, ack: Any, view: dict[str, Any], context: Any, client: AsyncWebClient
    ) -> None:
        form = forms.read_card(view)
        if form.errors:
            await ack(response_action="errors", errors=form.errors)
            return
        await ack()
        learner = ids.learner_of(context.team_id or context.enterprise_id, context.user_id)
        if learner is None:
            return
        say = self._teller(form.where, learner, client)
        async with user_errors(say):
            if (refusal := await self._refused(client, learner, "add")) is not None:
                await say(**refusal)
                return
            card = await self.book.add_card(
                learner, form.deck_id, form.question, form.answer, form.accept, admin=True
            )
            found = await self._listed(learner, card.deck_id)
            await say(**render_decks.added(card, found.summary if found else None))

    # --- remove ----------------------------------------------------------------------------

    async def confirm(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond,
        client: AsyncWebClient,
    ) -> None:  # fmt: skip
        """Remove deck / Keep it: only the asker, only before it expires, only an admin."""
        await ack()
        user = body.get("user") or {}
        team = (body.get("team") or {}).get("id") or user.get("team_id")
        learner = ids.learner_of(team, user.get("id"))
        parsed = forms.parse_remove(action.get("value"))
        say = _ephemeral(respond)
        if learner is None or parsed is None:
            await say(**notice(BAD_CLICK))
            return
        owner, until, deck_id = parsed
        async with user_errors(say):
            if learner.user != owner:
                await say(**notice(NOT_YOURS))
            elif action.get("action_id") == forms.KEEP:
                await respond(**notice(f"Kept {deck_id}."), replace_original=True)
            elif self.clock.now().timestamp() > until:
                await respond(**notice(EXPIRED), replace_original=True)
            elif (refusal := await self._refused(client, learner, "remove")) is not None:
                await say(**refusal)
            else:
                gone = await self.book.remove(learner, deck_id, admin=True)
                self.pictures.forget(learner.workspace, gone.id)
                await respond(**render_decks.removed(gone.name, gone.id), replace_original=True)

    # --- helpers -------------------------------------------------------------------------

    async def _refused(
        self, client: AsyncWebClient, learner: Learner, action: str
    ) -> Message | None:
        return _refusal(await rights.standing(client, learner.user), action)

    async def _listed(self, learner: Learner, deck_id: str) -> DeckListing | None:
        return next((i for i in await self.book.listing(learner) if i.summary.id == deck_id), None)

    async def _owned(self, learner: Learner, deck_id: str) -> DeckListing:
        """The deck this workspace imported, or the error saying why it is not one."""
        found = await self._listed(learner, deck_id)
        if found is None:
            raise UnknownDeck(deck_id)
        if not found.owned:
            raise NotYourDeck(deck_id)
        return found

    def _teller(self, where: forms.Where, learner: Learner, client: AsyncWebClient) -> Respond:
        """How a modal's outcome reaches its submitter: the command's response_url
        (ephemeral, in the channel they typed it in), else a direct message."""
        if where.response_url:
            return _ephemeral(AsyncRespond(response_url=where.response_url))

        async def direct(**message: Any) -> None:
            dm = await client.conversations_open(users=learner.user)
            await client.chat_postMessage(
                channel=dm["channel"]["id"], text=message["text"], blocks=message.get("blocks")
            )

        return direct


def register(
    app: AsyncApp, book: DeckBook, clock: Clock, *, pictures: Pictures, downloads: Downloads
) -> None:
    """Register before `commands.register`: bolt runs the first listener that matches."""
    listener = DeckListener(book, clock, pictures, downloads)
    app.command("/quiz", matchers=[is_deck])(listener.command)
    app.view(forms.IMPORT_VIEW)(listener.import_submitted)
    app.view(forms.ADD_VIEW)(listener.card_submitted)
    app.action(forms.REMOVE)(listener.confirm)
    app.action(forms.KEEP)(listener.confirm)
