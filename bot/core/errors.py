"""Errors the service raises for a person to read: each message is safe to show as it is."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.models import Question, SessionSummary


class QuizError(Exception):
    """Something the user did that cannot go ahead; `str(error)` is the message to show them."""


class UnknownDeck(QuizError):
    def __init__(self, deck_id: str) -> None:
        shown = deck_id if len(deck_id) <= 60 else deck_id[:57] + "..."
        super().__init__(f"There is no deck called '{shown}'. See the list of decks for the ids.")
        self.deck_id = deck_id


class NoCards(QuizError):
    def __init__(self) -> None:
        super().__init__("No decks are loaded, so there is nothing to ask yet.")


class SessionNotFound(QuizError):
    def __init__(self) -> None:
        super().__init__("That session no longer exists. Start a new one.")


class NotYourSession(QuizError):
    def __init__(self) -> None:
        super().__init__("This is not your session. Start your own to study.")


class SessionOver(QuizError):
    def __init__(self) -> None:
        super().__init__("This session has ended. Start a new one to keep studying.")


class StaleQuestion(QuizError):
    def __init__(self) -> None:
        super().__init__("That question was already answered; here is the current one.")


class CardChanged(StaleQuestion):
    """The open card changed, or left its deck, in a reload: the click was not graded, and the
    session moved on to `step` (the next question, or the summary) so the learner is not stuck.
    A StaleQuestion, so an adapter that shows the current card after a stale click does right."""

    def __init__(self, step: Question | SessionSummary, *, gone: bool) -> None:
        what = "left its deck" if gone else "changed"
        QuizError.__init__(
            self, f"This card {what} in a deck reload, so that answer was not counted."
        )
        self.step = step
        self.gone = gone


class NotRecorded(QuizError):
    def __init__(self) -> None:
        super().__init__(
            "Your answer could not be recorded (the database is not writable). "
            "Nothing was saved; please try again later."
        )


class WrongKindOfAnswer(QuizError):
    def __init__(self) -> None:
        super().__init__("That kind of answer does not fit this question; use its buttons.")


class InCompetition(QuizError):
    """Forget-me waits until the person's running competition ends: its live state would
    write their id back."""

    def __init__(self) -> None:
        super().__init__(
            "You are playing in a competition that is still running. Try again when it ends."
        )


class NotAllowed(QuizError):
    """Managing a group's decks needs the platform's admin right (Manage Server, workspace
    admin); the adapters check it first, the use case checks again."""

    def __init__(self, action: str = "manage this server's decks") -> None:
        super().__init__(f"You need the Manage Server (or workspace admin) right to {action}.")


class NotYourDeck(QuizError):
    """Bundled decks and other servers' decks cannot be changed from chat."""

    def __init__(self, deck_id: str) -> None:
        shown = deck_id if len(deck_id) <= 60 else deck_id[:57] + "..."
        super().__init__(
            f"'{shown}' is not a deck this server imported; only those can be changed here."
        )


class ImportRefused(QuizError):
    """An upload refused before or while parsing: over a limit, unreadable, hostile. The message
    is one line naming the file and, where known, the line."""
