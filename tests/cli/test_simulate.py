"""`fentrace simulate` and `fentrace evaluate` end to end on a short horizon."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fentrace.cli import main


def test_simulate_writes_outputs_and_evaluate_scores_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    argv = ["simulate", "--scenario", "baseline", "--start", "2024-01", "--end", "2024-06",
            "--volume", "0.01", "-o", str(out), "--json"]  # fmt: skip
    assert main(argv) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["months"] == 6
    assert payload["shipments"] > 0
    for name in ("series.csv", "series.parquet", "shipments.parquet", "shipments_sample.csv",
                 "registry.parquet", "precursor_flows.png", "deaths_vs_observed.png"):  # fmt: skip
        assert (out / name).is_file(), name
    assert main(["evaluate", str(out / "shipments.parquet"), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert 0.0 <= figures["overall"]["pr_auc"] <= 1.0
    assert figures["overall"]["illicit"] > 0
    assert figures["by_typology"]


def test_compare_overlays_scenarios(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--compare", "baseline", "doubled-inspection", "--start", "2020-01",
            "--end", "2020-03", "--volume", "0", "-o", str(tmp_path / "cmp"), "--json"]  # fmt: skip
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)["scenarios"]
    assert [r["scenario"] for r in rows] == ["baseline", "doubled-inspection"]
    assert (tmp_path / "cmp" / "compare_deaths.png").is_file()


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["simulate", "--scenario", "nope", "-o", "X"], 1, "no such scenario"),
        (["simulate", "--start", "2020", "-o", "X"], 2, "YYYY-MM"),
        (["simulate", "--start", "2021-01", "--end", "2020-01", "-o", "X"], 2, "before"),
        (["simulate", "baseline", "-o", "X"], 2, "--compare"),
        (["evaluate", "missing.parquet"], 1, "no such file"),
    ],
)
def test_bad_input_gives_a_message_and_a_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], status: int, message: str
) -> None:
    argv = [str(tmp_path / a) if a in ("X", "missing.parquet") else a for a in argv]
    assert main(argv) == status
    assert message in capsys.readouterr().err
