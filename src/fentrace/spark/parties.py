"""Party screening of a name column on Spark: ``parties screen-file``'s rows, distinct once.

The watchlist index is built once on the driver and broadcast to the executors; each distinct
(name, country, identifiers) is screened once and joined back to every row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa
from pyspark.sql import functions as sf
from pyspark.sql.types import StringType, StructField, StructType

from fentrace.parties import PartyScreener, load_watchlist
from fentrace.spark._arrow import arrow_schema, frames, spark_schema, to_batches
from fentrace.spark.manifest import ROW_COLUMN, number_rows

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

#: The ``parties screen-file`` columns and their types.
RESULT_COLUMNS: dict[str, Any] = {
    "row": pl.Int64,
    "name": pl.String,
    "country": pl.String,
    "verdict": pl.String,
    "score": pl.Float64,
    "entity_id": pl.String,
    "matched_name": pl.String,
    "matched_alias": pl.String,
    "lists": pl.String,
    "action": pl.String,
    "since": pl.String,
    "source": pl.String,
    "explanation": pl.String,
    "error": pl.String,
    "warnings": pl.String,
    "programs": pl.String,
    "birth_dates": pl.String,
}
RESULT_SCHEMA = spark_schema(RESULT_COLUMNS.items())
_KEYS = ("__name", "__country", "__ids")
_SCREENED = StructType(
    [StructField(k, StringType()) for k in _KEYS]
    + [f for f in RESULT_SCHEMA.fields if f.name != "row"]
)


def _screen_partition(
    screener: Any, schema: pa.Schema
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        index: PartyScreener = screener.value
        for frame in frames(batches, 2_000):
            rows: list[dict[str, Any]] = []
            for name, country, ids in frame.select(*_KEYS).iter_rows():
                result = index.screen(name or "", country, (ids or "").split("|"))
                row = result.to_row(0)
                del row["row"]
                rows.append({"__name": name, "__country": country, "__ids": ids, **row})
            result_frame = pl.DataFrame(
                rows,
                schema={
                    **dict.fromkeys(_KEYS, pl.String),
                    **{k: v for k, v in RESULT_COLUMNS.items() if k != "row"},
                },
            )
            yield from to_batches(result_frame, schema)

    return run


def match_parties(
    df: DataFrame,
    column: str,
    lists: Sequence[Path] = (),
    *,
    bundled: bool = True,
    country_column: str | None = None,
    identifier_column: str | None = None,
    first_row: int = 1,
    row_column: str | None = None,
) -> DataFrame:
    """One ``parties screen-file`` row per row of ``df``, screened against the watchlists.

    ``lists`` are extra list files (OFAC SDN, FollowTheMoney, bundled-format CSV) read on
    the driver; ``row`` numbers the rows from ``first_row`` in the DataFrame's order (2 for
    a CSV whose header is line 1), or is ``row_column`` when given. A name that cannot be screened is a row with its
    ``error``; it never stops the job.
    """
    from fentrace.exc import UsageError

    for wanted in (column, country_column, identifier_column):
        if wanted is not None and wanted not in df.columns:
            raise UsageError(f"no column {wanted!r}; columns are {', '.join(df.columns)}")
    spark = df.sparkSession
    screener = spark.sparkContext.broadcast(PartyScreener(load_watchlist(lists, bundled=bundled)))

    def text(name: str | None) -> Any:
        return sf.col(name).cast(StringType()) if name else sf.lit(None).cast(StringType())

    numbered = number_rows(df, first_row, row_column)
    keyed = numbered.select(
        sf.col(ROW_COLUMN).alias("row"),
        text(column).alias("__k_name"),
        text(country_column).alias("__k_country"),
        text(identifier_column).alias("__k_ids"),
    )
    screened = (
        keyed.select(
            sf.col("__k_name").alias("__name"),
            sf.col("__k_country").alias("__country"),
            sf.col("__k_ids").alias("__ids"),
        )
        .distinct()
        .repartition(spark.sparkContext.defaultParallelism)
        .mapInArrow(_screen_partition(screener, arrow_schema(_SCREENED)), _SCREENED)
    )
    on = (
        keyed["__k_name"].eqNullSafe(screened["__name"])
        & keyed["__k_country"].eqNullSafe(screened["__country"])
        & keyed["__k_ids"].eqNullSafe(screened["__ids"])
    )
    return keyed.join(screened, on, "left").select(*RESULT_COLUMNS)


def party_counts(results: DataFrame) -> dict[str, int]:
    """read / screened / rejected and match / possible / none, as ``parties screen-file`` says."""
    by = {
        (bool(r["failed"]), r["verdict"]): int(r["count"])
        for r in results.groupBy(sf.col("error").isNotNull().alias("failed"), "verdict")
        .count()
        .collect()
    }
    rejected = sum(n for (error, _), n in by.items() if error)
    read = sum(by.values())
    return {
        "read": read,
        "screened": read - rejected,
        "rejected": rejected,
        **{
            v: sum(n for (e, verdict), n in by.items() if verdict == v and not e)
            for v in ("match", "possible", "none")
        },
    }
