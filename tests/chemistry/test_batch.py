"""Batch screening of files: readers, order, rejected records, the three output formats.

Runs on the knowledge-base double of data/core (MiniKB) with no rules, so the rows do not move
when the bundled data or the rules change; the screening itself is tested elsewhere.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from fentrace.chemistry import batch, kbindex
from fentrace.chemistry import screen as screen_module
from fentrace.chemistry.batch import (
    ROW_COLUMNS,
    Record,
    read_csv,
    read_records,
    read_sdf,
    read_smi,
    screen_file,
    screen_records,
)
from fentrace.chemistry.screen import Rules
from fentrace.exc import InputError

CORE = Path(__file__).parent / "data" / "core"
AS_OF = date(2024, 1, 1)
NO_RULES = Rules(None, None, None, None, None, None, None)


def _minikb() -> Any:
    spec = importlib.util.spec_from_file_location("minikb", CORE / "minikb.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MiniKB()


@pytest.fixture(autouse=True)
def _mini_knowledge_base(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    kb = _minikb()
    monkeypatch.setattr(kbindex, "load_knowledge_base", lambda: kb)
    monkeypatch.setattr(kbindex, "validate_structures", lambda kb, inchikey_of: None)
    monkeypatch.setattr(screen_module, "rules", lambda: NO_RULES)
    kbindex.knowledge_base.cache_clear()
    kbindex.kb_index.cache_clear()
    yield
    kbindex.knowledge_base.cache_clear()
    kbindex.kb_index.cache_clear()


SMI = """O=C1CCN(CCc2ccccc2)CC1 npp-1
C1CC broken-ring

Cl.Cl.c1ccc(NC2CCNCC2)cc1 4ap-salt
CCO ethanol
N(=O)(=O)=O impossible-valence
c1ccc(NC2CCNCC2)cc1
"""


def test_read_smi_numbers_every_line() -> None:
    records = list(read_smi(io.StringIO(SMI)))
    assert [r.number for r in records] == [1, 2, 3, 4, 5, 6, 7]
    assert records[0].id == "npp-1"
    assert records[2].error == "empty record"
    assert records[6].id is None


@pytest.mark.parametrize("jobs", [1, 2])
def test_smi_rows_in_order_with_rejections(tmp_path: Path, jobs: int) -> None:
    source = tmp_path / "in.smi"
    source.write_text(SMI)
    out = tmp_path / "out.csv"
    summary = screen_file(source, str(out), "csv", AS_OF, jobs=jobs)
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(ROW_COLUMNS)
    assert [row["record"] for row in rows] == ["1", "2", "3", "4", "5", "6", "7"]
    assert [row["verdict"] for row in rows] == [
        "controlled",
        "",
        "",
        "controlled",
        "clear",
        "",
        "controlled",
    ]
    assert rows[0]["substance"] == "NPP"
    assert rows[0]["status_US"] == "controlled"
    assert rows[3]["removed"] == "2 x HCl (salt)"
    assert rows[1]["error"].startswith("SMILES could not be read: syntax error")
    assert rows[2]["error"] == "empty record"
    assert "valence" in rows[5]["error"].lower()
    assert rows[4]["inchikey"] == ""  # clear rows skip the InChIKey in batch mode
    assert rows[0]["inchikey"] == "YDJXNYNKKXZBMP-UHFFFAOYSA-N"
    assert summary.to_dict() == {
        "read": 7,
        "screened": 4,
        "rejected": 3,
        "verdicts": {"clear": 1, "controlled": 3},
        "tiers": {},  # listed by name: the listing, not a tier, says what they are
    }
    assert summary.rejections[0] == (2, "broken-ring", rows[1]["error"])


def test_jsonl_carries_the_full_object(tmp_path: Path) -> None:
    source = tmp_path / "in.smi"
    source.write_text(SMI)
    out = tmp_path / "out.jsonl"
    screen_file(source, str(out), "jsonl", AS_OF, jobs=1)
    objects = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(objects) == 7
    first = objects[0]
    assert first["record"] == 1
    assert first["id"] == "npp-1"
    assert first["jurisdictions"]["US"]["since"] == "2007-04-23"
    assert {"query", "verdict", "matches", "route", "standardisation"} <= set(first)
    assert objects[1]["resolved"] is False


def test_parquet_output(tmp_path: Path) -> None:
    source = tmp_path / "in.smi"
    source.write_text(SMI)
    out = tmp_path / "out.parquet"
    screen_file(source, str(out), "parquet", AS_OF, jobs=1)
    frame = pl.read_parquet(out)
    assert frame.columns == list(ROW_COLUMNS)
    assert frame["record"].to_list() == [1, 2, 3, 4, 5, 6, 7]
    assert frame["resolved"].to_list() == [True, False, False, True, True, False, True]


def test_stdout_is_jsonl(tmp_path: Path) -> None:
    source = tmp_path / "in.smi"
    source.write_text("CCO a\n")
    sink = io.StringIO()
    screen_file(source, "-", "jsonl", AS_OF, jobs=1, stdout=sink)
    assert json.loads(sink.getvalue())["id"] == "a"


CSV_TEXT = """compound_id,cas,comment
c1,39742-60-4,ok
c2,1609-66-7,wrong check digit
c3,,empty
c4,4-anilinopiperidine,a name
"""


def test_csv_column_detected_by_name(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(CSV_TEXT)
    out = tmp_path / "out.csv"
    screen_file(source, str(out), "csv", AS_OF, jobs=1)
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["id"] for row in rows] == ["c1", "c2", "c3", "c4"]
    assert rows[0]["substance"] == "NPP"
    assert rows[1]["error"] == "CAS 1609-66-7: check digit should be 1"
    assert rows[2]["error"] == "empty 'cas'"
    assert rows[3]["substance"] == "4AP"


def test_csv_column_detected_by_content_and_by_flag() -> None:
    text = "label,thing\nfirst,CCO\nsecond,c1ccccc1\n"
    records = list(read_csv(io.StringIO(text)))
    assert [r.text for r in records] == ["CCO", "c1ccccc1"]
    flagged = list(read_csv(io.StringIO(text), column="label", id_column="thing"))
    assert [(r.text, r.id) for r in flagged] == [("first", "CCO"), ("second", "c1ccccc1")]


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("a,b\nhello,world\n", None, "no column holds SMILES"),
        ("smiles\nCCO\n", "nope", "column 'nope' not in the file"),
        ("", None, "the CSV file is empty"),
    ],
)
def test_csv_errors(text: str, column: str | None, message: str) -> None:
    with pytest.raises(InputError, match=message):
        list(read_csv(io.StringIO(text), column=column))


def test_csv_row_with_extra_fields_is_rejected() -> None:
    records = list(read_csv(io.StringIO("smiles,id\nCCO,a,extra\nCCN,b\n")))
    assert records[0].error == "more fields than the header"
    assert records[1].error is None


MOLBLOCK_NPP = """npp-sdf
     RDKit          2D

  3  2  0  0  0  0  0  0  0  0999 V2000
    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    1.2990    0.7500    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    2.5981   -0.0000    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0
  1  2  1  0
  2  3  1  0
M  END
> <code>
E-1

$$$$
broken
     RDKit          2D

  1  0  0  0  0  0  0  0  0  0999 V2000
    0.0000    0.0000    0.0000 Qz  0  0  0  0  0  0  0  0  0  0  0  0
M  END
$$$$
no-end-line
$$$$
"""


def test_sdf_record_by_record(tmp_path: Path) -> None:
    records = list(read_sdf(io.StringIO(MOLBLOCK_NPP), id_column="code"))
    assert [r.number for r in records] == [1, 2, 3]
    assert records[0].id == "E-1"
    assert records[2].error == "no 'M  END' line"
    source = tmp_path / "in.sdf"
    source.write_text(MOLBLOCK_NPP)
    out = tmp_path / "out.csv"
    summary = screen_file(source, str(out), "csv", AS_OF, jobs=1)
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["id"] for row in rows] == ["npp-sdf", "broken", "no-end-line"]
    assert rows[0]["smiles"] == "CCO"
    assert rows[0]["input_type"] == "molfile"
    assert rows[1]["error"].startswith("molfile")
    assert summary.rejected == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("data.xlsx", b"PK\x03\x04", "cannot read .xlsx"),
        ("noext", b"CCO", "cannot read a file without extension"),
        ("binary.smi", b"CC\x00O", "binary content"),
    ],
)
def test_wrong_file_is_a_clear_error(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    source = tmp_path / name
    source.write_bytes(content)
    with pytest.raises(InputError, match=message):
        list(read_records(source))


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "seized.smi"
    folder.mkdir()
    with pytest.raises(InputError, match="a folder, not a file"):
        list(read_records(folder))


def test_missing_file_fails_before_writing_output(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    with pytest.raises(InputError, match="no such file"):
        screen_file(tmp_path / "missing.smi", str(out), "csv", AS_OF, jobs=1)
    assert not out.exists()


def test_giant_record_is_rejected_not_screened(tmp_path: Path) -> None:
    source = tmp_path / "in.smi"
    source.write_text("C" * 1200 + " polymer\nCCO ok\n")
    out = tmp_path / "out.csv"
    screen_file(source, str(out), "csv", AS_OF, jobs=1)
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["error"] == "1200 heavy atoms: more than 1000, not screened"
    assert rows[1]["verdict"] == "clear"


def test_rdkit_failure_rejects_one_record(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Pre-condition Violation")

    monkeypatch.setattr(batch, "screen_smiles_batch", explode)
    records = list(read_smi(io.StringIO("CCO\n")))
    result = batch._safe_screen(records[0], AS_OF)
    assert result.resolved is False
    assert result.error == "could not be screened: Pre-condition Violation"


def test_csv_with_a_byte_order_mark(tmp_path: Path) -> None:
    source = tmp_path / "excel.csv"
    source.write_bytes("\ufeffSMILES,ID\nCCO,e1\n".encode())
    records = list(read_records(source))
    assert [(r.text, r.id, r.kind) for r in records] == [("CCO", "e1", "smiles")]


@pytest.mark.parametrize("full", [True, False])
def test_repeated_records_are_screened_once_and_copied_in_order(full: bool) -> None:
    texts = ["CCO", "O=C1CCN(CCc2ccccc2)CC1", "C1CC", "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1"]
    records = [Record(i + 1, f"id{i}", texts[i % 4], "smiles") for i in range(400)]
    records.append(Record(401, None, "", "smiles", error="empty record"))
    records.append(Record(402, "again", "", "smiles", error="empty record"))
    one = list(screen_records(records, date(2026, 1, 1), jobs=1, full=full))
    two = list(screen_records(records, date(2026, 1, 1), jobs=2, full=full, chunk_size=7))
    assert [r.row for r in two] == [r.row for r in one]
    assert [r.row[:2] for r in two] == [(r.number, r.id) for r in records]
    if full:
        assert [json.loads(r.json or "") for r in two] == [json.loads(r.json or "") for r in one]


def test_a_repeat_whose_row_is_not_at_hand_is_screened_in_the_parent() -> None:
    # the pool's feeder thread may mark a text as wanted after its first row went by
    repeats = batch._RepeatCache()
    record = Record(5, "late", "O=C1CCN(CCc2ccccc2)CC1", "smiles")
    (row,) = repeats.merge([(record, False)], [], date(2026, 1, 1), False, "literal")
    assert row.row[:2] == (5, "late")
    assert row.as_dict()["verdict"] == "controlled"


#: Ids a CSV writer must quote or make formula-safe: the head of a copied line is rebuilt.
ODD_IDS = [None, "plain", "with,comma", 'with"quote', "=HYPERLINK()", "-1", "line\nbreak", ""]


def _odd_records() -> list[Record]:
    texts = ["CCO", "O=C1CCN(CCc2ccccc2)CC1", "C1CC", "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1"]
    records = [
        Record(i + 1, ODD_IDS[i % len(ODD_IDS)], texts[i % len(texts)], "smiles")
        for i in range(120)
    ]
    records.append(Record(121, "=bad", "", "smiles", error="empty record"))
    records.append(Record(122, None, "N(=O)(=O)=O", "smiles"))
    return records


def _text_of_rows(rows: list[batch.Screened], full: bool) -> str:
    sink = io.StringIO(newline="")
    (batch.write_jsonl if full else batch.write_csv)(rows, sink)
    text = sink.getvalue()
    return text if full else text.split("\r\n", 1)[1]  # without the header row


@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("jobs", [1, 2])
def test_screen_lines_are_the_text_written_for_screen_records(full: bool, jobs: int) -> None:
    records = _odd_records()
    rows = list(screen_records(records, AS_OF, jobs=1, full=full))
    lines = list(batch.screen_lines(records, AS_OF, jobs=jobs, full=full, chunk_size=7))
    assert [record for record, _, _ in lines] == records
    assert "".join(line for _, line, _ in lines) == _text_of_rows(rows, full)
    by_rows, by_lines = batch.BatchSummary(), batch.BatchSummary()
    for row in rows:
        by_rows.add(row)
    for record, _, status in lines:
        by_lines.add_line(record, status)
    assert by_lines == by_rows
    assert by_lines.rejected == 32  # 30 open rings, the read error, the impossible valence
    assert by_lines.rejections[-2][:2] == (121, "=bad")
    assert by_lines.rejections[-1][:2] == (122, None)


@pytest.mark.parametrize("full", [False, True])
def test_a_copied_line_has_the_repeat_s_number_and_id(full: bool) -> None:
    repeats = batch._RepeatCache()
    first = Record(1, 'a,"b"', "O=C1CCN(CCc2ccccc2)CC1", "smiles")
    again = Record(22, "=x", first.text, "smiles")
    repeats.wanted.add((first.kind, first.text))
    line, status = batch._screen_line(first, AS_OF, full, "literal", None)
    text = batch._ChunkText([line], [status])
    merged = list(
        repeats.merge_lines([(first, True), (again, False)], text, AS_OF, full, "literal", None)
    )
    expected, _ = batch._screen_line(again, AS_OF, full, "literal", None)
    assert [m[1] for m in merged] == [line, expected]
    assert merged[1][2] == status == ("controlled", None)


def test_a_repeat_whose_line_is_not_at_hand_is_screened_in_the_parent() -> None:
    repeats = batch._RepeatCache()
    record = Record(5, "late", "O=C1CCN(CCc2ccccc2)CC1", "smiles")
    empty = batch._ChunkText([], [])
    ((seen, line, status),) = repeats.merge_lines(
        [(record, False)], empty, AS_OF, False, "literal", None
    )
    assert seen == record
    assert line.startswith("5,late,O=C1CCN(CCc2ccccc2)CC1,smiles,True,")
    assert status == ("controlled", None)


def test_csv_and_jsonl_files_from_lines_match_screen_records(tmp_path: Path) -> None:
    source = tmp_path / "in.smi"
    source.write_text(SMI)
    rows = list(screen_records(read_records(source), AS_OF, jobs=1, full=True))
    for out_format, full in (("csv", False), ("jsonl", True)):
        out = tmp_path / f"out.{out_format}"
        screen_file(source, str(out), out_format, AS_OF, jobs=1)
        expected = _text_of_rows(rows, full)
        if not full:
            header = batch._csv_line(ROW_COLUMNS)
            expected = header + _text_of_rows([batch.Screened(r.row, None) for r in rows], False)
        assert out.read_bytes() == expected.encode()


def test_bounds_are_read_once_per_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    record = Record(1, None, "CCCCCCCCCCCC", "smiles")
    before = batch.record_bounds()
    monkeypatch.setenv("FENTRACE_MAX_SMILES_CHARS", "10")
    monkeypatch.setenv("FENTRACE_MAX_HEAVY_ATOMS", "5")
    now = batch.record_bounds()
    assert (now.smiles_chars, now.structure.heavy_atoms) == (10, 5)
    # the bounds read before the change decide; read now, they reject
    assert batch.screen_record(record, AS_OF, bounds=before).verdict == "clear"
    rejected = batch.screen_record(record, AS_OF, bounds=now)
    assert rejected.error is not None
    assert "FENTRACE_MAX_SMILES_CHARS" in rejected.error
    assert "limit of 10" in rejected.error
    fits = batch.RecordBounds(100, now.query_chars, now.structure)
    too_big = batch.screen_record(record, AS_OF, bounds=fits)
    assert too_big.error == "12 heavy atoms: more than 5, not screened"
    assert batch.screen_record(record, AS_OF).error == rejected.error  # None: read now


def test_each_thread_writes_csv_lines_through_its_own_writer() -> None:
    import threading

    seen: list[object] = []
    mine = batch._CSV.sink
    worker = threading.Thread(target=lambda: seen.append((batch._CSV.sink, batch._csv_line([1]))))
    worker.start()
    worker.join()
    ((theirs, line),) = seen
    assert theirs is not mine  # a shared sink would hand one thread the other's line
    assert line == "1\r\n"
    assert batch._csv_line(["=x", None, 'a"b']) == '\'=x,,"a""b"\r\n'
