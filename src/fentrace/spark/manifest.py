"""Shipment screening on a Spark DataFrame, with exactly the single-process engine's results.

The plan (every row goes through Python twice, the JVM holds the validated rows as bytes):

1. *validate*: every partition goes through ``shipments.ingest.validate`` (``mapInArrow``),
   a chunk of rows at a time. What comes back to the JVM is one *packed* table, cached:
   per chunk its valid rows as one compressed Arrow IPC blob (the JVM never converts them
   to rows, caches or scans them column by column: that was most of the engine's cost),
   the rejected rows' problems with their row numbers (never an exception), each valid
   row's shipment id and date, and the chunk's *keys*, distinct within the chunk: the
   lines of goods, the parties, the contact values and the small shipments that the
   whole-manifest indicators group. One pass over the packed table counts the rows, finds
   the latest date and whether any shipment id repeats; later duplicates (rare) are found
   with a Spark aggregation over the ids, and then the keys are taken again from the blobs
   without those rows.
2. *distinct lookups*: the distinct lines of goods give the chemical queries; each distinct
   query is screened once per control epoch and each distinct (name, country) once, spread
   over the executors; the findings (a few thousand small records) are broadcast.
3. *whole-manifest indicators*: SHARED_CONTACT groups the distinct (contact, consignee) pairs
   by their contact key, STRUCTURING the small shipments by (shipper, consignee); each group
   lands whole in one partition (``repartition`` by the key), where the engine's own functions
   compute its details: broadcast when they are few, else joined to the chunks that need them.
4. *score*: every blob goes through ``shipments.engine.score_rows`` with the broadcast
   findings, the whole manifest's latest date and the details.

No step depends on how the input is partitioned or chunked, so the alerts equal the
single-process ones.
"""

from __future__ import annotations

import csv
import pickle
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa
from pyspark import StorageLevel, TaskContext
from pyspark.sql import functions as sf
from pyspark.sql.types import (
    ArrayType,
    BinaryType,
    BooleanType,
    DateType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
)

from fentrace.exc import InputError
from fentrace.shipments.engine import (
    CONTEXT_COLUMNS,
    REASON_DTYPE,
    Lookups,
    combine_details,
    contact_key,
    goods_queries,
    mention_finder,
    score_rows,
    screening_dates,
    shared_contact_details,
    structuring_details,
)
from fentrace.shipments.ingest import (
    ROW,
    duplicate_reason,
    text_columns,
    unique_headers,
    validate,
)
from fentrace.shipments.lookups import ChemFinding, PartyFinding
from fentrace.shipments.rules import LEVELS, Rules, load_rules
from fentrace.shipments.schema import Rejection
from fentrace.spark import _worker
from fentrace.spark._arrow import arrow_schema, frames, spark_schema, to_batches, whole_partition

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

ROW_COLUMN = "__fentrace_row"
REJECTED_SCHEMA = StructType(
    [
        StructField("row", LongType()),
        StructField("field", StringType()),
        StructField("reason", StringType()),
        StructField("value", StringType()),
    ]
)
#: Party roles as the engine screens them: (name column, country column or None).
_PARTY_COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("shipper_name", "shipper_country"),
    ("consignee_name", "consignee_country"),
    ("forwarder_name", None),
    ("notify_party", None),
)
#: Above this many rows a detail table is joined by shuffling instead of broadcasting.
_BROADCAST_ROWS = 2_000_000

# The packed table: each record is of one kind and uses some of the generic columns.
_CHUNK, _PROBLEM, _HASHES, _ID, _GOODS, _PARTY, _CONTACT, _SMALL = range(8)
PACKED_SCHEMA = StructType(
    [
        StructField("kind", LongType()),
        StructField("chunk", LongType()),
        StructField("blob", BinaryType()),
        StructField("count", LongType()),
        StructField("hashes", ArrayType(LongType())),
        StructField("row", LongType()),
        StructField("s1", StringType()),
        StructField("s2", StringType()),
        StructField("s3", StringType()),
        StructField("s4", StringType()),
        StructField("day", DateType()),
        StructField("number", DoubleType()),
        StructField("flag", BooleanType()),
    ]
)
_PACKED_DTYPES: dict[str, Any] = {
    "kind": pl.Int64,
    "chunk": pl.Int64,
    "blob": pl.Binary,
    "count": pl.Int64,
    "hashes": pl.List(pl.Int64),
    "row": pl.Int64,
    "s1": pl.String,
    "s2": pl.String,
    "s3": pl.String,
    "s4": pl.String,
    "day": pl.Date,
    "number": pl.Float64,
    "flag": pl.Boolean,
}
#: What each kind's generic columns hold (generic column -> name), as the readers select them.
_KIND_COLUMNS: dict[int, tuple[tuple[str, str], ...]] = {
    # one per chunk: its valid rows (Arrow IPC, zstd), how many, their latest date
    _CHUNK: (("chunk", "chunk"), ("blob", "blob"), ("count", "valid"), ("day", "latest")),
    # one per (row, field) problem; ``flag`` marks the first problem of its row
    _PROBLEM: (("row", ROW), ("s1", "field"), ("s2", "reason"), ("s3", "value"), ("flag", "first")),
    # per chunk and bucket (the hash's top bits): a 64-bit hash of each valid row's
    # shipment id (equal hashes: see _ID)
    _HASHES: (("count", "bucket"), ("hashes", "id_hashes")),
    # one per valid row, taken from the blobs only when two id hashes are equal
    _ID: (("chunk", "chunk"), ("row", ROW), ("s1", "shipment_id"), ("day", "date")),
    # keys: in the packed table distinct within a partition; per chunk when taken again
    # from the blobs (later duplicates left out, details joined per chunk)
    _GOODS: (("s1", "description"), ("s2", "cas"), ("s3", "smiles"), ("s4", "hs_code")),
    _PARTY: (("s1", "name"), ("s2", "country")),
    _CONTACT: (("chunk", "chunk"), ("count", "tag"), ("s1", "value"), ("s2", "consignee_name")),
    _SMALL: (
        ("chunk", "chunk"),
        ("row", ROW),
        ("s1", "shipper_name"),
        ("s2", "consignee_name"),
        ("day", "date"),
        ("number", "quantity_kg"),
        ("s3", "_pair_s"),
        ("s4", "_pair_c"),
    ),
}
#: The chunk id: the partition's index above these bits, the chunk's order in it below.
_CHUNK_BITS = 32
#: Id hashes are counted per bucket of their top 6 bits, each bucket whole in one task.
_HASH_BUCKETS = 64
# zstd: 64 bytes per manifest row against LZ4's 148 (427 plain), for 0.2 us more per row
_IPC_OPTIONS = pa.ipc.IpcWriteOptions(compression="zstd")


@dataclass
class SparkScreening:
    """The alerts and the rejected-row problems of one manifest, as Spark DataFrames.

    ``alerts`` has the single-process alert columns (``shipment_id``, ``row``, ``score``,
    ``level``, ``reasons``, the context and passthrough columns) and is computed when it is
    written or collected; ``rejected`` has one row per (row, field) problem. The counts
    were taken while screening: ``read == screened + rejected_rows`` always.
    """

    alerts: DataFrame
    rejected: DataFrame
    read: int
    screened: int
    rejected_rows: int
    latest: date | None
    distinct: dict[str, int] = field(default_factory=dict)
    _cached: list[DataFrame] = field(default_factory=list, repr=False)

    def counts(self, levels: dict[str, int] | None = None) -> dict[str, int]:
        """read / screened / rejected and the alerts per level (counted now, unless given)."""
        if levels is None:
            levels = {
                str(row["level"]): int(row["count"])
                for row in self.alerts.groupBy("level").count().collect()
            }
        return {
            "read": self.read,
            "screened": self.screened,
            "rejected": self.rejected_rows,
            **{level: int(levels.get(level, 0)) for level in LEVELS},
        }

    def unpersist(self) -> None:
        """Release the cached validated rows and detail tables."""
        for frame in self._cached:
            frame.unpersist()
        self._cached.clear()


def number_rows(df: DataFrame, first_row: int = 1, row_column: str | None = None) -> DataFrame:
    """``df`` with ``__fentrace_row``: each row's position in the DataFrame, from ``first_row``.

    Uses the partition sizes (one counting job), so the numbers are consecutive and follow
    the DataFrame's order: for one Parquet file they are the single-process row numbers.
    With ``row_column`` that column (e.g. a line number kept from the source, so that the
    numbers survive a repartition) is the row number instead, and is dropped.
    """
    if row_column is not None:
        if row_column not in df.columns:
            raise InputError(f"row column {row_column!r} not in the data")
        return df.withColumn(ROW_COLUMN, sf.col(row_column).cast(LongType())).drop(row_column)
    tagged = df.withColumn("__mid", sf.monotonically_increasing_id())
    part = sf.shiftright(sf.col("__mid"), 33)
    sizes = sorted(
        (int(r["p"]), int(r["n"]))
        for r in tagged.groupBy(part.alias("p")).agg(sf.count(sf.lit(1)).alias("n")).collect()
    )
    offsets: list[Any] = []
    total = first_row
    for partition, size in sizes:
        offsets += [sf.lit(partition), sf.lit(total)]
        total += size
    if not offsets:
        return df.withColumn(ROW_COLUMN, sf.lit(None).cast(LongType()))
    local = sf.col("__mid").bitwiseAND(sf.lit((1 << 33) - 1))
    start = sf.element_at(sf.create_map(*offsets), part)
    return tagged.withColumn(ROW_COLUMN, (start + local).cast(LongType())).drop("__mid")


def malformed_reason(line: str, header_fields: int) -> str | None:
    """Why a CSV record with more fields than the header is rejected (None when it has fewer:
    it is read with empty trailing fields, as the single-process reader reads it)."""
    fields = next(csv.reader([line]), [])
    if len(fields) <= header_fields:
        return None
    return f"has {len(fields)} fields, the header has {header_fields}"


def _packed(kind: int, frame: pl.DataFrame, chunk: int | None = None) -> pl.DataFrame:
    """``frame``'s columns under their generic packed names, tagged with ``kind``."""
    renames = {name: generic for generic, name in _KIND_COLUMNS[kind] if name in frame.columns}
    packed = frame.select([pl.col(name).alias(generic) for name, generic in renames.items()])
    extra = [pl.lit(kind, pl.Int64).alias("kind")]
    if chunk is not None and "chunk" not in packed.columns:
        extra.append(pl.lit(chunk, pl.Int64).alias("chunk"))
    return packed.with_columns(extra)


def _of_kind(packed: DataFrame, kind: int) -> DataFrame:
    """The records of one kind of the packed table, under their own names."""
    return packed.filter(sf.col("kind") == kind).select(
        *(sf.col(generic).alias(name) for generic, name in _KIND_COLUMNS[kind])
    )


def _blob(valid: pl.DataFrame) -> bytes:
    """A chunk's valid rows as one compressed Arrow IPC stream."""
    table = valid.to_arrow()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=_IPC_OPTIONS) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())  # (typed: pyarrow is untyped)


def _unblob(blob: pa.Scalar) -> pl.DataFrame:
    """The valid rows of a chunk from its blob (read in place, not copied)."""
    frame = pl.from_arrow(pa.ipc.open_stream(blob.as_buffer()).read_all())
    assert isinstance(frame, pl.DataFrame)
    return frame


def chunk_keys(valid: pl.DataFrame, chunk: int, rules: Rules) -> list[pl.DataFrame]:
    """The keys of a chunk's valid rows, each kind distinct within the chunk, packed.

    Goods lines and parties go to the distinct lookups; contact values (per shared field)
    and the small shipments to the whole-manifest indicators. Distinct within the chunk
    keeps what the JVM shuffles small; Spark makes them distinct across partitions.
    """
    goods = valid.select("description", "cas", "smiles", "hs_code").unique(maintain_order=True)
    parties = pl.concat(
        [
            valid.select(
                pl.col(name).alias("name"),
                (pl.col(country) if country else pl.lit(None, pl.String)).alias("country"),
            )
            for name, country in _PARTY_COLUMNS
        ]
    ).filter(pl.col("name").is_not_null())
    contacts = [
        valid.select(pl.col(field_name).alias("value"), "consignee_name")
        .filter(pl.col("value").is_not_null())
        .unique(maintain_order=True)
        .with_columns(pl.lit(index, pl.Int64).alias("tag"))
        for index, field_name in enumerate(rules.shared_fields)
    ]
    small = valid.filter(pl.col("quantity_kg") <= float(rules.structuring_max_kg)).select(
        ROW,
        "shipper_name",
        "consignee_name",
        "date",
        "quantity_kg",
        pl.col("shipper_name").str.to_lowercase().alias("_pair_s"),
        pl.col("consignee_name").str.to_lowercase().alias("_pair_c"),
    )
    return [
        _packed(_GOODS, goods),
        _packed(_PARTY, parties.unique(maintain_order=True)),
        *(_packed(_CONTACT, frame, chunk) for frame in contacts),
        _packed(_SMALL, small, chunk),
    ]


def _to_packed_batches(parts: list[pl.DataFrame], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    empty = pl.DataFrame(schema=_PACKED_DTYPES)
    frame = pl.concat([empty, *parts], how="diagonal_relaxed")
    yield from to_batches(frame, schema)


def _chunk_base() -> int:
    """The first chunk id of this task's partition."""
    context = TaskContext.get()
    return (context.partitionId() if context is not None else 0) << _CHUNK_BITS


def _validate_partition(
    data_columns: list[str],
    headers: list[str],
    malformed_column: str | None,
    source: str,
    rules: Rules,
    schema: pa.Schema,
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        base = _chunk_base()
        seen = _SeenKeys()
        for sequence, raw in enumerate(frames(batches)):
            chunk = base + sequence
            rejected: list[Rejection] = []
            if malformed_column is not None:
                bad = raw.filter(pl.col(malformed_column).is_not_null())
                longer: list[int] = []
                for number, line in bad.select(ROW_COLUMN, malformed_column).iter_rows():
                    reason = malformed_reason(line, len(data_columns))
                    if reason is not None:
                        rejected.append(Rejection(number, "(row)", reason))
                        longer.append(number)
                raw = raw.filter(~pl.col(ROW_COLUMN).is_in(longer))
            text = text_columns(raw.select(data_columns))
            text.columns = headers
            text = text.select(raw.get_column(ROW_COLUMN).alias(ROW), *headers)
            manifest = validate(text, file=source, rejected=rejected, deduplicate=False)
            valid = manifest.frame
            problems = pl.DataFrame(
                [(r.row, r.field, r.reason, r.value) for r in manifest.rejected],
                schema={ROW: pl.Int64, "field": pl.String, "reason": pl.String, "value": pl.String},
                orient="row",
            ).with_columns(pl.col(ROW).is_first_distinct().alias("first"))
            parts = [_packed(_PROBLEM, problems)]
            if valid.height:
                # Polars' hash is the same in every process of one Polars version (the
                # executors run one environment); a collision only costs the exact check
                hashes = (
                    valid.select(pl.col("shipment_id").hash(seed=0).alias("hash"))
                    .with_columns(
                        (pl.col("hash") // (2**64 // _HASH_BUCKETS)).cast(pl.Int64).alias("bucket"),
                        pl.col("hash").reinterpret(signed=True).alias("id_hashes"),
                    )
                    .group_by("bucket")
                    .agg("id_hashes")
                )
                chunk_row = pl.DataFrame(
                    {
                        "chunk": [chunk],
                        "blob": [_blob(valid)],
                        "valid": [valid.height],
                        "latest": [valid.get_column("date").max()],
                    },
                    schema={
                        "chunk": pl.Int64,
                        "blob": pl.Binary,
                        "valid": pl.Int64,
                        "latest": pl.Date,
                    },
                )
                parts += [
                    _packed(_CHUNK, chunk_row),
                    _packed(_HASHES, hashes),
                    *(seen.new(part) for part in chunk_keys(valid, chunk, rules)),
                ]
            yield from _to_packed_batches(parts, schema)

    return run


class _SeenKeys:
    """The keys a partition has sent already: each is sent once per partition, not per chunk
    (a manifest repeats its parties, goods and contacts; the JVM then shuffles few rows)."""

    def __init__(self) -> None:
        self._sent: dict[int, pl.DataFrame] = {}

    def new(self, keys: pl.DataFrame) -> pl.DataFrame:
        """The records of ``keys`` (packed, one kind) not sent before; small shipments are
        rows, not keys, and always pass."""
        if not keys.height:
            return keys
        kind = int(keys.get_column("kind")[0])
        if kind == _SMALL:
            return keys
        columns = [c for c in keys.columns if c not in ("kind", "chunk")]
        sent = self._sent.get(kind)
        if sent is not None:
            keys = keys.join(sent, on=columns, how="anti", nulls_equal=True)
        self._sent[kind] = (
            keys.select(columns) if sent is None else pl.concat([sent, keys.select(columns)])
        )
        return keys


def _chunk_rows(
    batches: Iterator[pa.RecordBatch],
) -> Iterator[tuple[pa.RecordBatch, int, int, pl.DataFrame]]:
    """(batch, index, chunk id, valid rows) of every chunk record (``chunk``, ``blob`` and,
    when present, ``excluded``: the later duplicates, left out of its rows)."""
    for batch in batches:
        excluded = batch.column("excluded") if "excluded" in batch.schema.names else None
        for index in range(batch.num_rows):
            valid = _unblob(batch.column("blob")[index])
            if excluded is not None:
                valid = _without_rows(valid, excluded[index])
            yield batch, index, batch.column("chunk")[index].as_py(), valid


def _ids_partition(
    schema: pa.Schema,
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """Each valid row's (chunk, row, shipment id, date), from the blobs (for the duplicates)."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for _, _, chunk, valid in _chunk_rows(batches):
            ids = valid.select(ROW, "shipment_id", "date")
            yield from _to_packed_batches([_packed(_ID, ids, chunk)], schema)

    return run


def _without_rows(frame: pl.DataFrame, excluded: pa.Scalar) -> pl.DataFrame:
    """``frame`` less the rows listed in ``excluded`` (later duplicates; usually none)."""
    rows = excluded.as_py()
    return frame.filter(~pl.col(ROW).is_in(rows)) if rows else frame


def _keys_partition(
    rules: Rules, schema: pa.Schema
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The keys of each chunk again, without its later duplicates (``chunk_keys``)."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for _, _, chunk, valid in _chunk_rows(batches):
            yield from _to_packed_batches(chunk_keys(valid, chunk, rules), schema)

    return run


def _goods_partition(
    rules: Rules, schema: pa.Schema
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        finder = mention_finder(_worker.lexicon(), rules)
        resolver = _worker.name_resolver()
        for frame in frames(batches):
            # systematic names (OPSIN) resolved once here; the scoring pass reuses the answers
            systematic = list(
                dict.fromkeys(
                    n
                    for d in frame.get_column("description").to_list()
                    for n in finder.find(d).systematic
                )
            )
            parsed = dict(zip(systematic, resolver(systematic), strict=True)) if systematic else {}
            queries = goods_queries(frame, finder, rules, _worker.NameTable(parsed))
            result = pl.DataFrame(
                {
                    "kind": ["query"] * len(queries) + ["name"] * len(parsed),
                    "key": queries + list(parsed),
                    "smiles": [None] * len(queries) + list(parsed.values()),
                },
                schema={"kind": pl.String, "key": pl.String, "smiles": pl.String},
            )
            yield from to_batches(result, schema)

    return run


def _chemicals_partition(
    latest: date, as_of: date | None, schema: pa.Schema
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        screener = _worker.chemical_screener()
        for frame in frames(batches, 500):
            queries = frame.get_column("query").to_list()
            out: list[tuple[str, date, bytes]] = []
            base = screener(queries, latest)
            out += [(q, latest, pickle.dumps(f)) for q, f in zip(queries, base, strict=True)]
            if as_of is None:
                by_date: dict[date, list[str]] = {}
                for query, finding in zip(queries, base, strict=True):
                    for day in screening_dates(finding, latest):
                        by_date.setdefault(day, []).append(query)
                for day, wanted in sorted(by_date.items()):
                    found = screener(wanted, day)
                    out += [(q, day, pickle.dumps(f)) for q, f in zip(wanted, found, strict=True)]
            result = pl.DataFrame(
                out, schema={"query": pl.String, "on": pl.Date, "finding": pl.Binary}, orient="row"
            )
            yield from to_batches(result, schema)

    return run


def _parties_partition(
    schema: pa.Schema,
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        lookup = _worker.party_lookup()
        for frame in frames(batches, 2_000):
            names = frame.get_column("name").to_list()
            countries = frame.get_column("country").to_list()
            found = lookup(names, countries)
            result = pl.DataFrame(
                {
                    "name": names,
                    "country": countries,
                    "finding": [pickle.dumps(f) for f in found],
                },
                schema={"name": pl.String, "country": pl.String, "finding": pl.Binary},
            )
            yield from to_batches(result, schema)

    return run


def _contact_keys_partition(
    field_name: str, schema: pa.Schema
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for frame in frames(batches):
            keyed = frame.with_columns(contact_key("value", field_name).alias("key")).drop_nulls(
                "key"
            )
            yield from to_batches(keyed, schema)

    return run


def _shared_partition(
    field_name: str, rules: Rules, schema: pa.Schema
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        frame = whole_partition(batches)  # every pair of a contact key is in this partition
        if frame is None:
            return
        pairs = frame.select(pl.col("value").alias(field_name), "consignee_name")
        details = shared_contact_details(pairs, field_name, rules)
        kept = {value: detail for value, detail in details.items() if detail is not None}
        result = pl.DataFrame(
            {"value": list(kept), "detail": list(kept.values())},
            schema={"value": pl.String, "detail": pl.String},
        )
        yield from to_batches(result, schema)

    return run


def _structuring_partition(
    rules: Rules, schema: pa.Schema
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        frame = whole_partition(batches)  # every row of a (shipper, consignee) pair is here
        if frame is None:
            return
        details = structuring_details(frame, rules)
        result = pl.DataFrame({"row": frame.get_column(ROW), "detail": details}).drop_nulls(
            "detail"
        )
        yield from to_batches(result, schema)

    return run


def _score_partition(
    manifest_columns: list[str],
    passthrough: tuple[str, ...],
    shared_fields: tuple[str, ...],
    details: Any,
    rules: Rules,
    as_of: date | None,
    latest: date | None,
    chemicals: Any,
    parties: Any,
    schema: pa.Schema,
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        findings, names = chemicals.value
        lookups = Lookups(
            _worker.FindingTable(findings),
            _worker.PartyTable(parties.value),
            _worker.lexicon(),
            _worker.NameTable(names),
        )
        for batch, index, _, frame in _chunk_rows(batches):
            if not frame.height:
                continue
            table = (
                details.value
                if details is not None
                else _details_table(batch.column("details")[index].as_py() or ())
            )
            frame = _with_details(frame, table, shared_fields)
            parts = [frame.get_column(f"__sc{i}") for i in range(len(shared_fields))]
            shared = (
                combine_details(parts, "_d_SHARED_CONTACT")
                if parts
                else pl.Series("_d_SHARED_CONTACT", [None] * frame.height, dtype=pl.String)
            )
            structuring = frame.get_column("__structuring").alias("_d_STRUCTURING")
            scored = score_rows(
                frame.select(manifest_columns),
                rules,
                as_of,
                lookups,
                passthrough=passthrough,
                latest=latest,
                cross_row=[shared, structuring],
            )
            yield from to_batches(scored.alerts, schema)

    return run


_STRUCTURING_TAG = -1
Details = dict[int, dict[Any, str]]


def _with_details(
    frame: pl.DataFrame, details: Details, shared_fields: tuple[str, ...]
) -> pl.DataFrame:
    """The broadcast SHARED_CONTACT and STRUCTURING details as columns of ``frame``."""
    columns = [
        frame.get_column(field_name)
        .replace_strict(details.get(index, {}), default=None, return_dtype=pl.String)
        .alias(f"__sc{index}")
        for index, field_name in enumerate(shared_fields)
    ]
    columns.append(
        frame.get_column(ROW)
        .replace_strict(details.get(_STRUCTURING_TAG, {}), default=None, return_dtype=pl.String)
        .alias("__structuring")
    )
    return frame.with_columns(columns)


def _details_table(records: Iterable[Any]) -> Details:
    """Detail records (tag, value, row, detail) as the table ``_with_details`` reads: per tag,
    contact value or (structuring) row -> detail."""
    table: Details = {}
    for record in records:
        key = record["row"] if record["tag"] == _STRUCTURING_TAG else record["value"]
        table.setdefault(int(record["tag"]), {})[key] = record["detail"]
    return table


def _chemical_findings(
    keys: DataFrame, rules: Rules, latest: date | None, as_of: date | None, partitions: int
) -> tuple[dict[tuple[str, date], ChemFinding], dict[str, str | None]]:
    """Every distinct chemical query of the goods, screened once per control epoch, and the
    systematic names of the descriptions with the structures OPSIN gave them."""
    if latest is None:
        return {}, {}
    goods_schema = StructType(
        [
            StructField("kind", StringType()),
            StructField("key", StringType()),
            StructField("smiles", StringType()),
        ]
    )
    read = (
        _of_kind(keys, _GOODS)
        .distinct()
        .mapInArrow(_goods_partition(rules, arrow_schema(goods_schema)), goods_schema)
        .distinct()
        .collect()
    )
    queries = sorted({r["key"] for r in read if r["kind"] == "query"})
    names = {r["key"]: r["smiles"] for r in read if r["kind"] == "name"}
    if not queries:
        return {}, names
    chemical_schema = StructType(
        [
            StructField("query", StringType()),
            StructField("on", DateType()),
            StructField("finding", BinaryType()),
        ]
    )
    spark = keys.sparkSession
    findings = (
        spark.createDataFrame([(q,) for q in queries], "query string")
        .repartition(min(partitions, len(queries)))
        .mapInArrow(
            _chemicals_partition(latest, as_of, arrow_schema(chemical_schema)), chemical_schema
        )
        .collect()
    )
    found = {(row["query"], row["on"]): pickle.loads(row["finding"]) for row in findings}
    return found, names


def _party_findings(keys: DataFrame, partitions: int) -> dict[tuple[str, str | None], PartyFinding]:
    """Every distinct (name, country) of every party role, screened once."""
    party_schema = StructType(
        [
            StructField("name", StringType()),
            StructField("country", StringType()),
            StructField("finding", BinaryType()),
        ]
    )
    found = (
        _of_kind(keys, _PARTY)
        .distinct()
        .repartition(partitions)
        .mapInArrow(_parties_partition(arrow_schema(party_schema)), party_schema)
        .collect()
    )
    return {(row["name"], row["country"]): pickle.loads(row["finding"]) for row in found}


_DETAIL_SCHEMA = StructType(
    [
        StructField("tag", LongType()),
        StructField("value", StringType()),
        StructField("row", LongType()),
        StructField("detail", StringType()),
    ]
)


def _cross_row_details(
    keys: DataFrame, rules: Rules, partitions: int
) -> tuple[Details | None, DataFrame | None]:
    """SHARED_CONTACT details per contact value and STRUCTURING details per row.

    Each group (pairs sharing a contact key; small shipments of one shipper-consignee pair)
    is sent whole to one partition, where the engine's own function computes its details.
    The details come back as tables for a broadcast (nearly always: they are few), else as
    a cached DataFrame to join.
    """
    key_schema = StructType(
        [
            StructField("value", StringType()),
            StructField("consignee_name", StringType()),
            StructField("key", StringType()),
        ]
    )
    detail_schema = StructType(
        [StructField("value", StringType()), StructField("detail", StringType())]
    )
    contacts = _of_kind(keys, _CONTACT)
    tables: list[DataFrame] = []
    for index, field_name in enumerate(rules.shared_fields):
        tables.append(
            contacts.filter(sf.col("tag") == index)
            .select("value", "consignee_name")
            .distinct()
            .mapInArrow(_contact_keys_partition(field_name, arrow_schema(key_schema)), key_schema)
            .repartition(partitions, "key")
            .mapInArrow(
                _shared_partition(field_name, rules, arrow_schema(detail_schema)), detail_schema
            )
            .select(
                sf.lit(index).cast(LongType()).alias("tag"),
                "value",
                sf.lit(None).cast(LongType()).alias("row"),
                "detail",
            )
        )
    structuring_schema = StructType(
        [StructField("row", LongType()), StructField("detail", StringType())]
    )
    tables.append(
        _of_kind(keys, _SMALL)
        .repartition(partitions, "_pair_s", "_pair_c")
        .mapInArrow(
            _structuring_partition(rules, arrow_schema(structuring_schema)), structuring_schema
        )
        .select(
            sf.lit(_STRUCTURING_TAG).cast(LongType()).alias("tag"),
            sf.lit(None).cast(StringType()).alias("value"),
            "row",
            "detail",
        )
    )
    union = tables[0]
    for table in tables[1:]:
        union = union.unionByName(table)
    union = union.persist(StorageLevel.MEMORY_AND_DISK)
    head = union.limit(_BROADCAST_ROWS + 1).collect()
    if len(head) > _BROADCAST_ROWS:
        return None, union
    union.unpersist()
    return _details_table(head), None


def _details_per_chunk(keys: DataFrame, table: DataFrame) -> DataFrame:
    """(chunk, details): the detail records each chunk's rows need, for a table too big to
    broadcast (contact details by the chunk's contact values, structuring by its rows)."""
    contacts = (
        _of_kind(keys, _CONTACT)
        .select("chunk", "tag", "value")
        .distinct()
        .join(table.filter(sf.col("tag") >= 0).drop("row"), ["tag", "value"])
        .select("chunk", "tag", "value", sf.lit(None).cast(LongType()).alias("row"), "detail")
    )
    small = (
        _of_kind(keys, _SMALL)
        .select("chunk", ROW)
        .join(table.filter(sf.col("tag") == _STRUCTURING_TAG).drop("value"), ROW)
        .select("chunk", "tag", sf.lit(None).cast(StringType()).alias("value"), ROW, "detail")
    )
    return (
        contacts.unionByName(small)
        .groupBy("chunk")
        .agg(sf.collect_list(sf.struct("tag", "value", ROW, "detail")).alias("details"))
    )


def _distinct_hashes_partition(
    schema: pa.Schema,
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        frame = whole_partition(batches)  # every chunk's hashes of a bucket are here
        if frame is None:
            return
        distinct = (
            frame.explode("id_hashes")
            .group_by("bucket")
            .agg(pl.col("id_hashes").n_unique().alias("n"))
            .select(pl.col("n").sum().cast(pl.Int64))
        )
        yield from to_batches(distinct, schema)

    return run


def _distinct_hashes(packed: DataFrame, partitions: int) -> int:
    """How many distinct shipment-id hashes the valid rows have: each bucket of hashes is
    sent whole to one task, which counts them (a shuffle of a few arrays per chunk, not of
    a row per shipment)."""
    schema = StructType([StructField("n", LongType())])
    counts = (
        _of_kind(packed, _HASHES)
        .repartition(partitions, "bucket")
        .mapInArrow(_distinct_hashes_partition(arrow_schema(schema)), schema)
        .collect()
    )
    return sum(int(row["n"]) for row in counts)


def later_duplicates(chunks: DataFrame) -> DataFrame:
    """Each valid row's (chunk, row, shipment_id, date) from the chunks' blobs, with
    ``__first`` (the first row of its shipment id, null when the id is unique) and
    ``__later`` (a later duplicate: rejected, as the single process rejects it)."""
    ids = _of_kind(
        chunks.mapInArrow(_ids_partition(arrow_schema(PACKED_SCHEMA)), PACKED_SCHEMA), _ID
    )
    firsts = (
        ids.groupBy("shipment_id")
        .agg(sf.min(ROW).alias("__first"), sf.count(sf.lit(1)).alias("__n"))
        .filter(sf.col("__n") > 1)
        .select(sf.col("shipment_id").alias("__dup_id"), "__first")
    )
    marked = ids.join(firsts, ids["shipment_id"] == firsts["__dup_id"], "left")
    later = sf.col("__first").isNotNull() & (sf.col(ROW) != sf.col("__first"))
    return marked.withColumn("__later", later).drop("__dup_id")


def screen_manifest(
    df: DataFrame,
    rules: Rules | None = None,
    as_of: date | None = None,
    *,
    row_column: str | None = None,
    first_row: int = 1,
    malformed_column: str | None = None,
    source: str = "<spark>",
) -> SparkScreening:
    """Screen the manifest rows of ``df`` on Spark: the single-process alerts, as DataFrames.

    ``df`` holds manifest columns under any of the header spellings the single-process
    reader maps (strings, dates, numbers or arrays). Row numbers: ``row_column`` when given
    (e.g. a line number kept from the source), else each row's position from ``first_row``
    (1 as for Parquet; 2 for a CSV whose header is line 1). ``malformed_column`` names the
    column where a CSV reader put records it could not split (they are rejected as such).
    """
    rules = rules or load_rules()
    spark = df.sparkSession
    numbered = number_rows(df, first_row, row_column)
    data_columns = [c for c in numbered.columns if c not in (ROW_COLUMN, malformed_column)]
    headers = unique_headers(data_columns, source)
    probe = validate(
        pl.DataFrame(schema={ROW: pl.Int64, **dict.fromkeys(headers, pl.String)}),
        file=source,
        rejected=[],
        deduplicate=False,
    )
    # results never depend on the partitioning; on few cores, many small partitions only
    # add per-task overhead to every later stage
    most = 4 * spark.sparkContext.defaultParallelism
    if numbered.rdd.getNumPartitions() > most:
        numbered = numbered.coalesce(most)
    packed = numbered.mapInArrow(
        _validate_partition(
            data_columns, headers, malformed_column, source, rules, arrow_schema(PACKED_SCHEMA)
        ),
        PACKED_SCHEMA,
    ).persist(StorageLevel.MEMORY_AND_DISK)
    cached: list[DataFrame] = [packed]
    kind = sf.col("kind")
    problems = _of_kind(packed, _PROBLEM).drop("first")
    # one pass fills the cache and counts: valid rows, rejected rows, the latest date; a
    # second counts the distinct id hashes of the valid rows (as many as the rows: no
    # duplicates), from the chunks' arrays
    totals = packed.agg(
        sf.sum(sf.when(kind == _CHUNK, sf.col("count"))).alias("valid"),
        sf.count(sf.when((kind == _PROBLEM) & sf.col("flag"), sf.lit(1))).alias("problem_rows"),
        sf.max(sf.when(kind == _CHUNK, sf.col("day"))).alias("latest"),
    ).first()
    assert totals is not None
    valid_count, problem_rows = int(totals["valid"] or 0), int(totals["problem_rows"])
    latest = as_of or totals["latest"]
    chunks = _of_kind(packed, _CHUNK).select("chunk", "blob")
    distinct_hashes = _distinct_hashes(packed, spark.sparkContext.defaultParallelism)
    keys_per_chunk = False

    # later duplicates of a shipment id, across all partitions (nearly always none: then
    # the distinct count of the id hashes above already says so and this job is not run;
    # equal hashes of different ids only cost this exact check)
    if distinct_hashes != valid_count:
        marked = later_duplicates(chunks).persist(StorageLevel.MEMORY_AND_DISK)
        cached.append(marked)
        prefix, _, suffix = duplicate_reason(-1).partition("-1")
        duplicates = marked.filter("__later").select(
            ROW,
            sf.lit("shipment_id").alias("field"),
            sf.concat(sf.lit(prefix), sf.col("__first").cast(StringType()), sf.lit(suffix)).alias(
                "reason"
            ),
            sf.col("shipment_id").alias("value"),
        )
        dup_totals = marked.agg(
            sf.count(sf.when(sf.col("__later"), sf.lit(1))).alias("n"),
            sf.max(sf.when(~sf.col("__later"), sf.col("date"))).alias("latest"),
        ).first()
        assert dup_totals is not None
        duplicate_rows = int(dup_totals["n"])
        latest = as_of or dup_totals["latest"]
        rejected = problems.unionByName(duplicates)
        excluded = (
            marked.filter("__later").groupBy("chunk").agg(sf.collect_list(ROW).alias("excluded"))
        )
        chunks = chunks.join(excluded, "chunk", "left")
        # the keys again, without the later duplicates (whose goods, parties and contacts
        # the single process never screens)
        keys = chunks.mapInArrow(
            _keys_partition(rules, arrow_schema(PACKED_SCHEMA)), PACKED_SCHEMA
        ).persist(StorageLevel.MEMORY_AND_DISK)
        cached.append(keys)
        keys_per_chunk = True
    else:
        duplicate_rows, rejected, keys = 0, problems, packed
        chunks = chunks.withColumn("excluded", sf.lit(None).cast(ArrayType(LongType())))
    default_partitions = spark.sparkContext.defaultParallelism

    # three independent jobs at once: chemicals, parties, whole-manifest details
    with ThreadPoolExecutor(max_workers=3) as pool:
        chemical_job = pool.submit(
            _chemical_findings, keys, rules, latest, as_of, default_partitions
        )
        party_job = pool.submit(_party_findings, keys, default_partitions)
        detail_job = pool.submit(_cross_row_details, keys, rules, default_partitions)
        chemical_findings, system_names = chemical_job.result()
        party_findings = party_job.result()
        details, detail_table = detail_job.result()

    if details is None:  # too many to broadcast: each chunk gets the details it needs
        assert detail_table is not None
        cached.append(detail_table)
        if not keys_per_chunk:  # the packed keys are distinct per partition, not per chunk
            keys = chunks.mapInArrow(
                _keys_partition(rules, arrow_schema(PACKED_SCHEMA)), PACKED_SCHEMA
            )
        chunks = chunks.join(_details_per_chunk(keys, detail_table), "chunk", "left")
        broadcast_details = None
    else:
        chunks = chunks.withColumn("details", sf.lit(None).cast(ArrayType(_DETAIL_SCHEMA)))
        broadcast_details = spark.sparkContext.broadcast(details)

    manifest_columns = [c for c, _ in probe.frame.schema.items()]
    alerts_schema = spark_schema(
        [
            ("shipment_id", pl.String),
            (ROW, pl.Int64),
            ("score", pl.Float64),
            ("level", pl.String),
            ("reasons", REASON_DTYPE),
            *((c, probe.frame.schema[c]) for c in CONTEXT_COLUMNS),
            *((c, pl.String) for c in probe.passthrough),
        ]
    )
    chemicals = spark.sparkContext.broadcast((chemical_findings, system_names))
    parties = spark.sparkContext.broadcast(party_findings)
    alerts = chunks.select("chunk", "blob", "excluded", "details").mapInArrow(
        _score_partition(
            manifest_columns,
            probe.passthrough,
            rules.shared_fields,
            broadcast_details,
            rules,
            as_of,
            latest,
            chemicals,
            parties,
            arrow_schema(alerts_schema),
        ),
        alerts_schema,
    )
    return SparkScreening(
        alerts=alerts,
        rejected=rejected,
        read=valid_count + problem_rows,
        screened=valid_count - duplicate_rows,
        rejected_rows=problem_rows + duplicate_rows,
        latest=latest,
        distinct={
            "chemical_queries": len({q for q, _ in chemical_findings}),
            "chemical_screenings": len(chemical_findings),
            "parties": len(party_findings),
        },
        _cached=cached,
    )


def rejections(screening: SparkScreening, limit: int | None = None) -> list[Rejection]:
    """The rejected-row problems in row order (the first ``limit`` of them)."""
    ordered = screening.rejected.orderBy(ROW, "field")
    collected = ordered.limit(limit).collect() if limit is not None else ordered.collect()
    return [Rejection(int(r[ROW]), r["field"], r["reason"], r["value"]) for r in collected]


__all__ = [
    "PACKED_SCHEMA",
    "REJECTED_SCHEMA",
    "SparkScreening",
    "chunk_keys",
    "later_duplicates",
    "malformed_reason",
    "number_rows",
    "rejections",
    "screen_manifest",
]
