"""YAML decks (and notes files) -> validated `Deck`s; a broken deck never stops the others.

Deck files are untrusted input: only regular files are read (a named pipe or device is never
opened, a symlink loop or escape is reported), they are held to `bot.core.limits`, and YAML is
read from a node tree (so every error names its line and scalars keep their source text: `yes`
stays "yes", `0.10` stays "0.10"). A broken deck is one `DeckError`; the others still load.
"""

from __future__ import annotations

import logging
from pathlib import Path

import yaml

from bot.core.files import deck_files, read_regular_file
from bot.core.limits import LIMITS, DeckLimits, card_problem, long_line, too_many_cards
from bot.core.models import Card, Deck, DeckError, DeckWarning
from bot.core.notes import card_id_for, parse_notes, slugify
from bot.core.text_bounds import snippet

log = logging.getLogger(__name__)
YAML_SUFFIXES = frozenset({".yaml", ".yml"})
NOTES_SUFFIXES = frozenset({".txt", ".md"})
DECK_SUFFIXES = YAML_SUFFIXES | NOTES_SUFFIXES
SKIPPED_NAMES = frozenset({"readme.md", "deck.schema.json"})

DECK_KEYS = ("id", "name", "description", "tags")
CARD_KEYS = ("id", "question", "answer", "accept", "choices", "tags", "image")
_NULL_TAG = "tag:yaml.org,2002:null"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's composer when PyYAML has it: a 10,000-card deck loads in a tenth of the time."""


def read_text(path: Path, limits: DeckLimits = LIMITS) -> str:
    """A regular file as text (UTF-8, BOM dropped), refusing anything too large to be a deck
    or with a line too long to be read safely."""
    return decode_text(read_regular_file(path, limits.file_bytes(path.suffix)), str(path), limits)


def decode_text(data: bytes, where: str, limits: DeckLimits = LIMITS) -> str:
    """Bytes of a deck as text (UTF-8, BOM dropped); DeckError at the line of a bad byte or
    of a line too long to be read safely."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DeckError(where, line, "not valid UTF-8 text") from exc
    if found := long_line(text, limits):
        line, size = found
        raise DeckError(where, line, f"line is {size} characters long (limit {limits.line_chars})")
    return text


def deck_name_from_stem(stem: str) -> str:
    """A readable deck name for files without one: "os_basics" -> "Os basics"."""
    words = stem.replace("_", " ").replace("-", " ").split()
    text = " ".join(words) or stem
    return text[:1].upper() + text[1:]


def load_deck(path: Path) -> Deck:
    """One deck file (.yaml/.yml or notes .txt/.md); raises DeckError naming file and line."""
    suffix = path.suffix.lower()
    if suffix not in DECK_SUFFIXES:
        raise DeckError(str(path), 0, f"unsupported deck file type {suffix or '(none)'}")
    text = read_text(path)
    if suffix in NOTES_SUFFIXES:
        deck_id = slugify(path.stem)
        cards, warnings = parse_notes(text, str(path), deck_id)
        return Deck(
            id=deck_id,
            name=deck_name_from_stem(path.stem),
            cards=tuple(cards),
            path=str(path),
            warnings=tuple(warnings),
        )
    return parse_yaml_deck(text, str(path), default_id=slugify(path.stem))


# --- YAML ----------------------------------------------------------------------------------


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _Reader:
    """Turns a composed YAML node tree into a Deck, keeping each node's line for errors."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.budget = LIMITS.yaml_nodes

    def error(self, node: yaml.Node | int, message: str) -> DeckError:
        line = node if isinstance(node, int) else _line(node)
        return DeckError(self.path, line, message)

    def spend(self, node: yaml.Node) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise self.error(node, "deck too complex (too many YAML nodes or aliases)")

    def mapping(self, node: yaml.Node, what: str, allowed: tuple[str, ...]) -> dict[str, yaml.Node]:
        """A mapping's values by key; unknown or repeated keys are errors at their line."""
        self.spend(node)
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, f"{what} must be a mapping, got {_kind(node)}")
        result: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            self.spend(key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.error(key_node, f"{what}: keys must be plain names")
            key = key_node.value
            if key not in allowed:
                raise self.error(
                    key_node, f"unknown key '{key}' in {what} (allowed: {', '.join(allowed)})"
                )
            if key in result:
                raise self.error(key_node, f"duplicate key '{key}' in {what}")
            result[key] = value_node
        return result

    def text(self, node: yaml.Node | None, what: str) -> str | None:
        """A scalar's source text (so YAML booleans, numbers and dates stay as written)."""
        if node is None:
            return None
        self.spend(node)
        if not isinstance(node, yaml.ScalarNode):
            raise self.error(node, f"{what} must be text, got {_kind(node)}")
        if node.tag == _NULL_TAG and node.style is None:
            return None
        return node.value

    def texts(self, node: yaml.Node | None, what: str) -> tuple[str, ...]:
        if node is None:
            return ()
        self.spend(node)
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG and node.style is None:
            return ()
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(node, f"{what} must be a list of text, got {_kind(node)}")
        items: list[str] = []
        for item in node.value:
            value = self.text(item, f"each item of {what}")
            if value is None or not value.strip():
                raise self.error(item, f"{what} has an empty item")
            items.append(value.strip())
        return tuple(items)

    def card(self, node: yaml.Node, deck_id: str) -> Card:
        fields = self.mapping(node, "a card", CARD_KEYS)
        question = self.text(fields.get("question"), "question")
        answer = self.text(fields.get("answer"), "answer")
        image = self.text(fields.get("image"), "image")
        if question is None or not question.strip():
            raise self.error(fields.get("question", node), "card has no question")
        if answer is None or (not answer.strip() and not image):
            raise self.error(fields.get("answer", node), "card has no answer")
        card_id = self.text(fields.get("id"), "id")
        if card_id is not None and not card_id.strip():
            raise self.error(fields["id"], "card id is empty")
        card = Card(
            deck_id=deck_id,
            id=card_id.strip() if card_id else card_id_for(question),
            question=question.strip(),
            answer=answer.strip("\n").rstrip(),
            accept=self.texts(fields.get("accept"), "accept"),
            choices=self.texts(fields.get("choices"), "choices"),
            tags=self.texts(fields.get("tags"), "tags"),
            image=image.strip() if image else None,
            line=_line(node),
        )
        if problem := card_problem(card):
            field, message = problem
            raise self.error(fields.get(field, node), message)
        return card

    def deck(self, root: yaml.Node, default_id: str) -> Deck:
        top = self.mapping(root, "the deck file", ("deck", "cards"))
        info = self.mapping(top["deck"], "deck", DECK_KEYS) if "deck" in top else {}
        deck_id = self.text(info.get("id"), "deck id") or default_id
        if slugify(deck_id) != deck_id:
            raise self.error(
                info.get("id", root), f"deck id '{deck_id}' must look like '{slugify(deck_id)}'"
            )
        name = self.text(info.get("name"), "deck name") or deck_id
        description = self.text(info.get("description"), "description") or ""
        tags = self.texts(info.get("tags"), "deck tags")
        if "cards" not in top:
            raise self.error(root, "deck file has no 'cards:' list")
        cards_node = top["cards"]
        if not isinstance(cards_node, yaml.SequenceNode):
            raise self.error(cards_node, f"cards must be a list, got {_kind(cards_node)}")
        cards: list[Card] = []
        seen: dict[str, int] = {}
        for number, card_node in enumerate(cards_node.value, start=1):
            if number > LIMITS.cards:
                raise self.error(card_node, too_many_cards())
            card = self.card(card_node, deck_id)
            if card.id in seen:
                where = self.mapping(card_node, "a card", CARD_KEYS).get("id", card_node)
                raise self.error(
                    where, f"duplicate card id '{card.id}' (first at line {seen[card.id]})"
                )
            seen[card.id] = card.line or 0
            cards.append(card)
        warnings = () if cards else (DeckWarning(_line(cards_node), "deck has no cards"),)
        return Deck(
            id=deck_id,
            name=name.strip(),
            cards=tuple(cards),
            description=description.strip(),
            tags=tags,
            path=self.path,
            warnings=warnings,
        )


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"'{snippet(node.value)}'"


def parse_yaml_deck(text: str, path: str, default_id: str) -> Deck:
    """A deck from YAML text; `default_id` is used when the file names no deck id."""
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.reader.ReaderError as exc:  # a control character: its own line, one message
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character[:1] or " ")
        raise DeckError(path, line, f"character U+{code:04X} is not allowed in YAML") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise DeckError(path, line, f"bad YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise DeckError(path, 1, f"bad YAML: {exc}") from exc
    if root is None:
        raise DeckError(path, 1, "empty deck file")
    return _Reader(path).deck(root, default_id)


# --- a questions directory -------------------------------------------------------------------


def load_questions(directory: Path) -> tuple[list[Deck], list[DeckError]]:
    """Every deck under `directory`; broken ones are returned as errors, the rest still load."""
    decks: list[Deck] = []
    errors: list[DeckError] = []
    if not directory.is_dir():
        return [], [DeckError(str(directory), 0, "not a directory")]
    first_path: dict[str, str] = {}
    for found in deck_files(directory, DECK_SUFFIXES, SKIPPED_NAMES):
        path = found.path
        if found.error is not None:
            log.warning("deck not loaded: %s", found.error)
            errors.append(found.error)
            continue
        try:
            deck = load_deck(path)
        except DeckError as exc:
            log.warning("deck not loaded: %s", exc)
            errors.append(exc)
            continue
        if deck.id in first_path:
            errors.append(
                DeckError(
                    str(path), 1, f"deck id '{deck.id}' is already used by {first_path[deck.id]}"
                )
            )
            continue
        first_path[deck.id] = str(path)
        decks.append(deck)
    return decks, errors


# --- writing -----------------------------------------------------------------------------------


class _DeckDumper(yaml.SafeDumper):
    """Block style with indented lists, and `|` blocks for multi-line text, for review in diffs."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_DeckDumper.add_representer(str, _represent_str)


def _card_dict(card: Card) -> dict[str, object]:
    data: dict[str, object] = {"id": card.id, "question": card.question, "answer": card.answer}
    for key in ("accept", "choices", "tags"):
        if values := getattr(card, key):
            data[key] = list(values)
    if card.image:
        data["image"] = card.image
    return data


def deck_to_yaml(deck: Deck) -> str:
    """A YAML deck a person can review and edit; `load_deck` reads it back to the same cards."""
    info: dict[str, object] = {"id": deck.id, "name": deck.name}
    if deck.description:
        info["description"] = deck.description
    if deck.tags:
        info["tags"] = list(deck.tags)
    document = {"deck": info, "cards": [_card_dict(card) for card in deck.cards]}
    return yaml.dump(
        document,
        Dumper=_DeckDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=4096,
    )
