"""Shipment screening on Spark equals the single-process engine, however the data is split."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from tests.spark.conftest import collect

from fentrace.exc import InputError
from fentrace.shipments import read_manifest, sample_manifest_path, screen_manifest
from fentrace.simulation import run_scenario
from fentrace.spark import manifest as spark_manifest
from fentrace.spark.manifest import number_rows, rejections

pytestmark = pytest.mark.spark


def _same_alerts(spark_alerts: pl.DataFrame, single: pl.DataFrame) -> None:
    """Every alert column equal, row by row (ids, scores, levels, reasons, context)."""
    got = spark_alerts.sort("row")
    want = single.sort("row")
    assert got.columns == want.columns
    assert got.height == want.height
    assert got.select("shipment_id", "row", "score", "level").equals(
        want.select("shipment_id", "row", "score", "level")
    )
    assert got.get_column("reasons").to_list() == want.get_column("reasons").to_list()
    assert got.equals(want)


def _numbered(df: Any, first_row: int, partitions: int) -> Any:
    """The rows numbered in file order, then shuffled into ``partitions`` partitions."""
    return (
        number_rows(df, first_row)
        .withColumnRenamed(spark_manifest.ROW_COLUMN, "source_row")
        .repartition(partitions)
    )


@pytest.fixture(scope="module")
def demo_single() -> Any:
    return screen_manifest(read_manifest(sample_manifest_path()))


@pytest.fixture(scope="module")
def demo_frame(spark: Any) -> Any:
    return spark.read.csv(str(sample_manifest_path()), header=True)


def test_demo_manifest_equals_single_process(spark: Any, demo_single: Any, demo_frame: Any) -> None:
    result = screen_manifest_spark(demo_frame, first_row=2)
    _same_alerts(collect(result.alerts), demo_single.alerts)
    assert result.counts() == demo_single.counts
    assert result.read == result.screened + result.rejected_rows
    assert rejections(result) == demo_single.rejected
    assert result.rejected_rows > 0  # the demo has malformed rows on purpose
    result.unpersist()


@pytest.mark.parametrize("partitions", [3, 17])
def test_demo_manifest_repartitioned_equals_single_process(
    spark: Any, demo_single: Any, demo_frame: Any, partitions: int, monkeypatch: Any
) -> None:
    if partitions == 17:
        # also take the path for detail tables too big to broadcast: Spark joins
        monkeypatch.setattr(spark_manifest, "_BROADCAST_ROWS", 0)
    result = screen_manifest_spark(_numbered(demo_frame, 2, partitions), row_column="source_row")
    _same_alerts(collect(result.alerts), demo_single.alerts)
    assert rejections(result) == demo_single.rejected
    result.unpersist()


@pytest.mark.slow
def test_demo_manifest_as_of_a_date(spark: Any, demo_frame: Any) -> None:
    day = date(2019, 6, 1)
    single = screen_manifest(read_manifest(sample_manifest_path()), as_of=day)
    result = screen_manifest_spark(demo_frame, as_of=day, first_row=2)
    _same_alerts(collect(result.alerts), single.alerts)
    result.unpersist()


def screen_manifest_spark(df: Any, **options: Any) -> Any:
    return spark_manifest.screen_manifest(df, **options)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: Any) -> tuple[Path, Any]:
    """100,000 simulated shipments as Parquet, and the single-process screening of the file."""
    path = tmp_path_factory.mktemp("spark") / "manifest.parquet"
    shipments = run_scenario("baseline", "2015-01", "2026-12", 0, volume=0.08).shipments
    assert shipments.height >= 100_000
    shipments.head(100_000).write_parquet(path)
    return path, screen_manifest(read_manifest(path))


@pytest.mark.parametrize("partitions", [1, 3, 17])
def test_generated_manifest_equals_single_process(
    spark: Any, generated: tuple[Path, Any], partitions: int
) -> None:
    path, single = generated
    frame = spark.read.parquet(str(path))
    if partitions == 1:
        assert frame.rdd.getNumPartitions() == 1
        result = screen_manifest_spark(frame)  # rows numbered by position, as in one process
    else:
        result = screen_manifest_spark(_numbered(frame, 1, partitions), row_column="source_row")
    _same_alerts(collect(result.alerts), single.alerts)
    assert result.read == result.screened == 100_000
    if partitions == 1:
        assert result.counts() == single.counts
    result.unpersist()


def test_bad_rows_are_rejected_with_their_location_and_never_stop_the_job(
    spark: Any, tmp_path: Path
) -> None:
    lines = [
        "shipment_id,date,shipper_name,shipper_country,consignee_name,consignee_country,description,quantity_kg",
        "S1,2024-01-05,Hubei Amarvel Biotech,CN,Acme Mexico,MX,N-Phenethyl-4-piperidone,25",
        "S2,2024-02-30,A Co,CN,B Co,MX,aniline,10",  # no such date
        "S3,2024-01-06,A Co,China,B Co,Mexicoo,aniline,10",  # unknown country
        "S1,2024-01-07,A Co,CN,B Co,MX,aniline,10",  # a later duplicate
        "S4,2024-01-08,A Co,CN,B Co,MX,aniline,five",  # not a number
        "S5,2024-01-09,A Co,CN,B Co,MX,aniline,1,extra",  # more fields than the header
        "S6,2024-01-10,,CN,B Co,MX,aniline,1",  # empty required value
    ]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    single = screen_manifest(read_manifest(path))
    from fentrace.cli.spark_engine import read_input

    frame, first_row, malformed = read_input(spark, path)
    result = screen_manifest_spark(frame, first_row=first_row, malformed_column=malformed)
    _same_alerts(collect(result.alerts), single.alerts)
    assert rejections(result) == single.rejected
    assert result.counts() == single.counts
    assert (result.read, result.screened, result.rejected_rows) == (7, 1, 6)
    located = {(r.row, r.field) for r in rejections(result)}
    assert {(3, "date"), (5, "shipment_id"), (6, "quantity_kg"), (7, "(row)")} <= located


def test_a_missing_required_column_is_an_input_error(spark: Any) -> None:
    frame = spark.createDataFrame([("S1", "2024-01-01")], ["shipment_id", "date"])
    with pytest.raises(InputError, match="missing required column"):
        screen_manifest_spark(frame)


def test_a_missing_row_column_is_an_input_error(spark: Any, demo_frame: Any) -> None:
    with pytest.raises(InputError, match="row column 'line'"):
        screen_manifest_spark(demo_frame, row_column="line")
