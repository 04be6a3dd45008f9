"""A learner's response checked against the question it answers, and worded for the log."""

from __future__ import annotations

from bot.core.models import AskedCard, Format, Response


def fits(response: Response, asked: AskedCard) -> bool:
    """Whether the response is the kind the question asked for (hostile or stale input is not)."""
    if asked.format is Format.FLASHCARD:
        return response.rating is not None
    if asked.format is Format.CHOICE:
        return response.choice is not None and 0 <= response.choice < len(asked.options)
    return response.text is not None


def describe(response: Response, asked: AskedCard) -> str:
    """The learner's answer as text for the review log and the feedback."""
    if response.text is not None:
        return response.text.strip()
    if response.choice is not None and 0 <= response.choice < len(asked.options):
        return asked.options[response.choice]
    if response.rating is not None:
        return response.rating.name.lower()
    return ""
