"""Anki templates and cloze deletions -> a card's sides (bot/core/anki_render.py)."""

from __future__ import annotations

import pytest

from bot.core.anki_import import safe_guid
from bot.core.anki_render import (
    ANSWER,
    QUESTION,
    CardContext,
    cloze_numbers,
    render_card,
    render_cloze,
)
from bot.core.html_text import html_to_text
from tests.guard import finishes

BASIC_BACK = "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}}"
CLOZE_FRONT, CLOZE_BACK = "{{cloze:Text}}", "{{cloze:Text}}<br>\n{{Back Extra}}"


def card(front: str, back: str, fields: dict[str, str], number: int = 0) -> tuple[str, str]:
    rendered = render_card(front, back, CardContext(fields, number))
    return html_to_text(rendered.question)[0], html_to_text(rendered.answer)[0]


def test_cloze_question_hides_only_its_own_number() -> None:
    text = "{{c1::Paris::city}} is in {{c2::France}}; {{c1::Lyon}} too"
    assert cloze_numbers(text) == [1, 2]
    assert render_cloze(text, 1, QUESTION) == "[city] is in France; [...] too"
    assert render_cloze(text, 2, QUESTION) == "Paris is in [...]; Lyon too"
    assert render_cloze(text, 2, ANSWER) == "Paris is in France; Lyon too"


def test_cloze_answer_is_the_deleted_text_then_back_extra() -> None:
    fields = {
        "Text": "{{c1::Paris}} and {{c1::Lyon}} are in {{c2::France}}",
        "Back Extra": "<i>cities</i>",
    }
    assert card(CLOZE_FRONT, CLOZE_BACK, fields, 1) == (
        "[...] and [...] are in France",
        "Paris\nLyon\ncities",
    )
    rendered = render_card(CLOZE_FRONT, CLOZE_BACK, CardContext(fields, 2))
    assert rendered.accept == ("France",)
    assert render_card(CLOZE_FRONT, CLOZE_BACK, CardContext(fields, 1)).accept == ()


def test_nested_and_shared_clozes() -> None:
    text = "{{c1::outer {{c2::inner}} end}} and {{c1,3::both}}"
    assert render_cloze(text, 1, QUESTION) == "[...] and [...]"
    assert render_cloze(text, 2, QUESTION) == "outer [...] end and both"
    assert render_cloze(text, 3, QUESTION) == "outer inner end and [...]"
    deleted: list[str] = []
    render_cloze(text, 1, QUESTION, deleted)
    assert deleted == ["outer inner end", "both"]


def test_unclosed_cloze_and_stray_braces_stay_text() -> None:
    assert render_cloze("a {{c1::b", 1, QUESTION) == "a {{c1::b"
    assert render_cloze("x }} {{c1::y}}", 1, QUESTION) == "x }} [...]"
    assert cloze_numbers("{{c0::zero}} {{c1::one}}") == [1]


def test_basic_and_reversed_templates() -> None:
    fields = {"Front": "Nucleus", "Back": "Holds <b>DNA</b>"}
    assert card("{{Front}}", BASIC_BACK, fields) == ("Nucleus", "Holds DNA")
    assert card("{{Back}}", "{{FrontSide}}<hr id=answer>{{Front}}", fields) == (
        "Holds DNA",
        "Nucleus",
    )


def test_a_back_without_the_answer_marker_drops_what_the_front_showed() -> None:
    fields = {"Word": "chat", "Meaning": "cat", "Note": "feminine: chatte"}
    assert card("{{Word}}", "{{Word}}<br>{{Meaning}}<br>{{Note}}", fields) == (
        "chat",
        "cat\nfeminine: chatte",
    )


def test_typed_answer_fields_are_asked_not_shown_and_accepted() -> None:
    fields = {"Front": "Powerhouse?", "Back": "mitochondria"}
    rendered = render_card(
        "{{Front}}\n\n{{type:Back}}",
        "{{Front}}\n\n<hr id=answer>\n\n{{type:Back}}",
        CardContext(fields, 0),
    )
    assert (rendered.question.strip(), rendered.answer.strip()) == ("Powerhouse?", "mitochondria")
    assert rendered.accept == ("mitochondria",)


def test_conditional_sections_speech_and_special_fields() -> None:
    front = (
        "{{#Hint}}hint: {{Hint}} {{/Hint}}{{^Hint}}no hint {{/Hint}}{{Front}}{{tts en_US:Front}}"
    )
    back = "<hr id=answer>{{Back}} ({{Card}}, {{Deck}})"
    context = CardContext(
        {"Front": "Q", "Back": "A", "Hint": ""}, 0, {"Card": "Card 1", "Deck": "D"}
    )
    rendered = render_card(front, back, context)
    assert rendered.question == "no hint Q"
    assert rendered.answer == "A (Card 1, D)"
    context = CardContext({"Front": "Q", "Back": "A", "Hint": "think"}, 0)
    assert render_card(front, back, context).question == "hint: think Q"


def test_unknown_fields_and_field_case() -> None:
    assert card("{{front}} {{Missing}}", "<hr id=answer>{{BACK}}", {"Front": "Q", "Back": "A"}) == (
        "Q",
        "A",
    )


def test_script_and_style_of_a_template_are_not_text() -> None:
    front = "<style>.card { color: red }</style>{{Front}}<script>if (a < b) { go() }</script>"
    assert card(front, BASIC_BACK, {"Front": "Q", "Back": "A"}) == ("Q", "A")


def test_guids_become_ids_that_never_collide() -> None:
    assert safe_guid("qbReversed2") == "qbReversed2"
    assert safe_guid("a/b") == "a_2f_b"
    assert safe_guid("a_2f_b") != safe_guid("a/b")
    assert safe_guid("x-y") == "x-y"
    long = safe_guid("g" * 1000)
    assert len(long) == 21 and long != safe_guid("g" * 1001)


@pytest.mark.parametrize(
    "text",
    [
        "{{c1::" * 100_000,
        "{{c1::a" + "}}" * 100_000,
        "{{" * 200_000,
        "{{c1::x::" * 50_000 + "}}" * 50_000,
    ],
    ids=["openings", "closings", "braces", "nested-hints"],
)
def test_hostile_cloze_fields_finish(text: str) -> None:
    """Deep nesting and runs of braces finish (nesting past a bound is read as text)."""
    rendered = finishes(render_cloze, text, 1, QUESTION)
    assert isinstance(rendered, str)


def test_hostile_templates_finish() -> None:
    front = "{{#A}}" * 100_000 + "{{A}}" + "{{/A}}" * 100_000 + "{{" * 100_000
    rendered = finishes(render_card, front, front, CardContext({"A": "x"}, 0))
    assert rendered.question.startswith("x")


@pytest.mark.parametrize(
    "field",
    ["<script>" * 100_000, "<style>a</style>" * 50_000, "<script></scrip" * 50_000],
    ids=["unclosed", "closed", "almost"],
)
def test_hostile_script_and_style_finish(field: str) -> None:
    text, image = finishes(html_to_text, field)
    assert image is None and "script" not in text.replace("</scrip", "")
