"""Just enough of the protobuf wire format to read what an Anki package says about itself.

Modern packages describe themselves in protobuf: the `meta` member (PackageMetadata), the
`media` map (MediaEntries), and in the collection the note types' and templates' `config`
columns. Only a few fields are needed, so this reads the wire format directly instead of
adding a protobuf runtime: every length is checked against the bytes there, so a hostile
message is a `ValueError`, never a read past the end or a huge allocation.
"""

from __future__ import annotations

from collections.abc import Iterator

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5
_MAX_VARINT_BYTES = 10


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    for step in range(_MAX_VARINT_BYTES):
        if at + step >= len(data):
            raise ValueError("protobuf: varint runs past the end")
        byte = data[at + step]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at + step + 1
        shift += 7
    raise ValueError("protobuf: varint longer than 10 bytes")


def fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) in order: an int for varint and fixed fields, bytes for
    length-delimited ones (strings, bytes, nested messages, packed lists)."""
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, kind = key >> 3, key & 7
        if number == 0:
            raise ValueError("protobuf: field number 0")
        if kind == VARINT:
            value, at = _varint(data, at)
            yield number, value
        elif kind in (FIXED64, FIXED32):
            size = 8 if kind == FIXED64 else 4
            if at + size > len(data):
                raise ValueError("protobuf: fixed field runs past the end")
            yield number, int.from_bytes(data[at : at + size], "little")
            at += size
        elif kind == LENGTH:
            size, at = _varint(data, at)
            if at + size > len(data):
                raise ValueError("protobuf: length runs past the end")
            yield number, data[at : at + size]
            at += size
        else:
            raise ValueError(f"protobuf: unsupported wire type {kind}")


def first(data: bytes, number: int) -> int | bytes | None:
    """The last value of field `number` (protobuf's rule for a repeated scalar), or None."""
    found: int | bytes | None = None
    for field, value in fields(data):
        if field == number:
            found = value
    return found


def text(data: bytes, number: int) -> str:
    """A string field ("" when absent); invalid UTF-8 is a ValueError."""
    value = first(data, number)
    if value is None:
        return ""
    if not isinstance(value, bytes):
        raise ValueError(f"protobuf: field {number} is not a string")
    return value.decode("utf-8")


def number(data: bytes, number_: int) -> int:
    """An integer field (0 when absent, as protobuf's default)."""
    value = first(data, number_)
    if value is None:
        return 0
    if not isinstance(value, int):
        raise ValueError(f"protobuf: field {number_} is not a number")
    return value
