"""The rules never raise on unusual but valid structures: charges, isotopes, metals, rings."""

from __future__ import annotations

from datetime import date

import pytest
from rdkit import Chem

from fentrace.chemistry.classes import class_matches, could_match_any_rule, is_fentanyl_class
from fentrace.chemistry.routes import can_react, search_routes
from fentrace.chemistry.similarity import nearest

UNUSUAL = [
    "[Na+].[Cl-]",
    "[2H]C([2H])([2H])C(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",  # deuterated acetylfentanyl
    "CCC(=O)N(c1ccccc1)C1CC[N+](C)(CCc2ccccc2)CC1",  # quaternary piperidinium
    "CCC(=O)N(c1ccccc1)C1CC[N+]([O-])(CCc2ccccc2)CC1",  # fentanyl N-oxide
    "C1CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC1",
    "[Fe]",
    "C",
    "c1ccc2c(c1)c1ccccc1n2C1CCNCC1",
    "O=C1CCN(CC1)C1CCC(=O)CC1",
    "C1CC2(CCN1)OCCO2.C1CC2(CCN1)OCCO2",
    "CCC(=O)N(c1ccccc1)C12CCN(CC1)CC2",  # bridged: a quinuclidine, not a piperidine core
    "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1.CCC(=O)Cl",
    "[N-]=[N+]=NC1CCN(CCc2ccccc2)CC1",
    "O=C1CCN([Si](C)(C)C)CC1",
]


@pytest.mark.parametrize("smiles", UNUSUAL)
def test_rules_do_not_raise(smiles: str) -> None:
    mol = Chem.MolFromSmiles(smiles)
    assert mol is not None
    as_of = date(2025, 12, 1)
    for match in class_matches(mol, as_of):
        assert set(match.atoms) <= set(range(mol.GetNumAtoms()))
    could_match_any_rule(mol)
    is_fentanyl_class(mol)
    if can_react(mol):
        search_routes(mol, as_of)
    assert len(nearest(mol, 2)) == 2


def test_quaternary_and_bridged_cores_are_not_fentanyl_class() -> None:
    for smiles in (
        "CCC(=O)N(c1ccccc1)C1CC[N+](C)(CCc2ccccc2)CC1",
        "CCC(=O)N(c1ccccc1)C12CCN(CC1)CC2",
    ):
        assert not is_fentanyl_class(Chem.MolFromSmiles(smiles)), smiles


def test_deuterated_analogue_is_still_in_the_class() -> None:
    mol = Chem.MolFromSmiles("[2H]C([2H])([2H])C(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1")
    rules = {m.rule_id: m.conditions for m in class_matches(mol, date(2025, 12, 1))}
    assert rules["us-frs"] == ("E",)


@pytest.mark.parametrize(
    ("smiles", "us"),
    [
        ("[2H]C([2H])([2H])C([2H])([2H])C(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1", None),
        ("CCC(=O)N(c1ccccc1)C1CCN(C([2H])([2H])Cc2ccccc2)CC1", None),
        ("CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1[2H]", None),
        ("[2H]C([2H])([2H])C(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1", ("E",)),
    ],
)
def test_isotopic_hydrogens_are_not_modifications(smiles: str, us: tuple[str, ...] | None) -> None:
    mol = Chem.MolFromSmiles(smiles)
    found = {m.rule_id: m.conditions for m in class_matches(mol, date(2025, 12, 1))}
    assert found.get("us-frs") == us
    assert is_fentanyl_class(mol)
