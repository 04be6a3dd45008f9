"""Slack's Block Kit limits as the fake enforces them: each check returns the problems it found.

Figures from Slack's Block Kit reference (blocks, block elements, composition objects, surfaces).
Anything outside what the bot uses (an unknown block or element type) is a problem too, so a new
block kind gets its limits written here before the bot can send it.
"""

from __future__ import annotations

import re
from typing import Any

MESSAGE_BLOCKS = 50
SURFACE_BLOCKS = 100  # modals and the Home tab
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
URL = 3000
ID = 255  # action_id, block_id, callback_id
MODAL_TITLE = 24  # title, submit, close
LABEL = 2000
PLACEHOLDER = 150
INPUT_MAX_LENGTH = 3000
ALT_TEXT = 2000
PRIVATE_METADATA = 3000
MESSAGE_TEXT = 40_000
HINT = 2000
IMAGE_TITLE = 2000
MAX_FILES = 10  # file_input: 1 to 10 files, 10 when unset

ELEMENT_KEYS = {
    "button": {"type", "action_id", "text", "value", "url", "style", "confirm",
               "accessibility_label"},
    "plain_text_input": {"type", "action_id", "initial_value", "multiline", "min_length",
                         "max_length", "placeholder", "focus_on_load",
                         "dispatch_action_config"},
    "file_input": {"type", "action_id", "filetypes", "max_files"},
}  # fmt: skip
INPUT_KEYS = {"type", "block_id", "label", "element", "hint", "optional", "dispatch_action"}
VIEW_KEYS = {"type", "title", "blocks", "close", "submit", "private_metadata", "callback_id",
             "clear_on_close", "notify_on_close", "external_id", "submit_disabled"}  # fmt: skip
IMAGE_KEYS = {"type", "block_id", "image_url", "slack_file", "alt_text", "title"}

PINGS = re.compile(r"<(!channel|!here|!everyone|!subteam\^|@[UW])")
BROKEN_ENTITY = re.compile(r"&(amp|lt|gt)(?!;)")

Problems = list[str]


def text_object(obj: Any, where: str, limit: int, *, plain: bool = False) -> Problems:
    """A composition text object: plain_text or mrkdwn, 1 to `limit` characters."""
    if not isinstance(obj, dict):
        return [f"{where}: a text object is required"]
    kind, text = obj.get("type"), obj.get("text")
    problems: Problems = []
    if kind not in ("plain_text", "mrkdwn") or (plain and kind != "plain_text"):
        problems.append(f"{where}.type: {kind!r} where {'plain_text' if plain else 'a text type'}")
    if not isinstance(text, str) or not text:
        return [*problems, f"{where}.text: must be a non-empty string"]
    if len(text) > limit:
        problems.append(f"{where}.text: {len(text)} characters, the limit is {limit}")
    if kind == "mrkdwn":
        problems += mrkdwn_text(text, where)
    return problems


def mrkdwn_text(text: str, where: str) -> Problems:
    """Text Slack parses: a mention pings people, a cut entity shows as `&lt`."""
    problems: Problems = []
    if found := PINGS.search(text):
        problems.append(f"{where}: mentions {found.group(0)}…> (it would ping)")
    if found := BROKEN_ENTITY.search(text):
        problems.append(f"{where}: a cut entity {found.group(0)!r} shows as raw text")
    return problems


def _length(value: Any, where: str, limit: int, *, required: bool = False) -> Problems:
    if value is None:
        return [f"{where}: required"] if required else []
    if not isinstance(value, str) or (required and not value):
        return [f"{where}: must be a non-empty string"]
    return [f"{where}: {len(value)} characters, the limit is {limit}"] if len(value) > limit else []


def _unknown_keys(obj: dict[str, Any], known: set[str], where: str) -> Problems:
    extra = sorted(set(obj) - known)
    return [f"{where}: unknown fields {extra}"] if extra else []


def _file_input(el: dict[str, Any], where: str) -> Problems:
    """Slack's file input: extensions without dots, 1 to 10 files; only inside a modal's input
    block (the `in_modal` check is the caller's)."""
    problems: Problems = []
    types = el.get("filetypes")
    if types is not None:
        if not isinstance(types, list) or not types:
            problems.append(f"{where}.filetypes: a non-empty list of extensions")
        else:
            for t in types:
                if not isinstance(t, str) or not t or "." in t or t != t.lower():
                    problems.append(f"{where}.filetypes: {t!r} is not a lower-case extension")
    most = el.get("max_files", MAX_FILES)
    if not isinstance(most, int) or isinstance(most, bool) or not 1 <= most <= MAX_FILES:
        problems.append(f"{where}.max_files: {most!r}, 1 to {MAX_FILES}")
    return problems


def _text_input(el: dict[str, Any], where: str) -> Problems:
    problems: Problems = []
    max_length = el.get("max_length", INPUT_MAX_LENGTH)
    if not isinstance(max_length, int) or not 1 <= max_length <= INPUT_MAX_LENGTH:
        problems.append(f"{where}.max_length: {max_length!r}, at most {INPUT_MAX_LENGTH}")
        max_length = INPUT_MAX_LENGTH
    min_length = el.get("min_length", 0)
    if not isinstance(min_length, int) or not 0 <= min_length <= max_length:
        problems.append(f"{where}.min_length: {min_length!r}, 0 to max_length")
    if "multiline" in el and not isinstance(el["multiline"], bool):
        problems.append(f"{where}.multiline: {el['multiline']!r} is not a boolean")
    problems += _length(el.get("initial_value"), f"{where}.initial_value", max_length)
    if "placeholder" in el:
        problems += text_object(el["placeholder"], f"{where}.placeholder", PLACEHOLDER, plain=True)
    return problems


def element(el: Any, where: str, *, in_input: bool = False) -> Problems:
    """An interactive element: the kinds the bot sends (buttons, text and file inputs)."""
    if not isinstance(el, dict):
        return [f"{where}: not an object"]
    kind = el.get("type")
    problems = _length(el.get("action_id"), f"{where}.action_id", ID)
    if kind in ELEMENT_KEYS:
        problems += _unknown_keys(el, ELEMENT_KEYS[kind], where)
    if kind in ("plain_text_input", "file_input") and not in_input:
        return [*problems, f"{where}: a {kind} belongs in an input block"]
    if kind == "button":
        problems += text_object(el.get("text"), f"{where}.text", BUTTON_TEXT, plain=True)
        problems += _length(el.get("value"), f"{where}.value", BUTTON_VALUE)
        problems += _length(el.get("url"), f"{where}.url", URL)
        if el.get("style") not in (None, "primary", "danger"):
            problems.append(f"{where}.style: {el.get('style')!r}")
    elif kind == "plain_text_input":
        problems += _text_input(el, where)
    elif kind == "file_input":
        problems += _file_input(el, where)
    else:
        problems.append(f"{where}.type: unsupported element {kind!r}")
    return problems


def block(b: Any, where: str) -> Problems:
    if not isinstance(b, dict):
        return [f"{where}: not an object"]
    kind = b.get("type")
    problems = _length(b.get("block_id"), f"{where}.block_id", ID)
    if kind == "section":
        if "text" not in b and "fields" not in b:
            problems.append(f"{where}: a section needs text or fields")
        if "text" in b:
            problems += text_object(b["text"], f"{where}.text", SECTION_TEXT)
        fields = b.get("fields", [])
        if len(fields) > SECTION_FIELDS:
            problems.append(f"{where}.fields: {len(fields)}, the limit is {SECTION_FIELDS}")
        for i, f in enumerate(fields):
            problems += text_object(f, f"{where}.fields[{i}]", FIELD_TEXT)
        if "accessory" in b:
            problems += element(b["accessory"], f"{where}.accessory")
    elif kind == "actions":
        elements = b.get("elements") or []
        if not 1 <= len(elements) <= ACTIONS_ELEMENTS:
            problems.append(f"{where}.elements: {len(elements)}, 1 to {ACTIONS_ELEMENTS}")
        problems += _unique([e.get("action_id") for e in elements if isinstance(e, dict)], where)
        for i, e in enumerate(elements):
            problems += element(e, f"{where}.elements[{i}]")
    elif kind == "context":
        elements = b.get("elements") or []
        if not 1 <= len(elements) <= CONTEXT_ELEMENTS:
            problems.append(f"{where}.elements: {len(elements)}, 1 to {CONTEXT_ELEMENTS}")
        for i, e in enumerate(elements):
            problems += text_object(e, f"{where}.elements[{i}]", SECTION_TEXT)
    elif kind == "header":
        problems += text_object(b.get("text"), f"{where}.text", HEADER_TEXT, plain=True)
    elif kind == "image":
        problems += _image(b, where)
    elif kind == "input":
        problems += _unknown_keys(b, INPUT_KEYS, where)
        problems += text_object(b.get("label"), f"{where}.label", LABEL, plain=True)
        if "hint" in b:
            problems += text_object(b["hint"], f"{where}.hint", HINT, plain=True)
        if "optional" in b and not isinstance(b["optional"], bool):
            problems.append(f"{where}.optional: {b['optional']!r} is not a boolean")
        problems += element(b.get("element"), f"{where}.element", in_input=True)
    elif kind != "divider":
        problems.append(f"{where}.type: unsupported block {kind!r}")
    return problems


def _image(b: dict[str, Any], where: str) -> Problems:
    """An image block: an http(s) image_url or a slack_file (an uploaded file's id or its
    Slack URL), exactly one of them. A bare file name is not a URL."""
    problems = _unknown_keys(b, IMAGE_KEYS, where)
    problems += _length(b.get("alt_text"), f"{where}.alt_text", ALT_TEXT, required=True)
    if "title" in b:
        problems += text_object(b["title"], f"{where}.title", IMAGE_TITLE, plain=True)
    url, file = b.get("image_url"), b.get("slack_file")
    if (url is None) == (file is None):
        return [*problems, f"{where}: exactly one of image_url and slack_file"]
    if url is not None:
        problems += _length(url, f"{where}.image_url", URL, required=True)
        if isinstance(url, str) and not url.startswith(("https://", "http://")):
            problems.append(f"{where}.image_url: {url[:60]!r} is not a URL")
        return problems
    named = file.get("id", file.get("url")) if isinstance(file, dict) else None
    if not isinstance(file, dict) or len(file) != 1 or not isinstance(named, str) or not named:
        problems.append(f"{where}.slack_file: exactly one of id and url, got {file!r:.80}")
    return problems


def slack_files(items: Any) -> list[str]:
    """The file ids image blocks name through slack_file (the fake checks they exist)."""
    if not isinstance(items, list):
        return []
    return [
        str(b["slack_file"]["id"])
        for b in items
        if isinstance(b, dict)
        and b.get("type") == "image"
        and isinstance(b.get("slack_file"), dict)
        and "id" in b["slack_file"]
    ]


def file_inputs(v: Any) -> int:
    """How many file_input elements a view holds (they need the files:read scope)."""
    items = v.get("blocks") if isinstance(v, dict) else None
    return sum(
        1
        for b in items or []
        if isinstance(b, dict)
        and isinstance(b.get("element"), dict)
        and b["element"].get("type") == "file_input"
    )


def _unique(names: list[Any], where: str) -> Problems:
    seen = [n for n in names if n is not None]
    dupes = sorted({n for n in seen if seen.count(n) > 1})
    return [f"{where}: duplicate ids {dupes}"] if dupes else []


def blocks(items: Any, where: str, limit: int) -> Problems:
    if not isinstance(items, list):
        return [f"{where}: must be a list"]
    problems: Problems = []
    if len(items) > limit:
        problems.append(f"{where}: {len(items)} blocks, the limit is {limit}")
    problems += _unique([b.get("block_id") for b in items if isinstance(b, dict)], where)
    for i, b in enumerate(items):
        problems += block(b, f"{where}[{i}]")
    return problems


def message(args: dict[str, Any]) -> Problems:
    """A message body (chat.postMessage or a response_url post): text and/or blocks."""
    text, items = args.get("text"), args.get("blocks")
    if not text and not items and not args.get("attachments"):
        return ["no_text: a message needs text or blocks"]
    problems: Problems = []
    if isinstance(text, str):
        problems += mrkdwn_text(text, "text")
        if len(text) > MESSAGE_TEXT:
            problems.append(f"text: {len(text)} characters, the limit is {MESSAGE_TEXT}")
    if items is not None:
        problems += blocks(items, "blocks", MESSAGE_BLOCKS)
        if file_inputs({"blocks": items}):
            problems.append("blocks: a file_input works only in a modal")
    return problems


def view(v: Any) -> Problems:
    """A modal (views.open) or the Home tab (views.publish)."""
    if not isinstance(v, dict):
        return ["view: not an object"]
    kind = v.get("type")
    problems = _unknown_keys(v, VIEW_KEYS, "view")
    problems += blocks(v.get("blocks"), "view.blocks", SURFACE_BLOCKS)
    problems += _length(v.get("private_metadata"), "view.private_metadata", PRIVATE_METADATA)
    problems += _length(v.get("callback_id"), "view.callback_id", ID)
    if kind == "modal":
        problems += text_object(v.get("title"), "view.title", MODAL_TITLE, plain=True)
        for key in ("submit", "close"):
            if key in v:
                problems += text_object(v[key], f"view.{key}", MODAL_TITLE, plain=True)
        items = v.get("blocks") if isinstance(v.get("blocks"), list) else []
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in items)
        if has_input and "submit" not in v:
            problems.append("view.submit: required when the modal has input blocks")
    elif kind != "home":
        problems.append(f"view.type: {kind!r}")
    if kind == "home" and file_inputs(v):
        problems.append("view.blocks: a file_input works only in a modal")
    return problems
