"""Explanations: the SVG is written, highlights the matched atoms and shows the route."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from fentrace.chemistry.draw import description, explain_svg, highlighted_atoms
from fentrace.chemistry.results import ScreenResult
from fentrace.chemistry.screen import screen
from fentrace.cli import cli, main
from fentrace.exc import InputError

AS_OF = date(2025, 12, 1)
BOC_PIPERIDONE = "CC(C)(C)OC(=O)N1CCC(=O)CC1"
CHLORO_FENTANYL = "CCC(=O)N(c1cccc(Cl)c1)C1CCN(CCc2ccccc2)CC1"


def test_svg_shows_matched_atoms_and_route(tmp_path: Path) -> None:
    result = screen(BOC_PIPERIDONE, AS_OF)
    target = tmp_path / "boc.svg"
    explain_svg(result, target)
    text = target.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") or text.lstrip().startswith("<svg")
    assert "<desc>" in text
    assert "us-4piperidone-derivatives" in text
    assert "route step 1: removal of a tert-butoxycarbonyl (Boc) group" in text
    assert "4-Piperidone" in text
    assert "route step 4" in text


def test_class_atoms_are_the_highlight() -> None:
    result = screen(CHLORO_FENTANYL, AS_OF)
    atoms = highlighted_atoms(result)
    us = next(m for m in result.matches if m.rule == "us-frs")
    assert set(us.atoms) <= set(atoms)
    assert us.conditions == ("D",)
    assert atoms
    assert "conditions D" in description(result)


def test_unresolved_result_cannot_be_drawn(tmp_path: Path) -> None:
    result = ScreenResult(query="???", input_type="name", resolved=False, error="unknown name")
    with pytest.raises(InputError, match="nothing to draw"):
        explain_svg(result, tmp_path / "x.svg")


def test_unwritable_path_is_an_input_error(tmp_path: Path) -> None:
    result = screen(BOC_PIPERIDONE, AS_OF)
    with pytest.raises(InputError, match="cannot write"):
        explain_svg(result, tmp_path / "missing-dir" / "x.svg")


def test_cli_explain_table_and_svg(tmp_path: Path) -> None:
    target = tmp_path / "out.svg"
    run = CliRunner().invoke(
        cli, ["chem", "explain", CHLORO_FENTANYL, "--as-of", "2025-12-01", "--svg", str(target)]
    )
    assert run.exit_code == 0, run.output
    assert "us-frs" in run.output
    assert "cn-frs" in run.output
    assert "83 FR 5188" in run.output
    assert target.exists()


def test_cli_explain_json() -> None:
    run = CliRunner().invoke(cli, ["chem", "explain", "O=C1CCN(CCc2ccccc2)CC1", "--json"])
    assert run.exit_code == 0, run.output
    payload = json.loads(run.output)
    assert payload["steps_to_fentanyl"] == 2
    assert payload["svg"] is None
    assert [step["template"] for step in payload["route"]] == [
        "reductive-amination-aniline",
        "n-propionylation",
    ]


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["chem", "explain", "CCO", "--as-of", "yesterday"], 2, "not a date"),
        (["chem", "explain"], 2, "Missing argument"),
        (["chem", "explain", "no-such-chemical-xq"], 1, "no-such-chemical-xq"),
    ],
)
def test_cli_explain_errors_are_located_messages(
    args: list[str], status: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == status
    assert message in capsys.readouterr().err
