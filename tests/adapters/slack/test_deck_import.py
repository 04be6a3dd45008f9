"""`/quiz deck import` end to end: the real slack_bolt app, signed requests, the strict fake
Slack serving files.info and the url_private download. Each report is read from the response_url
of the command that opened its modal."""

from __future__ import annotations

import json

from tests.adapters.slack.conftest import SlackHarness
from tests.adapters.slack.deck_steps import (
    BIOLOGY,
    chat_id,
    deck_yaml,
    import_file,
    open_import,
    submit,
    text,
    values,
)
from tests.adapters.slack.fake_slack import buttons


def _chat_decks(slack: SlackHarness) -> set[str]:
    """The ids of every deck imported in chat, in any workspace."""
    return {d.id for d in slack.service.library.decks if d.owner is not None}


async def test_an_admin_imports_a_file_and_the_group_studies_it(slack: SlackHarness) -> None:
    """The report (counts) goes to the importer alone; then a member studies the deck."""
    opened = await open_import(slack)
    file_input = next(b["element"] for b in opened.view["blocks"] if b.get("block_id") == "file")
    assert file_input["type"] == "file_input" and file_input["max_files"] == 1
    assert {"apkg", "colpkg", "txt", "md", "csv", "tsv", "yaml", "yml"} == set(
        file_input["filetypes"]
    )
    shared = slack.fake.add_file("biology.yaml", deck_yaml("biology", "Biology", BIOLOGY))
    report = await submit(slack, opened, file=shared)
    assert report["response_type"] == "ephemeral"
    assert "Imported Biology" in text(report) and "3 cards — 3 added" in text(report)
    assert slack.fake.called("chat.postMessage") == []  # nothing said in the channel
    assert [d.authorized for d in slack.fake.downloads] == [True]
    card = await slack.ask(f"study {chat_id('biology')}", user="U2")
    assert any(q in text(card) for q, _ in BIOLOGY.values())


async def test_an_owner_may_import_too(slack: SlackHarness) -> None:
    report = await import_file(slack, "b.yaml", deck_yaml("b", "B", BIOLOGY), user="U7")
    assert "Imported B" in text(report)


async def test_a_plain_member_is_refused(slack: SlackHarness) -> None:
    """No modal for a member; and a submission from one (say the right was taken away while
    the modal was open) imports nothing and downloads nothing."""
    sent = await slack.command("deck import", "U2")
    refusal = await slack.fake.reply(sent.url)
    assert refusal["response_type"] == "ephemeral"
    assert "Only workspace admins and owners can import decks into this workspace" in text(refusal)
    assert [v["trigger_id"] for v in slack.fake.called("views.open")] == []
    opened = await open_import(slack)
    shared = slack.fake.add_file("biology.yaml", deck_yaml("biology", "Biology", BIOLOGY))
    report = await submit(slack, opened, "U2", file=shared)
    assert "Only workspace admins" in text(report)
    assert slack.fake.downloads == [] and _chat_decks(slack) == set()


async def test_neither_file_nor_text_keeps_the_modal_open(slack: SlackHarness) -> None:
    opened = await open_import(slack)
    status, ack = await slack.submit_values(opened.view, values())
    assert status == 200 and ack["response_action"] == "errors"
    assert "Choose a file, paste some cards" in ack["errors"]["file"]
    status, ack = await slack.submit_values(opened.view, values(paste="What is ATP?\nEnergy"))
    assert ack["errors"] == {"name": "Name the pasted deck: its id is made from the name."}
    shared = slack.fake.add_file("x.csv", b"q,a\n")
    status, ack = await slack.submit_values(opened.view, values(file=shared, code="abc"))
    assert list(ack["errors"]) == ["code"]
    assert slack.fake.replies(opened.sent.url) == [] and slack.fake.downloads == []


async def test_pasted_cards_import(slack: SlackHarness) -> None:
    opened = await open_import(slack)
    notes = "What is ATP?\nThe cell's energy currency\nWhat is DNA?\nGenetic material\n"
    report = await submit(slack, opened, paste=notes, name="Cell notes")
    assert "Imported Cell notes" in text(report) and "2 cards" in text(report)
    assert _chat_decks(slack) == {chat_id("cell-notes")}


async def test_reimport_keeps_progress(slack: SlackHarness) -> None:
    """An edited deck imported again: same ids, so the card the learner rated stays seen and
    scheduled (it is not offered as new again), and a card gone from the file retires."""
    await import_file(slack, "biology.yaml", deck_yaml("biology", "Biology", BIOLOGY))
    card = await slack.ask(f"study {chat_id('biology')}")
    rated = next(cid for cid, (q, _) in BIOLOGY.items() if q in text(card))
    shown = await slack.press(buttons(card)["quiz.show"])
    await slack.press(buttons(shown)["quiz.rate.3"])
    edited = {cid: (q + " (edited)", a) for cid, (q, a) in BIOLOGY.items()}
    edited["gene"] = ("What is a unit of heredity?", "Gene")
    gone = next(cid for cid in BIOLOGY if cid != rated)
    del edited[gone]
    report = await import_file(slack, "biology.yaml", deck_yaml("biology", "Biology", edited))
    assert "1 added, 2 updated, 0 kept, 1 retired" in text(report)
    [progress] = [d for d in (await slack.service.stats(slack.learner())).decks
                  if d.deck_id == chat_id("biology")]  # fmt: skip
    assert (progress.total, progress.seen) == (3, 1)
    again = await slack.ask(f"study {chat_id('biology')}")
    assert edited[rated][0] not in text(again)  # the rated card is not due again yet


async def test_over_the_limit_is_refused_before_downloading(slack: SlackHarness) -> None:
    limit = slack.book.upload_limit("big.apkg")
    report = await import_file(slack, "big.apkg", b"PK", declared=limit + 1)
    assert report["response_type"] == "ephemeral"
    assert "'big.apkg' is" in text(report) and "Nothing was imported" in text(report)
    assert slack.fake.downloads == [] and _chat_decks(slack) == set()


async def test_a_size_that_lies_is_caught_while_reading(slack: SlackHarness) -> None:
    """files.info says 10 bytes; the download keeps going: reading stops past the limit."""
    limit = slack.book.upload_limit("notes.txt")
    report = await import_file(slack, "notes.txt", b"a" * (limit + 100_000), declared=10)
    assert "larger than Slack said" in text(report)
    assert _chat_decks(slack) == set()


async def test_a_failed_download_says_so(slack: SlackHarness) -> None:
    report = await import_file(slack, "b.yaml", deck_yaml("b", "B", BIOLOGY), status=500)
    assert "refused to hand over 'b.yaml' (HTTP 500)" in text(report)
    assert _chat_decks(slack) == set()


async def test_without_files_read_the_modal_offers_paste_and_says_why(
    slack: SlackHarness,
) -> None:
    """An install without files:read: Slack would refuse a file input, so the modal has none
    and says which permission is missing; pasting still works."""
    slack.fake.grant(slack.fake.tokens["xoxb-test"].scopes - {"files:read"})
    opened = await open_import(slack)
    assert all(b.get("block_id") != "file" for b in opened.view["blocks"])
    assert "files:read" in json.dumps(opened.view)
    report = await submit(slack, opened, paste="What is ATP?\nEnergy\n", name="Quick")
    assert "Imported Quick" in text(report)


async def test_files_read_taken_away_gives_a_clear_message(slack: SlackHarness) -> None:
    """The scope went away while the modal was open: files.info says missing_scope, and the
    importer reads which permission to grant, not an apology."""
    opened = await open_import(slack)
    shared = slack.fake.add_file("b.yaml", deck_yaml("b", "B", BIOLOGY))
    slack.fake.grant(slack.fake.tokens["xoxb-test"].scopes - {"files:read"})
    report = await submit(slack, opened, file=shared)
    assert "lacks the files:read permission" in text(report)
    assert slack.fake.take_violations() == ["files.info: missing_scope ['files:read']"]
    assert slack.fake.downloads == []


async def test_a_slow_download_gives_up(tmp_path, fake) -> None:
    """A download that stalls past the budget is dropped with a one-line reply."""
    from tests.adapters.slack.conftest import FakeClock, make_settings, served

    settings = make_settings(tmp_path, fake)
    async with served(settings, fake, FakeClock(), SlackHarness, download_seconds=0.5) as (h, _):
        report = await import_file(h, "b.yaml", deck_yaml("b", "B", BIOLOGY), stall=30)
        assert "took too long" in text(report)
        assert _chat_decks(h) == set()


async def test_a_long_report_is_never_cut_silently(slack: SlackHarness) -> None:
    """4,000 warnings do not fit one message: it shows what fits, says how many lines are left
    out, and the whole report is sent to the importer's direct messages."""
    notes = "What is ATP?\nEnergy\n" + "".join(f"Question number {i}?\n" for i in range(4000))
    report = await import_file(slack, "many.txt", notes.encode())
    shown = text(report)
    assert "Imported" in shown and "more lines are not shown here" in shown
    assert "full report is in your direct messages" in shown
    full = slack.fake.uploads[-1].decode()
    assert full.count("warning: line") == 4000 and "Question number 3999?" in full
    done = await slack.fake.call("files.completeUploadExternal")
    assert done["channel_id"] == "DU1"


async def test_deck_text_cannot_ping(slack: SlackHarness) -> None:
    """A deck named with mentions shows them as text in the report and the list."""
    hostile = deck_yaml("loud", "Loud <!channel> <@U2>", {"q": ("Who? <!here>", "Nobody")})
    report = await import_file(slack, "loud.yaml", hostile)
    listing = await slack.ask("deck list")
    for message in (report, listing):
        dumped = json.dumps(message)
        assert "<!channel>" not in dumped and "<@U2>" not in dumped
        assert "&lt;!channel&gt;" in dumped


async def test_when_slack_wont_say_who_is_admin_the_member_is_told_so(slack: SlackHarness) -> None:
    """users.info rate-limited: not a refusal as a plain member, a clear try-again."""
    slack.fake.fail("users.info", "ratelimited", times=3)
    reply = await slack.ask("deck import")
    assert "did not say whether you are a workspace admin" in text(reply)
    assert slack.fake.called("views.open") == []


async def test_without_a_response_url_the_report_goes_by_direct_message(
    slack: SlackHarness,
) -> None:
    """A modal whose metadata lost the command's response_url: the report is a DM, still only
    for the importer."""
    opened = await open_import(slack)
    view = {**opened.view, "private_metadata": "{}"}
    status, ack = await slack.submit_values(view, values(paste="What is ATP?\nEnergy", name="Dm"))
    assert (status, ack) == (200, {})
    post = await slack.fake.call("chat.postMessage")
    assert post["channel"] == "DU1" and "Imported Dm" in text(post)
    assert slack.fake.replies(opened.sent.url) == []
