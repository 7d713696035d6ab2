"""Manifest ingestion: encodings, formats, header spellings and every bad-input path."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from fentrace.exc import InputError
from fentrace.shipments.ingest import detect_encoding, manifest_from_frame, read_manifest
from fentrace.shipments.schema import canonical_column, normalise_header

HEADER = (
    "shipment_id,date,shipper_name,shipper_country,consignee_name,consignee_country,description"
)
GOOD = "S1,2024-03-01,Acme Chemicals,CN,Taqueria El Sol,MX,pharmaceutical intermediate"


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("Shipper", "shipper_name"),
        ("Shipper Name", "shipper_name"),
        ("Consignee", "consignee_name"),
        ("HS Code", "hs_code"),
        ("HTS", "hs_code"),
        ("Product Description", "description"),
        ("Goods Description", "description"),
        ("Origin Country", "shipper_country"),
        ("Date of Shipment", "date"),
        ("Weight (kg)", "quantity_kg"),
        ("\ufeffShipment ID", "shipment_id"),
        ("CAS No.", "cas"),
        ("Colour", None),
        ("Incoterm", None),
    ],
)
def test_header_spellings(header: str, canonical: str | None) -> None:
    assert canonical_column(header) == canonical


def test_normalise_header() -> None:
    assert normalise_header("  Weight (kg) ") == "weight_kg"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"\xef\xbb\xbfa,b\n1,2\n", "utf-8-sig"),
        ("caf\u00e9,M\u00fcller\n".encode(), "utf-8"),
        ("湖北化工有限公司,墨西哥\n".encode("gb18030"), "gb18030"),
        ("M\u00fcller Qu\u00edmica,M\u00e9xico\n".encode("latin-1"), "latin-1"),
        (b"plain ascii\n", "utf-8"),
    ],
)
def test_detect_encoding(data: bytes, encoding: str) -> None:
    assert detect_encoding(data) == encoding


def test_reads_csv_with_header_spellings_and_passthrough(tmp_path: Path) -> None:
    text = (
        "Shipment ID,Date of Shipment,Shipper,Origin Country,Consignee,Destination Country,"
        "Product Description,HS Code,Weight (kg),Mode,Transit,Incoterm\n"
        'S1,2024-03-01,Acme,cn,Bar SA,Mexico,NPP,2933.37,"1,200.5",Express,US|gt,DDP\n'
    )
    manifest = read_manifest(_write(tmp_path, "m.csv", text))
    assert manifest.rejected == []
    row = manifest.frame.row(0, named=True)
    assert row["shipper_country"] == "CN"
    assert row["consignee_country"] == "MX"
    assert row["quantity_kg"] == 1200.5
    assert row["transport_mode"] == "courier"
    assert row["transit_countries"] == ["US", "GT"]
    assert row["Incoterm"] == "DDP"
    assert manifest.passthrough == ("Incoterm",)
    assert manifest.frame.schema["date"] == pl.Date


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "latin-1", "utf-16"])
def test_reads_each_encoding(tmp_path: Path, encoding: str) -> None:
    name = "湖北化工有限公司" if encoding in ("gb18030", "utf-16") else "Química Müller S.A."
    text = f"{HEADER}\nS1,2024-03-01,{name},CN,Consignee,MX,sample\n"
    if encoding == "utf-16":  # Excel's "Unicode text": UTF-16 with BOM, tab-separated
        text = text.replace(",", "\t")
    manifest = read_manifest(_write(tmp_path, "m.csv", text, encoding))
    assert manifest.encoding == encoding
    assert manifest.frame.get_column("shipper_name").to_list() == [name]


def test_reads_xlsx(tmp_path: Path) -> None:
    from datetime import datetime

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "Shipment ID",
            "Date",
            "Shipper",
            "Origin Country",
            "Consignee",
            "Destination Country",
            "Goods Description",
            "Weight (kg)",
        ]
    )
    sheet.append(["S1", datetime(2024, 3, 1), "Acme", "CN", "Bar", "MX", "NPP", 2.0])
    sheet.append(["S2", "2024-13-01", "Acme", "CN", "Bar", "MX", "NPP", 2])
    path = tmp_path / "m.xlsx"
    book.save(path)
    manifest = read_manifest(path)
    assert manifest.frame.get_column("shipment_id").to_list() == ["S1"]
    assert manifest.frame.get_column("quantity_kg").to_list() == [2.0]
    assert [(r.row, r.field) for r in manifest.rejected] == [(3, "date")]


def test_reads_jsonl_and_reports_bad_lines(tmp_path: Path) -> None:
    good = dict(zip(HEADER.split(","), GOOD.split(","), strict=True))
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps([1, 2]),
        json.dumps({**good, "shipment_id": "S2", "transit_countries": ["US"]}),
    ]
    manifest = read_manifest(_write(tmp_path, "m.jsonl", "\n".join(lines) + "\n"))
    assert manifest.frame.get_column("shipment_id").to_list() == ["S1", "S2"]
    assert manifest.frame.get_column("transit_countries").to_list() == [[], ["US"]]
    assert [(r.row, r.field) for r in manifest.rejected] == [(2, "(line)"), (3, "(line)")]
    assert manifest.read_count == 4


def test_reads_parquet(tmp_path: Path) -> None:
    from datetime import date

    frame = pl.DataFrame(
        {
            "shipment_id": ["S1", "S2"],
            "date": [date(2024, 3, 1), date(2024, 3, 2)],
            "shipper_name": ["Acme", "Acme"],
            "shipper_country": ["CN", "CN"],
            "consignee_name": ["Bar", "Bar"],
            "consignee_country": ["MX", "MX"],
            "description": ["NPP", "NPP"],
            "quantity_kg": [2.0, -1.0],
            "transit_countries": [["US"], []],
        }
    )
    path = tmp_path / "m.parquet"
    frame.write_parquet(path)
    manifest = read_manifest(path)
    assert manifest.frame.get_column("shipment_id").to_list() == ["S1"]
    assert manifest.rejected[0].row == 2
    assert manifest.rejected[0].reason == "negative"


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        ("S1,2024-02-30,A,CN,B,MX,x", "date", "not an ISO date"),
        ("S1,01/03/2024,A,CN,B,MX,x", "date", "not an ISO date"),
        ("S1,2024-03-01,A,XX,B,MX,x", "shipper_country", "not an ISO 3166-1"),
        ("S1,2024-03-01,A,CN,,MX,x", "consignee_name", "required value is empty"),
        ("S1,2024-03-01,A,CN,B,MX,", "description", "required value is empty"),
        ("S1,2024-03-01,A,CN,B,MX,x,five", "quantity_kg", "not a number"),
        ('S1,2024-03-01,A,CN,B,MX,x,"2,5"', "quantity_kg", "not a number"),
        ("S1,2024-03-01,A,CN,B,MX,x,-3", "quantity_kg", "negative"),
        ("S1,2024-03-01,A,CN,B,MX,x,,camel", "transport_mode", "not one of"),
        ("S1,2024-03-01,A,CN,B,MX,x,,,US|Narnia", "transit_countries", "ISO 3166-1"),
        ("S1,2024-03-01,A,CN,B,MX,x,,,,29.33.AB", "hs_code", "not an HS code"),
    ],
)
def test_bad_values_are_rejected_with_row_field_reason(
    tmp_path: Path, line: str, field: str, reason: str
) -> None:
    text = (
        HEADER
        + ",quantity_kg,transport_mode,transit_countries,hs_code\n"
        + GOOD
        + ",1,sea,,2933.37\n"
        + line
        + "\n"
    )
    manifest = read_manifest(_write(tmp_path, "m.csv", text))
    assert manifest.frame.height == 1
    assert manifest.read_count == 2
    assert len(manifest.rejected) == 1
    rejection = manifest.rejected[0]
    assert (rejection.row, rejection.field) == (3, field)
    assert reason in rejection.reason
    assert str(rejection).startswith("row 3, field")


@pytest.mark.parametrize(
    ("written", "day", "quantity"),
    [
        ("2024-03-01", "2024-03-01", "1,200.5"),
        ("2024-03-01T10:30:00", "2024-03-01", "1 200"),
        ("2024-03-01 23:59:59", "2024-03-01", "12"),
    ],
)
def test_accepted_spellings_of_dates_and_numbers(
    tmp_path: Path, written: str, day: str, quantity: str
) -> None:
    text = f'{HEADER},quantity_kg\nS1,{written},A,CN,B,MX,x,"{quantity}"\n'
    manifest = read_manifest(_write(tmp_path, "m.csv", text))
    assert manifest.rejected == []
    row = manifest.frame.row(0, named=True)
    assert str(row["date"]) == day
    assert row["quantity_kg"] == float(quantity.replace(",", "").replace(" ", ""))


def test_semicolon_and_tab_separated(tmp_path: Path) -> None:
    semicolons = _write(
        tmp_path, "m.csv", HEADER.replace(",", ";") + "\n" + GOOD.replace(",", ";") + "\n"
    )
    tabs = _write(
        tmp_path, "m.tsv", HEADER.replace(",", "\t") + "\n" + GOOD.replace(",", "\t") + "\n"
    )
    for path in (semicolons, tabs):
        assert read_manifest(path).frame.get_column("shipper_name").to_list() == ["Acme Chemicals"]


def test_later_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    text = f"{HEADER}\n{GOOD}\n{GOOD}\n{GOOD.replace('S1', 'S2')}\n"
    manifest = read_manifest(_write(tmp_path, "m.csv", text))
    assert manifest.frame.get_column("shipment_id").to_list() == ["S1", "S2"]
    assert [(r.row, r.field) for r in manifest.rejected] == [(3, "shipment_id")]
    assert "first seen at row 2" in manifest.rejected[0].reason
    assert manifest.read_count == manifest.frame.height + manifest.rejected_rows


def test_long_rows_are_rejected_not_dropped(tmp_path: Path) -> None:
    text = f"{HEADER}\n{GOOD}\nS2,2024-03-01,A,CN,B,MX,x,one,too,many\n{GOOD.replace('S1', 'S3')}\n"
    manifest = read_manifest(_write(tmp_path, "m.csv", text))
    assert manifest.frame.get_column("shipment_id").to_list() == ["S1", "S3"]
    assert [(r.row, r.field) for r in manifest.rejected] == [(3, "(row)")]
    assert "has 10 fields, the header has 7" in manifest.rejected[0].reason
    assert manifest.read_count == 3


def test_short_rows_are_rejected_for_their_empty_fields(tmp_path: Path) -> None:
    text = f"{HEADER}\n{GOOD}\nS2,2024-03-01,too,few\n"
    manifest = read_manifest(_write(tmp_path, "m.csv", text))
    assert manifest.frame.get_column("shipment_id").to_list() == ["S1"]
    assert {r.row for r in manifest.rejected} == {3}
    assert {r.field for r in manifest.rejected} == {
        "shipper_country",
        "consignee_name",
        "consignee_country",
        "description",
    }
    assert manifest.read_count == 2


def test_missing_required_columns_is_one_clear_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "m.csv", "shipment_id,date,shipper_name\nS1,2024-03-01,A\n")
    with pytest.raises(
        InputError,
        match=r"missing required column\(s\): shipper_country, consignee_name, consignee_country, description",
    ):
        read_manifest(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\n\n  \n", "empty"),
        ("junk.csv", bytes(range(256)) * 8, "binary"),
        ("junk.jsonl", b"\x00\x01\x02\x03" * 100, "binary"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "xlsx"),
        ("broken.parquet", b"PAR1 not really parquet", "Parquet"),
        ("bad.json", b"[1, 2", "not valid JSON"),
    ],
)
def test_bad_files_raise_input_errors(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_manifest(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_manifest(tmp_path / "nope.csv")


def test_header_only_file_reads_zero_rows(tmp_path: Path) -> None:
    manifest = read_manifest(_write(tmp_path, "m.csv", HEADER + "\n"))
    assert manifest.frame.height == 0
    assert manifest.read_count == 0


def test_columns_the_engine_uses_are_renamed(tmp_path: Path, fake_lookups: object) -> None:
    from fentrace.shipments import screen_manifest

    text = f"{HEADER},row,_idx,,row\n{GOOD},7,x,y,9\n"
    manifest = read_manifest(_write(tmp_path, "m.csv", text))
    assert manifest.passthrough == ("row_input", "input_idx", "column_10", "row_duplicated_0")
    result = screen_manifest(manifest, lookups=fake_lookups)  # type: ignore[arg-type]
    assert result.alerts.get_column("row_input").to_list() == ["7"]
    assert result.alerts.get_column("row").to_list() == [2]


def test_manifest_from_frame() -> None:
    frame = pl.DataFrame({k: [v] for k, v in zip(HEADER.split(","), GOOD.split(","), strict=True)})
    manifest = manifest_from_frame(frame)
    assert manifest.frame.height == 1
    assert manifest.read_count == 1
