"""Resource bounds, formula-safe cells, safe JSON and text decoding: case tables."""

from __future__ import annotations

import io
import json
import math

import polars as pl
import pytest

from fentrace import jsonsafe
from fentrace.csvsafe import formula_safe, formula_safe_frame, safe_row
from fentrace.exc import ConfigError
from fentrace.limits import BOUNDS, bound, over_bound, over_limit
from fentrace.tables import csv_records, decode_text, jsonl_records
from fentrace.textio import (
    LineProblem,
    control_characters,
    decode_mixed,
    looks_binary,
    strip_terminal_escapes,
    utf8_lines,
)


def test_every_bound_has_a_default_and_its_variable() -> None:
    for name, spec in BOUNDS.items():
        assert spec.env.startswith("FENTRACE_")
        assert bound(name) == spec.default


@pytest.mark.parametrize("raw", ["0", "-1", "nan", "inf", "many"])
def test_a_bound_set_to_nonsense_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("FENTRACE_MAX_RINGS", raw)
    with pytest.raises(ConfigError, match="FENTRACE_MAX_RINGS"):
        bound("rings")


def test_a_bound_is_read_from_its_variable_and_says_what_it_cut(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FENTRACE_MAX_RINGS", "7")
    assert over_bound("rings", 7) is None
    assert over_bound("rings", 8) == (
        "rings in one molecule (fused ring systems make substructure search slow): "
        "8 rings, more than the limit of 7 (FENTRACE_MAX_RINGS)"
    )


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        ("", ""),
        ("CCO", "CCO"),
    ],
)
def test_formula_safe_cells(cell: str, safe: str) -> None:
    assert formula_safe(cell) == safe
    assert safe_row([cell, 3, None, -2.5]) == [safe, 3, None, -2.5]
    frame = pl.DataFrame({"text": [cell], "number": [-1]})
    assert formula_safe_frame(frame).row(0) == (safe, -1)


def test_json_never_holds_nan_or_infinity() -> None:
    text = jsonsafe.dumps({"a": math.nan, "b": (math.inf, -math.inf, 1.0), "c": "NaN"})
    assert json.loads(text) == {"a": None, "b": [None, None, 1.0], "c": "NaN"}


def _lines(data: bytes, limit: int = 100) -> list[str | LineProblem]:
    return list(utf8_lines(io.BytesIO(data), max_bytes=limit))


def test_utf8_lines_reject_bad_and_long_lines_by_number() -> None:
    lines = _lines(b"\xef\xbb\xbfok\n" + b"caf\xe9\n" + b"x" * 250 + b"\nlast")
    assert lines[0] == "ok\n"
    assert isinstance(lines[1], LineProblem)
    assert lines[1].number == 2
    assert "not UTF-8 text (byte 0xe9 at column 4)" in lines[1].reason
    assert isinstance(lines[2], LineProblem)
    assert "line of 251 bytes, more than the limit of 100 (FENTRACE_MAX_LINE_BYTES)" in (
        lines[2].reason
    )
    assert lines[3] == "last"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("CCO", None),
        ("a\tb", None),
        ("a\x1bb", "holds the control character U+001B at position 2"),
        ("\x00", "holds the control character U+0000 at position 1"),
        ("a\x85", "holds the control character U+0085 at position 2"),
    ],
)
def test_control_characters(text: str, found: str | None) -> None:
    assert control_characters(text) == found


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain", "plain"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b]0;title\x07name", "name"),
        ("\x1b]8;;http://x\x1b\\link", "link"),
        ("bell\x07 back\x08", "bell back"),
        ("\x9b2Jc1", "c1"),
        ("汉字 é", "汉字 é"),
    ],
)
def test_terminal_escapes_are_stripped(text: str, shown: str) -> None:
    assert strip_terminal_escapes(text) == shown


def test_binary_detection() -> None:
    assert looks_binary(b"\x00abc")
    assert looks_binary(bytes(range(32)) * 10)
    assert not looks_binary("name,country\nÖl GmbH,DE\n".encode())


def test_mixed_decoding_keeps_utf8_lines_and_decodes_the_stray_one() -> None:
    data = "née\n".encode() + "Señora\n".encode("latin-1") + "東京\n".encode()
    text, fallen = decode_mixed(data, lambda b: b.decode("latin-1"))  # type: ignore[misc]
    assert text == "née\nSeñora\n東京\n"
    assert fallen == 1
    assert decode_mixed("Señora\n".encode("latin-1"), lambda b: b.decode("latin-1")) is None


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("a\nné\n".encode(), "utf-8"),
        ("a\nné\n".encode("latin-1"), "latin-1"),
        ("a\n湖北\n".encode("gbk"), "gb18030"),
        ("a\nné\n".encode("utf-16"), "utf-16"),
    ],
)
def test_decode_text(data: bytes, encoding: str) -> None:
    text, used = decode_text(data, "f.csv")
    assert used == encoding
    assert text.replace("\r", "").split("\n")[1] in ("né", "湖北")


def test_csv_records_reject_bad_rows_by_line() -> None:
    text = 'a,b\n1,2\n"multi\nline",3\n4\n"x"y,5\n\n6,7\n'
    header, records, rejected = csv_records(text, "f.csv")
    assert header == ["a", "b"]
    assert [row for row, _ in records] == [2, 3, 8]
    assert [(r.row, r.reason.split(":")[0]) for r in rejected] == [
        (5, "has 1 fields, the header has 2"),
        (6, "not valid CSV"),
    ]


def test_jsonl_records_reject_bad_lines_and_deep_nesting() -> None:
    text = '{"a": 1}\n{"a": \n[1]\n' + "[" * 100_000 + "\n" + '{"b": "x"}\n'
    header, records, rejected = jsonl_records(text, "f.jsonl")
    assert header == ["a", "b"]
    assert [row for row, _ in records] == [1, 5]
    assert [r.row for r in rejected] == [2, 3, 4]


LOW_LEVEL = ("atomic", "limits", "csvsafe", "jsonsafe", "textio", "tables")


@pytest.mark.parametrize("module", LOW_LEVEL)
def test_the_shared_mechanisms_sit_below_every_package(module: str) -> None:
    import re
    from pathlib import Path

    import fentrace

    text = (Path(fentrace.__file__).parent / f"{module}.py").read_text(encoding="utf-8")
    imported = set(re.findall(r"^\s*(?:from|import) fentrace\.(\w+)", text, flags=re.M))
    assert imported <= {"exc", *LOW_LEVEL}, f"fentrace.{module} imports {imported}"


@pytest.mark.parametrize(
    ("size", "limit", "expected"),
    [
        (7, 7, None),
        (0, 7, None),
        (
            8,
            7,
            "rings in one molecule (fused ring systems make substructure search slow): "
            "8 rings, more than the limit of 7 (FENTRACE_MAX_RINGS)",
        ),
    ],
)
def test_over_limit_uses_the_limit_given(size: int, limit: int, expected: str | None) -> None:
    assert over_limit("rings", size, limit) == expected
