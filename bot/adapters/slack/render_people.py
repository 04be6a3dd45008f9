"""Forget-me and my-data replies in Block Kit."""

from __future__ import annotations

from bot.adapters.slack.render import Message, actions, button, context, notice, section

FORGET_ACTION = "people.forget"

WHAT_GOES = (
    "*Forget me?* This deletes everything quizbot stores about your Slack account: your card "
    "schedules, your review history, your scores and leaderboard places, "
    "your reminders and daily-quiz answers. Competitions keep their results with your name "
    "removed. It cannot be undone."
)


def forget_prompt(user: str, until: int) -> Message:
    """The warning and a button that works until `until` (Unix time)."""
    return {
        "text": "Forget me?",
        "blocks": [
            section(WHAT_GOES),
            context(f"Press the button before <!date^{until}^{{time}}|it expires>."),
            actions(
                button("Forget me", FORGET_ACTION, f"{user}:{until}", "danger"),
                block_id="people",
            ),
        ],
    }


def forgotten(rows: int) -> Message:
    if not rows:
        return notice("Nothing was stored about you; there is nothing to forget.")
    return notice(f"Done: quizbot has forgotten you ({rows} records deleted or anonymised).")


EXPIRED = notice("That confirmation has expired. Run /quiz forget-me again if you still want it.")
NOT_YOURS = notice("Only the person who asked can confirm this.")
MY_DATA_SENT = notice("Everything quizbot stores about you is in your direct messages, as JSON.")
MY_DATA_FAILED = notice("The file could not be sent as a direct message; please try again.")
MY_DATA_TITLE = "Everything quizbot stores about you"
