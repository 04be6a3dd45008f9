"""Study cards in every format, end to end over HTTP with signed requests."""

from __future__ import annotations

import json

from tests.adapters.slack.conftest import CAPITALS, SlackHarness
from tests.adapters.slack.fake_slack import buttons, mrkdwn_texts


def _question_text(message: dict) -> str:
    return " ".join(mrkdwn_texts(message))


def right_option(message: dict) -> dict:
    """The choice button whose label is the capital of the country asked about."""
    text = _question_text(message)
    countries = [c for c in CAPITALS if c in text]
    assert countries, f"not a capitals question: {text}"
    found = [
        b
        for a, b in buttons(message).items()
        if a.startswith("quiz.choice.") and CAPITALS[countries[0]] in b["text"]["text"]
    ]
    assert found, f"no right option in {message}"
    return found[0]


async def test_choice_card_records_a_right_answer(slack: SlackHarness) -> None:
    """A quick-quiz card is multiple choice; the right button gives feedback and a review."""
    card = await slack.ask("go capitals")
    assert card["response_type"] == "ephemeral"
    feedback = await slack.press(right_option(card))
    assert feedback["replace_original"] is True
    assert "Right!" in _question_text(feedback)
    assert "Next review" in _question_text(feedback)
    assert {"quiz.next", "quiz.stop"} <= set(buttons(feedback))
    assert (await slack.service.stats(slack.learner())).reviews == 1


async def test_flashcard_show_then_rate(slack: SlackHarness) -> None:
    """A card with no options is a flashcard: Show answer, then a self-rating is recorded."""
    card = await slack.ask("study solo")
    assert "quiz.show" in buttons(card)
    shown = await slack.press(buttons(card)["quiz.show"])
    assert "Au" in _question_text(shown)
    rates = {b["text"]["text"]: b for a, b in buttons(shown).items() if a.startswith("quiz.rate.")}
    assert list(rates) == ["Again", "Hard", "Good", "Easy"]
    rated = await slack.press(rates["Good"])
    assert "Rated *Good*" in _question_text(rated)
    assert (await slack.service.stats(slack.learner())).reviews == 1


async def test_typed_answer_through_the_modal(slack: SlackHarness) -> None:
    """A card known well and due again is typed: the modal's submission is graded."""
    card = await slack.known_card("solo")
    before = (await slack.service.stats(slack.learner())).reviews
    typed = await slack.click(buttons(card)["quiz.type"])
    opened = await slack.fake.call("views.open")
    assert opened["trigger_id"] == typed.trigger
    view = opened["view"]
    assert await slack.submit(view, "  au ") == 200
    graded = await slack.fake.reply(typed.url)  # the response_url of the "Type answer" click
    assert graded["replace_original"] is True
    assert "Right!" in _question_text(graded)
    assert (await slack.service.stats(slack.learner())).reviews == before + 1


async def test_deck_text_cannot_ping(slack: SlackHarness) -> None:
    """<!channel>, <@U..>, <!here>, <!subteam^..> in a deck show as text, never as mentions."""
    card = await slack.ask("study hostile")
    shown = await slack.press(buttons(card)["quiz.show"])
    for message in (card, shown):
        dumped = json.dumps(message)
        for ping in ("<!channel>", "<@U999>", "<!here>", "<!subteam", "<!everyone>"):
            assert ping not in dumped
    assert "&lt;!channel&gt; &amp; &lt;@U999&gt;" in _question_text(card)
    assert "&lt;!here&gt;" in _question_text(shown)
    assert "link_names" not in json.dumps(slack.fake.responses)


async def test_another_users_click_is_refused(slack: SlackHarness) -> None:
    """Only the session's learner can answer: others get an ephemeral note, nothing is recorded."""
    card = await slack.ask("go capitals")
    refusal = await slack.press(right_option(card), user="U2")
    assert refusal["response_type"] == "ephemeral"
    assert refusal.get("replace_original") is False
    assert "not your session" in refusal["text"]
    assert (await slack.service.stats(slack.learner("U1"))).reviews == 0
    assert (await slack.service.stats(slack.learner("U2"))).reviews == 0


async def test_retried_click_counts_once(slack: SlackHarness) -> None:
    """Slack's redelivery of an answer (X-Slack-Retry-Num) records nothing new."""
    option = right_option(await slack.ask("go capitals"))
    await slack.press(option)
    again = await slack.press(option, retry=1)
    assert "already recorded" in _question_text(again)
    assert (await slack.service.stats(slack.learner())).reviews == 1


async def test_forged_button_value_is_refused(slack: SlackHarness) -> None:
    """A button value that is not session:turn gets a note and touches nothing."""
    note = await slack.press({"action_id": "quiz.choice.0", "value": "<!channel>:x" * 50})
    assert "not one of mine" in note["text"]
    assert (await slack.service.stats(slack.learner())).reviews == 0


async def test_skip_twice_on_one_card_skips_once_then_stop(slack: SlackHarness) -> None:
    """A double click on Skip skips one card, not two; Stop ends with a summary."""
    first = await slack.ask("go capitals 4")
    second = await slack.press(buttons(first)["quiz.skip"])
    again = await slack.press(buttons(first)["quiz.skip"])
    assert again["text"] == second["text"] != first["text"]
    assert "already answered" in _question_text(again)
    done = await slack.press(buttons(again)["quiz.stop"])
    assert "Session stopped" in _question_text(done)
    assert (await slack.service.stats(slack.learner())).reviews == 0
