"""The benchmark script runs end to end on a small list (slow: run with ``pytest -m slow``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "parties.py"


@pytest.mark.slow
def test_benchmark_runs_on_a_small_list(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("parties_benchmark", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    args = ["--list-size", "500", "--batch", "300", "--baseline-sample", "20"]
    assert module.main(args) == 0
    out = capsys.readouterr().out
    assert "precision" in out
    assert "names per CPU-second" in out
    assert "WRatio" in out


def test_real_list_evaluation_labels_name_listed_entries() -> None:
    """Every expected entry of the SDN evaluation set is on the May 2024 file; both parts are there."""
    import csv
    import gzip
    import io

    folder = Path(__file__).parents[2] / "benchmarks" / "data" / "parties" / "sdn"
    text = gzip.decompress((folder / "sdn.csv.gz").read_bytes()).decode("utf-8")
    listed = {f"ofac-{row[0]}" for row in csv.reader(io.StringIO(text)) if row and row[0].isdigit()}
    assert len(listed) == 14_965
    with (folder / "evaluation.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["part"] for row in rows} == {"tune", "held-out"}
    assert all(row["expected"] in listed for row in rows if row["expected"])
    assert sum(1 for row in rows if row["expected"]) >= 600
    assert sum(1 for row in rows if not row["expected"]) >= 400
