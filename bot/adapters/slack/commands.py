"""`/quiz <subcommand>`: ack at once, then parse, one service call, render, respond.

Study replies are ephemeral (only the learner sees their cards); leaderboards go to the channel.
A redelivered command (`X-Slack-Retry-Num`) is acked and dropped, so a slow network never
starts two sessions.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.charts import stats_chart
from bot.adapters.slack import ids, render
from bot.adapters.slack.names import Names
from bot.adapters.slack.parsing import Command, parse
from bot.adapters.slack.pictures import Pictures
from bot.adapters.slack.replies import Respond, post_in_channel, user_errors
from bot.app.study import QuizService
from bot.core.models import Learner

log = logging.getLogger(__name__)

COMMAND = "/quiz"
CHART_TITLE = "Your last 30 days"


async def is_retry(request: AsyncBoltRequest) -> bool:
    """Slack sets X-Slack-Retry-Num (HTTP) or retry_attempt (Socket Mode) on redeliveries."""
    return bool(request.headers.get("x-slack-retry-num"))


async def ack_only(ack: Any) -> None:
    await ack()


class QuizCommand:
    """The `/quiz` listener; one method per subcommand."""

    def __init__(self, service: QuizService, names: Names, pictures: Pictures) -> None:
        self.service = service
        self.names = names
        self.pictures = pictures

    async def run(
        self,
        ack: Any,
        command: dict[str, Any],
        context: Any,
        respond: Respond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        cmd = parse(command.get("text"))
        learner = ids.learner_of(context.team_id or context.enterprise_id, context.user_id)
        if learner is None or cmd.problem:
            text = cmd.problem or "Slack did not say who you are; try again."
            await respond(**render.notice(text), response_type="ephemeral")
            return
        async with user_errors(respond):
            if cmd.mode is not None:
                await self.study(cmd, learner, respond, client)
            elif cmd.name == "leaderboard":
                await self.leaderboard(cmd, learner, respond, client, command.get("channel_id"))
            elif cmd.name == "stats":
                await self.stats(learner, respond, client)
            elif cmd.name == "decks":
                await respond(
                    **render.decks_message(self.service.decks(learner)), response_type="ephemeral"
                )
            else:
                await respond(**render.help_message(), response_type="ephemeral")

    async def study(
        self, cmd: Command, learner: Learner, respond: Respond, client: AsyncWebClient
    ) -> None:
        assert cmd.mode is not None
        session = await self.service.start_session(
            learner, mode=cmd.mode, deck_id=cmd.deck, limit=cmd.count
        )
        step = await self.service.next_question(session.id, learner)
        picture = await self.pictures.of_step(client, learner.workspace, step)
        await respond(**render.step(step, picture=picture), response_type="ephemeral")

    async def leaderboard(
        self,
        cmd: Command,
        learner: Learner,
        respond: Respond,
        client: AsyncWebClient,
        channel: str | None,
    ) -> None:
        board = await self.service.leaderboard(
            ids.PLATFORM, learner.workspace, cmd.period, deck_id=cmd.deck
        )
        names = await self.names.lookup(client, (e.user for e in board.entries))
        await post_in_channel(client, channel, respond, render.leaderboard(board, names))

    async def stats(self, learner: Learner, respond: Respond, client: AsyncWebClient) -> None:
        stats = await self.service.stats(learner)
        await respond(**render.stats_message(stats), response_type="ephemeral")
        png = await asyncio.to_thread(stats_chart, stats, self.service.clock.now(), CHART_TITLE)
        try:
            dm = await client.conversations_open(users=learner.user)
            await client.files_upload_v2(
                channel=dm["channel"]["id"],
                file=png,
                filename="quizbot-stats.png",
                title=CHART_TITLE,
            )
        except SlackApiError as error:
            log.warning("stats chart not sent to %s: %s", learner.user, error)
            await respond(
                **render.notice("Your chart could not be sent as a direct message."),
                response_type="ephemeral",
            )


def register(
    app: AsyncApp, service: QuizService, *, pictures: Pictures, names: Names | None = None
) -> None:
    """Retries first, so a redelivered command never reaches the real listener."""
    app.command(COMMAND, matchers=[is_retry])(ack_only)
    app.command(COMMAND)(QuizCommand(service, names or Names(), pictures).run)
