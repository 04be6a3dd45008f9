"""Text quoted back to a person: one line, bounded, so a hostile deck cannot flood a report."""

from __future__ import annotations

ELLIPSIS = "…"
MESSAGE_CHARS = 300
"""An error or warning message, quoted deck text included."""
SNIPPET_CHARS = 60
"""Deck text quoted inside a message."""


def one_line(text: str, limit: int | None = None) -> str:
    """`text` on one line (line breaks and control characters shown escaped), at most `limit`."""
    limit = MESSAGE_CHARS if limit is None else limit
    out: list[str] = []
    size = 0
    for ch in text[: limit + 1]:
        piece = ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1]
        out.append(piece)
        size += len(piece)
        if size > limit:
            break
    joined = "".join(out)
    if len(joined) > limit or len(text) > limit:
        return joined[: max(0, limit - 1)] + ELLIPSIS
    return joined


def snippet(text: str) -> str:
    """Deck text quoted in a message: one line, cut short."""
    return one_line(text, SNIPPET_CHARS)
