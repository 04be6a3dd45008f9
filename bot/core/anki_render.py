"""Anki card templates and cloze deletions -> one card's question and answer, as HTML.

A note type's template says what each card shows: `{{Field}}` and `{{filter:Field}}` insert a
field, `{{#Field}}...{{/Field}}` (`^` for "if empty") show a part only when the field has text,
`{{FrontSide}}` repeats the question on the back. The answer is what the back adds to the
front: the part after `<hr id=answer>`, or the back without the front's fields. A cloze note
(`{{c1::text::hint}}`) makes one card per cloze number: in its question the deletion is shown
as `[...]` (or `[hint]`) and every other deletion as plain text; its answer is the deleted text,
then whatever the back adds (the "Back Extra" field).

Templates and fields come from a stranger's file, so every scan here only moves forward
(`str.find`, no backtracking patterns): a field of a million "{{" costs one pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.html_text import html_to_text

QUESTION, ANSWER = "question", "answer"
_CLOZE_TOKEN = re.compile(r"\{\{c(\d{1,4}(?:,\d{1,4})*)::|\}\}")
"""An opening `{{cN::` (or `{{c1,2::`) or a closing `}}`: each match is a fixed-shape token."""
_ANSWER_MARKERS = ("id=answer", 'id="answer"', "id='answer'")
_SPECIAL = frozenset({"FrontSide", "Tags", "Deck", "Subdeck", "Type", "Card", "CardFlag"})
SPEECH_FILTERS = ("tts", "cloze-only")
"""Filters whose output is only for text-to-speech: nothing to show."""
MAX_DEPTH = 16
"""Deletions inside deletions, sections inside sections: deeper ones are read as text, so a
hostile field cannot recurse without end."""


# --- cloze deletions ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Cloze:
    numbers: frozenset[int]
    opening: str
    parts: list[str | _Cloze] = field(default_factory=list)


def parse_cloze(text: str) -> list[str | _Cloze]:
    """The field as text pieces and (nested) deletions; an unclosed `{{c1::` stays text."""
    root: list[str | _Cloze] = []
    stack: list[_Cloze] = []
    pos = 0
    for match in _CLOZE_TOKEN.finditer(text):
        current = stack[-1].parts if stack else root
        if match.start() > pos:
            current.append(text[pos : match.start()])
        pos = match.end()
        if match.group(1) is not None and len(stack) >= MAX_DEPTH:
            current.append(match.group(0))
        elif match.group(1) is not None:
            numbers = frozenset(int(n) for n in match.group(1).split(",") if int(n) > 0)
            stack.append(_Cloze(numbers, match.group(0)))
        elif stack:
            closed = stack.pop()
            (stack[-1].parts if stack else root).append(closed)
        else:
            current.append(match.group(0))
    (stack[-1].parts if stack else root).append(text[pos:])
    while stack:  # never closed: the opening was text after all
        unclosed = stack.pop()
        target = stack[-1].parts if stack else root
        target.append(unclosed.opening)
        target.extend(unclosed.parts)
    return root


def cloze_numbers(text: str) -> list[int]:
    """Every cloze number in the field, ascending."""
    found: set[int] = set()

    def walk(parts: list[str | _Cloze]) -> None:
        for part in parts:
            if isinstance(part, _Cloze):
                found.update(part.numbers)
                walk(part.parts)

    walk(parse_cloze(text))
    return sorted(found)


def _split_hint(parts: list[str | _Cloze]) -> tuple[list[str | _Cloze], str | None]:
    """A deletion's content and hint: the hint follows the first `::` of its own text."""
    for index, part in enumerate(parts):
        if isinstance(part, str) and "::" in part:
            head, hint = part.split("::", 1)
            tail = "".join(_plain(p) for p in parts[index + 1 :])
            return [*parts[:index], head], hint + tail
    return parts, None


def _plain(part: str | _Cloze) -> str:
    """Everything revealed (the answer side)."""
    if isinstance(part, str):
        return part
    content, _ = _split_hint(part.parts)
    return "".join(_plain(p) for p in content)


def render_cloze(text: str, number: int, side: str, deleted: list[str] | None = None) -> str:
    """The field for card `number`: on the question side its deletions hidden (`[...]` or
    `[hint]`), every other deletion shown; on the answer side all shown. The hidden texts are
    appended to `deleted`."""

    def render(parts: list[str | _Cloze]) -> str:
        out: list[str] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            content, hint = _split_hint(part.parts)
            if number in part.numbers:
                shown = "".join(_plain(p) for p in content)
                if deleted is not None:
                    deleted.append(shown)
                if side == QUESTION:
                    out.append(f"[{hint.strip()}]" if hint and hint.strip() else "[...]")
                    continue
                out.append(shown)
                continue
            out.append(render(content))
        return "".join(out)

    return render(parse_cloze(text))


# --- templates ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Node:
    kind: str
    """"text", "var", "if", "unless"."""
    value: str
    children: list[_Node] = field(default_factory=list)


def parse_template(template: str) -> list[_Node]:
    """`{{...}}` tags into a tree; an unmatched close is dropped, an unclosed section ends at
    the end, as a forgiving reader of someone else's template."""
    root: list[_Node] = []
    stack: list[_Node] = []
    pos = 0
    while pos < len(template):
        start = template.find("{{", pos)
        end = template.find("}}", start + 2) if start != -1 else -1
        target = stack[-1].children if stack else root
        if start == -1 or end == -1:
            target.append(_Node("text", template[pos:]))
            break
        if start > pos:
            target.append(_Node("text", template[pos:start]))
        tag = template[start + 2 : end].strip()
        pos = end + 2
        if tag[:1] in ("#", "^") and len(stack) < MAX_DEPTH:
            section = _Node("if" if tag[0] == "#" else "unless", tag[1:].strip())
            target.append(section)
            stack.append(section)
        elif tag[:1] == "/":
            name = tag[1:].strip()
            while stack:
                if stack.pop().value == name:
                    break
        elif tag and tag[0] not in "!=":
            target.append(_Node("var", tag))
    return root


@dataclass(slots=True)
class CardContext:
    """What a template can name for one card, and what rendering it found out."""

    fields: dict[str, str]
    number: int
    """The cloze number of a cloze card (1-based); 0 for other note types."""
    specials: dict[str, str] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()
    """Fields rendered empty: those the front already showed, when the back repeats them."""
    deleted: list[str] = field(default_factory=list)
    typed: list[str] = field(default_factory=list)

    def value(self, name: str) -> str | None:
        if name in self.hidden:
            return ""
        if name in self.specials:
            return self.specials[name]
        if name in self.fields:
            return self.fields[name]
        folded = name.casefold()
        return next((v for k, v in self.fields.items() if k.casefold() == folded), None)


def _nonempty(value: str | None) -> bool:
    if not value:
        return False
    text, image = html_to_text(value)
    return bool(text) or image is not None


def _var(spec: str, context: CardContext, side: str) -> str:
    *filters, name = (part.strip() for part in spec.split(":"))
    value = context.value(name) or ""
    for name_ in reversed(filters):  # the filter next to the field applies first
        kind = name_.split(" ", 1)[0]
        if kind == "cloze":
            deleted = context.deleted if side == QUESTION else None
            value = render_cloze(value, context.number, side, deleted)
        elif kind == "type":
            if side == ANSWER:
                context.typed.append(value)
            value = "" if side == QUESTION else value
        elif kind in SPEECH_FILTERS:
            value = ""
    return value


def render(nodes: list[_Node], context: CardContext, side: str) -> str:
    out: list[str] = []
    for node in nodes:
        if node.kind == "text":
            out.append(node.value)
        elif node.kind == "var":
            out.append(_var(node.value, context, side))
        elif (node.kind == "if") == _nonempty(context.value(node.value)):
            out.append(render(node.children, context, side))
    return "".join(out)


def shown_fields(nodes: list[_Node]) -> set[str]:
    """Fields a template shows (a `type:` field is asked for, not shown)."""
    found: set[str] = set()
    for node in nodes:
        if node.kind == "var":
            *filters, name = (part.strip() for part in node.value.split(":"))
            if not any(f.split(" ", 1)[0] == "type" for f in filters) and name not in _SPECIAL:
                found.add(name)
        found |= shown_fields(node.children)
    return found


def answer_part(back: str) -> tuple[str, bool]:
    """The back template after `<hr id=answer>` (True), or the whole back (False)."""
    lowered = back.lower()
    for marker in _ANSWER_MARKERS:
        at = lowered.find(marker)
        if at != -1:
            end = back.find(">", at)
            if end != -1:
                return back[end + 1 :], True
    return back, False


@dataclass(frozen=True, slots=True)
class Rendered:
    question: str
    answer: str
    """HTML; for a cloze card the deleted text, then what the back adds."""
    accept: tuple[str, ...] = ()
    """Short answers to type: a `{{type:Field}}` field, or a cloze card's single deletion."""


def render_card(front: str, back: str, context: CardContext) -> Rendered:
    """One card of a note: question from the front template, answer from what the back adds."""
    front_nodes = parse_template(front)
    question = render(front_nodes, context, QUESTION)
    part, marked = answer_part(back)
    hidden = set() if marked else shown_fields(front_nodes)
    if context.number:
        hidden |= _cloze_fields(front_nodes)  # the deletion already is the answer
    answer_context = CardContext(
        context.fields,
        context.number,
        {**context.specials, "FrontSide": ""},
        frozenset(hidden),
    )
    extra = render(parse_template(part), answer_context, ANSWER)
    if not context.number:
        return Rendered(question, extra, tuple(answer_context.typed))
    deleted = list(dict.fromkeys(text for text in context.deleted if text.strip()))
    answer = "<br>".join([*deleted, extra] if _nonempty(extra) else deleted)
    accept = tuple(deleted) if len(deleted) == 1 else ()
    return Rendered(question, answer, accept)


def _cloze_fields(nodes: list[_Node]) -> set[str]:
    found: set[str] = set()
    for node in nodes:
        if node.kind == "var":
            *filters, name = (part.strip() for part in node.value.split(":"))
            if any(f.split(" ", 1)[0] == "cloze" for f in filters):
                found.add(name)
        found |= _cloze_fields(node.children)
    return found
