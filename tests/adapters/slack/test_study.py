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
    assert await slack.command("go capitals") == 200
    card = await slack.fake.next_response(1)
    assert card["response_type"] == "ephemeral"
    assert await slack.click(right_option(card)) == 200
    feedback = await slack.fake.next_response(2)
    assert feedback["replace_original"] is True
    assert "Right!" in _question_text(feedback)
    assert "Next review" in _question_text(feedback)
    assert {"quiz.next", "quiz.stop"} <= set(buttons(feedback))
    assert (await slack.service.stats(slack.learner())).reviews == 1


async def test_flashcard_show_then_rate(slack: SlackHarness) -> None:
    """A card with no options is a flashcard: Show answer, then a self-rating is recorded."""
    await slack.command("study solo")
    card = await slack.fake.next_response(1)
    assert "quiz.show" in buttons(card)
    await slack.click(buttons(card)["quiz.show"])
    shown = await slack.fake.next_response(2)
    assert "Au" in _question_text(shown)
    rates = {b["text"]["text"]: b for a, b in buttons(shown).items() if a.startswith("quiz.rate.")}
    assert list(rates) == ["Again", "Hard", "Good", "Easy"]
    await slack.click(rates["Good"])
    rated = await slack.fake.next_response(3)
    assert "Rated *Good*" in _question_text(rated)
    assert (await slack.service.stats(slack.learner())).reviews == 1


async def test_typed_answer_through_the_modal(slack: SlackHarness) -> None:
    """A card seen before and due again is typed: the modal's submission is graded."""
    await slack.command("study solo")
    await slack.click(buttons(await slack.fake.next_response(1))["quiz.show"])
    shown = await slack.fake.next_response(2)
    await slack.click(buttons(shown)["quiz.rate.3"])
    await slack.fake.next_response(3)
    slack.clock.advance(days=30)
    await slack.command("study solo")
    card = await slack.fake.next_response(4)
    assert "quiz.type" in buttons(card)
    await slack.click(buttons(card)["quiz.type"])
    opened = await slack.fake.call("views.open")
    assert opened["trigger_id"] == "trigger-click"
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert await slack.submit(view, "  au ") == 200
    graded = await slack.fake.next_response(5)
    assert graded["_url"] == "/response/5"  # the response_url of the "Type answer" click
    assert graded["replace_original"] is True
    assert "Right!" in _question_text(graded)
    assert (await slack.service.stats(slack.learner())).reviews == 2


async def test_deck_text_cannot_ping(slack: SlackHarness) -> None:
    """<!channel>, <@U..>, <!here>, <!subteam^..> in a deck show as text, never as mentions."""
    await slack.command("study hostile")
    card = await slack.fake.next_response(1)
    await slack.click(buttons(card)["quiz.show"])
    shown = await slack.fake.next_response(2)
    for message in (card, shown):
        dumped = json.dumps(message)
        for ping in ("<!channel>", "<@U999>", "<!here>", "<!subteam", "<!everyone>"):
            assert ping not in dumped
    assert "&lt;!channel&gt; &amp; &lt;@U999&gt;" in _question_text(card)
    assert "&lt;!here&gt;" in _question_text(shown)
    assert "link_names" not in json.dumps(slack.fake.responses)


async def test_another_users_click_is_refused(slack: SlackHarness) -> None:
    """Only the session's learner can answer: others get an ephemeral note, nothing is recorded."""
    await slack.command("go capitals")
    card = await slack.fake.next_response(1)
    await slack.click(right_option(card), user="U2")
    refusal = await slack.fake.next_response(2)
    assert refusal["response_type"] == "ephemeral"
    assert refusal.get("replace_original") is False
    assert "not your session" in refusal["text"]
    assert (await slack.service.stats(slack.learner("U1"))).reviews == 0
    assert (await slack.service.stats(slack.learner("U2"))).reviews == 0


async def test_retried_click_counts_once(slack: SlackHarness) -> None:
    """Slack's redelivery of an answer (X-Slack-Retry-Num) records nothing new."""
    await slack.command("go capitals")
    option = right_option(await slack.fake.next_response(1))
    assert await slack.click(option) == 200
    await slack.fake.next_response(2)
    assert await slack.click(option, retry=1) == 200
    again = await slack.fake.next_response(3)
    assert "already recorded" in _question_text(again)
    assert (await slack.service.stats(slack.learner())).reviews == 1


async def test_forged_button_value_is_refused(slack: SlackHarness) -> None:
    """A button value that is not session:turn gets a note and touches nothing."""
    await slack.click({"action_id": "quiz.choice.0", "value": "<!channel>:x" * 50})
    note = await slack.fake.next_response(1)
    assert "not one of mine" in note["text"]
    assert (await slack.service.stats(slack.learner())).reviews == 0


async def test_skip_twice_on_one_card_skips_once_then_stop(slack: SlackHarness) -> None:
    """A double click on Skip skips one card, not two; Stop ends with a summary."""
    await slack.command("go capitals 4")
    first = await slack.fake.next_response(1)
    await slack.click(buttons(first)["quiz.skip"])
    second = await slack.fake.next_response(2)
    await slack.click(buttons(first)["quiz.skip"])
    again = await slack.fake.next_response(3)
    assert again["text"] == second["text"] != first["text"]
    assert "already answered" in _question_text(again)
    await slack.click(buttons(again)["quiz.stop"])
    done = await slack.fake.next_response(4)
    assert "Session stopped" in _question_text(done)
    assert (await slack.service.stats(slack.learner())).reviews == 0
