"""`fentrace parties screen`, `screen-file` and `lists`: output shapes, exit statuses, the done-when queries."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from fentrace.cli import main

DATA = Path(__file__).parents[1] / "parties" / "data"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Built indexes go to a folder of the test, never to the user's cache."""
    monkeypatch.setenv("FENTRACE_CACHE_DIR", str(tmp_path / "cache"))


def test_screen_json_for_the_indicted_company(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parties", "screen", "HUBEI AMARVEL BIO-TECH CO LTD", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert isinstance(payload, list)
    assert len(payload) == 1
    result = payload[0]
    assert result["verdict"] == "match"
    best = result["matches"][0]
    assert best["name"] == "Hubei Amarvel Biotech Co., Ltd."
    assert (best["action"], best["since"]) == ("indictment", "2023-06-23")
    assert best["source"]
    assert best["explanation"]


def test_screen_table_for_a_look_alike(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parties", "screen", "Hubei Green Valley Textiles Co Ltd"]) == 0
    out = capsys.readouterr().out
    assert "none" in out
    assert "Amarvel" not in out
    assert "possible" not in out


def test_screen_json_keeps_one_object_per_name_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["parties", "screen", "CJNG", "", "Golfo Logistics", "--country", "MX", "--json"]) == 0
    )
    payload = json.loads(capsys.readouterr().out)
    assert [r["query"] for r in payload] == ["CJNG", "", "Golfo Logistics"]
    assert [r["verdict"] for r in payload] == ["match", "none", "none"]
    assert payload[1]["error"]
    assert payload[0]["country"] == "MX"


def test_screen_table_shows_top_features(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parties", "screen", "Wang Qing Zhou"]) == 0
    out = capsys.readouterr().out
    assert "person_name" in out
    assert "Qingzhou" in out


def test_screen_against_a_given_list_only(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["parties", "screen", "Jintai Example Pharmatech", "Hubei Amarvel Biotech"]
    assert main([*args, "--list", str(DATA / "sdn.xml"), "--no-bundled", "--json"]) == 0
    captured = capsys.readouterr()
    payload = json.loads(captured.out)
    assert [r["verdict"] for r in payload] == ["match", "none"]
    assert "sdnEntry 3" in captured.err  # the broken record of the list is reported


def test_no_bundled_without_lists_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parties", "screen", "x", "--no-bundled"]) == 2
    assert "--no-bundled" in capsys.readouterr().err


def test_a_list_of_unknown_format_fails_cleanly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "list.txt"
    bad.write_text("hello", encoding="utf-8")
    assert main(["parties", "screen", "x", "--list", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "cannot tell the list format" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("suffix", ["csv", "jsonl", "parquet", "xlsx"])
def test_screen_file_formats(
    suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pl.DataFrame(
        {
            "shipper": [
                "HUBEI AMARVEL BIO-TECH CO LTD",
                "",
                "Golfo Logistics",
                "武漢碩康生物科技有限公司",
            ],
            "cc": ["CN", "CN", "MX", None],
        }
    )
    source = tmp_path / f"in.{suffix}"
    if suffix == "csv":
        frame.write_csv(source)
    elif suffix == "jsonl":
        frame.write_ndjson(source)
    elif suffix == "parquet":
        frame.write_parquet(source)
    else:
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(frame.columns)
        for row in frame.iter_rows():
            sheet.append(list(row))
        book.save(source)
    out = tmp_path / "out.csv"
    args = ["parties", "screen-file", str(source), "--column", "shipper", "--country-column", "cc"]
    assert main([*args, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    rows = pl.read_csv(out, infer_schema=False).to_dicts()
    assert [r["verdict"] for r in rows] == ["match", "none", "none", "match"]
    assert rows[0]["entity_id"] == "ft-hubei-amarvel-biotech-co-ltd"
    assert rows[1]["error"]
    # a CSV line and a sheet row count the header as row 1; JSON lines and Parquet count records
    first = 2 if suffix in ("csv", "xlsx") else 1
    assert f"row {first + 1}" in err
    assert "read 4 rows, screened 3, rejected 1" in err


def test_screen_file_to_stdout_and_parquet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("name\nCJNG\nWang Qingzhou\n", encoding="utf-8")
    assert main(["parties", "screen-file", str(source), "--column", "name"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["verdict"] for line in lines] == ["match", "match"]
    out = tmp_path / "out.parquet"
    assert main(["parties", "screen-file", str(source), "--column", "name", "-o", str(out)]) == 0
    assert pl.read_parquet(out).height == 2


@pytest.mark.parametrize(
    ("content", "args", "status", "fragment"),
    [
        ("name\nx\n", ["--column", "shipper"], 2, "no column 'shipper'"),
        ("name\nx\n", ["--column", "name", "-o", "out.txt"], 2, "output format"),
    ],
)
def test_screen_file_usage_errors(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    args: list[str],
    status: int,
    fragment: str,
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(content, encoding="utf-8")
    assert main(["parties", "screen-file", str(source), *args]) == status
    assert fragment in capsys.readouterr().err


def test_screen_file_bad_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a path that names no file is a usage error (2) in every command; a broken file fails (1)
    assert main(["parties", "screen-file", str(tmp_path / "missing.csv"), "--column", "n"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["parties", "screen-file", str(tmp_path / "in.txt"), "--column", "n"]) == 2
    assert "cannot read" in capsys.readouterr().err
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    assert main(["parties", "screen-file", str(broken), "--column", "n"]) == 1
    assert "not a readable Parquet file" in capsys.readouterr().err


def test_lists_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parties", "lists"]) == 0
    out = capsys.readouterr().out
    assert "watchlist.csv" in out
    assert "2023-04-04" in out
    assert main(["parties", "lists", "--list", str(DATA / "ftm.jsonl"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["entities"] == 59
    assert [f["format"] for f in summary["files"]] == ["bundled", "ftm"]
    assert summary["by_action"]["sanction"] == 2


def test_identifiers_on_the_command_line_and_in_a_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xml = str(DATA / "sdn.xml")
    args = ["parties", "screen", "Jintai Trading", "--list", xml, "--no-bundled", "--json"]
    assert main([*args, "--identifier", "FICT-0001"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["verdict"] == "match"
    source = tmp_path / "in.csv"
    source.write_text("name,ids\nJintai Trading,X|FICT-0001\nJintai Trading,\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    file_args = [
        "parties",
        "screen-file",
        str(source),
        "--column",
        "name",
        "--identifier-column",
        "ids",
    ]
    assert main([*file_args, "--list", xml, "--no-bundled", "-o", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["verdict"] for r in rows] == ["match", "none"]


def test_a_huge_name_is_shown_cut_and_warned(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parties", "screen", "HUBEI AMARVEL BIOTECH " + "X" * 10_000]) == 0
    captured = capsys.readouterr()
    assert "X" * 200 not in captured.out
    assert "longer than 256 characters" in captured.err
