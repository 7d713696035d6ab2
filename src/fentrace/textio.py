"""Decoding untrusted text files line by line, within bounds, without altering what they say.

- :func:`utf8_lines` reads a file that must be UTF-8 (chemical structure files): a line that
  is not UTF-8 or is longer than its bound comes out as a :class:`LineProblem` with its line
  number, never as text with replacement characters.
- :func:`decode_mixed` decodes a table whose lines are UTF-8 except a few written in a legacy
  encoding (a Latin-1 line pasted into a UTF-8 export): each line is decoded on its own, so one
  such line does not turn the whole file into mojibake.
- :func:`looks_binary` tells text from binary junk; :func:`control_characters` finds the
  characters that have no business in a name or a structure.
- :func:`refuse_xml_entities` refuses XML that declares entities (entity expansion is off).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import BinaryIO, NamedTuple

from fentrace.limits import BOUNDS, int_bound

_BOM = b"\xef\xbb\xbf"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)


class LineProblem(NamedTuple):
    """A line that could not be read as text: its number (from 1) and why."""

    number: int
    reason: str


def utf8_lines(handle: BinaryIO, *, max_bytes: int | None = None) -> Iterator[str | LineProblem]:
    """The lines of a binary file as UTF-8 text (endings kept; a leading BOM dropped).

    A line longer than ``max_bytes`` (default: the ``line_bytes`` bound) is skipped without
    being held in memory and comes out as a :class:`LineProblem`, as does a line that is not
    UTF-8.
    """
    limit = int_bound("line_bytes") if max_bytes is None else max_bytes
    number = 0
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            total = len(raw)
            while True:  # drain the rest of the line in bounded pieces
                piece = handle.readline(1 << 20)
                total += len(piece)
                if not piece or piece.endswith(b"\n"):
                    break
            yield LineProblem(
                number,
                f"line of {total:,} bytes, more than the limit of {limit:,} "
                f"({BOUNDS['line_bytes'].env}); skipped",
            )
            continue
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as error:
            yield LineProblem(
                number,
                f"not UTF-8 text (byte 0x{raw[error.start]:02x} at column {error.start + 1}); "
                "save the file as UTF-8",
            )


def looks_binary(data: bytes) -> bool:
    """True when bytes that should be text hold NUL bytes or mostly control bytes."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > len(head) // 20


def control_characters(text: str) -> str | None:
    """A description of the first control character in ``text`` (tab and newlines allowed)."""
    match = _CONTROL.search(text)
    if match is None:
        return None
    return f"holds the control character U+{ord(match.group()):04X} at position {match.start() + 1}"


def strip_controls(text: str) -> str:
    """``text`` without control characters (for XML 1.0, which cannot hold most of them)."""
    return _CONTROL.sub("", text)


#: ANSI/VT escape sequences (CSI, OSC, single-character escapes) and other C0/C1 controls.
_TERMINAL_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\x9b[0-?]*[ -/]*[@-~]"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


def strip_terminal_escapes(text: str) -> str:
    """``text`` without terminal escape sequences or control characters (for table output)."""
    return _TERMINAL_ESCAPE.sub("", text)


def decode_mixed(data: bytes, fallback: Callable[[bytes], str]) -> tuple[str, int] | None:
    """Decode a file that is UTF-8 except some lines, line by line.

    Returns the text and how many lines were decoded with ``fallback``; None when the file has
    no valid multi-byte UTF-8 line at all (then it is not a UTF-8 file with stray lines, and
    the caller's whole-file detection is right).
    """
    lines = data.split(b"\n")
    decoded: list[str] = []
    utf8_non_ascii = 0
    fallen = 0
    for line in lines:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            decoded.append(fallback(line))
            fallen += 1
            continue
        if not line.isascii():
            utf8_non_ascii += 1
        decoded.append(text)
    if not utf8_non_ascii or fallen > utf8_non_ascii:
        return None
    text = "\n".join(decoded)
    return (text[1:] if text.startswith("\ufeff") else text), fallen


def refuse_xml_entities(data: bytes | str) -> str | None:
    """Why XML ``data`` is refused: it declares entities (expansion bombs, external files)."""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    if _ENTITY_DECLARATION.search(raw):
        return "declares XML entities (<!ENTITY ...>); entity expansion is refused"
    return None
