"""Standardisation golden table: input spelling -> parent SMILES and the phrases removed."""

from __future__ import annotations

import pytest
from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator

from fentrace.chemistry.standardise import (
    _GEM_DIOL,
    ketone_hydrate,
    mol_from_plain_smiles,
    mol_from_smiles,
    parent_smiles,
    standardise,
)

GOLDEN = [
    # (input, parent SMILES, removed phrases)
    ("O=C1CCN(CCc2ccccc2)CC1", "O=C1CCN(CCc2ccccc2)CC1", ()),
    ("Cl.Cl.c1ccc(NC2CCNCC2)cc1", "c1ccc(NC2CCNCC2)cc1", ("2 x HCl (salt)",)),
    ("Cl.O=C1CCNCC1", "O=C1CCNCC1", ("HCl (salt)",)),
    (
        "Cl.OC1(O)CCNCC1",
        "O=C1CCNCC1",
        ("HCl (salt)", "ketone hydrate (gem-diol -> ketone)"),
    ),
    (
        "CCC(=O)N(c1ccccc1)C1CC[NH+](CCc2ccccc2)CC1.[Cl-]",
        "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
        ("chloride (salt)", "charge on N neutralised"),
    ),
    (
        "C/C=C/C(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
        "CC=CC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
        ("stereo",),
    ),
    ("CCCN1CCCC[C@H]1C(=O)Nc1c(C)cccc1C", "CCCN1CCCCC1C(=O)Nc1c(C)cccc1C", ("stereo",)),
    (
        "O.O.CC(=O)[O-].[Na+]",
        "CC(=O)O",
        ("2 x water (solvent)", "sodium (counter-ion)", "charge on O neutralised"),
    ),
    (
        "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1.O=C(O)CC(O)(CC(=O)O)C(=O)O",
        "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
        ("citric acid (salt)",),
    ),
    ("C1=CC=CC=C1NC1CCNCC1", "c1ccc(NC2CCNCC2)cc1", ()),  # kekulé spelling
    ("[H]N1CCC(Nc2ccccc2)CC1", "c1ccc(NC2CCNCC2)cc1", ()),  # explicit hydrogen
    ("c1ccc(NC2CCNCC2)cc1.[Xe]", "c1ccc(NC2CCNCC2)cc1", ("[Xe] (fragment)",)),
    (
        "[2H]c1c([2H])c([2H])c(CCN2CCC(N(C(=O)CC)c3ccccc3)CC2)c([2H])c1[2H]",
        "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
        ("isotope labels (2H)",),
    ),  # fentanyl-d5, a reference standard
    (
        "[13CH3]C(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
        "CC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
        ("isotope labels (13C)",),
    ),
    # negatives: things that must NOT change
    ("CC(O)(O)O", "CC(O)(O)O", ()),  # ortho acid, not a ketone hydrate
    ("OCC(O)CO", "OCC(O)CO", ()),  # vicinal diol, not gem
    ("C[N+](C)(C)C.[Cl-]", "C[N+](C)(C)C", ("chloride (salt)",)),  # quaternary N keeps charge
]


@pytest.mark.parametrize(("given", "parent", "removed"), GOLDEN)
def test_golden_parent_and_removed(given: str, parent: str, removed: tuple[str, ...]) -> None:
    mol = Chem.MolFromSmiles(given)
    result = standardise(mol)
    assert result.smiles == parent
    assert result.removed == removed
    assert Chem.MolToSmiles(result.mol) == parent


@pytest.mark.parametrize(("given", "parent", "removed"), GOLDEN)
def test_text_hint_changes_nothing(given: str, parent: str, removed: tuple[str, ...]) -> None:
    mol = Chem.MolFromSmiles(given)
    hinted = standardise(mol, smiles=given)
    plain = standardise(mol)
    assert (hinted.smiles, hinted.removed) == (parent, removed)
    assert [step.name for step in hinted.steps] == [step.name for step in plain.steps]
    assert [step.changed for step in hinted.steps] == [step.changed for step in plain.steps]


def test_every_step_reports_by_name() -> None:
    result = standardise(Chem.MolFromSmiles("Cl.Cl.c1ccc(NC2CCNCC2)cc1"))
    assert [step.name for step in result.steps] == [
        "largest_organic_fragment",
        "neutralise",
        "remove_isotopes",
        "ketone_hydrate",
        "remove_stereo",
        "canonical_smiles",
    ]
    assert [step.changed for step in result.steps[:5]] == [True, False, False, False, False]
    assert "2 x HCl (salt)" in result.steps[0].detail


def test_input_molecule_is_not_modified() -> None:
    mol = Chem.MolFromSmiles("C/C=C/C(=O)N[C@@H](C)c1ccccc1")
    before = Chem.MolToSmiles(mol)
    standardise(mol)
    assert Chem.MolToSmiles(mol) == before


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Cl.O=C1CCNCC1", "O=C1CCNCC1"),
        ("not a smiles", None),
        ("", None),
        ("   ", None),
        ("C1CC", None),
    ],
)
def test_parent_smiles(given: str, expected: str | None) -> None:
    assert parent_smiles(given) == expected


#: Side by side for the hydroxyl count that ketone_hydrate tests before the gem-diol pattern:
#: (SMILES, hydrate turned into the ketone).
HYDROXYL_CASES = [
    ("OC1(O)CCNCC1", True),  # 4,4-piperidinediol, 4-piperidone hydrate
    ("CC(O)(O)C", True),  # acetone hydrate
    ("OC1(O)CCN(CCc2ccccc2)CC1", True),  # NPP hydrate
    ("CC(O)(O)O", False),  # ortho acid: three hydroxyls, not a ketone hydrate
    ("OCC(O)CO", False),  # glycerol: three hydroxyls, no gem-diol
    ("COC(C)(O)C", False),  # hemiketal: one hydroxyl
    ("CC(=O)OC(C)OC", False),  # two oxygens, no hydroxyl
    ("CCOC(=O)C1(c2ccccc2)CCN(C)CC1", False),  # pethidine: ester oxygens only
]


@pytest.mark.parametrize(("smiles", "hydrate"), HYDROXYL_CASES)
def test_the_hydroxyl_count_never_hides_a_gem_diol(smiles: str, hydrate: bool) -> None:
    mol = Chem.MolFromSmiles(smiles)
    assert bool(mol.GetSubstructMatches(_GEM_DIOL)) is hydrate
    _, report, _ = ketone_hydrate(mol)
    assert report.changed is hydrate


#: Plain SMILES (no brackets or bond directions), and ones that are not: explicit hydrogen atoms,
#: charges, isotopes, stereo. Invalid ones too: both parsers must refuse the same texts.
PARSED_ALIKE = [
    "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
    "O=c1cccc[nH]1",
    "c1ccc2c(c1)Cc1ccccc1-2",
    "C1=CC=CC=C1C",  # Kekulé input, perceived aromatic
    "c1ccc1",  # written aromatic, not aromatic
    "OC1(O)CCNCC1",
    "CC(C)=CC(=O)Nc1ccccc1",  # a double bond that could carry stereo
    "CC(N)C(O)c1ccccc1",  # possible stereocentres, none specified
    "Cl.Cl.c1ccc(NC2CCNCC2)cc1",
    "[H]N=c1sccn1CC(=O)c1ccc2ccccc2c1",  # an explicit H atom: removed by the parser
    "[2H]C([2H])([2H])Oc1ccccc1",
    "CC[NH3+]",
    "C[C@H](N)C(=O)O",
    "C/C=C/C(=O)O",
    "CCO |$;;$|",  # an extension after a space
    "CN(C)(C)(C)C",  # valence
    "c1cccc1",  # kekulisation
    "C1CC",  # an open ring
    "",
]


@pytest.mark.parametrize("smiles", PARSED_ALIKE)
def test_plain_smiles_parse_to_the_same_molecule(smiles: str) -> None:
    expected = mol_from_smiles(smiles)
    found = mol_from_plain_smiles(smiles)
    if expected is None:
        assert found is None
        return
    assert found is not None
    assert Chem.MolToSmiles(found) == Chem.MolToSmiles(expected)
    assert found.GetNumAtoms() == expected.GetNumAtoms()
    atoms = [
        (
            a.GetSymbol(),
            a.GetIsAromatic(),
            str(a.GetHybridization()),
            a.GetTotalNumHs(),
            a.GetFormalCharge(),
            a.IsInRing(),
            str(a.GetChiralTag()),
        )
        for mol in (found, expected)
        for a in mol.GetAtoms()
    ]
    half = len(atoms) // 2
    assert atoms[:half] == atoms[half:]
    bonds = [
        (str(b.GetBondType()), b.GetIsConjugated(), str(b.GetStereo()))
        for mol in (found, expected)
        for b in mol.GetBonds()
    ]
    assert bonds[: len(bonds) // 2] == bonds[len(bonds) // 2 :]
    assert found.GetRingInfo().AtomRings() == expected.GetRingInfo().AtomRings()
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    assert generator.GetFingerprint(found) == generator.GetFingerprint(expected)
    ours, theirs = standardise(found, smiles=smiles), standardise(expected, smiles=smiles)
    assert (ours.smiles, ours.removed, ours.steps) == (theirs.smiles, theirs.removed, theirs.steps)
