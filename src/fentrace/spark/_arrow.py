"""Polars <-> Arrow <-> Spark types, and the batching helpers of the per-partition functions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import polars as pl
import pyarrow as pa
from pyspark.sql.types import (
    ArrayType,
    BinaryType,
    BooleanType,
    DataType,
    DateType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
)

#: Rows handed to the engine at a time inside a partition: results never depend on it.
CHUNK_ROWS = 100_000


def spark_type(dtype: Any) -> DataType:
    """The Spark type of a Polars dtype (the ones manifest and result frames use)."""
    if dtype == pl.String or dtype == pl.Null:
        return StringType()
    if dtype == pl.Date:
        return DateType()
    if dtype in (pl.Float64, pl.Float32):
        return DoubleType()
    if dtype in (pl.Int64, pl.Int32, pl.UInt32, pl.Int16, pl.Int8, pl.UInt8, pl.UInt16):
        return LongType()
    if dtype == pl.Boolean:
        return BooleanType()
    if dtype == pl.Binary:
        return BinaryType()
    if isinstance(dtype, pl.List):
        return ArrayType(spark_type(dtype.inner))
    if isinstance(dtype, pl.Struct):
        return StructType([StructField(f.name, spark_type(f.dtype)) for f in dtype.fields])
    raise TypeError(f"no Spark type for {dtype}")


def spark_schema(schema: Iterable[tuple[str, Any]]) -> StructType:
    """A Spark schema from (name, Polars dtype) pairs."""
    return StructType([StructField(name, spark_type(dtype)) for name, dtype in schema])


def arrow_type(dtype: DataType) -> pa.DataType:
    """The Arrow type Spark expects back from ``mapInArrow`` for a Spark type."""
    if isinstance(dtype, StringType):
        return pa.string()
    if isinstance(dtype, DateType):
        return pa.date32()
    if isinstance(dtype, DoubleType):
        return pa.float64()
    if isinstance(dtype, LongType):
        return pa.int64()
    if isinstance(dtype, BooleanType):
        return pa.bool_()
    if isinstance(dtype, BinaryType):
        return pa.binary()
    if isinstance(dtype, ArrayType):
        return pa.list_(arrow_type(dtype.elementType))
    if isinstance(dtype, StructType):
        return pa.struct([pa.field(f.name, arrow_type(f.dataType)) for f in dtype.fields])
    raise TypeError(f"no Arrow type for {dtype}")


def arrow_schema(schema: StructType) -> pa.Schema:
    return pa.schema([pa.field(f.name, arrow_type(f.dataType)) for f in schema.fields])


def to_batches(frame: pl.DataFrame, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """A Polars frame as Arrow record batches of exactly ``schema`` (names, order, types)."""
    table = frame.select([f.name for f in schema]).to_arrow()
    yield from table.cast(schema).to_batches()


def frames(batches: Iterable[pa.RecordBatch], rows: int = CHUNK_ROWS) -> Iterator[pl.DataFrame]:
    """The batches of a partition as Polars frames of about ``rows`` rows."""
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        pending.append(batch)
        count += batch.num_rows
        if count >= rows:
            yield _frame(pending)
            pending, count = [], 0
    if pending:
        yield _frame(pending)


def whole_partition(batches: Iterable[pa.RecordBatch]) -> pl.DataFrame | None:
    """Every batch of a partition as one frame (for work that must see a whole group)."""
    pending = list(batches)
    return _frame(pending) if pending else None


def _frame(batches: list[pa.RecordBatch]) -> pl.DataFrame:
    frame = pl.from_arrow(pa.Table.from_batches(batches))
    assert isinstance(frame, pl.DataFrame)
    return frame
