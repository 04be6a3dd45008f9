"""Obsidian notes written for the spaced-repetition plugin -> cards.

The plugin's syntax (its flashcard docs and `src/parser.ts`):
- `front::back` on one line is a card; `front:::back` is two (each side asks the other).
- A paragraph holding a line that is only `?` is a card: the lines above are the front, the lines
  below the back, up to a blank line; `??` makes two cards, each way.
- A paragraph with `==highlights==` is a cloze: one card per deletion, the deletion shown as
  `[...]` (or `[hint]` for `==text==^[hint]`), the others as plain text; deletions numbered
  alike (`==a==[^1] ... ==b==[^1]`) are asked together.
- `#flashcards/deck/sub` tags name the deck: a tag line holds for the cards after it, a tag at
  the start of a card's line only for that card. The cards' common deck names the deck, each
  card keeps its own as a tag.
Never cards: `<!--SR:...-->` scheduling comments (dropped from the text), other HTML comments,
YAML front matter (its `tags:` count), fenced code blocks, headings, and plain prose. Markers
inside `inline code` do not count. Wiki links keep their text; a picture is kept when it is an
https URL and dropped with a warning when it is a file in the vault.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from bot.core.collect import Collector
from bot.core.limits import LIMITS, DeckLimits, card_problem, image_problem
from bot.core.models import Card, DeckError, DeckWarning
from bot.core.notes import card_id_for
from bot.core.text_bounds import snippet

DECK_TAG = "#flashcards"
_SR_COMMENT = "<!--SR:"
_FENCES = ("```", "~~~")
_EMBED = re.compile(r"(!?)\[\[([^\[\]\n]{1,500})\]\]")
_IMAGE = re.compile(r"!\[([^\[\]\n]{0,500})\]\(([^()\s]{1,2048})(?:\s+\"[^\"\n]{0,200}\")?\)")
_HINT = re.compile(r"\^\[([^\[\]\n]{0,200})\]")
_SEQUENCE = re.compile(r"\[\^(\d{1,3})\]")
_HEADING = re.compile(r"#{1,6}(\s|$)")
_BULLET = re.compile(r"^\s{0,8}(?:[-*+]|\d{1,3}[.)])\s+")
"""A list item's marker before a one-line card: `- term::definition` asks "term"."""
_SHORT_ANSWER = 80
"""A cloze deletion this short (one line) is also accepted as a typed answer."""


def strip_sr_comments(text: str) -> str:
    """The text without `<!--SR:...-->` comments (an unclosed one runs to the end)."""
    out: list[str] = []
    pos = 0
    while (start := text.find(_SR_COMMENT, pos)) != -1:
        out.append(text[pos:start])
        end = text.find("-->", start)
        pos = len(text) if end == -1 else end + 3
    out.append(text[pos:])
    return "".join(out)


class _Ticks:
    """Where a line's backticks are, to tell in O(log n) whether a mark is in `inline code`."""

    def __init__(self, line: str) -> None:
        self.at = [i for i, ch in enumerate(line) if ch == "`"]

    def outside(self, position: int) -> bool:
        return bisect_left(self.at, position) % 2 == 0


def _outside_code(line: str, at: int) -> bool:
    return _Ticks(line).outside(at)


def _deck_tags(line: str) -> list[str] | None:
    """The deck paths of the `#flashcards` tags on a line ("" for the bare tag), or None."""
    found = [
        token[len(DECK_TAG) + 1 :] if len(token) > len(DECK_TAG) else ""
        for token in line.split()
        if token.startswith(DECK_TAG)
        and (len(token) == len(DECK_TAG) or token[len(DECK_TAG)] == "/")
    ]
    return found or None


def _leading_tags(line: str) -> tuple[list[str] | None, str]:
    """Tags at the very start of a card's line: (their deck paths or None, the rest)."""
    rest = line.lstrip()
    tags: list[str] = []
    while rest.startswith("#") and not _HEADING.match(rest):
        token, _, rest = rest.partition(" ")
        tags.append(token)
        rest = rest.lstrip()
    return _deck_tags(" ".join(tags)), rest


@dataclass(slots=True)
class _Block:
    """A paragraph: its lines (number, text, is code), and what kind of card it is so far."""

    lines: list[tuple[int, str, bool]] = field(default_factory=list)
    separator: int | None = None
    """Index in `lines` of the `?` / `??` line."""
    reversed: bool = False
    cloze: bool = False
    decks: list[str] = field(default_factory=list)
    """The deck tags in force where the paragraph starts."""


class _Parser:
    def __init__(self, path: str, deck_id: str, limits: DeckLimits) -> None:
        self.path = path
        self.deck_id = deck_id
        self.limits = limits
        self.found = Collector(path, limits)
        self.decks: list[str] = []
        self.card_decks: list[list[str]] = []

    # --- cards ---------------------------------------------------------------------------

    def card(
        self, line: int, question: str, answer: str, decks: list[str], accept: tuple[str, ...] = ()
    ) -> None:
        question, q_images = self._clean(line, question)
        answer, a_images = self._clean(line, answer)
        images = [*q_images, *a_images]
        if not question:
            self.found.warn(line, "card has no question; skipped")
            return
        if not answer and not images:
            self.found.warn(line, f'card "{snippet(question)}" has no answer; skipped')
            return
        tags = tuple(dict.fromkeys(path for path in decks if path))
        for tag in tags:
            if len(tag) > self.limits.tag_chars:
                raise DeckError(self.path, line, f"deck tag '{snippet(tag)}' is too long")
        card = Card(
            self.deck_id,
            card_id_for(question),
            question,
            answer,
            accept=accept,
            tags=tags[: self.limits.tags],
            image=images[0] if images else None,
            line=line,
        )
        if problem := card_problem(card, self.limits):
            raise DeckError(self.path, line, problem[1])
        before = len(self.found.cards)
        self.found.add(card)
        if len(self.found.cards) > before:
            self.card_decks.append(decks)

    def _clean(self, line: int, text: str) -> tuple[str, list[str]]:
        """Card text as shown: SR comments gone, wiki links as text, pictures taken out."""
        text = strip_sr_comments(text)
        if len(text) > 2 * max(self.limits.question_chars, self.limits.answer_chars):
            raise DeckError(self.path, line, f"card text is {len(text)} characters long")
        images: list[str] = []

        def embed(match: re.Match[str]) -> str:
            target, _, alias = match.group(2).partition("|")
            if not match.group(1):
                return alias or target
            self.found.warn(
                line, f"picture '{snippet(target)}' is a file in the vault, not a URL; dropped"
            )
            return ""

        def image(match: re.Match[str]) -> str:
            target = match.group(2)
            if image_problem(target, self.limits) is None and target.startswith("https://"):
                images.append(target)
            else:
                self.found.warn(line, f"picture '{snippet(target)}' is not an https URL; dropped")
            return ""

        text = _IMAGE.sub(image, _EMBED.sub(embed, text))
        lines = [part.rstrip() for part in text.split("\n")]
        return "\n".join(lines).strip(), images

    # --- blocks --------------------------------------------------------------------------

    def inline(self, number: int, line: str) -> bool:
        """A `front::back` or `front:::back` line: its cards; False when it is not one."""
        for separator, both in ((":::", True), ("::", False)):
            at = line.find(separator)
            if at == -1 or not _outside_code(line, at):
                continue
            tags, rest = _leading_tags(line)
            at = rest.find(separator)
            if at == -1:  # the separator was inside a "tag": the line has none
                tags, rest, at = None, line, line.find(separator)
            rest = _BULLET.sub("", rest, count=1)
            at = rest.find(separator)
            decks = tags if tags is not None else self.decks
            front, back = rest[:at], rest[at + len(separator) :]
            self.card(number, front, back, decks)
            if both:
                self.card(number, back, front, decks)
            return True
        return False

    def block(self, block: _Block) -> None:
        if not block.lines:
            return
        first = block.lines[0][0]
        tags, opening = _leading_tags(block.lines[0][1])
        decks = tags if tags is not None else block.decks
        texts = [opening, *(text for _, text, _ in block.lines[1:])]
        if block.separator is not None:
            front = "\n".join(texts[: block.separator])
            back = "\n".join(texts[block.separator + 1 :])
            self.card(first, front, back, decks)
            if block.reversed:
                self.card(first, back, front, decks)
        elif block.cloze:
            self.cloze(first, texts, [code for _, _, code in block.lines], decks)

    def cloze(self, first: int, texts: list[str], code: list[bool], decks: list[str]) -> None:
        pieces: list[list[str | _Deletion]] = [
            [text] if is_code else _deletions(text)
            for text, is_code in zip(texts, code, strict=True)
        ]
        groups: dict[object, list[_Deletion]] = {}
        for line in pieces:
            for piece in line:
                if isinstance(piece, _Deletion):
                    groups.setdefault(piece.sequence or id(piece), []).append(piece)
        for group in groups.values():
            question = "\n".join(
                "".join(p.shown(p in group) if isinstance(p, _Deletion) else p for p in line)
                for line in pieces
            )
            answers = [d.text for d in group]
            single = answers[0].strip() if len(answers) == 1 else ""
            accept = (single,) if single and len(single) <= _SHORT_ANSWER else ()
            self.card(first, question, "\n".join(answers), decks, accept)


@dataclass(eq=False, slots=True)
class _Deletion:
    text: str
    hint: str | None
    sequence: str | None

    def shown(self, asked: bool) -> str:
        if not asked:
            return self.text
        return f"[{self.hint.strip()}]" if self.hint and self.hint.strip() else "[...]"


def _deletions(line: str) -> list[str | _Deletion]:
    """A line as text and `==highlight==` deletions (each with its `^[hint]` and `[^N]`)."""
    out: list[str | _Deletion] = []
    ticks = _Ticks(line)
    pos = 0
    opening = line.find("==")
    while opening != -1:
        closing = line.find("==", opening + 2)
        if closing == -1:
            break
        content = line[opening + 2 : closing]
        if (
            not content.strip()
            or content[0].isspace()
            or content[-1].isspace()
            or not ticks.outside(opening)
        ):
            opening = closing  # not a highlight: the closing mark may open the next one
            continue
        end = closing + 2
        hint = sequence = None
        if match := _HINT.match(line, end):
            hint, end = match.group(1), match.end()
        if match := _SEQUENCE.match(line, end):
            sequence, end = match.group(1), match.end()
        out.append(line[pos:opening])
        out.append(_Deletion(content, hint, sequence))
        pos = end
        opening = line.find("==", end)
    out.append(line[pos:])
    return [piece for piece in out if piece != ""]


def _has_cloze(line: str) -> bool:
    return any(isinstance(piece, _Deletion) for piece in _deletions(line))


def _front_matter_decks(lines: list[str]) -> list[str] | None:
    """Deck paths of the `#flashcards` tags in front matter (`tags: [a, b]`, `tags: a b`, or a
    `- item` list), read line by line: front matter is not handed to a YAML parser."""
    tags: list[str] = []
    in_tags = False
    for line in lines:
        key, colon, value = line.partition(":")
        if colon and not line[:1].isspace() and not line.startswith("-"):
            in_tags = key.strip().lower() == "tags"
            if in_tags:
                tags.extend(re.split(r"[\s,]+", value.strip().strip("[]")))
        elif in_tags and line.strip().startswith("-"):
            tags.append(line.strip()[1:].strip())
    cleaned = ["#" + tag.strip("'\"").lstrip("#") for tag in tags if tag.strip("'\"")]
    return _deck_tags(" ".join(cleaned))


def deck_path(card_decks: list[list[str]]) -> str | None:
    """The deck all cards are in (their common `#flashcards/...` path), or None."""
    paths = [path.split("/") for decks in card_decks for path in (decks or [""])]
    if not paths:
        return None
    common = paths[0]
    for parts in paths[1:]:
        size = 0
        while size < min(len(common), len(parts)) and common[size] == parts[size]:
            size += 1
        common = common[:size]
    found = "/".join(part for part in common if part)
    return found or None


def _fence(stripped: str) -> str | None:
    """The fence a code block opens with (its run of ` or ~), or None."""
    for mark in _FENCES:
        if stripped.startswith(mark):
            return stripped[: len(stripped) - len(stripped.lstrip(mark[0]))]
    return None


def parse_obsidian(
    text: str, path: str, deck_id: str, limits: DeckLimits = LIMITS
) -> tuple[list[Card], list[DeckWarning], str | None]:
    """Cards in the order written, warnings with line numbers, and the deck path the
    `#flashcards/...` tags give (None when they give none)."""
    lines = re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff"))
    parser = _Parser(path, deck_id, limits)
    index = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is not None:
            parser.decks = _front_matter_decks(lines[1:end]) or []
            index = end + 1
    block = _Block(decks=parser.decks)
    while index < len(lines):
        number, line = index + 1, lines[index]
        stripped = line.strip()
        index += 1
        if stripped.startswith("<!--") and not stripped.startswith(_SR_COMMENT):
            while "-->" not in line and index < len(lines):  # the whole comment is skipped
                line = lines[index]
                index += 1
            continue
        if not stripped or _HEADING.match(stripped):
            parser.block(block)
            block = _Block(decks=parser.decks)
            continue
        if fence := _fence(stripped):
            block.lines.append((number, line, True))
            while index < len(lines):
                block.lines.append((index + 1, lines[index], True))
                index += 1
                if lines[index - 1].strip().startswith(fence):
                    break
            continue
        if not strip_sr_comments(stripped).strip():
            continue  # a scheduling comment on its own line
        if block.separator is None and parser.inline(number, line):
            block = _Block(decks=parser.decks)
            continue
        if all(token.startswith("#") for token in stripped.split()):
            parser.decks = _deck_tags(stripped) or parser.decks
            if not block.lines:
                block.decks = parser.decks
            continue
        if stripped in ("?", "??"):
            if block.separator is None and block.lines:
                block.separator = len(block.lines)
                block.reversed = stripped == "??"
                block.lines.append((number, line, False))
            elif block.separator is None:
                parser.found.warn(number, f"'{stripped}' with no front above it; ignored")
            else:
                block.lines.append((number, line, False))
            continue
        if block.separator is None and not block.cloze and _has_cloze(line):
            block.cloze = True
        block.lines.append((number, line, False))
    parser.block(block)
    cards, warnings = parser.found.result()
    return cards, warnings, deck_path(parser.card_decks)
