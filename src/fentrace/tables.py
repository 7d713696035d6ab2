"""Reading tables users hand in (CSV, xlsx, JSON lines, Parquet) without trusting them.

Shared by every package that reads a user's table: each record keeps the row number a person
sees (the CSV line, the sheet row, the JSON line), and a record that cannot be read -- a ragged
row, a broken quote, a bad JSON line -- is a :class:`TableRejection` with its row and reason
while the rest of the file is read. The file as a whole fails (a located
:class:`~fentrace.exc.InputError`) only when nothing in it can be trusted: binary junk, a
broken or oversized workbook, an unreadable Parquet file.

CSV text may be UTF-8 (with or without BOM), UTF-16 with a BOM, GB18030 or Latin-1; a UTF-8
file with a few lines in a legacy encoding is decoded line by line.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from fentrace.exc import InputError, UsageError
from fentrace.limits import BOUNDS, int_bound
from fentrace.textio import decode_mixed, looks_binary

#: The column holding each record's row number in frames read here.
ROW = "row"

TABLE_FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}

#: Uncompressed entries smaller than this are not held to the expansion-ratio bound.
_RATIO_FLOOR = 1 << 20


@dataclass(frozen=True, slots=True)
class TableRejection:
    """A record of a user's table that could not be read: its row and why."""

    row: int
    reason: str


@dataclass
class UserTable:
    """A table of strings with a ``row`` column, the rejected records and the text encoding."""

    frame: pl.DataFrame
    rejected: list[TableRejection] = field(default_factory=list)
    encoding: str | None = None
    #: Whether ``row`` counts lines of a sheet or text file (header = 1) or records from 1.
    header_row: bool = True


# --------------------------------------------------------------------------- text


def detect_encoding(data: bytes) -> str:
    """The text encoding of a CSV: UTF-8 (with or without BOM), UTF-16 (with BOM), GB18030 or Latin-1.

    GB18030 is chosen only when the bytes decode as GB18030 and the non-ASCII bytes pair up
    as double-byte characters (lead and trail byte both >= 0x80, as every GB2312 hanzi does);
    single accented letters between ASCII letters are Latin-1.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"  # Excel's "Unicode text" export
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return "latin-1"
    pairs = lonely = 0
    index = 0
    while index < len(data):
        if data[index] >= 0x80:
            if index + 1 < len(data) and data[index + 1] >= 0x80:
                pairs += 1
                index += 2
                continue
            lonely += 1
        index += 1
    return "gb18030" if pairs and lonely <= pairs // 20 else "latin-1"


def _legacy_line(line: bytes) -> str:
    return line.decode(detect_encoding(line), errors="replace")


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """The text of a table file and the encoding it was read in.

    A UTF-8 file in which some lines are not UTF-8 is decoded line by line (those lines as
    GB18030 or Latin-1), reported as ``utf-8 (N lines gb18030/latin-1)``.
    """
    encoding = detect_encoding(data)
    if encoding not in ("utf-8", "utf-8-sig", "utf-16"):
        mixed = decode_mixed(data, _legacy_line)
        if mixed is not None:
            text, fallen = mixed
            return text, f"utf-8 ({fallen} line{'s' if fallen != 1 else ''} gb18030/latin-1)"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as error:
        raise InputError(f"{name}: cannot decode the file as {encoding} ({error.reason})") from None


def refuse_binary(data: bytes, name: str) -> None:
    """An InputError when bytes that should be a text table are binary junk."""
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")) and looks_binary(data):
        raise InputError(
            f"{name}: not a text table (binary data); expected CSV, xlsx, jsonl or parquet"
        )


# --------------------------------------------------------------------------- xlsx


def check_xlsx(data: bytes, name: str) -> None:
    """Refuse a workbook that is not a zip file or passes the zip bounds (a zip bomb)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (
        Exception
    ) as error:  # BadZipFile, and the zipfile module's error for unsupported versions (fuzzing)
        raise InputError(f"{name}: not a readable xlsx workbook ({error!r})") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > int_bound("xlsx_entries"):
            raise InputError(
                f"{name}: {len(entries):,} files inside the workbook, more than the limit of "
                f"{int_bound('xlsx_entries'):,} ({BOUNDS['xlsx_entries'].env})"
            )
        total = sum(entry.file_size for entry in entries)
        if total > int_bound("xlsx_bytes"):
            raise InputError(
                f"{name}: the workbook expands to {total:,} bytes, more than the limit of "
                f"{int_bound('xlsx_bytes'):,} ({BOUNDS['xlsx_bytes'].env})"
            )
        bound_ratio = int_bound("xlsx_ratio")
        for entry in entries:
            if entry.file_size < _RATIO_FLOOR:
                continue
            ratio = entry.file_size / max(1, entry.compress_size)
            if ratio > bound_ratio:
                raise InputError(
                    f"{name}: entry {entry.filename!r} expands {ratio:,.0f} times, more than the "
                    f"limit of {bound_ratio:,} ({BOUNDS['xlsx_ratio'].env}): a zip bomb?"
                )


def cell_text(value: Any) -> str | None:
    """One spreadsheet or JSON cell as text (dates ISO, whole floats without '.0')."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return "|".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def xlsx_rows(data: bytes, name: str) -> tuple[list[str], list[tuple[int, list[str | None]]]]:
    """The header and the non-blank rows (with their sheet row numbers) of a workbook's first sheet."""
    import openpyxl  # imported here: only Excel input needs it

    check_xlsx(data, name)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types (KeyError, ...) for a broken workbook
        raise InputError(f"{name}: not a readable xlsx workbook ({error!r})") from None
    try:
        if not book.worksheets:
            raise InputError(f"{name}: the workbook has no sheet")
        rows = book.worksheets[0].iter_rows(values_only=True)
        header_row = next(rows, None)
        if header_row is None:
            raise InputError(f"{name}: the file is empty")
        header = [cell_text(v) or "" for v in header_row]
        records: list[tuple[int, list[str | None]]] = []
        # read-only sheets yield blank rows too, so the count is the sheet's own row number
        for number, values in enumerate(rows, start=2):
            cells = [cell_text(v) for v in values]
            if any(c not in (None, "") for c in cells):
                records.append((number, cells))
        return header, records
    except InputError:
        raise
    except Exception as error:  # a workbook broken below the zip level
        raise InputError(f"{name}: not a readable xlsx workbook ({error!r})") from None
    finally:
        book.close()


# --------------------------------------------------------------------------- parquet


def read_parquet_bytes(data: bytes, name: str) -> pl.DataFrame:
    """A Parquet file's frame; a broken file is an InputError.

    Read with pyarrow and validated in full before Polars sees it: a corrupt row group or
    metadata that is not UTF-8 made Polars' Rust code panic (found by fuzzing), printing a
    Rust backtrace and raising a BaseException past every ``except Exception``.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
        table.validate(full=True)
        # rebuilt without the schema's metadata, which Polars decodes without checking
        clean = pa.Table.from_arrays(table.columns, names=table.column_names)
        frame = pl.from_arrow(clean)
    except (Exception, pl.exceptions.PanicException) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputError(f"{name}: not a readable Parquet file ({first})") from None
    if not isinstance(frame, pl.DataFrame):
        raise InputError(f"{name}: not a readable Parquet file (no table)")
    return frame


# --------------------------------------------------------------------------- whole tables


def unique_headers(raw: list[str], name: str) -> list[str]:
    """Header names made unique and non-empty (``column_3``, ``name_dup``)."""
    headers: list[str] = []
    seen: set[str] = set()
    for i, header in enumerate(raw):
        clean = (header or "").replace("\ufeff", "").strip() or f"column_{i + 1}"
        if clean == ROW:
            clean = f"{clean}_input"
        while clean in seen:
            clean += "_dup"
        headers.append(clean)
        seen.add(clean)
    if not headers:
        raise InputError(f"{name}: no header row")
    return headers


def frame_from_records(
    headers: list[str], records: list[tuple[int, list[str | None]]]
) -> pl.DataFrame:
    """A frame of string columns (and ``row``) from numbered records; short records padded."""
    width = len(headers)
    columns: list[list[str | None]] = [[] for _ in headers]
    for _, values in records:
        padded = list(values[:width]) + [None] * (width - len(values))
        for column, value in zip(columns, padded, strict=True):
            column.append(value)
    data: dict[str, Any] = {ROW: [row for row, _ in records]}
    data.update(zip(headers, columns, strict=True))
    schema = {ROW: pl.Int64, **dict.fromkeys(headers, pl.String)}
    return pl.DataFrame(data, schema=schema)


def csv_records(
    text: str, name: str, delimiter: str = ","
) -> tuple[list[str], list[tuple[int, list[str | None]]], list[TableRejection]]:
    """Header and records of CSV text, with the line each record starts on; bad rows rejected."""
    limit = int_bound("field_chars")
    csv.field_size_limit(limit)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{name}: the file is empty") from None
    except csv.Error as error:
        raise InputError(f"{name}, line 1: the header row cannot be read ({error})") from None
    headers = unique_headers(header, name)
    records: list[tuple[int, list[str | None]]] = []
    rejected: list[TableRejection] = []
    while True:
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            reason = str(error)
            if "unexpected end of data" in reason:
                reason = "a quoted field is not closed before the end of the file"
            elif "field larger than field limit" in reason:
                reason = (
                    f"a cell longer than the limit of {limit:,} characters "
                    f"({BOUNDS['field_chars'].env})"
                )
            rejected.append(TableRejection(start, f"not valid CSV: {reason}"))
            continue
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(headers):
            rejected.append(
                TableRejection(start, f"has {len(values)} fields, the header has {len(headers)}")
            )
            continue
        records.append((start, list(values)))
    return headers, records, rejected


def jsonl_records(
    text: str, name: str
) -> tuple[list[str], list[tuple[int, list[str | None]]], list[TableRejection]]:
    """Header (every key seen) and records of JSON lines (or one JSON array); bad lines rejected."""
    rejected: list[TableRejection] = []
    stripped = text.lstrip()
    items: list[tuple[int, Any]] = []
    if stripped.startswith("["):  # a JSON array of objects is accepted too
        try:
            items = list(enumerate(json.loads(stripped), start=1))
        except (json.JSONDecodeError, RecursionError) as error:
            raise InputError(f"{name}: not valid JSON ({error})") from None
    else:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append((number, json.loads(line)))
            except json.JSONDecodeError as error:
                rejected.append(TableRejection(number, f"not valid JSON: {error.msg}"))
            except RecursionError:
                rejected.append(TableRejection(number, "not valid JSON: nested too deeply"))
    headers: list[str] = []
    seen: set[str] = set()
    objects: list[tuple[int, dict[str, Any]]] = []
    for number, item in items:
        if not isinstance(item, dict):
            rejected.append(TableRejection(number, "not a JSON object"))
            continue
        objects.append((number, item))
        for key in item:
            if key not in seen:
                seen.add(key)
                headers.append(key)
    records = [(n, [cell_text(obj.get(h)) for h in headers]) for n, obj in objects]
    return headers, records, sorted(rejected, key=lambda r: r.row)


def read_user_table(path: str | Path) -> UserTable:
    """Read a user's csv, xlsx, jsonl or parquet file as strings, rejecting bad records only."""
    source = Path(path)
    if not source.is_file():
        raise UsageError(f"{source}: no such file")
    data = source.read_bytes()
    name = str(source)
    kind = TABLE_FORMATS.get(source.suffix.lower(), "csv")
    if data.startswith(b"PK\x03\x04"):
        kind = "xlsx"
    elif data.startswith(b"PAR1"):
        kind = "parquet"
    if kind == "parquet":
        frame = read_parquet_bytes(data, name)
        frame = frame.select(
            pl.col(c).cast(pl.String)
            if not isinstance(t, pl.List | pl.Struct | pl.Array)
            else pl.col(c).map_elements(cell_text, return_dtype=pl.String)
            for c, t in frame.schema.items()
        )
        frame.columns = unique_headers(frame.columns, name)
        frame = frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
        return UserTable(frame, header_row=False)
    if kind == "xlsx":
        headers_raw, records = xlsx_rows(data, name)
        headers = unique_headers(headers_raw, name)
        return UserTable(frame_from_records(headers, records))
    if not data.strip():
        raise InputError(f"{name}: the file is empty")
    refuse_binary(data, name)
    text, encoding = decode_text(data, name)
    if kind == "jsonl":
        headers, records, rejected = jsonl_records(text, name)
        return UserTable(frame_from_records(headers, records), rejected, encoding, header_row=False)
    delimiter = "\t" if source.suffix.lower() == ".tsv" else ","
    first_line = text.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    if delimiter == "," and max(counts.values()) > counts[","]:
        delimiter = max(counts, key=lambda d: counts[d])
    headers, records, rejected = csv_records(text, name, delimiter)
    return UserTable(frame_from_records(headers, records), rejected, encoding)
