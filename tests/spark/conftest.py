"""One local[2] Spark session for every Spark test (start-up costs seconds, so it is shared).

Never skipped: without Java 17+ or PySpark the session fixture fails with the reason.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers run this virtual environment
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from fentrace.spark.session import local_session

    session = local_session(
        "local[2]",
        driver_memory="1g",
        shuffle_partitions=4,
        app_name="fentrace-tests",
        config={"spark.default.parallelism": "2"},
    )
    yield session
    session.stop()


def collect(df: Any) -> pl.DataFrame:
    """A Spark DataFrame as a Polars frame (through Arrow, types kept)."""
    frame = pl.from_arrow(df.toArrow())
    assert isinstance(frame, pl.DataFrame)
    return frame
