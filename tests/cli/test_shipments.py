"""`fentrace shipments`: exit statuses, outputs and the printed counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fentrace.cli import main
from fentrace.shipments.sample import sample_manifest_path

HEADER = (
    "shipment_id,date,shipper_name,shipper_country,consignee_name,consignee_country,description"
)


@pytest.fixture
def small_manifest(tmp_path: Path) -> Path:
    path = tmp_path / "m.csv"
    path.write_text(
        HEADER
        + "\nA,2024-03-01,HUBEI AMARVEL BIO-TECH CO LTD,CN,Taqueria El Sol,MX,NPP pharmaceutical intermediate\n"
        + "B,2024-02-30,Acme,CN,Bar,MX,x\n",
        encoding="utf-8",
    )
    return path


def test_screen_writes_alerts_and_report(
    small_manifest: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alerts = tmp_path / "alerts.csv"
    report = tmp_path / "report.html"
    status = main(
        ["shipments", "screen", str(small_manifest), "-o", str(alerts), "--report", str(report)]
    )
    out = capsys.readouterr().out
    assert status == 0  # a rejected row is reported, not a failure
    assert "Rejected rows" in out
    assert "not an ISO date" in out
    assert alerts.read_text(encoding="utf-8").splitlines()[1].startswith("A,")
    assert "<h2>Top alerts</h2>" in report.read_text(encoding="utf-8")


def test_rejections_file_and_progress_bar(
    small_manifest: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # draw the progress bar
    rejected = tmp_path / "rejected.csv"
    assert main(["shipments", "screen", str(small_manifest), "--rejected", str(rejected)]) == 0
    lines = rejected.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "row,field,reason,value"
    assert lines[1].startswith("3,date,not an ISO date")
    assert "1 rejected-row problems written" in capsys.readouterr().out


def test_screen_from_stdin(
    small_manifest: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import sys

    record = dict(
        zip(HEADER.split(","), ["A", "2024-03-01", "Acme", "CN", "Bar", "MX", "NPP"], strict=True)
    )
    monkeypatch.setattr(
        sys, "stdin", io.TextIOWrapper(io.BytesIO((json.dumps(record) + "\n").encode()))
    )
    assert main(["shipments", "screen", "-", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["counts"]["screened"] == 1
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(small_manifest.read_bytes())))
    assert main(["shipments", "screen", "-", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["read"] == 2


def test_screen_json(small_manifest: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shipments", "screen", str(small_manifest), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["counts"]["read"] == 2
    assert payload["counts"]["rejected"] == 1
    assert payload["alerts"][0]["shipment_id"] == "A"
    assert {r["code"] for r in payload["alerts"][0]["reasons"]} >= {
        "CHEM_CONTROLLED",
        "PARTY_WATCHLIST",
    }
    assert payload["rejected"][0]["row"] == 3


def test_screen_jsonl_to_stdout(small_manifest: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shipments", "screen", str(small_manifest), "-o", "-", "--min-level", "none"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["shipment_id"] for line in lines] == ["A"]


def test_screen_the_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "alerts.parquet"
    assert (
        main(
            [
                "shipments",
                "screen",
                str(sample_manifest_path()),
                "-o",
                str(out),
                "--as-of",
                "2025-01-01",
            ]
        )
        == 0
    )
    assert out.stat().st_size > 0
    assert "342" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["--as-of", "yesterday"], 2, "not a date"),
        (["-o", "alerts.xls"], 2, "output format"),
        (["--min-level", "severe"], 2, "Invalid value"),
        (["--rejected", "rejected.xls"], 2, "use .csv or .jsonl"),
    ],
)
def test_usage_errors(
    small_manifest: Path,
    args: list[str],
    status: int,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["shipments", "screen", str(small_manifest), *args]) == status
    assert message in capsys.readouterr().err


def test_failures_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.csv"
    assert main(["shipments", "screen", str(missing)]) == 2  # a usage error, as in every command
    assert "no such file" in capsys.readouterr().err
    columns = tmp_path / "columns.csv"
    columns.write_text("shipment_id,date\nA,2024-01-01\n", encoding="utf-8")
    assert main(["shipments", "screen", str(columns)]) == 1
    assert "missing required column" in capsys.readouterr().err
    rules = tmp_path / "rules.yaml"
    rules.write_text("weights:\n  NOPE: 0.1\n", encoding="utf-8")
    assert main(["shipments", "screen", str(columns), "--rules", str(rules)]) == 1
    assert "NOPE" in capsys.readouterr().err


def test_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shipments", "codes", "--json"]) == 0
    codes = {c["code"] for c in json.loads(capsys.readouterr().out)}
    assert {"CHEM_CONTROLLED", "STRUCTURING", "ROUTE_RISK"} <= codes
