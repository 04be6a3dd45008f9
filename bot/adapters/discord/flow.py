"""What the buttons and the modal do: one service call each, rendered and sent.

A study session is the service's; this object holds no per-session state (two learners, or
one learner in two channels, never share anything here), so it is safe across restarts. A card
whose picture is stored with its deck (`card.media_name`) gets the picture's bytes from the
DeckBook and sends them as the message's attachment.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Concatenate, ParamSpec

import discord

from bot.adapters.discord import render, views
from bot.adapters.discord._replies import learner_of, reply_error, send, update
from bot.app.deck_book import DeckBook
from bot.app.study import QuizService
from bot.core.errors import CardChanged, StaleQuestion
from bot.core.models import MediaFile, Mode, Question, Rating, Response, SessionSummary

log = logging.getLogger(__name__)

P = ParamSpec("P")
Handler = Callable[Concatenate["SessionFlow", discord.Interaction, P], Awaitable[None]]


def _answering(func: Handler[P]) -> Handler[P]:
    """Turn any failure into a short ephemeral reply instead of a silent 'interaction failed'."""

    @functools.wraps(func)
    async def wrapper(
        self: SessionFlow, interaction: discord.Interaction, *args: P.args, **kwargs: P.kwargs
    ) -> None:
        try:
            await func(self, interaction, *args, **kwargs)
        except Exception as error:
            await reply_error(interaction, error)

    return wrapper


def _now() -> datetime:
    return discord.utils.utcnow()


class SessionFlow:
    """Start, answer, reveal, continue and stop study sessions for Discord interactions."""

    def __init__(self, service: QuizService, deck_book: DeckBook) -> None:
        self.service = service
        self.deck_book = deck_book

    async def _media(self, item: Question | SessionSummary) -> MediaFile | None:
        if isinstance(item, Question) and item.card.media_name is not None:
            return await self.deck_book.media(item.card)
        return None

    async def _step(
        self,
        interaction: discord.Interaction,
        item: Question | SessionSummary,
        note: str | None = None,
    ) -> render.Reply:
        """The next question (its picture attached) or the summary."""
        media = await self._media(item)
        return render.step(item, note, media, interaction.filesize_limit)

    @_answering
    async def start(
        self, interaction: discord.Interaction, mode: Mode, deck: str | None, limit: int | None
    ) -> None:
        learner = learner_of(interaction)
        session = await self.service.start_session(learner, mode=mode, deck_id=deck, limit=limit)
        first = await self.service.next_question(session.id, learner)
        await send(interaction, await self._step(interaction, first), ephemeral=True)

    @_answering
    async def choose(
        self, interaction: discord.Interaction, session_id: str, turn: int, index: int
    ) -> None:
        await self._answer(interaction, session_id, turn, Response(choice=index))

    @_answering
    async def rate(
        self, interaction: discord.Interaction, session_id: str, turn: int, rating: Rating
    ) -> None:
        await self._answer(interaction, session_id, turn, Response(rating=rating))

    @_answering
    async def typed(
        self, interaction: discord.Interaction, session_id: str, turn: int, text: str
    ) -> None:
        await self._answer(interaction, session_id, turn, Response(text=text))

    async def _answer(
        self, interaction: discord.Interaction, session_id: str, turn: int, response: Response
    ) -> None:
        try:
            feedback = await self.service.answer(
                session_id, learner_of(interaction), turn, response
            )
        except CardChanged as moved:  # nothing recorded; the session went on without the card
            await update(interaction, await self._step(interaction, moved.step, str(moved)))
            return
        await update(interaction, render.feedback(feedback, _now()))

    @_answering
    async def show(self, interaction: discord.Interaction, session_id: str, turn: int) -> None:
        current = await self._current(interaction, session_id, turn)
        media = await self._media(current)
        await update(interaction, render.revealed(current, media, interaction.filesize_limit))

    @_answering
    async def open_modal(
        self, interaction: discord.Interaction, session_id: str, turn: int
    ) -> None:
        current = await self._current(interaction, session_id, turn)
        await interaction.response.send_modal(
            views.AnswerModal(session_id, turn, current.card.question)
        )

    async def _current(
        self, interaction: discord.Interaction, session_id: str, turn: int
    ) -> Question:
        current = await self.service.current_question(session_id, learner_of(interaction))
        if current is None or current.turn != turn:
            raise StaleQuestion()
        return current

    @_answering
    async def next(self, interaction: discord.Interaction, session_id: str) -> None:
        reply = await self.service.next_question(session_id, learner_of(interaction))
        await update(interaction, await self._step(interaction, reply))

    @_answering
    async def stop(self, interaction: discord.Interaction, session_id: str) -> None:
        summary = await self.service.end_session(session_id, learner_of(interaction))
        await update(interaction, render.summary(summary))
