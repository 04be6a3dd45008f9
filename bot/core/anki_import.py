"""An Anki package -> a Deck: one card per Anki card, pictures included.

Each Anki card becomes one quizbot card: basic and reversed note types by their templates, cloze
notes one card per cloze number. Card ids are `<note guid>-<card ord>` (the cloze number for a
cloze card), made safe, so importing an edited package again keeps everyone's progress. The
deck is named after the Anki deck its cards are in (`Parent::Child`; their common parent when
they are in several). A note that cannot become a card (over a limit, an image-occlusion note,
an empty side) is skipped with a warning naming its position in the collection.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import replace

from bot.core.anki_collection import (
    Collection,
    Note,
    NoteType,
    Template,
    notes,
    read_collection,
)
from bot.core.anki_media import MediaPicker
from bot.core.anki_render import CardContext, Rendered, cloze_numbers, render_card
from bot.core.apkg import open_package
from bot.core.collect import Collector
from bot.core.html_text import field_text as text_of
from bot.core.limits import DeckLimits, card_problem, image_problem
from bot.core.models import Card, DeckWarning, MediaFile
from bot.core.notes import card_id_for
from bot.core.text_bounds import snippet

GUID_CHARS = 40
"""Longer guids (Anki's are 10 characters) are hashed, so a card id stays short."""
_DEFAULT_DECK = "Default"
_OCCLUSION = "image-occlusion:"


def safe_guid(guid: str) -> str:
    """A note guid as an id: letters, digits and "-" kept, anything else written as `_hex_`,
    so two guids never give the same id; a long one is hashed."""
    safe = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch == "-") else f"_{ord(ch):x}_" for ch in guid
    )
    if len(safe) > GUID_CHARS:
        return "h" + hashlib.blake2b(guid.encode("utf-8", "replace"), digest_size=10).hexdigest()
    return safe


class _Builder:
    def __init__(
        self,
        deck_id: str,
        where: str,
        collection: Collection,
        picker: MediaPicker,
        limits: DeckLimits,
    ) -> None:
        self.deck_id = deck_id
        self.collection = collection
        self.picker = picker
        self.limits = limits
        self.found = Collector(where, limits)
        self.decks: Counter[int] = Counter()

    def note(self, note: Note) -> None:
        notetype = self.collection.notetypes.get(note.notetype or -1)
        tags = self._tags(note)
        if notetype is None:
            self._first_two_fields(note, tags)
            return
        fields = dict(zip(notetype.fields, note.fields, strict=False))
        if notetype.cloze and any(_OCCLUSION in value for value in note.fields):
            self.found.warn(
                note.number, "image occlusion note skipped (it needs its picture masks)"
            )
            return
        listed = self._cards(note, notetype)
        if not listed:
            self.found.warn(note.number, "note has no cards; skipped")
        for ord_, number, did in listed:
            template = self._template(notetype, ord_)
            if template is None:
                self.found.warn(
                    note.number, f"note type '{snippet(notetype.name)}' has no card {ord_ + 1}"
                )
                continue
            specials = {
                "Tags": " ".join(note.tags),
                "Type": notetype.name,
                "Card": template.name,
                "Deck": self.collection.decks.get(did, ""),
                "Subdeck": self.collection.decks.get(did, "").rsplit("::", 1)[-1],
            }
            rendered = render_card(
                template.front, template.back, CardContext(fields, number, specials)
            )
            if self._add(note, number or ord_, rendered, tags):
                self.decks[did] += 1

    def _cards(self, note: Note, notetype: NoteType) -> list[tuple[int, int, int]]:
        """(template ord, cloze number or 0, deck id) of each card of the note."""
        if self.collection.cards is not None:  # the cards Anki made, in their decks
            listed = self.collection.cards.get(note.id, [])
            if notetype.cloze:
                return [(0, ord_ + 1, did) for ord_, did in listed if ord_ >= 0]
            return [(ord_, 0, did) for ord_, did in listed]
        if notetype.cloze:
            return [(0, number, -1) for number in cloze_numbers("\x1f".join(note.fields))]
        return [(template.ord, 0, -1) for template in notetype.templates]

    @staticmethod
    def _template(notetype: NoteType, ord_: int) -> Template | None:
        if notetype.cloze:
            return notetype.templates[0] if notetype.templates else None
        return next((t for t in notetype.templates if t.ord == ord_), None)

    def _tags(self, note: Note) -> tuple[str, ...]:
        kept = [t for t in note.tags if len(t) <= self.limits.tag_chars][: self.limits.tags]
        if len(kept) < len(note.tags):
            self.found.warn(
                note.number,
                f"{len(note.tags) - len(kept)} tag(s) dropped (limit {self.limits.tags} tags "
                f"of {self.limits.tag_chars} characters)",
            )
        return tuple(kept)

    def _first_two_fields(self, note: Note, tags: tuple[str, ...]) -> None:
        """A note without a known note type: its first two fields, as question and answer."""
        if len(note.fields) < 2:
            self.found.warn(note.number, "note has fewer than two fields; skipped")
            return
        self._add(note, 0, Rendered(note.fields[0], note.fields[1]), tags)

    def _add(self, note: Note, number: int, rendered: Rendered, tags: tuple[str, ...]) -> bool:
        """Card `number` (template ord or cloze number) of the note: its id is the note's guid
        and the number, or the question's hash for a note without a guid."""
        question, q_image = text_of(rendered.question)
        card_id = f"{safe_guid(note.guid)}-{number}" if note.guid else card_id_for(question)
        answer, a_image = text_of(rendered.answer)
        if not question:
            self.found.warn(note.number, f"card {card_id} has an empty question; skipped")
            return False
        image = self._image(note, q_image or a_image)
        if not answer and image is None:
            self.found.warn(note.number, f"card {card_id} has an empty answer; skipped")
            return False
        accept = tuple(
            text
            for text in (text_of(item)[0] for item in rendered.accept)
            if text and "\n" not in text and len(text) <= self.limits.choice_chars
        )
        card = Card(
            self.deck_id,
            card_id,
            question,
            answer,
            accept=accept,
            tags=tags,
            image=image,
            line=note.number,
        )
        if problem := card_problem(card, self.limits):
            self.found.warn(note.number, f"note skipped: {problem[1]}")
            return False
        self.found.add(card)
        return True

    def _image(self, note: Note, src: str | None) -> str | None:
        if src is None:
            return None
        if image_problem(src, self.limits) is None and not src.startswith("media:"):
            return src  # an https URL stays a URL
        image, warning = self.picker.image(src)
        if warning:
            self.found.warn(note.number, warning)
        return image


def deck_name(names: list[str]) -> str | None:
    """The Anki deck the cards are in, or their closest common parent; None for "Default"
    or when they share nothing."""
    if not names:
        return None
    common = names[0].split("::")
    for name in names[1:]:
        parts = name.split("::")
        size = 0
        while size < min(len(common), len(parts)) and common[size] == parts[size]:
            size += 1
        common = common[:size]
    found = "::".join(part.strip() for part in common).strip(": ")
    return None if not found or found == _DEFAULT_DECK else found


def read_package(
    data: bytes, where: str, limits: DeckLimits
) -> tuple[list[Card], list[DeckWarning], str | None, tuple[MediaFile, ...]]:
    """(cards, warnings, Anki deck name or None, pictures); the cards' deck id is "" (the
    caller names the deck)."""
    with open_package(data, where, limits) as package:
        collection = read_collection(package)
        picker = MediaPicker(package, limits)
        builder = _Builder("", where, collection, picker, limits)
        for note in notes(package):
            builder.note(note)
        if package.media_problem and picker.files == [] and builder.found.cards:
            builder.found.warn(0, package.media_problem)
        names = [collection.decks[did] for did in builder.decks if did in collection.decks]
        cards, warnings = builder.found.result()
        shown = {card.media_name for card in cards}  # not those of a card skipped after all
        media = tuple(file for file in picker.files if file.name in shown)
        return cards, warnings, deck_name(names), media


def with_deck_id(cards: list[Card], deck_id: str) -> tuple[Card, ...]:
    return tuple(replace(card, deck_id=deck_id) for card in cards)
