"""The App Home tab: the learner's stats and due counts, republished each time it is opened."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import ids, render
from bot.app.study import QuizService

log = logging.getLogger(__name__)


class Home:
    def __init__(self, service: QuizService) -> None:
        self.service = service

    async def opened(self, event: dict[str, Any], context: Any, client: AsyncWebClient) -> None:
        """Events are acked by Bolt before this runs; the work here may take its time."""
        if event.get("tab", "home") != "home":
            return
        user = event.get("user") or context.user_id
        learner = ids.learner_of(context.team_id or context.enterprise_id, user)
        if learner is None:
            return
        try:
            stats = await self.service.stats(learner)
            await client.views_publish(user_id=learner.user, view=render.home_view(stats))
        except Exception:
            log.exception("App Home for %s not published", learner.user)


def register(app: AsyncApp, service: QuizService) -> None:
    app.event("app_home_opened")(Home(service).opened)
