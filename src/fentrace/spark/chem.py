"""Chemical screening of a structure column on Spark: ``chem screen-file``'s rows, distinct once.

Each distinct value of the column is screened once (spread over the executors, batch mode:
no name service, InChIKeys only where the verdict is not ``clear``), then joined back to
every record. A value that cannot be read is a row with ``resolved`` false and its reason,
as in one process; it never stops the job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import TYPE_CHECKING

import polars as pl
import pyarrow as pa
from pyspark.sql import functions as sf
from pyspark.sql.types import LongType, StringType, StructField, StructType

from fentrace.chemistry.batch import (
    ROW_COLUMNS,
    BatchSummary,
    Record,
    screen_records,
)
from fentrace.chemistry.screen import DEFAULT_MONOCYCLE_READING
from fentrace.spark._arrow import arrow_schema, frames, spark_schema, to_batches
from fentrace.spark.manifest import ROW_COLUMN, number_rows

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

#: Column types of the flat result rows (as ``chem screen-file`` writes Parquet).
_TYPES: dict[str, type[pl.DataType]] = {
    "record": pl.Int64,
    "resolved": pl.Boolean,
    "steps_to_fentanyl": pl.Int64,
}
RESULT_SCHEMA = spark_schema((c, _TYPES.get(c, pl.String)) for c in ROW_COLUMNS)
_SCREENED = StructType(
    [StructField("__text", StringType())]
    + [f for f in RESULT_SCHEMA.fields if f.name not in ("record", "id")]
)


def _screen_partition(
    kind: str, column: str, as_of: date, monocycle_reading: str, schema: pa.Schema
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for frame in frames(batches, 2_000):
            texts = frame.get_column("__text").to_list()
            records = [
                Record(0, None, text.strip(), "smiles" if kind == "smiles" else "query")
                if text is not None and text.strip()
                else Record(0, None, "", "query", error=f"empty {column!r}")
                for text in texts
            ]
            rows = [
                s.row[2:]
                for s in screen_records(
                    records, as_of, jobs=1, full=False, monocycle_reading=monocycle_reading
                )
            ]
            names = [f.name for f in schema][1:]
            result = pl.DataFrame(
                rows,
                schema={n: _TYPES.get(n, pl.String) for n in names},
                orient="row",
            ).with_columns(pl.Series("__text", texts, dtype=pl.String))
            yield from to_batches(result, schema)

    return run


def screen_structures(
    df: DataFrame,
    column: str,
    as_of: date | None = None,
    *,
    id_column: str | None = None,
    first_record: int = 1,
    kind: str | None = None,
    row_column: str | None = None,
    monocycle_reading: str = DEFAULT_MONOCYCLE_READING,
) -> DataFrame:
    """One ``chem screen-file`` row per row of ``df``: ``record``, ``id`` and the result columns.

    ``column`` holds SMILES, CAS numbers, names, InChI or InChIKeys; a column named
    ``smiles``/``canonical_smiles`` (or ``kind="smiles"``) is parsed as SMILES directly,
    like the CSV reader does. ``record`` numbers the rows from ``first_record`` in the
    DataFrame's order, or is ``row_column`` when given. ``as_of`` defaults to today.
    """
    if column not in df.columns:
        from fentrace.exc import InputError

        raise InputError(f"column {column!r} not in the data (columns: {', '.join(df.columns)})")
    when = as_of or date.today()
    kind = kind or (
        "smiles" if column.strip().lower() in ("smiles", "canonical_smiles") else "query"
    )
    numbered = number_rows(df, first_record, row_column)
    spark = df.sparkSession
    screened = (
        numbered.select(sf.col(column).cast(StringType()).alias("__text"))
        .distinct()
        .repartition(spark.sparkContext.defaultParallelism)
        .mapInArrow(
            _screen_partition(kind, column, when, monocycle_reading, arrow_schema(_SCREENED)),
            _SCREENED,
        )
    )
    ids = (
        sf.when(sf.col(id_column).cast(StringType()) != "", sf.col(id_column).cast(StringType()))
        if id_column
        else sf.lit(None).cast(StringType())
    )
    records = numbered.select(
        sf.col(ROW_COLUMN).cast(LongType()).alias("record"),
        ids.alias("id"),
        sf.col(column).cast(StringType()).alias("__key"),
    )
    joined = records.join(screened, records["__key"].eqNullSafe(screened["__text"]), "left")
    return joined.select(*ROW_COLUMNS)


def structure_counts(results: DataFrame) -> BatchSummary:
    """read / screened / rejected and the count per verdict, as ``chem screen-file`` reports."""
    summary = BatchSummary()
    for row in results.groupBy("resolved", "verdict").count().collect():
        count = int(row["count"])
        summary.read += count
        if row["resolved"]:
            summary.screened += count
            summary.verdicts[str(row["verdict"])] += count
        else:
            summary.rejected += count
    return summary
