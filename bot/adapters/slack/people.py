"""`/quiz forget-me`, `/quiz my-data`, and the clean-up when the app leaves a workspace.

`app_uninstalled`, and `tokens_revoked` for the bot token, start the grace period; the purge loop
deletes the workspace's group data once it is over. People's own memory stays.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.listener.async_builtins import AsyncTokenRevocationListeners
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import ids, render_people
from bot.adapters.slack.render import notice
from bot.adapters.slack.replies import Respond, user_errors
from bot.app.people import CONFIRM_SECONDS, PeopleService
from bot.app.study import QuizService
from bot.process.settings import Settings

log = logging.getLogger(__name__)

SUBCOMMANDS = ("forget-me", "my-data")


async def is_people(request: AsyncBoltRequest, command: dict[str, Any]) -> bool:
    words = str(command.get("text") or "").split()
    retry = bool(request.headers.get("x-slack-retry-num"))
    return not retry and bool(words) and words[0].lower() in SUBCOMMANDS


LEAVING = frozenset({"app_uninstalled", "tokens_revoked"})


class PeopleListener:
    def __init__(
        self, people: PeopleService, revocations: AsyncTokenRevocationListeners | None = None
    ) -> None:
        self.people = people
        self.revocations = revocations
        """Many workspaces: bolt's own deletion of the installation (its listeners would never
        run, bolt runs the first listener that matches)."""
        self._departed: set[str] | None = None
        """Workspaces with a purge pending, read once; a request from one cancels it."""

    async def comeback(self, context: Any, body: dict[str, Any], next: Any) -> None:
        """Bolt middleware: any request from a workspace that uninstalled the app (it was
        installed again) cancels the purge, so a reinstall within the grace period loses
        nothing. The uninstall events themselves do not count."""
        team = context.team_id or context.enterprise_id
        leaving = (body.get("event") or {}).get("type") in LEAVING
        if team and not leaving:
            if self._departed is None:
                self._departed = await self.people.pending(ids.PLATFORM)
            if team in self._departed:
                self._departed.discard(team)
                await self.people.returned(ids.PLATFORM, team)
        await next()

    async def _left(self, team: str) -> None:
        await self.people.left(ids.PLATFORM, team)
        if self._departed is not None:
            self._departed.add(team)

    async def command(
        self, ack: Any, command: dict[str, Any], context: Any, respond: Respond,
        client: AsyncWebClient,
    ) -> None:  # fmt: skip
        await ack()
        learner = ids.learner_of(context.team_id or context.enterprise_id, context.user_id)
        if learner is None:
            await respond(**notice("Slack did not say who you are; try again."))
            return
        sub = str(command.get("text") or "").split()[0].lower()
        async with user_errors(respond):
            if sub == "forget-me":
                until = int(self.people.clock.now().timestamp()) + CONFIRM_SECONDS
                prompt = render_people.forget_prompt(learner.user, until)
                await respond(**prompt, response_type="ephemeral")
                return
            data = await self.people.export_json(learner.person)
            try:
                dm = await client.conversations_open(users=learner.user)
                await client.files_upload_v2(
                    channel=dm["channel"]["id"],
                    content=data,
                    filename="quizbot-my-data.json",
                    title=render_people.MY_DATA_TITLE,
                )
            except SlackApiError as error:
                log.warning("my-data not sent: %s", error)
                await respond(**render_people.MY_DATA_FAILED, response_type="ephemeral")
                return
            await respond(**render_people.MY_DATA_SENT, response_type="ephemeral")

    async def confirm(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        await ack()
        user = body.get("user") or {}
        team = (body.get("team") or {}).get("id") or user.get("team_id")
        learner = ids.learner_of(team, user.get("id"))
        owner, _, until = str(action.get("value", "")).partition(":")
        if learner is None or not until.isdigit():
            return
        async with user_errors(respond):
            if learner.user != owner:
                reply = render_people.NOT_YOURS
                await respond(**reply, response_type="ephemeral", replace_original=False)
                return
            if self.people.clock.now().timestamp() > int(until):
                await respond(**render_people.EXPIRED, replace_original=True)
                return
            done = await self.people.forget(learner.person)
            await respond(**render_people.forgotten(done.total), replace_original=True)

    async def uninstalled(self, ack: Any, body: dict[str, Any], context: Any) -> None:
        """The installation goes at once (its token is dead); the data after the grace."""
        await ack()
        if self.revocations is not None:
            await self.revocations.handle_app_uninstalled_events(context)
        if team := body.get("team_id"):
            await self._left(str(team))

    async def revoked(
        self, ack: Any, body: dict[str, Any], event: dict[str, Any], context: Any
    ) -> None:
        """Only the bot token's revocation means the app is gone; a user token's does not."""
        await ack()
        if self.revocations is not None:
            await self.revocations.handle_tokens_revoked_events(event, context)
        team = body.get("team_id")
        if team and (event.get("tokens") or {}).get("bot"):
            await self._left(str(team))


def people_service(service: QuizService, grace_days: int = 30) -> PeopleService:
    return PeopleService.over(service, grace=timedelta(days=grace_days))


def register(
    app: AsyncApp, service: QuizService, *, grace_days: int = 30,
    revocations: AsyncTokenRevocationListeners | None = None,
) -> None:  # fmt: skip
    """Register before `commands.register`: bolt runs the first listener that matches.
    `revocations` (many workspaces) deletes an installation when Slack says it is gone."""
    listener = PeopleListener(people_service(service, grace_days), revocations)
    app.middleware(listener.comeback)
    app.command("/quiz", matchers=[is_people])(listener.command)
    app.action(render_people.FORGET_ACTION)(listener.confirm)
    app.event("app_uninstalled")(listener.uninstalled)
    app.event("tokens_revoked")(listener.revoked)


def start(service: QuizService, settings: Settings) -> asyncio.Task[None]:
    """The purge loop as a task; `run_slack` cancels it on the way out."""
    people = people_service(service, settings.purge_grace_days)
    return asyncio.create_task(people.run_purges(), name="quizbot-slack-purges")
