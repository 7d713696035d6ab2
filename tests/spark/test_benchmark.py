"""The Spark benchmark's own arithmetic and memory sampling (no Spark session started)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "spark.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("spark_benchmark", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("points", "line"),
    [
        ([(0, 2.0), (10, 7.0)], (2.0, 0.5)),
        ([(100, 10.0), (200, 20.0), (300, 30.0)], (0.0, 0.1)),
        ([(1, 1.0), (2, 2.0), (3, 4.0)], (-2 / 3, 1.5)),
    ],
)
def test_fitted_line_is_least_squares(
    bench: ModuleType, points: list[tuple[int, float]], line: tuple[float, float]
) -> None:
    fixed, per_row = bench.fitted_line(points)
    assert fixed == pytest.approx(line[0])
    assert per_row == pytest.approx(line[1])


@pytest.mark.parametrize("points", [[], [(5, 1.0)], [(5, 1.0), (5, 2.0)]])
def test_fitted_line_needs_two_distinct_sizes(
    bench: ModuleType, points: list[tuple[int, float]]
) -> None:
    assert bench.fitted_line(points) is None


@pytest.mark.parametrize(
    ("single", "spark", "rows"),
    [
        ((2.0, 5e-6), (20.0, 3e-6), 9_000_000),  # Spark's fixed cost paid back at 9M rows
        ((2.0, 5e-6), (1.0, 3e-6), 0),  # Spark no slower from the start
        ((2.0, 5e-6), (20.0, 5e-6), None),  # same cost per row: never
        ((2.0, 5e-6), (20.0, 6e-6), None),  # dearer per row: never
    ],
)
def test_crossing_of_the_fitted_lines(
    bench: ModuleType,
    single: tuple[float, float],
    spark: tuple[float, float],
    rows: int | None,
) -> None:
    got = bench.crossing(single, spark)
    if rows is None:
        assert got is None
    else:
        assert got == pytest.approx(rows)


def test_tree_memory_sees_a_child_and_not_itself(bench: ModuleType) -> None:
    """A child holding ~200 MiB shows in the tree's peak; a finished sampler stops."""
    code = (
        "import time; b = bytearray(200 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(3)"
    )
    with bench.TreeMemory(interval=0.05) as memory:
        child = subprocess.Popen([sys.executable, "-c", code])
        time.sleep(2)
        child.wait(timeout=30)
    assert memory.peak_workers >= 190  # a python child counts as a worker
    assert memory.peak_total >= memory.peak_workers
    assert memory.peak_jvm == 0  # no java in this tree
    assert not memory._thread.is_alive()
    figures = memory.figures()
    assert set(figures) == {
        "spark_peak_jvm_mib",
        "spark_peak_worker_mib",
        "spark_peak_workers_mib",
        "spark_peak_tree_mib",
    }


def test_available_memory_is_read_from_proc(bench: ModuleType) -> None:
    assert 0 < bench.meminfo_available_mib() < 2**30
