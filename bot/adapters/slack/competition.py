"""`/quiz compete start|stop`, `/quiz leaderboard competitions`, and the competition buttons.

Registered before `commands.register` with a matcher (bolt runs the first listener that matches),
so the shared `/quiz` parser is untouched. `register` returns the app's `SlackCompetitions`; the
same object is found again with `of(app)` so `run_slack` can resume games and cancel timers.
"""

from __future__ import annotations

import logging
import re
import weakref
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import ids, render
from bot.adapters.slack import render_competition as show
from bot.adapters.slack.names import Names, handle_of
from bot.adapters.slack.oauth import TeamClients
from bot.adapters.slack.replies import Respond, post_in_channel, user_errors
from bot.app.competitions import LEASE_SECONDS, CompetitionService, Where
from bot.app.study import QuizService
from bot.core import competition as game
from bot.core.competition import Competition, CompetitionError

log = logging.getLogger(__name__)

USAGE = "Usage: `/quiz compete start [deck] [rounds 1-30] [seconds 5-60] [teams]` or `/quiz compete stop`."
_VALUE = re.compile(r"^([0-9a-f]{1,32}):(\d{1,2})$")
_BY_APP: weakref.WeakKeyDictionary[AsyncApp, SlackCompetitions] = weakref.WeakKeyDictionary()


async def is_compete(request: AsyncBoltRequest, command: dict[str, Any]) -> bool:
    words = str(command.get("text") or "").lower().split()
    if request.headers.get("x-slack-retry-num") or not words:
        return False
    return words[0] == "compete" or words[:2] == ["leaderboard", "competitions"]


def parse_start(args: list[str]) -> dict[str, Any]:
    """`[deck] [rounds] [seconds] [teams|teams:on|on|off]`: numbers in order, words by kind."""
    options: dict[str, Any] = {}
    numbers = [a for a in args if a.isdigit()]
    words = [a for a in args if not a.isdigit()]
    for word in words:
        lowered = word.lower()
        if lowered in ("teams", "teams:on", "on"):
            options["teams"] = True
        elif lowered in ("teams:off", "off"):
            options["teams"] = False
        elif "deck_id" not in options:
            options["deck_id"] = word
        else:
            raise CompetitionError(USAGE)
    if len(numbers) > 2:
        raise CompetitionError(USAGE)
    for key, number in zip(("rounds", "seconds"), numbers, strict=False):
        options[key] = int(number)
    return options


def _recorded(c: Competition) -> dict[str, str]:
    return {p.user: p.name for p in c.players}


class NotInstalled(Exception):
    """The game's workspace uninstalled the app: nothing can be posted there any more."""


class SlackPoster:
    """Posts a game's messages in its channel with chat.postMessage, with the token of the
    game's workspace. Standings show display names looked up as they are posted (a click
    never waits on users.info), else the names recorded when players joined."""

    def __init__(self, clients: TeamClients | AsyncWebClient, names: Names | None = None) -> None:
        self.clients = clients if isinstance(clients, TeamClients) else TeamClients(clients)
        self.names = names or Names()

    @property
    def client(self) -> AsyncWebClient:
        """The app's own client (the one token, in single-workspace mode)."""
        return self.clients.client

    async def _client(self, c: Competition) -> AsyncWebClient:
        client = await self.clients.of(c.workspace)
        if client is None:
            raise NotInstalled(c.workspace)
        return client

    async def _post(self, c: Competition, message: render.Message) -> None:
        client = await self._client(c)
        await client.chat_postMessage(channel=c.channel, **message, unfurl_links=False)

    async def _named(self, c: Competition, top: int) -> dict[str, str]:
        """Display names for the first `top` of the standings (the ones a post ranks)."""
        ranked = [s.user for s in game.standings(c)[:top]]
        return await self.names.lookup(await self._client(c), ranked, _recorded(c))

    async def post_lobby(self, c: Competition) -> None:
        await self._post(c, show.lobby(c))

    async def post_round(self, c: Competition) -> None:
        await self._post(c, show.round_(c))

    async def post_round_result(self, c: Competition) -> None:
        await self._post(c, show.result(c, await self._named(c, show.STANDINGS)))

    async def post_podium(self, c: Competition) -> None:
        await self._post(c, show.podium(c, await self._named(c, len(show.MEDALS))))


class SlackCompetitions:
    """The listeners; owns the CompetitionService (one session and timer per channel)."""

    def __init__(
        self,
        service: QuizService,
        clients: TeamClients | AsyncWebClient,
        names: Names,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.comps = CompetitionService.over(
            service, SlackPoster(clients, names), lease_seconds=lease_seconds
        )
        self.names = names

    async def is_moderator(self, client: AsyncWebClient, user: str) -> bool:
        """A workspace admin or owner, by users.info."""
        try:
            info = (await client.users_info(user=user)).get("user") or {}
        except SlackApiError as error:
            log.warning("users.info %s failed: %s", user, error)
            return False
        return bool(info.get("is_admin") or info.get("is_owner"))

    async def command(
        self,
        ack: Any,
        command: dict[str, Any],
        context: Any,
        respond: Respond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        learner = ids.learner_of(context.team_id or context.enterprise_id, context.user_id)
        channel = str(command.get("channel_id") or "")
        words = str(command.get("text") or "").split()
        if learner is None or not channel:
            await respond(
                **render.notice("Slack did not say who or where you are."),
                response_type="ephemeral",
            )
            return
        where: Where = (ids.PLATFORM, learner.workspace, channel)
        async with user_errors(respond):
            if words[0].lower() == "leaderboard":
                b = await self.comps.leaderboard(ids.PLATFORM, learner.workspace, learner.user)
                names = await self.names.lookup(client, (e.user for e in b.entries))
                await post_in_channel(client, channel, respond, show.board(b, names))
                return
            sub = words[1].lower() if len(words) > 1 else ""
            if sub == "start":
                handle = str(command.get("user_name") or "")
                name = await self.names.name(client, learner.user, handle)
                c = await self.comps.start(where, learner.user, name, **parse_start(words[2:]))
                await post_in_channel(client, channel, respond, show.lobby(c))
            elif sub == "stop" and len(words) == 2:
                moderator = await self.is_moderator(client, learner.user)
                await self.comps.stop(where, learner.user, moderator=moderator)
                await respond(**render.notice("Competition stopped."), response_type="ephemeral")
            else:
                await respond(**render.notice(USAGE), response_type="ephemeral")

    async def click(
        self, ack: Any, action: dict[str, Any], body: dict[str, Any], context: Any, respond: Respond,
        client: AsyncWebClient,
    ) -> None:  # fmt: skip
        await ack()
        match = _VALUE.match(str(action.get("value") or ""))
        learner = ids.learner_of(context.team_id or context.enterprise_id, context.user_id)
        channel = context.channel_id or (body.get("channel") or {}).get("id")
        if match is None or learner is None or not channel:
            await respond(
                **render.notice("That button is not one of mine."),
                response_type="ephemeral",
                replace_original=False,
            )
            return
        cid, round_no = match.group(1), int(match.group(2))
        where: Where = (ids.PLATFORM, learner.workspace, channel)
        user, kind = learner.user, str(action.get("action_id"))
        async with user_errors(respond):
            if kind.startswith(show.ANSWER):
                await self.comps.answer(where, cid, round_no, user, int(kind.rsplit(".", 1)[1]))
                note = render.notice("Answer locked in.")
                await respond(**note, response_type="ephemeral", replace_original=False)
                return
            if kind == show.START:
                moderator = await self.is_moderator(client, user)
                c = await self.comps.begin(where, cid, user, moderator=moderator)
            else:
                name = self.names.known(user) or handle_of(body)  # never wait on users.info
                if kind == show.JOIN:
                    c = await self.comps.join(where, cid, user, name)
                else:
                    team = int(kind.rsplit(".", 1)[1])
                    c = await self.comps.pick_team(where, cid, user, name, team)
            # recorded already: the lobby shown to the channel may wait for the names
            named = await self.names.lookup(client, (p.user for p in c.players), _recorded(c))
            await respond(**show.lobby(c, named), replace_original=True)

    async def resume(self) -> int:
        return await self.comps.resume(ids.PLATFORM)

    async def close(self) -> None:
        await self.comps.close()


def register(
    app: AsyncApp, service: QuizService, *, names: Names | None = None,
    clients: TeamClients | None = None, lease_seconds: float = LEASE_SECONDS,
) -> SlackCompetitions:  # fmt: skip
    """Register before `commands.register`: it takes only `compete` and `leaderboard competitions`.
    `clients` gives each game's workspace its client (default: the app's one token)."""
    handlers = SlackCompetitions(service, clients or app.client, names or Names(), lease_seconds)
    app.command("/quiz", matchers=[is_compete])(handlers.command)
    app.action(re.compile(r"^compete\.(join|start|team\.[01]|answer\.\d{1,2})$"))(handlers.click)
    _BY_APP[app] = handlers
    return handlers


def of(app: AsyncApp) -> SlackCompetitions | None:
    """The competitions registered on `app` (for run_slack and tests)."""
    return _BY_APP.get(app)
