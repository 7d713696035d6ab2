"""Tiers, the pharmacophore watch and contested readings: case tables, positives and negatives."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rdkit import Chem

from fentrace.chemistry.batch import Record, screen_file, screen_record
from fentrace.chemistry.classes import (
    MONOCYCLE_NOTE,
    class_matches,
    contested_readings,
    opioid_pharmacophore,
)
from fentrace.chemistry.routes import parse_templates, search_routes
from fentrace.chemistry.screen import screen
from fentrace.chemistry.similarity import (
    PHARMACOPHORE_FLOOR,
    WATCH_THRESHOLD,
    nearest,
    pharmacophore_match,
)
from fentrace.cli import main
from fentrace.exc import ConfigError, UsageError
from fentrace.reference import load_knowledge_base

AS_OF = date(2026, 1, 1)
DATA = Path(__file__).parent / "data" / "rules"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _mol(smiles: str) -> Chem.Mol:
    mol = Chem.MolFromSmiles(smiles)
    assert mol is not None, smiles
    return mol


TIER_ROWS = _rows("tiers.csv")
GOOD_TEMPLATE: dict[str, Any] = {
    "id": "t",
    "name": "n",
    "smarts": "[#7:1]>>[#7:1]C",
    "reagent": "r",
    "family": "mask",
    "source": "s",
}
MEDICINES = _rows("approved_medicines.csv")


# --- tiers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("row", TIER_ROWS, ids=[r["case"] for r in TIER_ROWS])
def test_tier_case_table(row: dict[str, str]) -> None:
    result = screen(row["smiles"], AS_OF)
    assert result.verdict == row["verdict"], row["why"]
    assert (result.tier or "-") == row["tier"], result.tier_reason
    if result.tier is None:
        assert result.tier_reason is None
    else:
        assert result.tier_reason  # every tier is explained
    # the tier is a field of the JSON object and of the flat row
    assert result.to_dict()["tier"] == result.tier
    assert result.to_row()["tier"] == result.tier


def test_precursor_route_is_reported_with_its_steps() -> None:
    result = screen("CC(=O)N1CCC(Nc2ccc(F)cc2)CC1", AS_OF)
    assert result.tier == "precursor_route"
    steps = [step["template"] for step in result.to_dict()["precursor_route"]]
    assert steps == ["piperidine-amide-hydrolysis", "n-phenethylation", "n-propionylation"]
    assert "para-Fluorofentanyl" in (result.tier_reason or "")


def test_letter_of_law_names_the_step_a_chemist_would_not_take() -> None:
    result = screen("O=C1CCN(C(=O)c2ccc(Cl)cc2)CC1", AS_OF)
    assert result.tier == "letter_of_law"
    reason = result.tier_reason or ""
    assert "us-4piperidone-derivatives" in reason
    assert "remove 9 heavy atoms, more than a protecting group (5 at most)" in reason
    assert result.to_dict()["precursor_route"] == []


def test_routes_keep_the_verdict_and_steps_of_before() -> None:
    # the tier is a new field: verdicts and steps_to_fentanyl keep their meaning
    result = screen("O=C1CCN(c2ccccc2)CC1", AS_OF)
    assert result.verdict == "designer_precursor"
    assert result.tier == "letter_of_law"
    found = search_routes(_mol("O=C1CCN(C(=O)c2ccc(Cl)cc2)CC1"), AS_OF)
    assert found.steps_to_fentanyl == 4  # hydrolysis, amination, phenethylation, acylation
    assert found.precursor_route is None


def test_two_protecting_groups_make_one_precursor_route() -> None:
    # an ethyl carbamate (5 atoms) and an ethylene ketal (3 atoms) both come off
    found = search_routes(_mol("CCOC(=O)N1CCC2(CC1)OCCO2"), AS_OF)
    assert found.precursor_route is not None
    steps = {step.template_id for step in found.precursor_route}
    assert {"alkyl-carbamate-hydrolysis", "ketal-hydrolysis"} <= steps


@pytest.mark.parametrize(
    ("smiles", "keeps"),
    [
        ("CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1", True),  # fentanyl
        ("CCC(=O)N(c1ccccc1)C1CCN(CC(=O)c2ccccc2)CC1", True),  # beta-keto
        ("CCC(=O)N(c1ccc(F)cc1)C1(C(=O)OC)CCN(CCc2cccs2)CC1", True),  # carfentanil-like
        ("CCC(=O)N(c1ccccc1)C1CCN(c2ccccc2)CC1", False),  # N-aryl: not basic
        ("CCC(=O)N(c1ccccc1)C1CCN(S(C)(=O)=O)CC1", False),  # N-sulfonyl
        ("CCC(=O)N(c1ccccc1)C1CCN(C(=O)Nc2ccccc2)CC1", False),  # urea
        ("CCC(=O)N(c1ccccc1)C1CCN(C)CC1", False),  # no arylethyl
        ("CCC(=O)N(c1ccccc1)C1CCN(Cc2ccccc2)CC1", False),  # benzyl: ring 2 bonds away
        ("CCC(=O)N(c1ncccn1)C1CCN(CCc2ccccc2)CC1", False),  # no anilide benzene
        ("CCC(=O)N(c1cccc(-c2ccn[nH]2)c1)C1CCN(CCc2ccccc2)CC1", False),  # ring on the anilide
    ],
)
def test_opioid_pharmacophore(smiles: str, keeps: bool) -> None:
    assert (opioid_pharmacophore(_mol(smiles)) is not None) is keeps


@pytest.mark.parametrize(
    ("limit", "message"),
    [("five", "not a whole number"), (-1, "not a whole number"), (True, "not a whole number")],
)
def test_bad_plausibility_limit_is_a_located_config_error(limit: Any, message: str) -> None:
    raw = {"templates": [{**GOOD_TEMPLATE, "plausible_if_lost_at_most": limit}]}
    with pytest.raises(
        ConfigError, match=f"template t, field 'plausible_if_lost_at_most'.*{message}"
    ):
        parse_templates(raw)


# --- pharmacophore watch ------------------------------------------------------------------------

WATCHED = [
    ("2,3-seco-fentanyl", "CCC(=O)N(c1ccccc1)C(C)CCN(C)CCc1ccccc1"),
    ("3,4-seco-fentanyl", "CCC(=O)N(c1ccccc1)CCCN(C)CCc1ccccc1"),
    ("anilide C-isostere of beta-hydroxy-p-fluoro", "CCC(=O)C(c1ccc(F)cc1)C1CCN(CC(O)c2ccccc2)CC1"),
    ("anilide C-isostere of fentanyl", "CCC(=O)C(c1ccccc1)C1CCN(CCc2ccccc2)CC1"),
    ("anilide C-isostere of acryl-p-fluoro", "C=CC(=O)C(c1ccc(F)cc1)C1CCN(CCc2ccccc2)CC1"),
    ("ring-opened carfentanil", "CCC(=O)N(c1ccccc1)C(C)(C(=O)OC)CCN(C)CCc1ccccc1"),
]


@pytest.mark.parametrize(("case", "smiles"), WATCHED, ids=[c for c, _ in WATCHED])
def test_pharmacophore_watch_catches_ring_opened_and_isosteric_analogues(
    case: str, smiles: str
) -> None:
    result = screen(smiles, AS_OF)
    assert result.verdict == "watch", case
    fired = [m for m in result.matches if m.kind == "similar" and m.rule == "pharmacophore"]
    tanimoto_watch = any(
        m.rule == "tanimoto" and (m.similarity or 0) >= WATCH_THRESHOLD for m in result.matches
    )
    assert fired or tanimoto_watch
    if fired:
        assert "fentanyl pharmacophore" in fired[0].explanation
        assert fired[0].atoms
    # batch mode (neighbours only near the thresholds) agrees
    batch = screen_record(Record(1, None, smiles, "smiles"), AS_OF)
    assert batch.verdict == "watch"


def test_seco_fentanyl_is_below_the_fingerprint_threshold_and_watched_by_pharmacophore() -> None:
    mol = _mol(WATCHED[0][1])
    assert nearest(mol, 1)[0].similarity < WATCH_THRESHOLD
    assert nearest(mol, 1)[0].similarity >= PHARMACOPHORE_FLOOR
    result = screen(WATCHED[0][1], AS_OF)
    assert [m.rule for m in result.matches if m.kind == "similar"][-1] == "pharmacophore"


def test_negative_controls_hold_no_pharmacophore_and_stay_clear() -> None:
    controls = load_knowledge_base().negative_controls
    assert len(controls) >= 30
    for _, name, smiles in controls:
        assert pharmacophore_match(_mol(smiles)) is None, name
        assert screen(smiles, AS_OF).verdict == "clear", name


@pytest.mark.parametrize("row", MEDICINES, ids=[r["name"] for r in MEDICINES])
def test_approved_medicines_stay_clear(row: dict[str, str]) -> None:
    result = screen(row["smiles"], AS_OF)
    assert result.verdict == "clear", row["why"]
    assert result.tier is None


# --- contested readings -------------------------------------------------------------------------

CONTESTED = [
    # case, smiles, rule, literal conditions ("-" outside), broad conditions
    (
        "3,4-methylenedioxy phenethyl",
        "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccc3c(c2)OCO3)CC1",
        "us-frs",
        "-",
        "A",
    ),
    ("indol-3-yl ethyl", "CCC(=O)N(c1ccccc1)C1CCN(CCc2c[nH]c3ccccc23)CC1", "us-frs", "-", "A"),
    ("benzofuran anilide", "CCC(=O)N(c1ccc2occc2c1)C1CCN(CCc2ccccc2)CC1", "us-frs", "-", "D"),
    ("quinolin-6-yl anilide", "CCC(=O)N(c1ccc2ncccc2c1)C1CCN(CCc2ccccc2)CC1", "cn-frs", "-", "2"),
]


@pytest.mark.parametrize(
    ("case", "smiles", "rule", "literal", "broad"), CONTESTED, ids=[c[0] for c in CONTESTED]
)
def test_fused_rings_are_reported_under_both_readings(
    case: str, smiles: str, rule: str, literal: str, broad: str
) -> None:
    readings = {r.rule_id: r for r in contested_readings(_mol(smiles), AS_OF)}
    assert rule in readings, case
    reading = readings[rule]
    assert (reading.literal is None) is (literal == "-")
    assert reading.broad is not None
    assert broad in reading.broad
    assert reading.note == MONOCYCLE_NOTE

    said = screen(smiles, AS_OF)  # literal decides by default
    wide = screen(smiles, AS_OF, monocycle_reading="broad")
    for result, deciding in ((said, "literal"), (wide, "broad")):
        shown = {c.rule: c for c in result.contested}
        assert shown[rule].deciding == deciding
        assert set(shown[rule].readings) == {"literal", "broad"}
        assert shown[rule].to_dict()["note"] == MONOCYCLE_NOTE
    literal_rules = {m.rule for m in said.matches if m.kind == "class"}
    broad_rules = {m.rule for m in wide.matches if m.kind == "class"}
    assert rule not in literal_rules
    assert rule in broad_rules
    assert wide.jurisdictions[reading.jurisdiction].status == "class_controlled"


def test_monocycles_are_not_contested() -> None:
    for smiles in ("CCC(=O)N(c1ccccc1)C1CCN(CCc2cccs2)CC1", "CCO", "O=C1CCN(CCc2ccccc2)CC1"):
        assert contested_readings(_mol(smiles), AS_OF) == []
        assert screen(smiles, AS_OF).contested == ()


def test_class_matches_broad_reading_and_a_bad_reading() -> None:
    smiles = CONTESTED[0][1]
    assert "us-frs" in {m.rule_id for m in class_matches(_mol(smiles), AS_OF, "broad")}
    assert "us-frs" not in {m.rule_id for m in class_matches(_mol(smiles), AS_OF)}
    with pytest.raises(UsageError, match="monocycle reading 'wide'"):
        class_matches(_mol(smiles), AS_OF, "wide")
    with pytest.raises(UsageError, match="monocycle reading 'wide'"):
        screen(smiles, AS_OF, monocycle_reading="wide")


def test_screen_file_writes_tier_and_contested_columns(tmp_path: Path) -> None:
    source = tmp_path / "in.smi"
    source.write_text(
        f"{CONTESTED[0][1]} mdo\nO=C1CCN(c2ccccc2)CC1 nphenyl\nCC(=O)N1CCC(=O)CC1 acetyl\n"
    )
    out = tmp_path / "out.csv"
    summary = screen_file(source, str(out), "csv", AS_OF, jobs=1, monocycle_reading="broad")
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["tier"] for r in rows] == ["precursor_route", "letter_of_law", "precursor_route"]
    assert "us-frs: literal outside, broad A (deciding: broad)" in rows[0]["contested"]
    assert rows[1]["tier_reason"]
    assert summary.to_dict()["tiers"] == {"letter_of_law": 1, "precursor_route": 2}
    with pytest.raises(UsageError):
        screen_file(source, str(out), "csv", AS_OF, jobs=1, monocycle_reading="wide")


def test_cli_monocycle_reading_option(capsys: pytest.CaptureFixture[str]) -> None:
    smiles = CONTESTED[0][1]
    assert main(["chem", "screen", smiles, "--json", "--as-of", "2026-01-01"]) == 0
    literal = json.loads(capsys.readouterr().out)[0]
    assert (
        main(
            [
                "chem",
                "screen",
                smiles,
                "--json",
                "--as-of",
                "2026-01-01",
                "--monocycle-reading",
                "broad",
            ]
        )
        == 0
    )
    broad = json.loads(capsys.readouterr().out)[0]
    assert literal["jurisdictions"]["US"]["status"] == "not_controlled"
    assert broad["jurisdictions"]["US"]["status"] == "class_controlled"
    assert literal["contested"][0]["deciding"] == "literal"
    assert broad["contested"][0]["deciding"] == "broad"
    assert main(["chem", "screen", smiles, "--monocycle-reading", "wide"]) == 2
    assert "--monocycle-reading" in capsys.readouterr().err
    assert main(["chem", "screen", smiles, "--as-of", "2026-01-01"]) == 0
    table = capsys.readouterr().out
    assert "contested reading: us-frs: literal outside, broad A (deciding: literal)" in table
