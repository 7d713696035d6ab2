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


def test_ensemble_writes_intervals_outputs_and_the_brief(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    brief = tmp_path / "brief.html"
    argv = ["simulate", "--compare", "baseline", "doubled-inspection", "--draws", "8",
            "--start", "2018-01", "--end", "2021-12", "--pool-factor", "2", "--sobol-samples", "2",
            "--jobs", "1", "--sampler", "sobol", "-o", str(tmp_path / "ens"),
            "--report", str(brief), "--json"]  # fmt: skip
    assert main(argv) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["draws"] == 8
    assert payload["sampler"] == "sobol"
    assert payload["fit"] == "abc"
    deaths = next(e for e in payload["effects"] if e["outcome"] == "deaths, whole run")
    assert deaths["percent_q05"] <= deaths["percent_median"] <= deaths["percent_q95"] < 0
    assert (tmp_path / "ens" / "effects.csv").is_file()
    assert (tmp_path / "ens" / "ensemble_summary.parquet").is_file()
    assert "Effects against the baseline" in brief.read_text(encoding="utf-8")


def test_ensemble_human_table_from_the_prior(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["simulate", "--scenario", "doubled-inspection", "--draws", "4", "--fit", "prior",
            "--start", "2020-01", "--end", "2020-12", "--sobol-samples", "0",
            "-o", str(tmp_path / "p")]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Lever effects over 4 draws (prior)" in out
    assert "doubled-inspection" in out
    assert "calibration_fit.csv" not in out


def test_ensemble_without_validation(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--draws", "4", "--start", "2019-01", "--end", "2020-12",
            "--pool-factor", "1", "--validate-until", "0", "--sobol-samples", "0", "--json"]  # fmt: skip
    assert main(argv) == 0
    payload = json.loads(capsys.readouterr().out)
    assert "validation" not in payload
    assert "sobol_top" not in payload
    assert payload["calibration"]["accepted"] == 4
    assert payload["files"] == []


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["simulate", "--scenario", "nope", "-o", "X"], 2, "no such scenario"),
        (["simulate", "--start", "2020", "-o", "X"], 2, "YYYY-MM"),
        (["simulate", "--start", "2021-01", "--end", "2020-01", "-o", "X"], 2, "before"),
        (["simulate", "baseline", "-o", "X"], 2, "--compare"),
        (["evaluate", "missing.parquet"], 2, "no such file"),
        (["simulate", "--draws", "1", "-o", "X"], 2, "at least 2"),
        (["simulate", "--draws", "4", "--jobs", "0", "-o", "X"], 2, "--jobs"),
        (["simulate", "--draws", "4"], 2, "-o DIR, --report FILE or --json"),
        (["simulate", "--draws", "4", "--sobol-samples", "3", "-o", "X"], 2, "power of two"),
        (["simulate", "--draws", "4", "--sampler", "grid", "-o", "X"], 2, "grid"),
        (["simulate", "--report", "b.html", "-o", "X"], 2, "--report needs --draws"),
        (["simulate", "--scenario", "baseline"], 2, "-o/--output"),
    ],
)
def test_bad_input_gives_a_message_and_a_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], status: int, message: str
) -> None:
    argv = [str(tmp_path / a) if a in ("X", "missing.parquet") else a for a in argv]
    assert main(argv) == status
    assert message in capsys.readouterr().err
