"""Regression tests for the 20 defects of issue 18 and its "also" items, one test (or a case
table) per defect, named by its number. Each fails on the code before the fix."""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from fentrace.atomic import output_lock
from fentrace.chemistry import batch
from fentrace.chemistry.batch import Record, screen_record
from fentrace.chemistry.identifiers import resolve
from fentrace.cli import main
from fentrace.shipments import read_manifest_bytes

SMALL = Path(__file__).parents[1] / "network" / "data" / "small.csv"
MANIFEST_HEADER = (
    "shipment_id,date,shipper_name,shipper_country,consignee_name,consignee_country,"
    "description,quantity_kg"
)
AS_OF = ["--as-of", "2024-01-01"]


def _chem(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# --- 1. output = input ---------------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_01_output_over_input_is_a_usage_error_and_the_input_survives(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    source = _chem(tmp_path, "s.csv", "smiles,id\nCCO,a\nCCN,b\n")
    before = source.read_bytes()
    assert main(["chem", "screen-file", str(source), "-o", str(source), "--jobs", jobs]) == 2
    assert "is the input file" in capsys.readouterr().err
    assert source.read_bytes() == before
    # also through another spelling of the same path and through a link
    link = tmp_path / "link.csv"
    link.symlink_to(source)
    other = str(tmp_path / "." / "s.csv")
    assert main(["chem", "screen-file", str(link), "-o", other, "--jobs", jobs]) == 2
    assert source.read_bytes() == before


@pytest.mark.parametrize(
    "argv",
    [
        ["shipments", "screen", "{in}", "-o", "{in}"],
        ["shipments", "screen", "{in}", "--report", "{in}"],
        ["parties", "screen-file", "{in}", "--column", "shipper_name", "-o", "{in}"],
        ["network", "build", "{in}", "-o", "{in}.html"],
    ],
    ids=["shipments-o", "shipments-report", "parties", "network"],
)
def test_01_every_command_refuses_to_write_over_its_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    source = tmp_path / "m.csv"
    source.write_bytes(SMALL.read_bytes())
    if argv[0] == "network":  # an output that names the input through a link
        (tmp_path / "m.csv.html").symlink_to(source)
    args = [a.replace("{in}", str(source)) for a in argv]
    assert main(args) == 2
    assert "is the input file" in capsys.readouterr().err
    assert source.read_bytes() == SMALL.read_bytes()


# --- 2. unterminated quote ---------------------------------------------------------------------


def test_02_an_unterminated_quote_is_a_located_error_not_silently_swallowed_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _chem(tmp_path, "q.csv", 'id,smiles\n1,CCO\n2,"CC\n3,CCN\n4,CCC\n')
    out = tmp_path / "out.csv"
    assert main(["chem", "screen-file", str(source), "-o", str(out), "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "line 3" in err
    assert "unterminated quote" in err
    assert not out.exists()


def test_02_a_malformed_quote_rejects_its_row_and_the_rest_is_read(tmp_path: Path) -> None:
    records = list(batch.read_csv(io.StringIO('id,smiles\n1,CCO\n2,"CC"x\n3,CCN\n')))
    assert [r.error is None for r in records] == [True, False, True]
    assert "line 3" in str(records[1].error)


# --- 3. atomic outputs -------------------------------------------------------------------------


def test_03_a_run_that_fails_mid_write_keeps_the_previous_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _chem(tmp_path, "s.smi", "CCO a\nCCN b\nCCC c\n")
    out = tmp_path / "out.csv"
    out.write_text("previous good output\n", encoding="utf-8")
    real = batch.write_lines

    def failing(lines: object, handle: io.TextIOBase) -> None:
        real(iter(list(lines)[:2]), handle)  # type: ignore[call-overload]
        handle.flush()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(batch, "write_lines", failing)
    assert main(["chem", "screen-file", str(source), "-o", str(out), "--jobs", "1"]) == 1
    assert "No space left" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "previous good output\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# --- 4. two writers --------------------------------------------------------------------------


def test_04_a_second_writer_of_one_path_fails_instead_of_interleaving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _chem(tmp_path, "s.smi", "CCO a\n")
    out = tmp_path / "out.csv"
    out.write_text("first writer's file\n", encoding="utf-8")
    with output_lock(out):  # another process holds the path (flock is per open file)
        assert main(["chem", "screen-file", str(source), "-o", str(out), "--jobs", "1"]) == 1
    assert "another process is writing this output" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "first writer's file\n"
    assert main(["chem", "screen-file", str(source), "-o", str(out), "--jobs", "1"]) == 0


# --- 5. formula injection -------------------------------------------------------------------------


HOSTILE = '=HYPERLINK("http://evil.example","x")'


def test_05_chem_csv_output_is_formula_safe(tmp_path: Path) -> None:
    quoted = HOSTILE.replace('"', '""')
    source = _chem(tmp_path, "s.csv", f'id,smiles\n@SUM(1),"{quoted}"\n')
    out = tmp_path / "out.csv"
    assert main(["chem", "screen-file", str(source), "-o", str(out), "--jobs", "1"]) == 0
    row = next(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert row["query"] == "'" + HOSTILE
    assert row["id"] == "'@SUM(1)"


def test_05_parties_csv_output_is_formula_safe(tmp_path: Path) -> None:
    source = tmp_path / "p.csv"
    pl.DataFrame({"name": [HOSTILE, "-2+3", "Plain Trading Co"]}).write_csv(source)
    out = tmp_path / "out.csv"
    assert main(["parties", "screen-file", str(source), "--column", "name", "-o", str(out)]) == 0
    names = [r["name"] for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))]
    assert names == ["'" + HOSTILE, "'-2+3", "Plain Trading Co"]


# --- 6. wide manifests -----------------------------------------------------------------------------


def test_06_reading_a_wide_manifest_builds_the_schema_a_bounded_number_of_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # each DataFrame.schema costs O(columns): once per column made 8,000 columns take 80 s
    calls = 0
    real = pl.DataFrame.schema

    def counted(self: pl.DataFrame) -> pl.Schema:
        nonlocal calls
        calls += 1
        return real.fget(self)  # type: ignore[no-any-return,attr-defined]

    monkeypatch.setattr(pl.DataFrame, "schema", property(counted))
    extra = [f"x{i}" for i in range(3000)]
    data = (
        MANIFEST_HEADER + "," + ",".join(extra) + "\n"
        "S1,2024-01-01,A,CN,B,MX,thing,1," + ",".join("v" for _ in extra) + "\n"
    ).encode()
    manifest = read_manifest_bytes(data, "wide.csv")
    assert manifest.frame.height == 1
    assert calls < 50


# --- 7. NaN and infinity ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "Infinity", "1e999"])
def test_07_non_finite_quantities_are_rejected_with_their_row(value: str) -> None:
    data = f"{MANIFEST_HEADER}\nS1,2024-01-01,A,CN,B,MX,x,{value}\nS2,2024-01-01,A,CN,B,MX,x,5\n"
    manifest = read_manifest_bytes(data.encode(), "m.csv")
    assert manifest.frame.height == 1
    assert [(r.row, r.field) for r in manifest.rejected] == [(2, "quantity_kg")]
    assert "not a finite number" in manifest.rejected[0].reason


def test_07_json_output_and_the_graph_page_never_hold_nan() -> None:
    from fentrace.cli._common import emit_json
    from fentrace.network.html import embed_json

    payload = {"a": float("nan"), "b": [float("inf"), 1.5], "c": {"d": float("-inf")}}
    assert json.loads(embed_json(payload)) == {"a": None, "b": [None, 1.5], "c": {"d": None}}
    buffer = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(buffer):
        emit_json(payload)
    assert "NaN" not in buffer.getvalue()
    assert "Infinity" not in buffer.getvalue()
    assert json.loads(buffer.getvalue())["a"] is None


# --- 8. control characters in GraphML / GEXF -----------------------------------------------


@pytest.mark.parametrize("suffix", [".graphml", ".gexf"])
def test_08_graph_exports_are_well_formed_xml_with_control_characters_in_names(
    tmp_path: Path, suffix: str
) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        f"{MANIFEST_HEADER}\nS1,2024-01-01,ACME\x01\x0b\x1b[31m CO,CN,BETA\x7f LTD,MX,x,5\n",
        encoding="utf-8",
    )
    out = tmp_path / f"g{suffix}"
    assert main(["network", "build", str(manifest), "-o", str(out), "--no-watchlist"]) == 0
    root = ET.parse(out).getroot()  # raises on a document that is not well-formed
    text = ET.tostring(root, encoding="unicode")
    assert "ACME" in text
    assert "\x01" not in text


# --- 9. a cell over the csv module's limit ------------------------------------------------------


def test_09_an_oversized_cell_rejects_its_record_not_the_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = "C" * 140_000
    source = _chem(tmp_path, "s.csv", f"id,smiles\na,CCO\nb,{big}\nc,CCN\n")
    out = tmp_path / "out.jsonl"
    assert main(["chem", "screen-file", str(source), "-o", str(out), "--jobs", "1"]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["resolved"] for r in rows] == [True, False, True]
    assert "FENTRACE_MAX_SMILES_CHARS" in rows[1]["error"]
    assert "internal error" not in capsys.readouterr().err


def test_09_the_cell_bound_is_configurable_and_says_what_it_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FENTRACE_MAX_FIELD_CHARS", "1000")
    rows = list(batch.read_csv(io.StringIO(f"id,smiles\na,CCO\nb,{'C' * 2000}\nc,CCN\n")))
    assert [r.error is None for r in rows] == [True, False, True]
    assert "limit of 1,000 characters (FENTRACE_MAX_FIELD_CHARS)" in str(rows[1].error)


# --- 10. xlsx row numbers ----------------------------------------------------------------------


def test_10_xlsx_rows_are_the_sheet_rows_across_blank_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "name"
    sheet["A2"] = "Plain Trading Co"
    sheet["A5"] = "   "  # a name that is only spaces, on sheet row 5 after two blank rows
    sheet["B5"] = "x"
    source = tmp_path / "p.xlsx"
    book.save(source)
    out = tmp_path / "out.jsonl"
    assert main(["parties", "screen-file", str(source), "--column", "name", "-o", str(out)]) == 0
    assert "row 5" in capsys.readouterr().err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["row"] for r in rows] == [2, 5]


# --- 11. terminal escapes ----------------------------------------------------------------------


def test_11_terminal_escape_sequences_never_reach_table_output(
    capsys: pytest.CaptureFixture[str],
) -> None:
    name = "EVIL\x1b[2J\x1b]0;pwned\x07 CO [link=http://x]y[/link]"
    assert main(["parties", "screen", name]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "[link=http://x]" in out  # shown as text, not read as markup


# --- 12. non-UTF-8 and binary chemistry input ---------------------------------------------------


def test_12_a_line_that_is_not_utf8_is_rejected_with_its_number_not_altered(
    tmp_path: Path,
) -> None:
    source = _chem(tmp_path, "s.smi", b"CCO a\nCC\xe9N b\nCCN c\n")
    out = tmp_path / "out.jsonl"
    assert main(["chem", "screen-file", str(source), "-o", str(out), "--jobs", "1"]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["resolved"] for r in rows] == [True, False, True]
    assert "not UTF-8" in rows[1]["error"]
    assert "\ufffd" not in out.read_text(encoding="utf-8")


def test_12_binary_junk_is_refused_not_screened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _chem(tmp_path, "junk.smi", bytes(range(256)) * 20)
    out = tmp_path / "out.csv"
    assert main(["chem", "screen-file", str(source), "-o", str(out), "--jobs", "1"]) == 1
    assert "binary content" in capsys.readouterr().err
    assert not out.exists()


def test_12_control_characters_in_a_record_reject_it(tmp_path: Path) -> None:
    records = list(batch.read_smi(["CCO a\n", "C\x1bC b\n"]))
    assert records[0].error is None
    assert "control character U+001B" in str(records[1].error)


# --- 13. huge SMILES refused before parsing --------------------------------------------------


def test_13_a_5_mb_smiles_is_refused_before_rdkit_parses_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import fentrace.chemistry.identifiers as identifiers

    def no_parse(text: str) -> None:
        raise AssertionError("parsed a SMILES past its length bound")

    monkeypatch.setattr(identifiers, "mol_from_smiles", no_parse)
    monkeypatch.setattr(batch, "mol_from_plain_smiles", no_parse)
    huge = "C" * 5_000_000
    resolution = resolve(huge)
    assert not resolution.resolved
    assert "5,000,000 characters, more than the limit of 20,000" in str(resolution.error)
    result = screen_record(Record(1, None, huge, "smiles"), date(2024, 1, 1))
    assert "FENTRACE_MAX_SMILES_CHARS" in str(result.error)
    monkeypatch.setenv("FENTRACE_MAX_SMILES_CHARS", "10")
    assert "limit of 10" in str(resolve("C" * 11).error)


def test_13_ring_and_atom_bounds_hold_and_say_what_they_cut(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fentrace.chemistry.screen import screen

    monkeypatch.setenv("FENTRACE_MAX_RINGS", "2")
    result = screen("C1CC2CC3CCC3CC2C1", date(2024, 1, 1))  # three rings
    assert not result.resolved
    assert "3 rings, more than the limit of 2 (FENTRACE_MAX_RINGS)" in str(result.error)
    monkeypatch.setenv("FENTRACE_MAX_HEAVY_ATOMS", "5")
    result = screen("CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1", date(2024, 1, 1))
    assert result.error == "25 heavy atoms: more than 5, not screened"


# --- 14. broken workbooks ----------------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04 truncated",
        _zip({"hello.txt": b"not a workbook"}),
        _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<broken"}),
    ],
    ids=["truncated", "no-workbook", "broken-xml"],
)
def test_14_a_broken_xlsx_is_a_located_error_not_an_internal_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    source = tmp_path / "p.xlsx"
    source.write_bytes(content)
    assert main(["parties", "screen-file", str(source), "--column", "name"]) == 1
    err = capsys.readouterr().err
    assert "not a readable xlsx workbook" in err
    assert "internal error" not in err


def test_14_a_zip_bomb_workbook_is_refused_by_its_bounds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "bomb.xlsx"
    source.write_bytes(_zip({"xl/worksheets/sheet1.xml": b"\0" * (8 << 20)}))
    assert main(["parties", "screen-file", str(source), "--column", "name"]) == 1
    assert "FENTRACE_MAX_XLSX_RATIO" in capsys.readouterr().err
    monkeypatch.setenv("FENTRACE_MAX_XLSX_BYTES", "1000")
    assert main(["shipments", "screen", str(source)]) == 1
    assert "more than the limit of 1,000 (FENTRACE_MAX_XLSX_BYTES)" in capsys.readouterr().err
    monkeypatch.setenv("FENTRACE_MAX_XLSX_ENTRIES", "1")
    source.write_bytes(_zip({"a": b"1", "b": b"2"}))
    assert main(["shipments", "screen", str(source)]) == 1
    assert "2 files inside the workbook" in capsys.readouterr().err


# --- 15. parties screen-file rejects only the bad record ---------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "bad_row"),
    [
        ("p.jsonl", b'{"name": "Plain Trading Co"}\n{"name": broken\n{"name": "Other Co"}\n', 2),
        ("p.csv", b"name,cc\nPlain Trading Co,CN\nOne,Two,Three\nOther Co,MX\n", 3),
        ("p.csv", b'name,cc\nPlain Trading Co,CN\n"Bad"quote,CN\nOther Co,MX\n', 3),
    ],
    ids=["jsonl-line", "ragged-row", "bad-quote"],
)
def test_15_one_bad_record_is_rejected_with_its_row_and_the_rest_screened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes, bad_row: int
) -> None:
    source = tmp_path / name
    source.write_bytes(content)
    out = tmp_path / "out.jsonl"
    assert main(["parties", "screen-file", str(source), "--column", "name", "-o", str(out)]) == 0
    assert f"row {bad_row}: rejected" in capsys.readouterr().err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["name"] for r in rows if not r["error"]] == ["Plain Trading Co", "Other Co"]
    assert [r["row"] for r in rows if r["error"]] == [bad_row]


@pytest.mark.parametrize(
    ("encoding", "name"),
    [("latin-1", "Química Señora SA"), ("gbk", "湖北阿玛维尔生物科技有限公司")],
)
def test_15_latin1_and_gbk_csv_are_decoded_like_shipments(
    tmp_path: Path, encoding: str, name: str
) -> None:
    source = tmp_path / "p.csv"
    source.write_bytes(f"name\n{name}\nPlain Trading Co\n".encode(encoding))
    out = tmp_path / "out.jsonl"
    assert main(["parties", "screen-file", str(source), "--column", "name", "-o", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows[0]["name"] == name


# --- 16. simulate options ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--seed", "-1", "from 0 to 4294967295"),
        ("--seed", str(2**70), "from 0 to 4294967295"),
        ("--volume", "nan", "finite number from 0 to 20"),
        ("--volume", "inf", "finite number from 0 to 20"),
        ("--volume", "1e9", "FENTRACE_MAX_SIMULATION_SHIPMENTS"),
        ("--volume", "-1", "finite number from 0 to 20"),
    ],
)
def test_16_bad_seeds_and_volumes_are_usage_errors_with_the_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, message: str
) -> None:
    out = tmp_path / "sim"
    assert main(["simulate", option, value, "--start", "2020-01", "--end", "2020-01", "-o", str(out)]) == 2  # fmt: skip
    assert message in capsys.readouterr().err
    assert not out.exists()


# --- 17. evaluate labels ------------------------------------------------------------------------


def _labelled(tmp_path: Path, label: str, *, typology: bool = True) -> Path:
    path = tmp_path / "labelled.csv"
    extra = ",is_illicit" + (",typology" if typology else "")
    row = f",{label}" + (",legit" if typology else "")
    path.write_text(
        f"{MANIFEST_HEADER}{extra}\nS1,2024-01-01,A,CN,B,MX,x,5{',true,precursor' if typology else ',true'}\n"
        f"S2,2024-01-01,A,CN,B,MX,x,5{row}\n",
        encoding="utf-8",
    )
    return path


def test_17_a_label_that_is_not_a_boolean_is_refused_with_its_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evaluate", str(_labelled(tmp_path, "maybe"))]) == 1
    err = capsys.readouterr().err
    assert "row 3, field 'is_illicit': 'maybe' is not true or false" in err
    assert main(["evaluate", str(_labelled(tmp_path, "false")), "--json"]) == 0


def test_17_a_missing_typology_column_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evaluate", str(_labelled(tmp_path, "false", typology=False))]) == 1
    err = capsys.readouterr().err
    assert "no 'typology' column" in err
    assert "internal error" not in err


# --- 18. one Latin-1 line in a UTF-8 manifest -------------------------------------------------


def test_18_one_latin1_line_does_not_turn_a_utf8_manifest_into_mojibake() -> None:
    data = (
        f"{MANIFEST_HEADER}\n".encode()
        + "S1,2024-01-01,Shanghai Yùnhé 化工,CN,B,MX,x,5\n".encode()
        + "S2,2024-01-01,Química Señora,CN,B,MX,x,5\n".encode("latin-1")
    )
    manifest = read_manifest_bytes(data, "m.csv")
    names = manifest.frame.get_column("shipper_name").to_list()
    assert names == ["Shanghai Yùnhé 化工", "Química Señora"]
    assert manifest.encoding == "utf-8 (1 line gb18030/latin-1)"


# --- 19. unvalidated options ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["network", "build", "{m}", "-o", "{d}/g.html", "--top", "0"], "--top"),
        (["network", "build", "{m}", "-o", "{d}/g.html", "--top", "-5"], "--top"),
        (["network", "trace", "{m}", "--from-country", "Narnia"], "not an ISO 3166-1"),
        (["network", "trace", "{m}", "--chemical", "NPP", "--to-country", "XX"], "alpha-2"),
        (["shipments", "screen", "{m}", "-o", "{d}/no/such/x.parquet"], "does not exist"),
        (["chem", "screen-file", "{s}", "-o", "{d}/no/x.parquet"], "does not exist"),
        (["parties", "screen-file", "{m}", "--column", "n", "-o", "{d}/dir.csv"], "is a folder"),
    ],
)
def test_19_bad_options_are_usage_errors_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    smi = _chem(tmp_path, "s.smi", "CCO a\n")
    (tmp_path / "dir.csv").mkdir()
    args = [
        a.replace("{m}", str(SMALL)).replace("{d}", str(tmp_path)).replace("{s}", str(smi))
        for a in argv
    ]
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_19_country_names_are_read_as_their_codes(capsys: pytest.CaptureFixture[str]) -> None:
    by_code = ["network", "trace", str(SMALL), "--from", "Hubei Amarvel", "--to-country", "MX"]
    assert main([*by_code, "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)["reached"]
    assert expected
    assert main([*by_code[:-1], "Mexico", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["reached"] == expected


# --- 20. --jobs -------------------------------------------------------------------------------


def test_20_jobs_are_capped_by_the_cores_and_the_records(monkeypatch: pytest.MonkeyPatch) -> None:
    assert batch.worker_count(1000) == (os.cpu_count() or 1)
    assert batch.worker_count(None) == (os.cpu_count() or 1)
    assert batch.worker_count(1) == 1

    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("started worker processes for five records")

    monkeypatch.setattr(batch.multiprocessing, "get_context", no_pool)
    records = [Record(i, None, "CCO", "smiles") for i in range(1, 6)]
    rows = list(batch.screen_records(records, date(2024, 1, 1), jobs=1000))
    assert [row.row[0] for row in rows] == [1, 2, 3, 4, 5]


# --- also: usage errors exit 2 in every command -----------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["chem", "screen-file", "{d}/missing.smi", "-o", "{d}/o.csv"],
        ["chem", "screen-file", "{d}/x.txt", "-o", "{d}/o.csv"],
        ["parties", "screen-file", "{d}/missing.csv", "--column", "n"],
        ["parties", "screen", "x", "--list", "{d}/missing.csv"],
        ["shipments", "screen", "{d}/missing.csv"],
        ["network", "build", "{d}/missing.csv", "-o", "{d}/g.html"],
        ["evaluate", "{d}/missing.parquet"],
        ["simulate", "--scenario", "{d}/missing.yaml", "-o", "{d}/sim"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_also_a_path_that_names_nothing_exits_2_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert main([a.replace("{d}", str(tmp_path)) for a in argv]) == 2
    assert "error" in capsys.readouterr().err.lower()


def test_also_network_build_writes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["network", "build", str(SMALL), "-o", "-", "--no-watchlist"]) == 0
    captured = capsys.readouterr()
    entities = [json.loads(line) for line in captured.out.splitlines()]
    assert entities
    assert {e["schema"] for e in entities} >= {"Company"}
    assert "parties" in captured.err


def test_also_a_corrupt_stored_parquet_is_a_located_error_in_rescreen(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stored = Path(__file__).parents[2] / "fuzz/regressions/manifest_parquet/polars-panic.parquet"
    assert main(["rescreen", "chemicals", str(stored)]) == 1
    err = capsys.readouterr().err
    assert "not a readable Parquet file" in err
    assert "internal error" not in err


def test_also_entity_declarations_in_a_workbook_or_a_list_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name"])
    sheet.append(["LOL"])
    buffer = io.BytesIO()
    book.save(buffer)
    entries: dict[str, bytes] = {}
    with zipfile.ZipFile(buffer) as archive:
        for name in archive.namelist():
            entries[name] = archive.read(name)
    bomb = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
    sheet_xml = entries["xl/worksheets/sheet1.xml"]
    entries["xl/worksheets/sheet1.xml"] = bomb + sheet_xml  # openpyxl writes no XML declaration
    source = tmp_path / "p.xlsx"
    source.write_bytes(_zip(entries))
    assert main(["parties", "screen-file", str(source), "--column", "name"]) == 1
    assert "not a readable xlsx workbook" in capsys.readouterr().err
    listing = tmp_path / "sdn.xml"
    listing.write_text(f"<?xml version='1.0'?>{bomb.decode()}<sdnList>&b;</sdnList>")
    assert main(["parties", "screen", "x", "--list", str(listing), "--no-bundled"]) == 1
    assert "refused: the XML declares entities" in capsys.readouterr().err
