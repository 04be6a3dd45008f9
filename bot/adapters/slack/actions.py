"""Button clicks and the typed-answer modal: ack, read the click, one service call, render.

Every click names its session and turn in its value, and the service checks the clicker owns
the session (NotYourSession: an ephemeral note, nothing recorded) and dedups answers by
session + turn, so a double click or a redelivery records one answer.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import ids, render
from bot.adapters.slack.names import Names
from bot.adapters.slack.pictures import Pictures
from bot.adapters.slack.replies import Respond, post_in_channel, user_errors
from bot.app.study import QuizService
from bot.core.errors import StaleQuestion
from bot.core.models import Learner, Mode, Period, Question, Rating, Response, SessionSummary

log = logging.getLogger(__name__)

BAD_CLICK = "That button is not one of mine, or it is too old. Start again with `/quiz study`."


def _read(action: dict[str, Any], context: Any) -> tuple[ids.Ref, Learner] | None:
    ref = ids.parse_value(action.get("value"))
    learner = ids.learner_of(context.team_id or context.enterprise_id, context.user_id)
    return (ref, learner) if ref and learner else None


async def _refuse(respond: Respond, text: str = BAD_CLICK) -> None:
    await respond(**render.notice(text), response_type="ephemeral", replace_original=False)


class Actions:
    """Listeners for the study card's buttons and the typed-answer modal."""

    def __init__(self, service: QuizService, names: Names, pictures: Pictures) -> None:
        self.service = service
        self.names = names
        self.pictures = pictures

    async def _answer(
        self,
        ref: ids.Ref,
        learner: Learner,
        response: Response,
        respond: Respond,
        client: AsyncWebClient,
        *,
        self_rated: bool = False,
    ) -> None:
        """Record the answer and show feedback; a stale click gets the current question."""
        async with user_errors(respond):
            try:
                fb = await self.service.answer(ref.session_id, learner, ref.turn, response)
            except StaleQuestion as error:
                await self._show_current(ref, learner, respond, client, str(error))
                return
            now = self.service.clock.now()
            await respond(**render.feedback(fb, now, self_rated=self_rated), replace_original=True)

    async def choice(
        self,
        ack: Any,
        action: dict[str, Any],
        context: Any,
        respond: Respond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        read = _read(action, context)
        if read is None or read[0].extra is None:
            await _refuse(respond)
            return
        ref, learner = read
        await self._answer(ref, learner, Response(choice=ref.extra), respond, client)

    async def rate(
        self,
        ack: Any,
        action: dict[str, Any],
        context: Any,
        respond: Respond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        read = _read(action, context)
        if read is None or read[0].extra not in {int(r) for r in Rating}:
            await _refuse(respond)
            return
        ref, learner = read
        response = Response(rating=Rating(ref.extra))
        await self._answer(ref, learner, response, respond, client, self_rated=True)

    async def show(
        self,
        ack: Any,
        action: dict[str, Any],
        context: Any,
        respond: Respond,
        client: AsyncWebClient,
    ) -> None:
        """Flip a flashcard: the answer and the four ratings replace the card."""
        await ack()
        read = _read(action, context)
        if read is None:
            await _refuse(respond)
            return
        ref, learner = read
        async with user_errors(respond):
            q = await self._current(ref, learner, respond, client)
            if q is not None:
                picture = await self.pictures.of_step(client, learner.workspace, q)
                await respond(**render.revealed(q, picture), replace_original=True)

    async def open_typed(
        self,
        ack: Any,
        action: dict[str, Any],
        body: dict[str, Any],
        context: Any,
        respond: Respond,
        client: AsyncWebClient,
    ) -> None:
        """Open the modal; it keeps the response_url so the feedback replaces the card."""
        await ack()
        read = _read(action, context)
        if read is None or not body.get("trigger_id"):
            await _refuse(respond)
            return
        ref, learner = read
        async with user_errors(respond):
            q = await self._current(ref, learner, respond, client)
            if q is not None:
                meta = ids.modal_metadata(ref, body.get("response_url"), context.channel_id)
                await client.views_open(
                    trigger_id=body["trigger_id"], view=render.typed_modal(q, meta)
                )

    async def typed(
        self, ack: Any, view: dict[str, Any], context: Any, client: AsyncWebClient
    ) -> None:
        """The modal's submission: close it, grade the text, update the card."""
        meta = ids.parse_metadata(str(view.get("private_metadata", "")))
        values = view.get("state", {}).get("values", {})
        text = values.get(ids.TYPED_BLOCK, {}).get(ids.TYPED_INPUT, {}).get("value") or ""
        if not text.strip():
            await ack(response_action="errors", errors={ids.TYPED_BLOCK: "Type an answer first."})
            return
        await ack()
        learner = ids.learner_of(context.team_id or context.enterprise_id, context.user_id)
        if meta is None or learner is None or not meta[1]:
            log.warning("typed answer without a usable private_metadata; dropped")
            return
        ref, url, _channel = meta
        respond = AsyncRespond(response_url=url)
        await self._answer(ref, learner, Response(text=text[:500]), respond, client)

    async def next(
        self,
        ack: Any,
        action: dict[str, Any],
        context: Any,
        respond: Respond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        read = _read(action, context)
        if read is None:
            await _refuse(respond)
            return
        ref, learner = read
        async with user_errors(respond):
            step = await self.service.next_question(ref.session_id, learner)
            await self._show_step(step, learner, client, context.channel_id, respond)

    async def skip(
        self,
        ack: Any,
        action: dict[str, Any],
        context: Any,
        respond: Respond,
        client: AsyncWebClient,
    ) -> None:
        """Skip only the question on this card: a double click must not skip the next one."""
        await ack()
        read = _read(action, context)
        if read is None:
            await _refuse(respond)
            return
        ref, learner = read
        async with user_errors(respond):
            try:
                step = await self.service.skip(ref.session_id, learner, ref.turn)
            except StaleQuestion as error:
                await self._show_current(ref, learner, respond, client, str(error))
                return
            await self._show_step(step, learner, client, context.channel_id, respond)

    async def stop(self, ack: Any, action: dict[str, Any], context: Any, respond: Respond) -> None:
        await ack()
        read = _read(action, context)
        if read is None:
            await _refuse(respond)
            return
        ref, learner = read
        async with user_errors(respond):
            done = await self.service.end_session(ref.session_id, learner)
            await respond(**render.summary(done), replace_original=True)

    async def _current(
        self, ref: ids.Ref, learner: Learner, respond: Respond, client: AsyncWebClient
    ) -> Question | None:
        """The question this click is about; None (after showing what is current) if stale."""
        q = await self.service.current_question(ref.session_id, learner)
        if q is not None and q.turn == ref.turn:
            return q
        await self._show_current(ref, learner, respond, client, str(StaleQuestion()))
        return None

    async def _show_current(
        self,
        ref: ids.Ref,
        learner: Learner,
        respond: Respond,
        client: AsyncWebClient,
        note: str,
    ) -> None:
        """After a stale click: the card the session is on now, with a note saying why."""
        step = await self.service.next_question(ref.session_id, learner)
        shown = note if isinstance(step, Question) else None
        picture = await self.pictures.of_step(client, learner.workspace, step)
        await respond(**render.step(step, shown, picture), replace_original=True)

    async def _show_step(
        self,
        step: Question | SessionSummary,
        learner: Learner,
        client: AsyncWebClient,
        channel: str | None,
        respond: Respond,
    ) -> None:
        """Replace the card with the next question, or the summary (and a quiz's board)."""
        picture = await self.pictures.of_step(client, learner.workspace, step)
        await respond(**render.step(step, picture=picture), replace_original=True)
        if isinstance(step, SessionSummary):
            await self._announce(step, learner, client, channel, respond)

    async def _announce(
        self,
        done: SessionSummary,
        learner: Learner,
        client: AsyncWebClient,
        channel: str | None,
        respond: Respond,
    ) -> None:
        """A finished quick quiz posts today's leaderboard in the channel it was played in."""
        if done.mode is not Mode.QUIZ or done.reason != "complete":
            return
        board = await self.service.leaderboard(ids.PLATFORM, learner.workspace, Period.DAY)
        names = await self.names.lookup(client, [learner.user, *(e.user for e in board.entries)])
        title = render.quiz_done_title(names[learner.user], done)
        await post_in_channel(client, channel, respond, render.leaderboard(board, names, title))


def register(
    app: AsyncApp, service: QuizService, *, pictures: Pictures, names: Names | None = None
) -> None:
    handlers = Actions(service, names or Names(), pictures)
    app.action(ids.CHOICE_PATTERN)(handlers.choice)
    app.action(ids.RATE_PATTERN)(handlers.rate)
    app.action(ids.SHOW)(handlers.show)
    app.action(ids.TYPE)(handlers.open_typed)
    app.view(ids.TYPED_VIEW)(handlers.typed)
    app.action(ids.NEXT)(handlers.next)
    app.action(ids.SKIP)(handlers.skip)
    app.action(ids.STOP)(handlers.stop)
