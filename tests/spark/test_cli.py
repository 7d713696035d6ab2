"""``--engine spark`` on the command line: same counts as one process, usage errors exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from fentrace.cli import main
from fentrace.shipments import read_manifest, sample_manifest_path, screen_manifest

pytestmark = pytest.mark.spark


def test_shipments_screen_on_spark_reports_the_single_process_counts(
    spark: Any, tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "alerts.parquet"
    rejected = tmp_path / "rejected.csv"
    manifest = str(sample_manifest_path())
    args = ["shipments", "screen", manifest, "--engine", "spark", "-o", str(out), "--json"]
    assert main([*args, "--rejected", str(rejected)]) == 0
    report = json.loads(capsys.readouterr().out)
    single = screen_manifest(read_manifest(manifest))
    assert report["counts"] == single.counts
    written = pl.read_parquet(out / "*.parquet")
    assert written.height == report["written"] == single.at_least("low").height
    assert sorted(written.get_column("shipment_id").to_list()) == sorted(
        single.at_least("low").get_column("shipment_id").to_list()
    )
    assert pl.read_csv(rejected).height == len(single.rejected)


def test_levels_below_min_level_are_counted_but_not_written(
    spark: Any, tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "high.parquet"
    manifest = str(sample_manifest_path())
    args = ["shipments", "screen", manifest, "--engine", "spark", "-o", str(out), "--json"]
    assert main([*args, "--min-level", "high"]) == 0
    report = json.loads(capsys.readouterr().out)
    single = screen_manifest(read_manifest(manifest))
    assert report["counts"] == single.counts  # every level, observed while writing
    assert report["written"] == single.at_least("high").height > 0
    assert {a["level"] for a in report["alerts"]} == {"high"}
    scores = [a["score"] for a in report["alerts"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    "args",
    [
        ["shipments", "screen", "m.csv", "--engine", "spark", "-o", "alerts.csv"],
        ["shipments", "screen", "m.csv", "--engine", "spark"],
        ["shipments", "screen", "-", "--engine", "spark", "-o", "a.parquet"],
        ["chem", "screen-file", "s.csv", "--engine", "spark", "-o", "out.jsonl"],
        ["parties", "screen-file", "n.csv", "--column", "name", "--engine", "spark"],
    ],
)
def test_spark_engine_usage_errors_exit_2(spark: Any, args: list[str], capsys: Any) -> None:
    assert main(args) == 2
    assert "error:" in capsys.readouterr().err


def test_a_missing_input_fails_with_exit_1(spark: Any, tmp_path: Path, capsys: Any) -> None:
    args = ["shipments", "screen", str(tmp_path / "none.parquet"), "--engine", "spark"]
    assert main([*args, "-o", str(tmp_path / "a.parquet")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_chem_and_parties_screen_file_on_spark(
    spark: Any, tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    structures = tmp_path / "s.csv"
    structures.write_text("id,smiles\nA,O=C1CCN(CCc2ccccc2)CC1\nB,not a smiles\nC,CCO\n")
    out = tmp_path / "chem.parquet"
    assert main(["chem", "screen-file", str(structures), "--engine", "spark", "-o", str(out)]) == 0
    assert "read 3, screened 2, rejected 1" in capsys.readouterr().err
    chem = pl.read_parquet(out / "*.parquet").sort("record")
    assert chem.get_column("id").to_list() == ["A", "B", "C"]
    assert chem.get_column("resolved").to_list() == [True, False, True]
    names = tmp_path / "n.csv"
    names.write_text("name,country\nHubei Amarvel Biotech Co., Ltd.,CN\nPlain Bakery LLC,US\n")
    # relative paths are this process's, not the JVM's (which started elsewhere)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "parties.parquet"
    args = ["parties", "screen-file", "n.csv", "--column", "name", "--engine", "spark"]
    assert main([*args, "--country-column", "country", "-o", "parties.parquet"]) == 0
    assert "read 2 rows, screened 2, rejected 0; match 1" in capsys.readouterr().err
    parties = pl.read_parquet(out / "*.parquet").sort("row")
    assert parties.get_column("row").to_list() == [2, 3]
