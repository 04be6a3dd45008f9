"""Block Kit for `/quiz deck`: the import and add-a-card modals, the list, the importer's report,
the remove confirmation.

Deck text (names, ids, file names, warnings quoting card text) is untrusted and goes through
`mrkdwn`/`literal`, so nothing in a deck can ping. A report with more lines than one message
holds shows what fits and says, in the message, how many lines are elsewhere: never cut silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.adapters.slack import deck_forms as forms
from bot.adapters.slack import kit
from bot.adapters.slack.render import (
    Block,
    Message,
    actions,
    button,
    context,
    date_token,
    literal,
    mrkdwn,
    notice,
    section,
    sections,
)
from bot.app.deck_book import DeckListing, ImportReport
from bot.core.models import Card
from bot.core.reports import DeckSummary

USAGE = (
    "Usage: `/quiz deck list`, `/quiz deck import [share code]`, `/quiz deck export <deck>`, "
    "`/quiz deck add <deck>`, `/quiz deck remove <deck>`, `/quiz deck share <deck>`."
)
NOT_ADMIN = "Only workspace admins and owners can {action}."
REPORT_FILE = "quizbot-import-report.txt"
_LINE_CHARS = 400  # one warning or error line: its message is at most 300 characters


def _input(block_id: str, action_id: str, label: str, element: dict[str, Any], *,
           optional: bool = False, hint: str | None = None) -> Block:  # fmt: skip
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": kit.plain(label, 2000),
        "optional": optional,
        "element": {"action_id": action_id, **element},
    }
    if hint:
        block["hint"] = kit.plain(hint, 2000)
    return block


def _text_input(most: int, *, multiline: bool = False, placeholder: str = "") -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "max_length": most}
    if multiline:
        element["multiline"] = True
    if placeholder:
        element["placeholder"] = kit.plain(placeholder, kit.PLAIN_FIELD)
    return element


def import_modal(where: forms.Where, *, files: bool = True) -> dict[str, Any]:
    """A file (Slack's file input), or pasted cards, or a share code; a name if wanted.
    Without `files` (the app may not read files) the file input is left out, saying why."""
    blocks: list[Block] = [
        section(
            "Bring a deck into this workspace: only its members will see it. An Anki package, "
            "Obsidian or notes markdown, a Quizlet export or CSV/TSV, or quizbot YAML."
        )
    ]
    if files:
        blocks.append(
            _input(forms.FILE_BLOCK, forms.FILE_INPUT, "Deck file",
                   {"type": "file_input", "filetypes": list(forms.FILETYPES), "max_files": 1},
                   optional=True, hint="One file: .apkg .colpkg .txt .md .csv .tsv .yaml .yml")
        )  # fmt: skip
    else:
        blocks.append(
            context(
                "File uploads are off: the app lacks the files:read permission. A workspace "
                "admin can reinstall it from the current manifest. Paste cards instead."
            )
        )
    blocks += [
        _input(forms.PASTE_BLOCK, forms.PASTE_INPUT, "Or paste a few cards",
               _text_input(forms.PASTE_CHARS, multiline=True,
                           placeholder="What is a hypervisor?\nSoftware that runs virtual machines."),
               optional=True, hint="Notes (question line ending in ?), front::back, or term TAB definition."),
        _input(forms.CODE_BLOCK, forms.CODE_INPUT, "Or a share code from another workspace",
               _text_input(forms.CODE_CHARS), optional=True),
        _input(forms.NAME_BLOCK, forms.NAME_INPUT, "Deck name",
               _text_input(forms.NAME_CHARS), optional=True,
               hint="Needed for pasted cards; a file's own deck name is used otherwise."),
    ]  # fmt: skip
    return {
        "type": "modal",
        "callback_id": forms.IMPORT_VIEW,
        "private_metadata": where.dump(),
        "title": kit.plain("Import a deck", kit.MODAL_TITLE),
        "submit": kit.plain("Import", kit.MODAL_TITLE),
        "close": kit.plain("Cancel", kit.MODAL_TITLE),
        "blocks": blocks,
    }


def add_modal(
    where: forms.Where, deck_id: str, deck_name: str, *, new: bool = False
) -> dict[str, Any]:
    """Question, answer and the short answers typed recall accepts; for a `new` deck, the
    first card makes it."""
    deck = (
        f"New deck: *{literal(deck_name, 150)}* (its first card makes it)"
        if new
        else f"Deck: *{literal(deck_name, 150)}* (`{mrkdwn(deck_id, 100)}`)"
    )
    return {
        "type": "modal",
        "callback_id": forms.ADD_VIEW,
        "private_metadata": where.dump(d=deck_id),
        "title": kit.plain("Add a card", kit.MODAL_TITLE),
        "submit": kit.plain("Add", kit.MODAL_TITLE),
        "close": kit.plain("Cancel", kit.MODAL_TITLE),
        "blocks": [
            context(deck),
            _input(forms.QUESTION_BLOCK, forms.QUESTION_INPUT, "Question",
                   _text_input(forms.CARD_CHARS, multiline=True)),
            _input(forms.ANSWER_BLOCK, forms.ANSWER_INPUT, "Answer",
                   _text_input(forms.CARD_CHARS, multiline=True)),
            _input(forms.ACCEPT_BLOCK, forms.ACCEPT_INPUT, "Accepted short answers",
                   _text_input(1000, multiline=True), optional=True,
                   hint="One a line: what typed recall counts as right. Leave empty for a flashcard."),
        ],
    }  # fmt: skip


# --- the list --------------------------------------------------------------------------------


def _listing_line(item: DeckListing) -> str:
    d = item.summary
    parts = [f"• `{mrkdwn(d.id, 100)}` — {literal(d.name, 150)} ({d.cards} cards)"]
    if item.source:
        parts.append(f"from {literal(item.source, 80)}")
    if item.updated_at is not None:
        parts.append(f"updated {date_token(item.updated_at)}")
    return " · ".join(parts)


def listing(items: Sequence[DeckListing]) -> Message:
    """This workspace's own decks first, then the bundled ones; a long list says what it left."""
    own = [i for i in items if i.owned]
    bundled = [i for i in items if not i.owned]
    lines = ["*Decks imported in this workspace*"]
    lines += [_listing_line(i) for i in own] or ["None yet: `/quiz deck import` brings one in."]
    if bundled:
        lines += ["*Bundled decks*", *(_listing_line(i) for i in bundled)]
    blocks = sections(lines)
    blocks.append(context("Study one with `/quiz study <deck>`."))
    more = f"{len(items)} decks in all; not all fit here. `/quiz decks` lists every id."
    return {"text": "Decks", "blocks": kit.fit(blocks, kit.MESSAGE_BLOCKS, more)}


# --- the importer's report -------------------------------------------------------------------


def _headline(report: ImportReport) -> str:
    source = literal(report.source, 120)
    if report.imported and report.deck is not None:
        d = report.deck
        return (
            f"✅ *Imported {literal(d.name, 150)}* (`{mrkdwn(d.id, 100)}`) from {source}: "
            f"{d.cards} cards — {report.added} added, {report.updated} updated, "
            f"{report.kept} kept, {report.retired} retired."
        )
    return (
        f"❌ *Nothing was imported from {source}*: {len(report.errors)} "
        f"error{'' if len(report.errors) == 1 else 's'}. A file with errors imports nothing; "
        "fix the lines below and import it again."
    )


def report_lines(report: ImportReport) -> list[str]:
    """Every line of the report, mrkdwn-escaped: the headline, each error, each warning."""
    lines = [_headline(report)]
    if report.errors:
        lines.append(f"*Errors ({len(report.errors)})*")
        for e in report.errors:
            where = "" if e.path in ("", report.source) else f"{literal(e.path, 80)} "
            lines.append(f"• {where}line {e.line}: {mrkdwn(e.message, 320)}")
    if report.warnings:
        lines.append(f"*Warnings ({len(report.warnings)})*")
        lines += [f"• line {w.line}: {mrkdwn(w.message, 320)}" for w in report.warnings]
    return lines


def report_text(report: ImportReport) -> str:
    """The whole report as plain text, for the file sent when the message cannot hold it."""
    out = [f"Import of {report.source}"]
    if report.imported and report.deck is not None:
        d = report.deck
        out.append(f"Imported {d.name} ({d.id}): {d.cards} cards; {report.added} added, "
                   f"{report.updated} updated, {report.kept} kept, {report.retired} retired.")  # fmt: skip
    else:
        out.append(f"Nothing was imported: {len(report.errors)} errors.")
    out += [f"error: {e.path or report.source}: line {e.line}: {e.message}" for e in report.errors]
    out += [f"warning: line {w.line}: {w.message}" for w in report.warnings]
    return "\n".join(out) + "\n"


def _packed(lines: list[str], room: int) -> tuple[list[Block], int]:
    """As many whole lines as fit in `room` sections, and how many lines were left out."""
    blocks = sections(lines)
    if len(blocks) <= room:
        return blocks, 0
    low, high = 0, len(lines)
    while low < high:  # the most lines that still pack into `room` sections
        mid = (low + high + 1) // 2
        if len(sections(lines[:mid])) <= room:
            low = mid
        else:
            high = mid - 1
    return sections(lines[:low]), len(lines) - low


def fits(report: ImportReport) -> bool:
    """Whether the whole report fits one message (else the full text goes as a file too)."""
    return len(sections(report_lines(report))) <= kit.MESSAGE_BLOCKS - 1


def report(report: ImportReport, elsewhere: str | None = None) -> Message:
    """The report for the importer alone. When some lines do not fit, a last line says how
    many and where they are (`elsewhere`), or that they could not be sent."""
    lines = report_lines(report)
    blocks, left = _packed(lines, kit.MESSAGE_BLOCKS - 1)
    if left:
        where = elsewhere or "the full report could not be sent to you"
        blocks.append(context(f"{left} more lines are not shown here: {where}."))
    elif report.imported and report.deck is not None:
        blocks.append(context(f"Study it with `/quiz study {mrkdwn(report.deck.id, 100)}`."))
    return {"text": _headline(report)[:300], "blocks": blocks}


# --- remove, share, export -------------------------------------------------------------------


def remove_prompt(item: DeckListing, user: str, until: int) -> Message:
    d = item.summary
    value = forms.remove_value(user, until, d.id)
    return {
        "text": "Remove this deck?",
        "blocks": [
            section(
                f"*Remove {literal(d.name, 150)}* (`{mrkdwn(d.id, 100)}`, {d.cards} cards) from "
                "this workspace? Nobody here can study it afterwards; everyone's review history "
                "is kept, so importing it again later brings their progress back."
            ),
            context(f"Answer before <!date^{until}^{{time}}|it expires>."),
            actions(
                button("Remove deck", forms.REMOVE, value, "danger"),
                button("Keep it", forms.KEEP, value),
                block_id="deck.remove",
            ),
        ],
    }


def removed(name: str, deck_id: str) -> Message:
    return notice(f"Removed {name} ({deck_id}) from this workspace.")


def share_code(name: str, deck_id: str, code: str) -> Message:
    text = (
        f"Share code for *{literal(name, 150)}* (`{mrkdwn(deck_id, 100)}`): `{mrkdwn(code, 100)}`\n"
        f"An admin of another workspace imports a copy (same cards, same ids) with "
        f"`/quiz deck import {mrkdwn(code, 100)}`."
    )
    return {"text": "Share code", "blocks": [section(text)]}


def added(card: Card, deck: DeckSummary | None) -> Message:
    where = f"{deck.name} ({deck.id}, {deck.cards} cards now)" if deck else card.deck_id
    return notice(f"Added to {where}: {' '.join(card.question.split())[:200]}")
