"""`/quiz daily set|show|off`, `/quiz remind on|off`, the daily buttons and the posting loop.

The `/quiz` listener here is registered before the general one and matches only `daily` and
`remind` (never a retry), so bolt hands every other subcommand to `commands.py` untouched.
Setting or stopping a channel's quiz takes a workspace admin/owner or the channel's creator.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import ids, render_daily
from bot.adapters.slack.names import Names, handle_of
from bot.adapters.slack.oauth import TeamClients
from bot.adapters.slack.render import notice
from bot.adapters.slack.replies import Respond, user_errors
from bot.app.daily import DailyPost, DailyService
from bot.app.study import QuizService
from bot.core.daily import DailyResults
from bot.core.models import Learner
from bot.process.settings import Settings

log = logging.getLogger(__name__)

SUBCOMMANDS = ("daily", "remind")
NOT_ALLOWED = "Only workspace admins or the channel's creator can set or stop its daily quiz."


class SlackPoster:
    """The DailyPoster for Slack: chat.postMessage, and reminders by direct message.

    With many workspaces each post goes out with its own workspace's token: a channel's
    workspace is the one whose schedule names it (a Slack channel id is one channel, even when
    shared between workspaces, so any of them reaches it). A workspace that uninstalled the app
    gets nothing: its day is marked posted with no message, rather than retried every tick
    until the purge."""

    platform = ids.PLATFORM

    def __init__(
        self, clients: TeamClients | AsyncWebClient, daily: DailyService | None = None,
        names: Names | None = None,
    ) -> None:  # fmt: skip
        self.clients = clients if isinstance(clients, TeamClients) else TeamClients(clients)
        self.daily = daily
        self.names = names or Names()
        self._teams: dict[str, str] = {}
        """channel -> workspace, learnt from the schedules (a results post may outlive one)."""

    async def _client(self, channel: str, workspace: str = "") -> AsyncWebClient | None:
        """The client of the post's own workspace (the app says which); the schedules'
        channel map only for a post that did not say."""
        if not self.clients.per_workspace:
            return self.clients.client
        team = workspace or self._teams.get(channel)
        if team is None and self.daily is not None:
            for schedule in await self.daily.store.schedules(ids.PLATFORM):
                self._teams[schedule.channel] = schedule.workspace
            team = self._teams.get(channel)
        client = await self.clients.of(team) if team else None
        if client is None:
            log.info("daily quiz in %s not posted: its workspace has no installation", channel)
        return client

    async def post_questions(self, channel: str, post: DailyPost) -> list[str]:
        client = await self._client(channel, post.workspace)
        if client is None:
            return []
        reply = await client.chat_postMessage(channel=channel, **render_daily.post(post))
        return [str(reply.get("ts", ""))]

    async def post_results(self, channel: str, results: DailyResults) -> None:
        """Top scorers' display names are looked up now (a click never waits on users.info);
        one that cannot be had shows the name recorded with the answer."""
        if (client := await self._client(channel, results.workspace)) is not None:
            recorded = {s.user: s.name for s in results.top}
            names = await self.names.lookup(client, recorded, recorded)
            await client.chat_postMessage(channel=channel, **render_daily.results(results, names))

    async def send_reminder(self, learner: Learner, due: int) -> None:
        client = await self.clients.of(learner.workspace)
        if client is None:
            return
        dm = await client.conversations_open(users=learner.user)
        await client.chat_postMessage(channel=dm["channel"]["id"], **render_daily.reminder(due))


async def is_daily(request: AsyncBoltRequest, command: dict[str, Any]) -> bool:
    words = str(command.get("text") or "").split()
    retry = bool(request.headers.get("x-slack-retry-num"))
    return not retry and bool(words) and words[0].lower() in SUBCOMMANDS


async def may_manage(client: AsyncWebClient, user: str, channel: str) -> bool:
    """A workspace admin or owner (users.info), or whoever created the channel."""
    try:
        info = (await client.users_info(user=user)).get("user") or {}
        if info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"):
            return True
        conv = (await client.conversations_info(channel=channel)).get("channel") or {}
        return conv.get("creator") == user
    except SlackApiError as error:
        log.warning("permission lookup for %s failed: %s", user, error)
        return False


class DailyListener:
    def __init__(self, daily: DailyService, names: Names) -> None:
        self.daily = daily
        self.names = names

    async def command(
        self, ack: Any, command: dict[str, Any], context: Any, respond: Respond,
        client: AsyncWebClient,
    ) -> None:  # fmt: skip
        await ack()
        words = str(command.get("text") or "")[:300].split()
        learner = ids.learner_of(context.team_id or context.enterprise_id, context.user_id)
        channel = str(command.get("channel_id") or "")
        if learner is None or not channel:
            await respond(**notice("Slack did not say who you are; try again."))
            return
        async with user_errors(respond):
            await respond(**await self._run(words, learner, channel, client))

    async def _run(
        self, words: list[str], learner: Learner, channel: str, client: AsyncWebClient
    ) -> dict[str, Any]:
        sub, args = words[0].lower(), [w.lower() for w in words[1:2]] + words[2:]
        if sub == "remind" and args[:1] in (["on"], ["off"]) and len(args) <= 2:
            zone = args[1] if len(args) == 2 else None
            await self.daily.remind(learner, args[0] == "on", zone)
            return notice(
                f"Reminders {args[0]}." + (f" Your days count in {zone}." if zone else "")
            )
        action = args[0] if args else ""
        if sub != "daily" or action not in ("set", "show", "off"):
            return notice(render_daily.USAGE)
        if action == "show":
            view = await self.daily.show(learner, channel)
            return render_daily.schedule(view) if view else notice("No daily quiz is set here.")
        if not await may_manage(client, learner.user, channel):
            return notice(NOT_ALLOWED)
        if action == "off":
            gone = await self.daily.off(learner, channel)
            return notice("Daily quiz stopped." if gone else "No daily quiz was set here.")
        closes = [w for w in args[1:] if w.lower().startswith("close=")]
        rest = [w for w in args[1:] if w not in closes]
        if len(rest) < 2 or len(rest) > 4 or len(closes) > 1:
            return notice(render_daily.USAGE)
        count = int(rest.pop()) if len(rest) > 2 and rest[-1].isdigit() else 3
        deck = rest[2] if len(rest) > 2 else None
        close_at = closes[0].split("=", 1)[1] if closes else None
        view = await self.daily.set(
            learner, channel, at=rest[0], timezone=rest[1], questions=count, deck_id=deck,
            close_at=close_at,
        )  # fmt: skip
        return render_daily.schedule(view)

    async def click(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond,
        client: AsyncWebClient,
    ) -> None:  # fmt: skip
        await ack()
        user = body.get("user") or {}
        team = (body.get("team") or {}).get("id") or user.get("team_id")
        learner = ids.learner_of(team, user.get("id"))
        parts = str(action.get("value", "")).split(":")
        if learner is None or len(parts) != 3 or not all(p.isdigit() for p in parts):
            return
        async with user_errors(respond):
            name = self.names.known(learner.user) or handle_of(body)  # never wait on users.info
            run_id, question, option = (int(p) for p in parts)
            outcome = await self.daily.answer(run_id, question, option, learner, name)
            await respond(
                **render_daily.outcome(outcome), response_type="ephemeral",
                replace_original=False,
            )  # fmt: skip


def register(app: AsyncApp, service: QuizService, *, names: Names | None = None) -> None:
    """Register before `commands.register`: bolt runs the first listener that matches."""
    listener = DailyListener(_daily(service), names or Names())
    app.command("/quiz", matchers=[is_daily])(listener.command)
    app.action(re.compile(r"^daily\.answer\.\d+\.\d+$"))(listener.click)


def _daily(service: QuizService, grace_minutes: int = 120) -> DailyService:
    return DailyService.over(service, grace=timedelta(minutes=grace_minutes))


def start(
    clients: TeamClients | AsyncWebClient, service: QuizService, settings: Settings,
    names: Names | None = None,
) -> asyncio.Task[None]:  # fmt: skip
    """The daily loop as a task; `run_slack` cancels it on the way out."""
    daily = DailyService.over(
        service,
        grace=timedelta(minutes=settings.daily_grace_minutes),
        post_lease=timedelta(seconds=settings.post_lease_seconds),
    )
    return asyncio.create_task(daily.run_forever(SlackPoster(clients, daily, names)))
