"""Anki field HTML -> plain text, in one linear pass.

`html.parser.HTMLParser` rescans an unfinished tag from its start on every feed step, so a field
of "<b <b <b ..." takes seconds per few kilobytes (quadratic). Fields are untrusted, so this
scanner only ever moves forward: text between tags is kept (entities decoded), line-breaking
tags become newlines, the first image's `src` is kept aside, the insides of `<script>` and
`<style>` (card templates carry both) are dropped, and everything else is dropped.
"""

from __future__ import annotations

import html
import re

BREAKS = frozenset({"br", "div", "p", "li", "tr", "h1", "h2", "h3", "h4", "ul", "ol"})
HIDDEN = frozenset({"script", "style"})
_SOUND = re.compile(r"\[sound:[^\[\]]*\]")
r"""Stops at the next "[": `[^\]]*` rescanned "[sound:[sound:..." to its end from every start."""


def _tag_name(body: str) -> str:
    """`/div class=x` -> "div"; "" when the text after "<" is not a tag ("< 3", "<=")."""
    start = 1 if body.startswith("/") else 0
    end = start
    while end < len(body) and (body[end].isalnum() and body[end].isascii()):
        end += 1
    return body[start:end].lower() if end > start and body[start].isalpha() else ""


def _src(body: str) -> str | None:
    """The `src` attribute of an img tag's inside, quoted or not."""
    lowered = body.lower()
    at = lowered.find("src")
    while at != -1:
        rest = body[at + 3 :].lstrip()
        if lowered[at - 1 : at].isspace() and rest.startswith("="):
            value = rest[1:].lstrip()
            if value[:1] in ('"', "'"):
                end = value.find(value[0], 1)
                return value[1:end] if end != -1 else value[1:]
            return value.split(None, 1)[0].rstrip("/") if value.strip() else None
        at = lowered.find("src", at + 3)
    return None


def _closing(field: str, name: str, start: int) -> int:
    """Where `</name` starts (any case) at or after `start`, or -1."""
    at = field.find("</", start)
    while at != -1:
        if field[at + 2 : at + 2 + len(name)].lower() == name:
            return at
        at = field.find("</", at + 2)
    return -1


def html_to_text(field: str) -> tuple[str, str | None]:
    """The field's text (tidy lines, no empty ones) and its first image's source, if any."""
    parts: list[str] = []
    images: list[str] = []
    pos = 0
    while pos < len(field):
        lt = field.find("<", pos)
        if lt == -1:
            parts.append(html.unescape(field[pos:]))
            break
        parts.append(html.unescape(field[pos:lt]))
        if field.startswith("<!--", lt):
            end = field.find("-->", lt + 4)
            pos = len(field) if end == -1 else end + 3
            continue
        window = field[lt + 1 : lt + 20]
        name = _tag_name(window)
        if not name and not window.startswith(("!", "?", "/")):
            parts.append("<")  # a lone "<" is text, as a browser shows it
            pos = lt + 1
            continue
        gt = field.find(">", lt + 1)
        if gt == -1:  # an unfinished tag at the end: shown as written, and the scan is over
            parts.append(field[lt:])
            break
        body = field[lt + 1 : gt]
        if name in BREAKS:
            parts.append("\n")
        elif name == "img" and not body.startswith("/") and (src := _src(body)):
            images.append(src)
        elif name in HIDDEN and not body.startswith("/"):
            close = _closing(field, name, gt + 1)
            end = field.find(">", close) if close != -1 else -1
            if end == -1:  # an unclosed script or style: the rest is its code
                break
            gt = end
        pos = gt + 1
    text = "".join(parts).replace("\xa0", " ")
    lines = [line.strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line), (images[0] if images else None)


def field_text(field: str) -> tuple[str, str | None]:
    """An Anki field's text and first image, its `[sound:...]` references dropped."""
    return html_to_text(_SOUND.sub("", field))
