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
