"""The packed table the manifest engine's validation pass hands the JVM: chunks of valid rows
as blobs, problems, id hashes and keys sent once per partition."""

from __future__ import annotations

from typing import Any

import polars as pl
import pyarrow as pa
import pytest
from tests.spark.conftest import collect

from fentrace.shipments import read_manifest, sample_manifest_path
from fentrace.shipments.ingest import ROW
from fentrace.shipments.rules import load_rules
from fentrace.spark import manifest as spark_manifest
from fentrace.spark._arrow import arrow_schema
from fentrace.spark.manifest import PACKED_SCHEMA, ROW_COLUMN, chunk_keys, later_duplicates

RULES = load_rules()


@pytest.fixture(scope="module")
def demo_valid() -> pl.DataFrame:
    return read_manifest(sample_manifest_path()).frame


def _raw(rows: list[dict[str, Any]]) -> pa.RecordBatch:
    frame = pl.DataFrame(rows).with_row_index(ROW_COLUMN, offset=2)
    return frame.with_columns(pl.col(ROW_COLUMN).cast(pl.Int64)).to_arrow().to_batches()[0]


def _validated(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """The packed records the validation pass writes for ``rows`` (one partition, in process)."""
    batch = _raw(rows)
    data_columns = [c for c in batch.schema.names if c != ROW_COLUMN]
    run = spark_manifest._validate_partition(
        data_columns, data_columns, None, "t.csv", RULES, arrow_schema(PACKED_SCHEMA)
    )
    frame = pl.from_arrow(pa.Table.from_batches(list(run(iter([batch])))))
    assert isinstance(frame, pl.DataFrame)
    return frame


ROWS = [
    {
        "shipment_id": "S1",
        "date": "2024-01-05",
        "shipper_name": "A Co",
        "shipper_country": "CN",
        "consignee_name": "B Co",
        "consignee_country": "MX",
        "description": "aniline",
        "quantity_kg": "10",
    },
    {
        "shipment_id": "S2",
        "date": "2024-02-30",  # no such date: a problem, not a valid row
        "shipper_name": "A Co",
        "shipper_country": "CN",
        "consignee_name": "B Co",
        "consignee_country": "MX",
        "description": "aniline",
        "quantity_kg": "10",
    },
    {
        "shipment_id": "S3",
        "date": "2024-03-01",
        "shipper_name": "A Co",
        "shipper_country": "CN",
        "consignee_name": "C Co",
        "consignee_country": "MX",
        "description": "aniline",
        "quantity_kg": "500",
    },
]


def test_a_chunk_is_one_blob_of_its_valid_rows_with_count_and_latest_date() -> None:
    packed = _validated(ROWS)
    chunk = packed.filter(pl.col("kind") == spark_manifest._CHUNK)
    assert chunk.height == 1
    assert chunk.get_column("count").to_list() == [2]
    assert str(chunk.get_column("day")[0]) == "2024-03-01"
    rows = spark_manifest._unblob(pa.scalar(chunk.get_column("blob")[0], pa.binary()))
    assert rows.get_column("shipment_id").to_list() == ["S1", "S3"]
    assert rows.get_column(ROW).to_list() == [2, 4]


def test_problems_keep_their_row_and_mark_the_first_problem_of_each_row() -> None:
    problems = _validated(ROWS).filter(pl.col("kind") == spark_manifest._PROBLEM)
    assert problems.select("row", "s1").rows() == [(3, "date")]
    assert problems.get_column("flag").to_list() == [True]


def test_every_valid_row_has_an_id_hash_and_equal_ids_equal_hashes() -> None:
    rows = [*ROWS, {**ROWS[0], "date": "2024-01-09"}]  # S1 again
    buckets = _validated(rows).filter(pl.col("kind") == spark_manifest._HASHES)
    hashes = buckets.get_column("hashes").explode()
    assert hashes.len() == 3
    assert hashes.n_unique() == 2
    # a bucket is the hash's top bits, so equal hashes always share one
    assert buckets.get_column("count").is_unique().all()
    assert buckets.get_column("count").is_between(0, spark_manifest._HASH_BUCKETS - 1).all()


def test_keys_are_sent_once_per_partition_but_small_shipments_every_time(
    demo_valid: pl.DataFrame,
) -> None:
    seen = spark_manifest._SeenKeys()
    first = [seen.new(part) for part in chunk_keys(demo_valid, 0, RULES)]
    again = [seen.new(part) for part in chunk_keys(demo_valid, 1, RULES)]
    kinds = [int(p.get_column("kind")[0]) for p in first if p.height]
    assert spark_manifest._GOODS in kinds
    assert spark_manifest._PARTY in kinds
    for before, after in zip(first, again, strict=True):
        if before.height and int(before.get_column("kind")[0]) == spark_manifest._SMALL:
            assert after.height == before.height > 0
        else:
            assert after.height == 0, before.head(2)


def test_chunk_keys_are_distinct_within_the_chunk_and_null_safe(demo_valid: pl.DataFrame) -> None:
    doubled = pl.concat([demo_valid, demo_valid])
    for once, twice in zip(
        chunk_keys(demo_valid, 0, RULES), chunk_keys(doubled, 0, RULES), strict=True
    ):
        if once.height and int(once.get_column("kind")[0]) == spark_manifest._SMALL:
            assert twice.height == 2 * once.height
        else:
            assert twice.height == once.height
    parties = chunk_keys(demo_valid, 0, RULES)[1]
    # forwarders and notify parties have no country column: their keys carry a null
    assert parties.get_column("s2").null_count() > 0


@pytest.mark.spark
def test_the_exact_duplicate_check_rejects_only_later_rows_of_a_repeated_id(spark: Any) -> None:
    rows = [*ROWS, {**ROWS[0], "date": "2024-01-09"}, {**ROWS[2], "shipment_id": "S4"}]
    packed = _validated(rows)
    chunks = spark.createDataFrame(
        packed.filter(pl.col("kind") == spark_manifest._CHUNK).select("chunk", "blob").to_arrow()
    )
    marked = collect(later_duplicates(chunks)).sort(ROW)
    assert marked.get_column("shipment_id").to_list() == ["S1", "S3", "S1", "S4"]
    assert marked.get_column("__later").to_list() == [False, False, True, False]
    assert marked.get_column("__first").to_list() == [2, None, 2, None]


@pytest.mark.spark
def test_the_exact_duplicate_check_finds_nothing_when_ids_only_share_a_hash(spark: Any) -> None:
    # equal id hashes of different ids would send a screening down this path: it must
    # then reject nothing
    packed = _validated(ROWS)
    chunks = spark.createDataFrame(
        packed.filter(pl.col("kind") == spark_manifest._CHUNK).select("chunk", "blob").to_arrow()
    )
    assert not any(collect(later_duplicates(chunks)).get_column("__later").to_list())


@pytest.mark.spark
def test_distinct_id_hashes_are_counted_across_chunks_and_partitions(spark: Any) -> None:
    once = _validated(ROWS)  # S1, S3 valid
    repeated = _validated([{**ROWS[0], "date": "2024-02-01"}, {**ROWS[2], "shipment_id": "S9"}])
    packed = pl.concat([once, repeated.with_columns(pl.col("chunk") + 1)])
    frame = spark.createDataFrame(packed.to_arrow(), schema=PACKED_SCHEMA).repartition(3)
    # S1 twice (in two chunks, maybe two partitions), S3 and S9 once
    assert spark_manifest._distinct_hashes(frame, 2) == 3
    assert (
        spark_manifest._distinct_hashes(spark.createDataFrame(once.to_arrow(), PACKED_SCHEMA), 2)
        == 2
    )
