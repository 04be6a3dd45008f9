"""`/quiz deck list|export|remove|add|share` end to end, and a stored card picture shown by the
id of its upload. Replies are read from each command's or click's own response_url."""

from __future__ import annotations

import yaml

from tests.adapters.slack.conftest import SlackHarness
from tests.adapters.slack.deck_steps import (
    BIOLOGY,
    chat_id,
    deck_yaml,
    import_file,
    open_import,
    submit,
    text,
)
from tests.adapters.slack.fake_slack import buttons


async def _biology(slack: SlackHarness) -> None:
    report = await import_file(slack, "biology.yaml", deck_yaml("biology", "Biology", BIOLOGY))
    assert "Imported Biology" in text(report)


async def test_list_shows_this_workspaces_decks_then_the_bundled_ones(slack: SlackHarness) -> None:
    await _biology(slack)
    listing = await slack.ask("deck list", user="U2")
    shown = text(listing)
    assert listing["response_type"] == "ephemeral"
    ours = f"`{chat_id('biology')}`"
    assert shown.index(ours) < shown.index("Bundled decks") < shown.index("`capitals`")


async def test_export_then_reimport_gives_the_same_ids(slack: SlackHarness) -> None:
    """The YAML file lands in the asker's direct messages; importing it back changes nothing."""
    await _biology(slack)
    sent = await slack.command(f"deck export {chat_id('biology')}", "U2")  # any member may export
    note = await slack.fake.reply(sent.url)
    assert "biology.yaml is in your direct messages" in text(note)
    done = await slack.fake.call("files.completeUploadExternal")
    assert done["channel_id"] == "DU2"
    exported = slack.fake.uploads[-1]
    assert {c["id"] for c in yaml.safe_load(exported)["cards"]} == set(BIOLOGY)
    report = await import_file(slack, "biology.yaml", exported)
    assert "0 added, 0 updated, 3 kept, 0 retired" in text(report)


async def test_remove_asks_first_and_only_the_asker_confirms(slack: SlackHarness) -> None:
    await _biology(slack)
    biology = chat_id("biology")
    prompt = await slack.ask(f"deck remove {biology}")
    assert "Remove Biology" in text(prompt) and prompt["response_type"] == "ephemeral"
    remove = buttons(prompt)["deck.remove"]
    assert remove["style"] == "danger"
    other = await slack.press(remove, user="U7")  # an owner, but not the one who asked
    assert "Only the person who asked" in text(other)
    assert biology in {d.id for d in slack.service.decks(slack.learner())}
    done = await slack.press(remove)
    assert done["replace_original"] is True and "Removed Biology" in text(done)
    assert biology not in {d.id for d in slack.service.decks(slack.learner())}
    again = await slack.ask(f"deck remove {biology}")
    assert f"no deck called '{biology}'" in text(again)


async def test_keep_it_removes_nothing_and_a_member_cannot_remove(slack: SlackHarness) -> None:
    await _biology(slack)
    biology = chat_id("biology")
    prompt = await slack.ask(f"deck remove {biology}")
    kept = await slack.press(buttons(prompt)["deck.keep"])
    assert f"Kept {biology}" in text(kept)
    refusal = await slack.ask(f"deck remove {biology}", user="U2")
    assert "Only workspace admins and owners can remove this workspace's decks" in text(refusal)
    assert biology in {d.id for d in slack.service.decks(slack.learner())}


async def test_bundled_decks_cannot_be_changed(slack: SlackHarness) -> None:
    reply = await slack.ask("deck remove capitals")
    assert "is not a deck this server imported" in text(reply)


async def test_add_a_card_through_the_modal(slack: SlackHarness) -> None:
    await _biology(slack)
    sent = await slack.command(f"deck add {chat_id('biology')}")
    view = await slack.fake.opened(sent.trigger)
    status, ack = await slack.submit_values(view, _card("", "Mitochondria", ""))
    assert ack["response_action"] == "errors" and "question" in ack["errors"]
    question = "Which organelle makes most of the cell's ATP?"
    status, ack = await slack.submit_values(
        view, _card(question, "Mitochondria", "mitochondria\nmitochondrion")
    )
    assert (status, ack) == (200, {})
    added = await slack.fake.reply(sent.url)
    assert "Added to Biology" in text(added)
    deck = next(d for d in slack.service.library.decks if d.id == chat_id("biology"))
    card = next(c for c in deck.cards if c.question == question)
    assert card.accept == ("mitochondria", "mitochondrion")


def _card(question: str, answer: str, accept: str) -> dict:
    return {
        "question": {"text": {"type": "plain_text_input", "value": question or None}},
        "answer": {"text": {"type": "plain_text_input", "value": answer or None}},
        "accept": {"text": {"type": "plain_text_input", "value": accept or None}},
    }


async def test_a_share_code_brings_a_copy_to_another_workspace(slack: SlackHarness) -> None:
    """T1's admin shares; T2's admin imports the code (command or modal): same card ids."""
    await _biology(slack)
    shared = await slack.ask(f"deck share {chat_id('biology')}")
    code = shared["blocks"][0]["text"]["text"].split("`")[3]
    assert f"/quiz deck import {code}" in text(shared)
    refused = await slack.ask(f"deck import {code}", user="U6", team="T2", channel="C2")
    assert "Only workspace admins" in text(refused)
    opened = await open_import(slack, "U5", team="T2")
    report = await submit(slack, opened, "U5", team="T2", code=code)
    assert "Imported Biology" in text(report) and "3 added" in text(report)
    listing = await slack.ask("deck list", user="U6", team="T2", channel="C2")
    assert f"`{chat_id('biology', 'T2')}`" in text(listing).split("Bundled decks")[0]


async def test_another_workspace_cannot_see_the_deck(slack: SlackHarness) -> None:
    """T1's deck is not in T2's lists, cannot be studied, exported or removed from T2."""
    await _biology(slack)
    biology = chat_id("biology")
    t2 = {"user": "U5", "team": "T2", "channel": "C2"}  # T2's admin
    assert biology not in text(await slack.ask("decks", **t2))
    assert biology not in text(await slack.ask("deck list", **t2))
    for command in (f"study {biology}", f"go {biology}", f"deck export {biology}",
                    f"deck remove {biology}", f"deck share {biology}"):  # fmt: skip
        reply = await slack.ask(command, **t2)
        assert f"no deck called '{biology}'" in text(reply), (command, text(reply))
    assert slack.fake.uploads == []
    assert biology in text(await slack.ask("decks", user="U2"))  # T1's members do see it


async def test_shared_copy_keeps_the_card_ids(slack: SlackHarness) -> None:
    await _biology(slack)
    shared = await slack.ask(f"deck share {chat_id('biology')}")
    code = shared["blocks"][0]["text"]["text"].split("`")[3]
    report = await slack.ask(f"deck import {code}", user="U5", team="T2", channel="C2")
    assert "Imported Biology" in text(report)
    decks = {d.id: d for d in slack.service.library.decks}
    ours, theirs = decks[chat_id("biology")], decks[chat_id("biology", "T2")]
    assert {c.id for c in ours.cards} == {c.id for c in theirs.cards} == set(BIOLOGY)


async def test_help_usage_and_a_retried_command(slack: SlackHarness) -> None:
    """Help names the deck commands; a wrong one gets the usage; Slack's redelivery of
    `/quiz deck import` opens no second modal."""
    assert "/quiz deck import" in text(await slack.ask("help"))
    assert "Usage: `/quiz deck list`" in text(await slack.ask("deck frobnicate"))
    assert "Usage:" in text(await slack.ask("deck remove"))
    retried = await slack.command("deck import", retry=1)
    assert retried.status == 200
    assert slack.fake.called("views.open") == [] and slack.fake.replies(retried.url) == []
