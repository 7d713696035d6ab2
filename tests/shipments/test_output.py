"""Alert files: CSV safe against formula injection, JSON lines and Parquet round trips."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest

from fentrace.exc import UsageError
from fentrace.shipments import Lookups, read_manifest, screen_manifest, write_alerts
from fentrace.shipments.output import formula_safe

HEADER = "shipment_id,date,shipper_name,shipper_country,consignee_name,consignee_country,description,quantity_kg,transport_mode"


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+52 667 555 0142", "'+52 667 555 0142"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Acme Chemicals", "Acme Chemicals"),
        ("", ""),
    ],
)
def test_formula_safe(cell: str, safe: str) -> None:
    assert formula_safe(cell) == safe


@pytest.fixture
def result_path(tmp_path: Path, fake_lookups: Lookups) -> tuple[Path, object]:
    path = tmp_path / "m.csv"
    path.write_text(
        HEADER
        + "\n\"=cmd|' /C calc'!A0\",2024-03-01,@evil,CN,+Taqueria,MX,NPP pharmaceutical intermediate,2,courier\n"
        + "B,2024-03-01,Fine GmbH,DE,Buyer,US,T-shirts,900,sea\n",
        encoding="utf-8",
    )
    return tmp_path, screen_manifest(read_manifest(path), lookups=fake_lookups)


def test_csv_is_formula_safe(result_path: tuple[Path, object]) -> None:
    folder, result = result_path
    out = folder / "alerts.csv"
    written = write_alerts(result, out, min_level="none")  # type: ignore[arg-type]
    assert written == 2
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    first = rows[0]
    assert first["shipment_id"] == "'=cmd|' /C calc'!A0"
    assert first["shipper_name"] == "'@evil"
    assert first["consignee_name"] == "'+Taqueria"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))
    reasons = json.loads(first["reasons"])
    assert reasons[0]["code"] == "CHEM_CONTROLLED"
    assert first["codes"].split("|")[0] == "CHEM_CONTROLLED"


def test_min_level_filters(result_path: tuple[Path, object]) -> None:
    folder, result = result_path
    assert write_alerts(result, folder / "a.csv", min_level="high") == 1  # type: ignore[arg-type]


def test_jsonl_and_parquet_round_trip(result_path: tuple[Path, object]) -> None:
    folder, result = result_path
    write_alerts(result, folder / "a.jsonl", min_level="none")  # type: ignore[arg-type]
    lines = [
        json.loads(line) for line in (folder / "a.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert lines[0]["shipment_id"] == "=cmd|' /C calc'!A0"  # JSON is data, not a spreadsheet
    assert {"code", "weight", "detail"} == set(lines[0]["reasons"][0])
    write_alerts(result, folder / "a.parquet", min_level="none")  # type: ignore[arg-type]
    frame = pl.read_parquet(folder / "a.parquet")
    assert frame.height == 2
    assert frame.schema["reasons"] == pl.List(
        pl.Struct({"code": pl.String, "weight": pl.Float64, "detail": pl.String})
    )


def test_unknown_output_format(result_path: tuple[Path, object]) -> None:
    folder, result = result_path
    with pytest.raises(UsageError, match="output format"):
        write_alerts(result, folder / "a.xls")  # type: ignore[arg-type]
