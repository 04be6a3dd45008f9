"""Every README command against the strict fake, over a deck of long, many-choice cards.

Discord refuses a whole message over any limit; the fake does the same and the `fake` fixture
fails the test on any refusal, so each command below must render within every limit.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.adapters.discord import _contract
from tests.adapters.discord.conftest import Env
from tests.adapters.discord.fake_discord import ALICE, GUILD_ID, MANAGE_GUILD, Call, FakeDiscord
from tests.adapters.discord.harness import running_bot, settings_for
from tests.adapters.discord.test_daily import START, Rig

LOUD = {**ALICE, "global_name": "**Bold** <@&123456789012345678> @everyone"}
WORDS = "the quick brown fox jumps over a lazy dog while <@123456789012345678> watches "


def long_deck(cards: int = 8, choices: int = 30) -> str:
    """A deck whose every text is near or over a limit, with 30 options per card."""
    lines = [f'deck: {{id: long, name: "**Long** <@123456789012345678> {"n" * 150}"}}', "cards:"]
    for c in range(cards):
        options = [f'"Option {c}-{o} {WORDS * 2}"' for o in range(choices)]
        lines += [
            f"  - id: card{c}",
            f'    question: "Q{c}: {WORDS * 25}?"',
            f"    answer: {options[0]}",
            f"    accept: [a{c}]",
            f"    choices: [{', '.join(options)}]",
        ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def rig(monkeypatch: pytest.MonkeyPatch) -> Rig:
    return Rig(monkeypatch)


@pytest.fixture
async def env(fake: FakeDiscord, tmp_path: Path, rig: Rig) -> AsyncIterator[Env]:
    folder = tmp_path / "questions"
    folder.mkdir()
    (folder / "long.yaml").write_text(long_deck())
    for n in range(30):  # more decks than a list or an autocomplete can show
        (folder / f"d{n}.yaml").write_text(
            f'deck: {{id: d{n}, name: "Deck {n} {"w " * 60}"}}\n'
            "cards:\n  - {question: Why?, answer: Because}\n"
        )
    async with running_bot(settings_for(fake, tmp_path / "quiz.sqlite3", folder)):
        yield Env(fake, tmp_path / "quiz.sqlite3", folder)


async def _followup(fake: FakeDiscord, call: Call) -> Call:
    return await fake.wait_for(
        lambda c: c.kind == "followup" and c.interaction_id == call.interaction_id, within=20
    )


def _sent(fake: FakeDiscord) -> list[Call]:
    return [c for c in fake.calls if c.kind != "sync"]


async def test_every_command_fits_discord(env: Env, rig: Rig) -> None:
    fake = env.fake
    decks = await fake.command("decks")
    assert "31 decks" in decks.text
    choices = await fake.inject(
        4,
        {
            "id": "1",
            "name": "study",
            "type": 1,
            "guild_id": GUILD_ID,
            "options": [{"name": "deck", "type": 3, "value": "", "focused": True}],
        },
    )
    assert all(
        re.search(r" \(\d+ cards?\)$", c["name"]) for c in choices.payload["data"]["choices"]
    )

    study = await fake.command("study", {"deck": "long"}, user=LOUD)
    shown = await fake.click(study, study.custom_ids[0], user=LOUD)
    again = await fake.click(shown, shown.custom_ids[0], user=LOUD)  # Again: missed
    assert again.type == 7
    missed = await fake.command("study", {"deck": "long", "mode": "missed"}, user=LOUD)
    assert "Q" in missed.text  # the missed card again, whole within the limits

    quiz = await fake.command("quiz", {"deck": "long", "questions": 3}, user=LOUD)
    assert len(quiz.custom_ids) <= 25
    wrong = next(i for i in quiz.custom_ids if i.startswith("qb:choice:"))
    feedback = await fake.click(quiz, wrong, user=LOUD)
    stop = next(i for i in feedback.custom_ids if i.startswith("qb:stop:"))
    summary = await fake.click(feedback, stop, user=LOUD)
    assert "Quiz stopped" in summary.text

    await fake.command("leaderboard", {"period": "all"}, user=LOUD)
    stats = await fake.command("stats", user=LOUD)
    await fake.wait_for(lambda c: c.kind == "followup" and c.interaction_id == stats.interaction_id)

    daily = {"time": "09:00", "timezone": "Europe/Berlin", "deck": "long", "questions": 5}
    await fake.command("daily", daily, sub="set", permissions=MANAGE_GUILD)
    await fake.command("daily", sub="show")
    rig.clock.at = START + timedelta(hours=1)
    await rig.cog.tick()
    post = next(c for c in fake.calls if c.kind == "channel")
    assert len(post.payload["embeds"]) == 5 and len(post.custom_ids) == 25
    assert sum(_contract.embed_size(e) for e in post.payload["embeds"]) <= 6000
    await fake.click(post, post.custom_ids[-1], user=LOUD)
    rig.clock.at = START + timedelta(days=1, hours=1)
    await rig.cog.tick()
    await fake.command("daily", sub="off", permissions=MANAGE_GUILD)
    await fake.command("remind", {"state": "on"})
    await fake.command("remind", {"state": "off"})

    lobby = await fake.command("compete", {"deck": "long", "seconds": 30}, sub="start", user=LOUD)
    assert "\\*\\*Bold\\*\\*" in lobby.text and "<@&123" not in lobby.text
    start = next(i for i in lobby.custom_ids if i.startswith("qb:cs:"))
    await fake.click(lobby, start, user=LOUD)
    round_ = await fake.wait_for(lambda c: c.kind == "channel" and "Round 1/" in c.text)
    assert 2 <= len(round_.custom_ids) <= 25
    await fake.command("compete", sub="stop", user=LOUD)
    await fake.wait_for(lambda c: c.kind == "channel" and "Competition stopped" in c.text)

    reload = await fake.command("deck", sub="reload", permissions=MANAGE_GUILD)
    await fake.wait_for(
        lambda c: c.kind == "followup" and c.interaction_id == reload.interaction_id
    )

    listing = await fake.command("deck", sub="list", permissions=MANAGE_GUILD)
    assert "Bundled decks (31)" in listing.text and "more" in listing.text
    upload = fake.upload(
        "@everyone **long**.yaml", long_deck(40).replace("id: long", "id: big").encode()
    )
    imported = await fake.command(
        "deck", {"file": upload}, sub="import", permissions=MANAGE_GUILD, user=LOUD
    )
    report = await _followup(fake, imported)
    assert "Deck imported" in report.text and "40 cards" in report.text
    export = await fake.command("deck", {"deck": "long"}, sub="export", permissions=MANAGE_GUILD)
    assert (await _followup(fake, export)).files[0][0] == "long.yaml"

    for _ in range(30):  # rate cards Easy until one is known well enough to be typed
        typed = await fake.command("study", {"deck": "long"}, user=LOUD)
        if typed.custom_ids[0].startswith("qb:type:"):
            break
        shown = await fake.click(typed, typed.custom_ids[0], user=LOUD)
        easy = next(i for i in shown.custom_ids if i.startswith("qb:rate:") and i.endswith(":4"))
        await fake.click(shown, easy, user=LOUD)
        rig.clock.at += timedelta(days=60)
    assert typed.custom_ids[0].startswith("qb:type:"), "no card came back as typed recall"
    modal = await fake.click(typed, typed.custom_ids[0], user=LOUD)
    await fake.submit(typed, modal, "x " * 250, user=LOUD)

    assert not fake.violations
    for call in _sent(fake):
        data = call.payload.get("data") or call.payload
        if call.type in (8, 9) or call.kind in ("delete",) or call.type == 5:
            continue
        assert data.get("allowed_mentions") == {"parse": []}, (call.kind, call.path)
        for raw in ("<@123456789012345678>", "@everyone", "<@&"):
            assert raw not in call.text, (raw, call.text[:200])


def test_a_card_at_the_deck_limits_is_shown_whole() -> None:
    """The longest question and answer a deck may hold fit one embed, nothing cut: the answer
    runs on into a second field rather than ending in '…'."""
    from bot.adapters.discord import render
    from bot.core.limits import LIMITS
    from bot.core.models import Card, Format, Question

    question = ("why " * LIMITS.question_chars)[: LIMITS.question_chars - 1] + "?"
    answer = ("because " * LIMITS.answer_chars)[: LIMITS.answer_chars]
    card = Card("d", "c", question, answer)
    reply = render.revealed(Question("s", 1, card, "Deck", Format.FLASHCARD))
    embed = reply.embed
    assert embed.description == question
    shown = [f.value for f in embed.fields if f.name.startswith("Answer")]
    assert len(shown) == 2 and all(len(v) <= 1024 for v in shown)
    assert " ".join(shown).split() == answer.split()
    assert "…" not in " ".join(shown) and len(embed) <= 6000
