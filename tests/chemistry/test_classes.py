"""Case tables for the legal class and derivative rules: positives and negatives side by side."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rdkit import Chem

from fentrace.chemistry.classes import (
    analyse_fentanyl_core,
    class_matches,
    could_match_any_rule,
    is_fentanyl_class,
    is_fentanyl_opioid,
    legal_rules,
    modified_atoms,
    parse_rules,
)
from fentrace.exc import ConfigError
from fentrace.reference import load_knowledge_base

DATA = Path(__file__).parent / "data" / "rules"
AS_OF = date(2025, 12, 1)


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _mol(smiles: str) -> Chem.Mol:
    mol = Chem.MolFromSmiles(smiles)
    assert mol is not None, smiles
    return mol


def _codes(text: str) -> tuple[str, ...] | None:
    return None if text == "-" else () if text == "parent" else tuple(text.split(";"))


FENTANYL_ROWS = _rows("fentanyl_classes.csv")


@pytest.mark.parametrize("row", FENTANYL_ROWS, ids=[r["case"] for r in FENTANYL_ROWS])
def test_fentanyl_class_conditions(row: dict[str, str]) -> None:
    mol = _mol(row["smiles"])
    found = {m.rule_id: m.conditions for m in class_matches(mol, AS_OF)}
    for rule_id, expected in (("us-frs", _codes(row["us"])), ("cn-frs", _codes(row["cn"]))):
        if expected:
            assert found.get(rule_id) == expected, (rule_id, row["why"])
        else:
            assert rule_id not in found, (rule_id, row["why"])
    in_class = row["us"] != "-" or row["cn"] != "-"
    assert is_fentanyl_class(mol) is in_class
    assert is_fentanyl_opioid(mol) is (row["us"] != "-")


def test_every_kb_fentanyl_analogue_has_a_case_row() -> None:
    table = {Chem.MolToSmiles(_mol(r["smiles"]), isomericSmiles=False) for r in FENTANYL_ROWS}
    kb = load_knowledge_base()
    analogues = [s for s in kb.substances.values() if s.role == "fentanyl_analog"]
    assert len(analogues) >= 30
    missing = [
        s.id
        for s in analogues
        if Chem.MolToSmiles(_mol(s.smiles), isomericSmiles=False) not in table
    ]
    assert missing == []


def test_every_kb_fentanyl_analogue_is_in_the_china_class_or_is_fentanyl() -> None:
    kb = load_knowledge_base()
    for substance in kb.substances.values():
        if substance.role != "fentanyl_analog":
            continue
        mol = _mol(substance.smiles)
        assert is_fentanyl_class(mol), substance.id
        rules = {m.rule_id for m in class_matches(mol, AS_OF)}
        if substance.id != "FENT":
            assert "cn-frs" in rules, substance.id


def test_negative_controls_match_no_rule_at_all() -> None:
    kb = load_knowledge_base()
    assert len(kb.negative_controls) >= 30
    for ident, name, smiles in kb.negative_controls:
        mol = _mol(smiles)
        assert class_matches(mol, AS_OF) == [], (ident, name)
        assert not is_fentanyl_class(mol), (ident, name)


DERIVATIVE_ROWS = _rows("derivative_words.csv")


@pytest.mark.parametrize("row", DERIVATIVE_ROWS, ids=[r["case"] for r in DERIVATIVE_ROWS])
def test_derivative_words(row: dict[str, str]) -> None:
    mol = _mol(row["smiles"])
    found = {m.rule_id: m for m in class_matches(mol, date.fromisoformat(row["as_of"]))}
    if row["words"] == "-":
        assert row["rule"] not in found, row["why"]
        return
    match = found[row["rule"]]
    assert match.conditions == tuple(row["words"].split(";"))
    assert match.kind == "derivative"
    assert match.explanation


def test_class_rules_follow_their_dates() -> None:
    mol = _mol("CCC(=O)N(c1cccc(Cl)c1)C1CCN(CCc2ccccc2)CC1")
    assert class_matches(mol, date(2018, 2, 5)) == []
    assert [m.rule_id for m in class_matches(mol, date(2018, 2, 6))] == ["us-frs"]
    assert {m.rule_id for m in class_matches(mol, date(2019, 5, 1))} >= {"us-frs", "cn-frs"}


def test_match_carries_legal_record_and_atoms() -> None:
    mol = _mol("CCC(=O)N(c1ccccc1)C1(COC)CCN(CCc2cccs2)CC1")  # sufentanil
    match = next(m for m in class_matches(mol, AS_OF) if m.rule_id == "us-frs")
    assert match.class_id == "us-frs"
    assert match.jurisdiction == "US"
    assert "5188" in match.citation
    assert match.source
    assert match.verified
    assert match.since == date(2025, 7, 16)  # the HALT Act control is the one in force
    thiophene_s = next(a.GetIdx() for a in mol.GetAtoms() if a.GetSymbol() == "S")
    assert thiophene_s in match.atoms
    assert set(match.atoms) <= set(range(mol.GetNumAtoms()))
    assert "(A)" in match.explanation
    assert "(C)" in match.explanation


def test_interpretive_canadian_reading_is_unverified() -> None:
    mol = _mol("c1ccc(CN2CCC(Nc3ccccc3)CC2)cc1")
    match = next(m for m in class_matches(mol, AS_OF) if m.rule_id == "ca-4ap-derivatives")
    assert match.verified is False
    assert match.control_id is not None


def test_fentanyl_itself_is_fentanyl_class_but_no_class_match() -> None:
    mol = _mol("CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1")
    analysis = analyse_fentanyl_core(mol)
    assert analysis is not None
    assert analysis.us == ()
    assert analysis.cn == ()
    assert [m for m in class_matches(mol, AS_OF) if m.kind == "class"] == []


@pytest.mark.parametrize(
    ("smiles", "expected"),
    [
        ("CCO", False),
        ("c1ccccc1N", False),
        ("O=C1CCNCC1", True),
        ("CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1", True),
        ("C1CCNCC1", True),
    ],
)
def test_prefilter(smiles: str, expected: bool) -> None:
    assert could_match_any_rule(_mol(smiles)) is expected


def test_prefilter_never_hides_a_match() -> None:
    for row in FENTANYL_ROWS + DERIVATIVE_ROWS:
        mol = _mol(row["smiles"])
        if class_matches(mol, AS_OF):
            assert could_match_any_rule(mol)


def test_rules_file_loads_every_rule() -> None:
    assert set(legal_rules()) == {
        "us-frs",
        "cn-frs",
        "us-4ap-derivatives",
        "us-4piperidone-derivatives",
        "ca-4ap-derivatives",
        "ca-anpp-derivatives",
        "ca-norf-derivatives",
    }


GOOD_RULE: dict[str, Any] = {
    "rule_id": "x",
    "kind": "class",
    "jurisdiction": "US",
    "name": "n",
    "citation": "c",
    "since": "2020-01-01",
    "source": "s",
}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "expected a mapping with a 'rules' list"),
        ({"rules": ["text"]}, "rule 1: expected a mapping"),
        ({"rules": [{"rule_id": "x"}]}, "rule x: missing kind"),
        ({"rules": [{**GOOD_RULE, "kind": "guess"}]}, "field 'kind'"),
        ({"rules": [{**GOOD_RULE, "since": "someday"}]}, "field 'since'"),
        ({"rules": [{**GOOD_RULE, "words": ["amides"]}]}, "field 'words'"),
        ({"rules": [{**GOOD_RULE, "words": {"amides": "2020-13-01"}}]}, "words.amides"),
    ],
)
def test_bad_rules_file_is_a_located_config_error(raw: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_rules(raw)


def test_good_rule_parses() -> None:
    (rule,) = parse_rules({"rules": [GOOD_RULE]})
    assert rule.span_for("class", date(2020, 1, 1)) is not None
    assert rule.span_for("class", date(2019, 12, 31)) is None


@pytest.mark.parametrize(
    ("smiles", "symbols"),
    [
        # 3-chloroanilino (D), thiophene (A) and 3-methyl (C): the ring, the S and the methyl
        ("CCC(=O)N(c1cccc(Cl)c1)C1CCN(CCc2cccs2)CC1C", {"Cl", "S"}),
        # isobutyryl (E) and alpha-methyl (B): the acyl group's O is among the changes
        ("CC(C)C(=O)N(c1ccccc1)C1CCN(C(C)Cc2ccccc2)CC1", {"O"}),
        ("CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1", set()),  # fentanyl: nothing changed
        ("CCO", set()),
    ],
)
def test_modified_atoms_are_the_changes_from_fentanyl(smiles: str, symbols: set[str]) -> None:
    mol = _mol(smiles)
    changed = modified_atoms(mol)
    assert {
        mol.GetAtomWithIdx(i).GetSymbol()
        for i in changed
        if mol.GetAtomWithIdx(i).GetSymbol() != "C"
    } == symbols
    assert bool(changed) is bool(symbols)


@pytest.mark.parametrize(
    ("smiles", "rule_id", "sentence"),
    [
        (
            "CCC(=O)N(c1ccccc1)C1(COC)CCN(CCc2cccs2)CC1",
            "us-frs",
            "Fentanyl core with modification(s) A, C: (A) the phenethyl's phenyl is a "
            "5-membered aromatic ring with S; (C) the piperidine ring bears an ether group.",
        ),
        (
            "CCC(=O)N(c1ccccc1)C1(C(=O)OC)CCN(CCc2ccccc2)CC1C",
            "cn-frs",
            "Fentanyl core meeting condition(s) 3: (3) the piperidine ring bears alkyl and "
            "ester groups.",
        ),
        (
            "CC(C)(C)OC(=O)N1CCC(Nc2ccc(F)cc2)CC1",
            "us-4ap-derivatives",
            "A carbamate and halide of 4-AP: the listing covers its carbamates and halides "
            "in combination.",
        ),
    ],
)
def test_explanations_read_as_sentences(smiles: str, rule_id: str, sentence: str) -> None:
    match = next(m for m in class_matches(_mol(smiles), AS_OF) if m.rule_id == rule_id)
    assert match.explanation == sentence
