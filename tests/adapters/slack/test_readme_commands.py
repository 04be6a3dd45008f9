"""Every Slack command the README lists, run with a deck of long, many-choice cards and many
long-named decks against the strict fake: Slack accepts every message, a many-choice card shows
a few options with the right one among them, and no deck is cut off.

The fake refuses anything over a Block Kit limit and the `fake` fixture fails the test on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack import competition
from bot.adapters.slack.daily import SlackPoster, _daily
from tests.adapters.slack.conftest import (
    CHANNEL,
    TEAM,
    FakeClock,
    SlackHarness,
    make_settings,
    served,
)
from tests.adapters.slack.fake_slack import FakeSlack, buttons

README = Path(__file__).resolve().parents[3] / "README.md"
CHOICES = 30
SHOWN = 5  # options a multiple-choice question shows, however many a card lists


def huge_deck() -> dict[str, Any]:
    """Cards far over every limit: 2,400-character questions full of `<` and `&`, 30 choices
    of 300 characters, a deck name with style marks."""
    cards = []
    for i in range(12):
        answer = f"right {i} " + "a&b<c> " * 42
        wrong = [f"wrong {i}.{j} " + "x&y " * 72 for j in range(CHOICES - 1)]
        cards.append(
            {
                "id": f"h{i}",
                "question": f"Question {i}: " + "<why> & " * 245 + "?",
                "answer": answer,
                "choices": [*wrong[: i % CHOICES], answer, *wrong[i % CHOICES :]],
            }
        )
    return {"deck": {"id": "huge", "name": "*Huge* _deck_ " + "&<" * 100}, "cards": cards}


def small_deck(n: int) -> dict[str, Any]:
    name = f"Deck {n} " + "&<>*" * 40
    return {"deck": {"id": f"d{n}", "name": name}, "cards": [{"question": "Q?", "answer": "A"}]}


class Harness(SlackHarness):
    comps: competition.SlackCompetitions


@pytest.fixture
async def big(tmp_path: Path, fake: FakeSlack) -> AsyncIterator[Harness]:
    settings = make_settings(tmp_path, fake)
    (settings.questions / "huge.yaml").write_text(json.dumps(huge_deck()))
    for n in range(150):
        (settings.questions / f"d{n}.yaml").write_text(json.dumps(small_deck(n)))
    clock = FakeClock()
    clock.at = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)
    async with served(settings, fake, clock, Harness, seed=3) as (harness, comps):
        harness.comps = comps
        yield harness


def readme_subcommands() -> set[str]:
    return set(re.findall(r"`/quiz (\w+)", README.read_text()))


def assert_right_answer_shown(message: dict[str, Any]) -> None:
    """Card i's right answer starts "right i": it must be on the message with the question."""
    text = json.dumps(message)
    asked = re.search(r"Question (\d+):", text)
    assert asked is not None
    assert f"right {asked.group(1)} " in text


def choice_buttons(message: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    return [b for a, b in buttons(message).items() if a.startswith(prefix)]


async def test_every_readme_command_with_huge_cards(big: Harness) -> None:
    fake, ran = big.fake, set()

    async def ask(text: str, user: str = "U1") -> dict[str, Any]:
        ran.add(re.findall(r"\w+", text)[0])
        return await big.ask(text, user)

    assert "/quiz study" in json.dumps(await ask("help"))
    card = await ask("go huge 3")
    options = choice_buttons(card, "quiz.choice.")
    assert 2 <= len(options) <= SHOWN  # a 30-choice card shows a few options...
    assert_right_answer_shown(card)  # ...and the right one is always among them
    feedback = await big.press(options[-1])
    await big.press(buttons(feedback)["quiz.next"])
    flash = await ask("study huge")
    shown = await big.press(buttons(flash)["quiz.show"])
    await big.press(buttons(shown)["quiz.rate.1"])  # Again: due again within the hour
    await ask("missed huge")
    for board in ("leaderboard week huge", "leaderboard competitions"):  # posted in channel
        ran.add("leaderboard")
        posts = len(fake.called("chat.postMessage"))
        assert (await big.command(board)).status == 200
        await fake.call("chat.postMessage", posts + 1)
    await ask("stats")
    decks = await ask("decks")
    assert "`d149`" in json.dumps(decks)  # every deck listed, none cut off
    listing = json.dumps(await ask("deck list"))  # 151 long-named bundled decks
    assert all(f"`d{n}`" in listing for n in range(150)) and "`huge`" in listing
    await ask("remind on")

    ran.add("compete")
    posts = len(fake.called("chat.postMessage"))
    await big.command("compete start huge 1 5")
    lobby = await fake.call("chat.postMessage", posts + 1)
    await big.press(buttons(lobby)["compete.start"])
    round_ = await fake.call("chat.postMessage", posts + 2)
    assert 2 <= len(choice_buttons(round_, "compete.answer.")) <= SHOWN
    assert_right_answer_shown(round_)
    assert "locked in" in json.dumps(await big.press(choice_buttons(round_, "compete.answer.")[-1]))
    big.clock.at += timedelta(seconds=5)
    await big.comps.comps.tick(("slack", TEAM, CHANNEL))
    assert "Podium" in json.dumps(fake.called("chat.postMessage")[-1])
    await ask("compete stop")

    assert "Europe/Berlin" in json.dumps(await ask("daily set 09:00 Europe/Berlin huge 5"))
    await ask("daily show")
    daily, poster = _daily(big.service), SlackPoster(big.comps.comps.poster.client)
    big.clock.at += timedelta(hours=1)
    assert [e.kind for e in await daily.tick(poster)] == ["posted", "reminded"]  # remind on
    post = next(m for m in fake.called("chat.postMessage") if m["channel"] == CHANNEL
                and "daily.answer.0.0" in buttons(m))  # fmt: skip
    assert 2 <= len(choice_buttons(post, "daily.answer.0.")) <= SHOWN
    assert "Recorded for Q1" in json.dumps(
        await big.press(choice_buttons(post, "daily.answer.0.")[-1])
    )
    await ask("daily off")

    assert "direct messages" in json.dumps(await ask("my-data"))
    assert json.loads(fake.uploads[-1])["user"] == "U1"
    forget = await ask("forget-me")
    assert "forgotten you" in json.dumps(await big.press(buttons(forget)["people.forget"]))

    home = {"type": "app_home_opened", "user": "U1", "tab": "home", "event_ts": "1.1"}
    assert await big.event(home) == 200
    view = (await fake.call("views.publish"))["view"]
    shown = json.dumps(view)
    assert all(f"Deck {n} &amp;" in shown for n in range(150))  # no deck vanishes
    assert readme_subcommands() <= ran, readme_subcommands() - ran
