"""`fentrace chem screen` and `screen-file`: output shapes, exit statuses, the done-when query."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fentrace.chemistry import kbindex
from fentrace.chemistry import screen as screen_module
from fentrace.chemistry.screen import Rules
from fentrace.cli import _common, main
from fentrace.reference.models import JURISDICTIONS

CORE = Path(__file__).parents[1] / "chemistry" / "data" / "core"


def _minikb() -> Any:
    spec = importlib.util.spec_from_file_location("minikb", CORE / "minikb.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MiniKB()


@pytest.fixture
def mini(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Screen against the knowledge-base double, with no rules: shapes, not chemistry."""
    kb = _minikb()
    monkeypatch.setattr(kbindex, "load_knowledge_base", lambda: kb)
    monkeypatch.setattr(kbindex, "validate_structures", lambda kb, inchikey_of: None)
    monkeypatch.setattr(
        screen_module, "rules", lambda: Rules(None, None, None, None, None, None, None)
    )
    kbindex.knowledge_base.cache_clear()
    kbindex.kb_index.cache_clear()
    yield
    kbindex.knowledge_base.cache_clear()
    kbindex.kb_index.cache_clear()


@pytest.mark.usefixtures("mini")
def test_screen_json_is_one_array_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["chem", "screen", "NPP", "C1CC", "CCO", "--as-of", "2024-01-01", "--json"])
    assert status == 0
    payload = json.loads(capsys.readouterr().out)
    assert [item["query"] for item in payload] == ["NPP", "C1CC", "CCO"]
    assert [item["verdict"] for item in payload] == ["controlled", None, "clear"]
    assert payload[1]["resolved"] is False
    assert payload[1]["error"].startswith("SMILES 'C1CC' could not be read")
    first = payload[0]
    assert set(first["jurisdictions"]) == set(JURISDICTIONS)
    assert {
        "query",
        "input_type",
        "resolved",
        "error",
        "smiles",
        "inchikey",
        "verdict",
        "family",
        "steps_to_fentanyl",
        "route",
        "jurisdictions",
        "matches",
        "standardisation",
    } <= set(first)


@pytest.mark.usefixtures("mini")
def test_screen_table_for_people(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_common.stdout_console, "width", 240)  # no folding in the test
    assert (
        main(
            [
                "chem",
                "screen",
                "Cl.O=C1CCN(CCc2ccccc2)CC1",
                "nonsense name",
                "--as-of",
                "2024-01-01",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "controlled" in out
    assert "listed" in out
    assert "rejected" in out
    assert "removed HCl (salt)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["chem", "screen", "CCO", "--as-of", "2024-13-01"], "not a date"),
        (["chem", "screen"], "Missing argument"),
        (["chem", "screen-file", "x.smi", "-o", "out.txt"], "cannot tell the output format"),
        (["chem", "screen-file", "x.smi", "-o", "out.csv", "--jobs", "0"], "--jobs"),
        (["chem", "screen-file", "x.smi"], "Missing option"),
        (["chem", "screen-file", "x.smi", "-o", "-", "--format", "parquet"], "needs a file"),
    ],
)
def test_usage_errors_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    assert message in capsys.readouterr().err


@pytest.mark.usefixtures("mini")
def test_screen_file_reports_counts_and_rejections(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.smi"
    source.write_text("O=C1CCN(CCc2ccccc2)CC1 npp\nC1CC bad\n\nCCO ethanol\n")
    out = tmp_path / "out.jsonl"
    assert (
        main(
            [
                "chem",
                "screen-file",
                str(source),
                "-o",
                str(out),
                "--jobs",
                "1",
                "--as-of",
                "2024-01-01",
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "record 2 (bad): rejected: SMILES could not be read" in err
    assert "record 3: rejected: empty record" in err
    assert "read 4, screened 2, rejected 2; verdicts: clear 1, controlled 1" in err
    lines = out.read_text().splitlines()
    assert [json.loads(line)["record"] for line in lines] == [1, 2, 3, 4]


@pytest.mark.usefixtures("mini")
def test_screen_file_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.smi"
    source.write_text("CCO a\nCCN b\n")
    assert main(["chem", "screen-file", str(source), "-o", "-", "--jobs", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["a", "b"]


@pytest.mark.usefixtures("mini")
def test_screen_file_of_the_wrong_type_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.xlsx"
    source.write_bytes(b"PK\x03\x04")
    out = tmp_path / "out.csv"
    # the same exit status as parties screen-file gives for a file type it cannot read
    assert main(["chem", "screen-file", str(source), "-o", str(out)]) == 2
    assert "cannot read .xlsx" in capsys.readouterr().err
    assert not out.exists()


def test_explain_is_registered() -> None:
    from fentrace.cli.chem import chem

    assert {"screen", "screen-file", "explain"} <= set(chem.commands)


@pytest.mark.usefixtures("mini")
def test_screen_file_csv_with_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.csv"
    source.write_text("code,thing\nA1,39742-60-4\nA2,1609-66-7\n")
    out = tmp_path / "out.csv"
    args = ["chem", "screen-file", str(source), "-o", str(out), "--column", "thing"]
    assert main([*args, "--id-column", "code", "--jobs", "1", "--as-of", "2024-01-01"]) == 0
    err = capsys.readouterr().err
    assert "record 2 (A2): rejected: CAS 1609-66-7: check digit should be 1" in err
    assert "read 2, screened 1, rejected 1" in err
    assert out.read_text().splitlines()[1].startswith("1,A1,39742-60-4,cas,True,")


@pytest.mark.usefixtures("mini")
def test_screen_file_unknown_column_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("smiles\nCCO\n")
    out = tmp_path / "out.csv"
    assert main(["chem", "screen-file", str(source), "-o", str(out), "--column", "nope"]) == 2
    assert "column 'nope' not in the file (columns: smiles)" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.usefixtures("mini")
def test_screen_file_csv_on_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.smi"
    source.write_text("CCO a\n")
    assert (
        main(["chem", "screen-file", str(source), "-o", "-", "--format", "csv", "--jobs", "1"]) == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("record,id,query,")
    assert lines[1].startswith("1,a,CCO,smiles,True,")
