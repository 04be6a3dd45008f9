"""What Discord accepts: the request shapes and limits the fake enforces, as Discord enforces them.

Limits come from Discord's published OpenAPI description (discord/discord-api-spec,
specs/openapi.json: `ActionRowComponentForMessageRequest`, `ButtonComponentForMessageRequest`,
`StringSelectComponentForMessageRequest`, `RichEmbed*`, `MessageAllowedMentionsRequest`,
`ModalInteractionCallbackRequestData`, `TextInputComponentForModalRequest`,
`ApplicationCommandCreateRequest`, `ApplicationCommandOptionStringChoice`) and from the documented
limits the schema cannot express: 5 action rows in a classic message, the 6,000-character total
over every embed of a message, custom ids unique within a message, a select alone in its row.
Each check returns `Problem`s; `invalid_form_body` turns them into Discord's 50035 error body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

CONTENT = 2000
EMBEDS = 10
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER_TEXT = 2048
AUTHOR_NAME = 256
EMBED_TOTAL = 6000
ROWS = 5
ROW_WIDTH = 5
BUTTON_LABEL = 80
CUSTOM_ID = 100
SELECT_OPTIONS = 25
SELECT_TEXT = 100
SELECT_PLACEHOLDER = 150
MODAL_TITLE = 45
TEXT_INPUT_LABEL = 45
TEXT_INPUT_PLACEHOLDER = 100
TEXT_INPUT_VALUE = 4000
TEXT_INPUT_STYLES = {1, 2}
CHOICES = 25
CHOICE_NAME = 100
CHOICE_VALUE = 6000
COMMANDS = 100
COMMAND_NAME = 32
COMMAND_DESCRIPTION = 100
COMMAND_OPTIONS = 25
MENTION_KINDS = {"roles", "users", "everyone"}
BUTTON_STYLES = {1, 2, 3, 4, 5, 6}
CALLBACK_TYPES = {1, 4, 5, 6, 7, 8, 9, 10, 12}
COMMAND_NAME_RE = re.compile(r"^[-_\w]{1,32}$")


@dataclass(frozen=True, slots=True)
class Problem:
    """One rejected field: its path in the body, Discord's code for it, and the message."""

    path: tuple[str | int, ...]
    code: str
    message: str

    def __str__(self) -> str:
        return f"{'.'.join(map(str, self.path))}: {self.code} ({self.message})"


def _too_long(path: tuple[str | int, ...], value: Any, limit: int) -> list[Problem]:
    if isinstance(value, str | list) and len(value) > limit:
        return [Problem(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")]
    return []


def _between(path: tuple[str | int, ...], value: Any, low: int, high: int) -> list[Problem]:
    if value is None or (isinstance(value, str | list) and not low <= len(value) <= high):
        message = f"Must be between {low} and {high} in length."
        return [Problem(path, "BASE_TYPE_BAD_LENGTH", message)]
    return []


def _required(path: tuple[str | int, ...], value: Any) -> list[Problem]:
    if value is None or value == "":
        return [Problem(path, "BASE_TYPE_REQUIRED", "This field is required")]
    return []


# --- messages --------------------------------------------------------------------------------


def embed_size(embed: dict[str, Any]) -> int:
    """The characters Discord counts towards the 6,000 total of a message's embeds."""
    size = len(embed.get("title") or "") + len(embed.get("description") or "")
    size += len((embed.get("footer") or {}).get("text") or "")
    size += len((embed.get("author") or {}).get("name") or "")
    for f in embed.get("fields") or []:
        size += len(f.get("name") or "") + len(f.get("value") or "")
    return size


def _embed(path: tuple[str | int, ...], embed: dict[str, Any]) -> list[Problem]:
    problems = _too_long((*path, "title"), embed.get("title"), EMBED_TITLE)
    problems += _too_long((*path, "description"), embed.get("description"), EMBED_DESCRIPTION)
    footer, author = embed.get("footer") or {}, embed.get("author") or {}
    problems += _too_long((*path, "footer", "text"), footer.get("text"), FOOTER_TEXT)
    problems += _too_long((*path, "author", "name"), author.get("name"), AUTHOR_NAME)
    fields = embed.get("fields") or []
    problems += _too_long((*path, "fields"), fields, EMBED_FIELDS)
    for i, f in enumerate(fields):
        problems += _required((*path, "fields", i, "name"), f.get("name"))
        problems += _required((*path, "fields", i, "value"), f.get("value"))
        problems += _too_long((*path, "fields", i, "name"), f.get("name"), FIELD_NAME)
        problems += _too_long((*path, "fields", i, "value"), f.get("value"), FIELD_VALUE)
    return problems


def _button(path: tuple[str | int, ...], button: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    if button.get("style") not in BUTTON_STYLES:
        problems.append(
            Problem(
                (*path, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}."
            )
        )
    problems += _too_long((*path, "label"), button.get("label"), BUTTON_LABEL)
    if button.get("style") == 5:
        problems += _required((*path, "url"), button.get("url"))
    elif button.get("style") != 6:
        problems += _between((*path, "custom_id"), button.get("custom_id"), 1, CUSTOM_ID)
    if not button.get("label") and not button.get("emoji"):
        problems.append(Problem((*path, "label"), "BASE_TYPE_REQUIRED", "This field is required"))
    return problems


def _select(path: tuple[str | int, ...], select: dict[str, Any]) -> list[Problem]:
    problems = _between((*path, "custom_id"), select.get("custom_id"), 1, CUSTOM_ID)
    problems += _too_long((*path, "placeholder"), select.get("placeholder"), SELECT_PLACEHOLDER)
    options = select.get("options") or []
    problems += _between((*path, "options"), options, 1, SELECT_OPTIONS)
    for i, o in enumerate(options):
        problems += _between((*path, "options", i, "label"), o.get("label"), 1, SELECT_TEXT)
        problems += _between((*path, "options", i, "value"), o.get("value"), 1, SELECT_TEXT)
        problems += _too_long(
            (*path, "options", i, "description"), o.get("description"), SELECT_TEXT
        )
    return problems


def _components(path: tuple[str | int, ...], rows: list[dict[str, Any]]) -> list[Problem]:
    problems = _too_long(path, rows, ROWS)
    seen: set[str] = set()
    for r, row in enumerate(rows):
        here = (*path, r)
        items = row.get("components") or []
        if row.get("type") != 1:
            problems.append(
                Problem((*here, "type"), "BASE_TYPE_CHOICES", "Value must be one of {1}.")
            )
            continue
        problems += _between((*here, "components"), items, 1, ROW_WIDTH)
        if any(c.get("type") != 2 for c in items) and len(items) > 1:
            message = "The specified component exceeds the maximum width"
            problems.append(
                Problem((*here, "components"), "COMPONENT_LAYOUT_WIDTH_EXCEEDED", message)
            )
        for i, item in enumerate(items):
            at = (*here, "components", i)
            if item.get("type") == 2:
                problems += _button(at, item)
            elif item.get("type") == 3:
                problems += _select(at, item)
            else:
                problems.append(
                    Problem(
                        (*at, "type"),
                        "UNION_TYPE_CHOICES",
                        'Value of field "type" must be one of (2, 3, 5, 6, 7, 8).',
                    )
                )
            custom_id = item.get("custom_id")
            if custom_id is not None and custom_id in seen:
                problems.append(
                    Problem(
                        (*at, "custom_id"),
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    )
                )
            seen.add(custom_id)
    return problems


def _allowed_mentions(path: tuple[str | int, ...], mentions: Any) -> list[Problem]:
    if mentions is None:
        return []
    parse = mentions.get("parse") or []
    problems = [
        Problem(
            (*path, "parse", i),
            "BASE_TYPE_CHOICES",
            f"Value must be one of {sorted(MENTION_KINDS)}.",
        )
        for i, kind in enumerate(parse)
        if kind not in MENTION_KINDS
    ]
    for kind in ("users", "roles"):
        if kind in parse and mentions.get(kind):
            message = f'parse:["{kind}"] and {kind}: [ids] are mutually exclusive.'
            problems.append(
                Problem((*path, "parse"), "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE", message)
            )
        problems += _too_long((*path, kind), mentions.get(kind), 100)
    return problems


def check_message(body: dict[str, Any], path: tuple[str | int, ...] = ()) -> list[Problem]:
    """A message create or edit: content, embeds (and their total), components, allowed_mentions."""
    problems = _too_long((*path, "content"), body.get("content"), CONTENT)
    embeds = body.get("embeds") or []
    problems += _too_long((*path, "embeds"), embeds, EMBEDS)
    for i, embed in enumerate(embeds):
        problems += _embed((*path, "embeds", i), embed)
    if sum(embed_size(e) for e in embeds) > EMBED_TOTAL:
        message = f"Embed size exceeds maximum size of {EMBED_TOTAL}"
        problems.append(Problem((*path, "embeds"), "MAX_EMBED_SIZE_EXCEEDED", message))
    problems += _components((*path, "components"), body.get("components") or [])
    problems += _allowed_mentions((*path, "allowed_mentions"), body.get("allowed_mentions"))
    return problems


# --- interaction callbacks -------------------------------------------------------------------


def _modal(data: dict[str, Any]) -> list[Problem]:
    path: tuple[str | int, ...] = ("data",)
    problems = _between((*path, "custom_id"), data.get("custom_id"), 1, CUSTOM_ID)
    problems += _between((*path, "title"), data.get("title"), 1, MODAL_TITLE)
    rows = data.get("components") or []
    problems += _between((*path, "components"), rows, 1, ROWS)
    for r, row in enumerate(rows):
        items = row.get("components") or []
        if row.get("type") == 1:  # a text input in an action row: one per row
            problems += _between((*path, "components", r, "components"), items, 1, 1)
        for i, item in enumerate(items):
            problems += _text_input((*path, "components", r, "components", i), item)
    return problems


def _text_input(at: tuple[str | int, ...], item: dict[str, Any]) -> list[Problem]:
    """A text input of a modal (`TextInputComponentForModalRequest`)."""
    problems = _between((*at, "custom_id"), item.get("custom_id"), 1, CUSTOM_ID)
    if item.get("type") != 4:
        return [*problems, Problem((*at, "type"), "BASE_TYPE_CHOICES", "Value must be one of {4}.")]
    if item.get("style") not in TEXT_INPUT_STYLES:
        problems.append(
            Problem((*at, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")
        )
    problems += _between((*at, "label"), item.get("label"), 1, TEXT_INPUT_LABEL)
    problems += _too_long((*at, "placeholder"), item.get("placeholder"), TEXT_INPUT_PLACEHOLDER)
    problems += _too_long((*at, "value"), item.get("value"), TEXT_INPUT_VALUE)
    for key, low in (("min_length", 0), ("max_length", 1)):
        n = item.get(key)
        if n is not None and not low <= n <= TEXT_INPUT_VALUE:
            message = f"int value should be between {low} and {TEXT_INPUT_VALUE}."
            problems.append(Problem((*at, key), "NUMBER_TYPE_OUT_OF_RANGE", message))
    return problems


def _autocomplete(data: dict[str, Any]) -> list[Problem]:
    choices = data.get("choices") or []
    problems = _too_long(("data", "choices"), choices, CHOICES)
    for i, c in enumerate(choices):
        problems += _between(("data", "choices", i, "name"), c.get("name"), 1, CHOICE_NAME)
        problems += _too_long(("data", "choices", i, "value"), c.get("value"), CHOICE_VALUE)
    return problems


def check_callback(body: dict[str, Any]) -> list[Problem]:
    """An interaction response: its type, then the message, modal or choices it carries."""
    kind = body.get("type")
    if kind not in CALLBACK_TYPES:
        return [
            Problem(
                ("type",), "BASE_TYPE_CHOICES", f"Value must be one of {sorted(CALLBACK_TYPES)}."
            )
        ]
    data = body.get("data") or {}
    if kind in (4, 5, 7):
        return check_message(data, ("data",))
    if kind == 8:
        return _autocomplete(data)
    if kind == 9:
        return _modal(data)
    return []


# --- command registration --------------------------------------------------------------------


def _option(path: tuple[str | int, ...], option: dict[str, Any]) -> list[Problem]:
    problems = _name_and_description(path, option)
    choices = option.get("choices") or []
    problems += _too_long((*path, "choices"), choices, CHOICES)
    for i, c in enumerate(choices):
        problems += _between((*path, "choices", i, "name"), c.get("name"), 1, CHOICE_NAME)
        problems += _too_long((*path, "choices", i, "value"), c.get("value"), CHOICE_VALUE)
    if choices and option.get("autocomplete"):
        message = "Autocomplete cannot be enabled with choices"
        problems.append(
            Problem(
                (*path, "autocomplete"), "APPLICATION_COMMAND_OPTIONS_AUTOCOMPLETE_CHOICES", message
            )
        )
    problems += _options(path, option.get("options") or [])
    return problems


def _options(path: tuple[str | int, ...], options: list[dict[str, Any]]) -> list[Problem]:
    problems = _too_long((*path, "options"), options, COMMAND_OPTIONS)
    required_after_optional = False
    seen_optional = False
    for i, option in enumerate(options):
        problems += _option((*path, "options", i), option)
        if option.get("type") in (1, 2):
            continue
        if option.get("required") and seen_optional:
            required_after_optional = True
        seen_optional = seen_optional or not option.get("required")
    if required_after_optional:
        message = "Required options must be placed before non-required options"
        problems.append(
            Problem((*path, "options"), "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", message)
        )
    return problems


def _name_and_description(path: tuple[str | int, ...], item: dict[str, Any]) -> list[Problem]:
    name = item.get("name") or ""
    problems = _between((*path, "name"), name, 1, COMMAND_NAME)
    if name != name.lower() or not COMMAND_NAME_RE.match(name):
        problems.append(
            Problem((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        )
    if item.get("type", 1) == 1 or "description" in item:
        problems += _between(
            (*path, "description"), item.get("description"), 1, COMMAND_DESCRIPTION
        )
    return problems


def check_commands(commands: list[dict[str, Any]]) -> list[Problem]:
    """A bulk overwrite of application commands: at most 100, unique names, valid options."""
    problems = _too_long((), commands, COMMANDS)
    names: set[str] = set()
    for i, command in enumerate(commands):
        problems += _name_and_description((i,), command)
        problems += _options((i,), command.get("options") or [])
        if command.get("name") in names:
            message = "Application command names must be unique"
            problems.append(Problem((i, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", message))
        names.add(command.get("name", ""))
    return problems


def invalid_form_body(problems: list[Problem]) -> dict[str, Any]:
    """Discord's error body: `{"code": 50035, "message": "Invalid Form Body", "errors": {...}}`."""
    errors: dict[str, Any] = {}
    for p in problems:
        node = errors
        for part in p.path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": p.code, "message": p.message})
    return {"code": 50035, "message": "Invalid Form Body", "errors": errors}
