"""The deck modals' submissions read strictly, the report's layout, and where the bot token may
go: plain values, no Slack."""

from __future__ import annotations

import json

import pytest

from bot.adapters.slack import deck_forms as forms
from bot.adapters.slack import kit, render_decks
from bot.adapters.slack.downloads import token_may_go_to
from bot.app.deck_book import ImportReport
from bot.core.models import DeckError, DeckWarning
from bot.core.reports import DeckSummary
from tests.adapters.slack import block_kit
from tests.adapters.slack.deck_steps import values


def _view(state: dict, metadata: str = '{"u": "https://hooks.slack.com/x", "c": "C1"}') -> dict:
    return {"private_metadata": metadata, "state": {"values": state}}


def test_one_source_is_read_with_its_name() -> None:
    form = forms.read_import(
        _view(values(paste="  What is ATP?\nEnergy  ", name="  Cell   notes "))
    )
    assert (form.text, form.name, form.errors) == ("What is ATP?\nEnergy", "Cell notes", {})
    assert form.where == forms.Where("https://hooks.slack.com/x", "C1")
    form = forms.read_import(_view(values(file={"id": "F123", "name": "x.apkg"})))
    assert form.file_id == "F123" and not form.errors


@pytest.mark.parametrize(
    ("state", "errors"),
    [
        (values(), {"file": forms.NEED_SOMETHING}),
        (values(paste="   ", code=" "), {"file": forms.NEED_SOMETHING}),
        (values(paste="Q?\nA"), {"name": forms.NEED_NAME}),
        (values(file={"id": "F1"}, paste="Q?\nA", code="C"),
         {"paste": forms.ONLY_ONE, "code": forms.ONLY_ONE}),
    ],
)  # fmt: skip
def test_a_submission_without_one_clear_source_is_sent_back(state: dict, errors: dict) -> None:
    assert forms.read_import(_view(state)).errors == errors


def test_odd_metadata_and_state_are_not_trusted() -> None:
    """A response_url that is not http(s) is dropped (the report then goes by DM)."""
    form = forms.read_import(_view({"file": "nonsense"}, '{"u": "javascript:x", "c": 5}'))
    assert form.where == forms.Where("", "5") and form.errors == {"file": forms.NEED_SOMETHING}
    assert forms.parse_where("not json") == (forms.Where(), {})


def test_accepted_answers_split_by_line_or_comma() -> None:
    assert forms.split_accept("mitochondria\n mitochondrion, Mito\n\nmitochondria") == (
        "mitochondria", "mitochondrion", "Mito"
    )  # fmt: skip


def test_remove_button_values_round_trip_and_forgeries_fail() -> None:
    value = forms.remove_value("U1", 1_800_000_000, "biology@3f9a1c")
    assert forms.parse_remove(value) == ("U1", 1_800_000_000, "biology@3f9a1c")
    for forged in ("", "U1:soon:biology", "<!channel>:1:x", "U1:1:", None, 5):
        assert forms.parse_remove(forged) is None


def _report(warnings: int, errors: int = 0) -> ImportReport:
    deck = None if errors else DeckSummary("d@1", "Deck", "", 3)
    return ImportReport(
        "notes.txt",
        deck,
        added=3,
        warnings=tuple(DeckWarning(i + 1, "w" * 250 + " <!here>") for i in range(warnings)),
        errors=tuple(DeckError("notes.txt", i + 1, "bad &lt; line") for i in range(errors)),
    )


def test_a_report_that_fits_is_whole_and_valid_block_kit() -> None:
    report = _report(warnings=20)
    assert render_decks.fits(report)
    message = render_decks.report(report)
    assert block_kit.message(message) == []
    assert json.dumps(message).count("line ") == 20


def test_a_report_too_long_says_how_many_lines_are_elsewhere() -> None:
    report = _report(warnings=2000, errors=3)
    assert not render_decks.fits(report)
    message = render_decks.report(report, "the full report is in your direct messages")
    assert block_kit.message(message) == [] and len(message["blocks"]) == kit.MESSAGE_BLOCKS
    shown = sum(b["text"]["text"].count("• ") for b in message["blocks"] if b["type"] == "section")
    note = message["blocks"][-1]["elements"][0]["text"]
    total = len(render_decks.report_lines(report))
    left = int(note.split(" more lines")[0])
    assert left > 0 and note.endswith("the full report is in your direct messages.")
    assert shown + left + 3 == total  # headline and the two section titles are lines too
    unsent = render_decks.report(report)["blocks"][-1]["elements"][0]["text"]
    assert "could not be sent" in unsent
    full = render_decks.report_text(report)
    assert full.count("\nwarning: line ") == 2000 and full.count("\nerror: ") == 3


@pytest.mark.parametrize(
    ("url", "api", "allowed"),
    [
        ("https://files.slack.com/files-pri/T1-F1/x.apkg", "https://slack.com/api/", True),
        ("https://files.slack.com:443/files-pri/T1-F1/x", "https://slack.com/api/", True),
        ("http://files.slack.com/files-pri/T1-F1/x", "https://slack.com/api/", False),
        ("https://files.slack.com.evil.example/x", "https://slack.com/api/", False),
        ("https://evil.example/files-pri/T1-F1/x", "https://slack.com/api/", False),
        ("https://slack.com/files-pri/x", "https://slack.com/api/", False),
        ("http://127.0.0.1:5000/files-pri/T1-F1/x", "http://127.0.0.1:5000/api/", True),
        ("http://127.0.0.1:5001/files-pri/T1-F1/x", "http://127.0.0.1:5000/api/", False),
        ("", "http://127.0.0.1:5000/api/", False),
    ],
)
def test_the_bot_token_goes_only_to_slacks_file_host(url: str, api: str, allowed: bool) -> None:
    assert token_may_go_to(url, api) is allowed
