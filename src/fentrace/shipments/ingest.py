"""Read a manifest from CSV, Excel, JSON lines or Parquet into a validated :class:`Manifest`.

Reading has two named stages. *Decoding* turns the file into a frame of strings with the
input row number of every record (the header is row 1 of a CSV or sheet; a JSON-lines
record's row is its line; a Parquet record's row is its index from 1). *Validation* maps
header spellings to the schema, checks types value by value (vectorised with Polars) and
splits the rows into valid ones and :class:`Rejection` records. Nothing is dropped
silently: every row read is either in ``frame`` or named in ``rejected``.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from fentrace.exc import InputError, UsageError
from fentrace.shipments.countries import COUNTRY_NAMES, ISO_ALPHA2
from fentrace.shipments.schema import (
    KNOWN_COLUMNS,
    NUMERIC_COLUMNS,
    REQUIRED_COLUMNS,
    TRANSPORT_MODE_SPELLINGS,
    TRANSPORT_MODES,
    Manifest,
    Rejection,
    canonical_column,
)
from fentrace.tables import (
    TABLE_FORMATS,
    cell_text,
    csv_records,
    decode_text,
    read_parquet_bytes,
    xlsx_rows,
)
from fentrace.tables import detect_encoding as detect_encoding  # re-exported
from fentrace.textio import looks_binary

ROW = "row"
_HS_CODE = re.compile(r"^\d{4}(\.?\d{2}){0,3}$")


# --------------------------------------------------------------------------- decoding


def detect_format(path: Path, head: bytes) -> str:
    """The table format of a file: from its magic bytes when they are telling, else its suffix."""
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    return TABLE_FORMATS.get(path.suffix.lower(), "csv")


def _frame_from_records(
    headers: list[str], records: Iterable[tuple[int, list[str | None]]]
) -> pl.DataFrame:
    rows: list[int] = []
    columns: list[list[str | None]] = [[] for _ in headers]
    for row, values in records:
        rows.append(row)
        for i in range(len(headers)):
            columns[i].append(values[i] if i < len(values) else None)
    data: dict[str, Any] = {ROW: rows}
    data.update(zip(headers, columns, strict=True))
    schema = {ROW: pl.Int64, **dict.fromkeys(headers, pl.String)}
    return pl.DataFrame(data, schema=schema)


def _unique_headers(raw: list[str], file: str) -> list[str]:
    headers: list[str] = []
    seen: set[str] = set()  # a set: a list lookup per header made wide files quadratic
    for i, name in enumerate(raw):
        clean = (name or "").replace("\ufeff", "").strip() or f"column_{i + 1}"
        if clean == ROW or clean.startswith("_"):
            clean = (
                f"input{clean}" if clean.startswith("_") else f"{clean}_input"
            )  # names the engine uses
        while clean in seen:
            clean += "_dup"
        headers.append(clean)
        seen.add(clean)
    if not headers:
        raise InputError(f"{file}: no header row")
    return headers


def _utf8_bytes(data: bytes, text: str, encoding: str) -> bytes:
    """The file as UTF-8 bytes for Polars, without a second copy when it already is UTF-8."""
    if encoding == "utf-8":
        return data
    if encoding == "utf-8-sig":
        return data[3:]
    return text.encode("utf-8")


def _read_csv(path: Path, data: bytes, rejected: list[Rejection]) -> tuple[pl.DataFrame, str]:
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")) and looks_binary(data):
        raise InputError(
            f"{path}: not a text table (binary data); expected CSV, xlsx, jsonl or parquet"
        )
    # a UTF-8 file with a few lines in a legacy encoding is decoded line by line
    text, encoding = decode_text(data, str(path))
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    first_line = text.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    if delimiter == "," and max(counts.values()) > counts[","]:
        delimiter = max(counts, key=lambda d: counts[d])
    try:
        frame = pl.read_csv(
            io.BytesIO(_utf8_bytes(data, text, encoding)),
            infer_schema=False,
            separator=delimiter,
        )
        if frame.width == 0:
            raise InputError(f"{path}: no header row")
        frame.columns = _unique_headers(frame.columns, str(path))
        return frame.with_row_index(ROW, offset=2).with_columns(
            pl.col(ROW).cast(pl.Int64)
        ), encoding
    except pl.exceptions.PolarsError:
        pass  # ragged or oddly quoted rows: the row-by-row reader locates them
    header, records, bad = csv_records(text, str(path), delimiter)
    rejected.extend(Rejection(r.row, "(row)", r.reason) for r in bad)
    return _frame_from_records(_unique_headers(header, str(path)), records), encoding


def _read_xlsx(path: Path, data: bytes) -> pl.DataFrame:
    # bounded (zip entries, expansion) and with sheet row numbers: see fentrace.tables
    header, records = xlsx_rows(data, str(path))
    return _frame_from_records(_unique_headers(header, str(path)), records)


def _read_jsonl(path: Path, data: bytes, rejected: list[Rejection]) -> pl.DataFrame:
    if looks_binary(data):
        raise InputError(
            f"{path}: not a text table (binary data); expected CSV, xlsx, jsonl or parquet"
        )
    text, _ = decode_text(data, str(path))
    stripped = text.lstrip()
    if stripped.startswith("["):  # a JSON array of objects is accepted too
        try:
            items = json.loads(stripped)
        except (json.JSONDecodeError, RecursionError) as error:
            raise InputError(f"{path}: not valid JSON ({error})") from None
        if not isinstance(items, list):
            raise InputError(f"{path}: not a JSON array of objects")
        lines = [(i + 1, item) for i, item in enumerate(items)]
    else:
        lines = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                lines.append((number, json.loads(line)))
            except json.JSONDecodeError as error:
                rejected.append(Rejection(number, "(line)", f"not valid JSON: {error.msg}"))
            except RecursionError:
                rejected.append(Rejection(number, "(line)", "not valid JSON: nested too deeply"))
    headers: list[str] = []
    objects: list[tuple[int, dict[str, Any]]] = []
    for number, item in lines:
        if not isinstance(item, dict):
            rejected.append(Rejection(number, "(line)", "not a JSON object"))
            continue
        objects.append((number, item))
        headers.extend(k for k in item if k not in headers)
    records = [(n, [cell_text(obj.get(h)) for h in headers]) for n, obj in objects]
    return _frame_from_records(headers, records)


def text_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column of a typed table as manifest text (dates ISO, lists '|'-joined, structs JSON)."""
    casts: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Datetime or isinstance(dtype, pl.Datetime):
            casts.append(pl.col(name).dt.date().cast(pl.String))
        elif isinstance(dtype, pl.List):
            casts.append(pl.col(name).cast(pl.List(pl.String)).list.join("|"))
        elif dtype == pl.String:
            casts.append(pl.col(name))
        elif isinstance(dtype, pl.Struct):
            casts.append(pl.col(name).struct.json_encode())
        else:
            casts.append(pl.col(name).cast(pl.String))
    return frame.select(casts)


def unique_headers(raw: list[str], file: str) -> list[str]:
    """Header names made unique and kept clear of the names the engine uses (``row``, ``_*``)."""
    return _unique_headers(raw, file)


def _read_parquet(path: Path, data: bytes) -> pl.DataFrame:
    frame = read_parquet_bytes(data, str(path))  # also a Polars panic is a located error
    frame = text_columns(frame)
    frame.columns = _unique_headers(frame.columns, str(path))
    return frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))


# --------------------------------------------------------------------------- validation


def _map_headers(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str], tuple[str, ...]]:
    """Rename known header spellings to schema names; the rest pass through unchanged."""
    renames: dict[str, str] = {}
    taken: set[str] = set()
    for header in frame.columns:
        if header == ROW:
            continue
        canonical = canonical_column(header)
        if canonical is not None and canonical not in taken:
            renames[header] = canonical
            taken.add(canonical)
    passthrough = tuple(
        h for h in frame.columns if h != ROW and h not in renames and h not in KNOWN_COLUMNS
    )
    # a passthrough column may not shadow a schema column name
    clash = {h: f"{h}_original" for h in frame.columns if h in KNOWN_COLUMNS and h not in renames}
    frame = frame.rename({**clash, **renames})
    passthrough = tuple(clash.get(h, h) for h in passthrough) + tuple(clash.values())
    return frame, renames, passthrough


def _country_expr(column: str) -> pl.Expr:
    text = pl.col(column).str.strip_chars()
    named = text.str.to_lowercase().replace_strict(COUNTRY_NAMES, default=None)
    return pl.coalesce(named, text.str.to_uppercase())


def _date_expr(column: str) -> pl.Expr:
    """An ISO date, also when written as an ISO date-time (the time is dropped)."""
    text = pl.col(column)
    return pl.coalesce(
        text.str.to_date("%Y-%m-%d", strict=False),
        text.str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False).dt.date(),
        text.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False).dt.date(),
    )


def _number_expr(column: str) -> pl.Expr:
    """A number; commas are read as thousands separators only in groups of three ("1,200.5").

    "2,5" (a decimal comma) is not a number here rather than silently twenty-five.
    """
    text = pl.col(column).str.replace_all(r"\s", "")
    grouped = text.str.contains(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
    return (
        pl.when(grouped)
        .then(text.str.replace_all(",", ""))
        .otherwise(text)
        .cast(pl.Float64, strict=False)
    )


def _problems(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[pl.Expr]]:
    """Clean the columns and build, per checked field, an expression giving the reason or null."""
    schema = frame.schema  # built once: each ``frame.schema`` call costs O(columns)
    strip = [
        pl.col(c).str.strip_chars().replace("", None).alias(c)
        for c, dtype in schema.items()
        if c != ROW and dtype == pl.String
    ]
    frame = frame.with_columns(strip)
    for column in KNOWN_COLUMNS:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    iso = list(ISO_ALPHA2)
    cleaned = frame.with_columns(
        _date_expr("date").alias("_date"),
        _country_expr("shipper_country").alias("_shipper_country"),
        _country_expr("consignee_country").alias("_consignee_country"),
        *[_number_expr(c).alias(f"_{c}") for c in NUMERIC_COLUMNS],
        pl.col("transport_mode")
        .str.to_lowercase()
        .replace(TRANSPORT_MODE_SPELLINGS)
        .alias("_transport_mode"),
        pl.col("transit_countries")
        .str.split("|")
        .list.eval(pl.element().str.strip_chars().str.to_uppercase())
        .list.eval(pl.element().filter(pl.element() != ""))
        .alias("_transit"),
        pl.col("hs_code").str.replace_all(r"\s", "").alias("_hs"),
    )
    checks: list[pl.Expr] = []
    for column in REQUIRED_COLUMNS:
        checks.append(
            pl.when(pl.col(column).is_null())
            .then(pl.lit(f"{column}|required value is empty"))
            .alias(f"_p_{column}_required")
        )
    checks.append(
        pl.when(pl.col("date").is_not_null() & pl.col("_date").is_null())
        .then(pl.lit("date|not an ISO date (YYYY-MM-DD)"))
        .alias("_p_date")
    )
    for column in ("shipper_country", "consignee_country"):
        checks.append(
            pl.when(pl.col(column).is_not_null() & ~pl.col(f"_{column}").is_in(iso))
            .then(pl.lit(f"{column}|not an ISO 3166-1 alpha-2 country code"))
            .alias(f"_p_{column}")
        )
    for column in NUMERIC_COLUMNS:
        checks.append(
            pl.when(pl.col(column).is_not_null() & pl.col(f"_{column}").is_null())
            .then(pl.lit(f"{column}|not a number"))
            .when(pl.col(f"_{column}").is_nan() | pl.col(f"_{column}").is_infinite())
            .then(pl.lit(f"{column}|not a finite number (NaN and infinity are refused)"))
            .when(pl.col(f"_{column}") < 0)
            .then(pl.lit(f"{column}|negative"))
            .alias(f"_p_{column}")
        )
    checks.append(
        pl.when(
            pl.col("transport_mode").is_not_null()
            & ~pl.col("_transport_mode").is_in(list(TRANSPORT_MODES))
        )
        .then(pl.lit("transport_mode|not one of " + ", ".join(TRANSPORT_MODES)))
        .alias("_p_transport_mode")
    )
    checks.append(
        pl.when(
            pl.col("_transit").is_not_null()
            & ~pl.col("_transit").list.eval(pl.element().is_in(iso)).list.all()
        )
        .then(pl.lit("transit_countries|not a '|'-separated list of ISO 3166-1 alpha-2 codes"))
        .alias("_p_transit_countries")
    )
    checks.append(
        pl.when(pl.col("_hs").is_not_null() & ~pl.col("_hs").str.contains(_HS_CODE.pattern))
        .then(pl.lit("hs_code|not an HS code (4 to 10 digits, dots allowed)"))
        .alias("_p_hs_code")
    )
    return cleaned, checks


def duplicate_reason(first_row: int) -> str:
    """Why a later row with an already seen shipment id is rejected."""
    return f"duplicate shipment_id, first seen at row {first_row}; this later row is rejected"


def validate(
    raw: pl.DataFrame, *, file: str, rejected: list[Rejection], deduplicate: bool = True
) -> Manifest:
    """Map headers, check every value and split the rows into valid and rejected ones.

    ``deduplicate=False`` leaves later duplicates of a shipment id in ``frame``: a
    distributed run validates parts of a manifest and rejects duplicates across all of them.
    """
    read_count = raw.height + len({r.row for r in rejected})
    frame, renames, passthrough = _map_headers(raw)
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            f"{file}: missing required column(s): {', '.join(missing)} "
            f"(found: {', '.join(c for c in raw.columns if c != ROW) or 'none'})"
        )
    cleaned, checks = _problems(frame)
    problems = cleaned.select(ROW, *checks)
    problem_columns = [c for c in problems.columns if c != ROW]
    # unpivot only the rows with a problem: most rows have none
    flagged = problems.filter(pl.any_horizontal(pl.col(problem_columns).is_not_null()))
    long = (
        flagged.unpivot(index=ROW, on=problem_columns, value_name="problem")
        .drop_nulls("problem")
        .join(cleaned.select(ROW, *KNOWN_COLUMNS), on=ROW, how="left")
        .sort(ROW)
    )
    for record in long.iter_rows(named=True):
        field, reason = record["problem"].split("|", 1)
        rejected.append(Rejection(record[ROW], field, reason, record.get(field)))
    valid = cleaned.filter(~pl.col(ROW).is_in(flagged.get_column(ROW).implode()))
    # later duplicates of a shipment id are rejected, the first one is screened
    later = ~pl.col("shipment_id").is_first_distinct()
    duplicates = valid.filter(later) if deduplicate else valid.clear()
    if duplicates.height:
        first = (
            valid.filter(
                pl.col("shipment_id").is_in(duplicates.get_column("shipment_id").implode())
            )
            .group_by("shipment_id")
            .agg(pl.col(ROW).min().alias("_first"))
        )
        duplicates = duplicates.join(first, on="shipment_id", how="left")
        for record in duplicates.select(ROW, "shipment_id", "_first").iter_rows(named=True):
            rejected.append(
                Rejection(
                    record[ROW],
                    "shipment_id",
                    duplicate_reason(record["_first"]),
                    record["shipment_id"],
                )
            )
        valid = valid.filter(~later)
    final = valid.select(
        ROW,
        "shipment_id",
        pl.col("_date").alias("date"),
        "shipper_name",
        pl.col("_shipper_country").alias("shipper_country"),
        "consignee_name",
        pl.col("_consignee_country").alias("consignee_country"),
        "description",
        pl.col("_hs").alias("hs_code"),
        "cas",
        "smiles",
        pl.col("_quantity_kg").alias("quantity_kg"),
        pl.col("_declared_value_usd").alias("declared_value_usd"),
        pl.col("_transit")
        .fill_null(pl.lit([], dtype=pl.List(pl.String)))
        .alias("transit_countries"),
        pl.col("_transport_mode").alias("transport_mode"),
        "payment_method",
        "forwarder_name",
        "shipper_address",
        "consignee_address",
        "consignee_phone",
        "consignee_email",
        "notify_party",
        *passthrough,
    )
    rejected.sort(key=lambda r: (r.row, r.field))
    return Manifest(
        frame=final,
        rejected=rejected,
        read_count=read_count,
        source=file,
        passthrough=passthrough,
        header_map=renames,
    )


def read_manifest(path: str | Path) -> Manifest:
    """Read and validate a manifest file (CSV, xlsx, JSON lines or Parquet)."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    return read_manifest_bytes(path.read_bytes(), path)


def read_manifest_bytes(data: bytes, name: str | Path = "<stdin>") -> Manifest:
    """Read and validate a manifest given as bytes (standard input, an upload).

    The format comes from the magic bytes, else from ``name``'s extension, else -- for a
    name without one, such as ``<stdin>`` -- JSON lines when the text starts with ``{`` or
    ``[`` and CSV otherwise.
    """
    path = Path(name)
    if not data.strip():
        raise InputError(f"{path}: the file is empty")
    rejected: list[Rejection] = []
    encoding: str | None = None
    kind = detect_format(path, data[:8])
    if not path.suffix and kind == "csv" and data.lstrip()[:1] in (b"{", b"["):
        kind = "jsonl"
    if kind == "parquet":
        raw = _read_parquet(path, data)
    elif kind == "xlsx":
        raw = _read_xlsx(path, data)
    elif kind == "jsonl":
        raw = _read_jsonl(path, data, rejected)
    else:
        raw, encoding = _read_csv(path, data, rejected)
    manifest = validate(raw, file=str(path), rejected=rejected)
    manifest.encoding = encoding
    return manifest


def manifest_from_frame(frame: pl.DataFrame, *, source: str = "<frame>") -> Manifest:
    """Validate an in-memory table (for the simulation and network helpers and the benchmark)."""
    strings = frame.select(
        pl.col(c).dt.date().cast(pl.String)
        if isinstance(frame.schema[c], pl.Datetime)
        else pl.col(c).cast(pl.List(pl.String)).list.join("|")
        if isinstance(frame.schema[c], pl.List)
        else pl.col(c).cast(pl.String)
        for c in frame.columns
    )
    raw = strings.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    return validate(raw, file=source, rejected=[])
