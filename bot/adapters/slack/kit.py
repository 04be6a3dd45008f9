"""Block Kit pieces that always fit Slack's limits, and text that Slack shows as written.

Slack refuses a whole message when one field is too long, so every piece is cut here, with an
ellipsis, never in the middle of an `&lt;` entity. mrkdwn has no escape for `*_~` and backquote:
in names and user text these are fenced with zero-width spaces so they cannot open or close a
style; buttons, titles and headers are plain_text, which Slack never parses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

Block = dict[str, Any]

SECTION_TEXT = 3000
CONTEXT_TEXT = 3000
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
PLAIN_FIELD = 150  # header text, placeholders
MODAL_TITLE = 24
ACTIONS_ELEMENTS = 25
CONTEXT_ELEMENTS = 10
MESSAGE_BLOCKS = 50
SURFACE_BLOCKS = 100  # modals and the Home tab
ELLIPSIS = "…"

_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")
_STYLE = re.compile(r"([*_~`])")
_ZWSP = "\u200b"


def escape(text: str) -> str:
    """Slack's mrkdwn escaping: control characters become entities, so nothing is a mention."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(escaped: str, limit: int) -> str:
    """Already-escaped text cut to `limit` characters with an ellipsis, no half entity."""
    if len(escaped) <= limit:
        return escaped
    return _PARTIAL_ENTITY.sub("", escaped[: limit - 1]) + ELLIPSIS


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> str:
    """Untrusted text for mrkdwn: escaped and cut (its own `*` may still style it)."""
    return cut(escape(text), limit)


def literal(text: str, limit: int = 200) -> str:
    """Untrusted text shown exactly as written inside mrkdwn (names, typed answers): escaped,
    on one line, and its style marks fenced by zero-width spaces so `*Ann*` is not bold."""
    flat = " ".join(text.split())
    shown = cut(escape(flat), limit)
    return _STYLE.sub(rf"{_ZWSP}\1{_ZWSP}", shown)


def label(index: int) -> str:
    """A, B, ..., Z, AA, AB, ...: an option letter for any number of options."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def plain(text: str, limit: int) -> Block:
    """A plain_text object on one line, cut with an ellipsis; never empty."""
    flat = " ".join(text.split()) or ELLIPSIS
    if len(flat) > limit:
        flat = flat[: limit - 1] + ELLIPSIS
    return {"type": "plain_text", "text": flat, "emoji": True}


def section(text: str) -> Block:
    """A section of already-escaped mrkdwn, cut to Slack's 3,000 characters."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, SECTION_TEXT) or " "}}


def sections(lines: Iterable[str], limit: int = SECTION_TEXT) -> list[Block]:
    """Lines of escaped mrkdwn packed into as few sections as fit, never splitting a line."""
    blocks: list[Block] = []
    chunk: list[str] = []
    size = 0
    for line in lines:
        line = cut(line, limit)
        if chunk and size + 1 + len(line) > limit:
            blocks.append(section("\n".join(chunk)))
            chunk, size = [], 0
        size += len(line) + (1 if chunk else 0)
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut(text, CONTEXT_TEXT)}]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    block: Block = {
        "type": "button",
        "action_id": action_id,
        "text": plain(text, BUTTON_TEXT),
        "value": value[:BUTTON_VALUE],
    }
    if style:
        block["style"] = style
    return block


def actions(*elements: Block, block_id: str = "quiz") -> Block:
    """One actions block; callers with more than 25 buttons use `button_rows`."""
    assert len(elements) <= ACTIONS_ELEMENTS, "use button_rows for more than 25 buttons"
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}


def button_rows(elements: Sequence[Block], block_id: str) -> list[Block]:
    """As many actions blocks as the buttons need (25 each): no option is ever dropped.
    The first keeps `block_id`, the next ones add `.2`, `.3`."""
    rows = [elements[i : i + ACTIONS_ELEMENTS] for i in range(0, len(elements), ACTIONS_ELEMENTS)]
    return [
        actions(*row, block_id=block_id if n == 0 else f"{block_id}.{n + 1}")
        for n, row in enumerate(rows)
    ]


def option_rows(labels: Sequence[str], buttons: Sequence[Block], block_id: str) -> list[Block]:
    """Options as buttons in rows of 25, spelled out above them (escaped, in sections) when a
    button would cut one of the `labels`."""
    blocks = []
    if any(len(text) > BUTTON_TEXT for text in labels):
        blocks += sections(mrkdwn(text, 400) for text in labels)
    return blocks + button_rows(buttons, block_id)


def fit(blocks: list[Block], limit: int, more: str) -> list[Block]:
    """At most `limit` blocks; when some must go, the last one left says so (`more`, mrkdwn)."""
    if len(blocks) <= limit:
        return blocks
    return [*blocks[: limit - 1], context(more)]
