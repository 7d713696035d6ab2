"""Identifier resolution: every knowledge-base substance by every identifier, and bad input."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdkit import Chem

from fentrace.chemistry.identifiers import opsin_available, resolve
from fentrace.chemistry.kbindex import kb_index, knowledge_base
from fentrace.chemistry.screen import screen
from fentrace.chemistry.standardise import parent_smiles
from fentrace.reference import validate_cas
from fentrace.reference.models import Substance

KB = knowledge_base()
SUBSTANCES = sorted(KB.substances.values(), key=lambda s: s.id)


def _expected_id(substance: Substance) -> str:
    """The record screening answers with: the free base for a salt row."""
    found = kb_index().by_smiles(parent_smiles(substance.smiles) or "")
    assert found is not None
    return found.id


def _ids(substances: list[Substance]) -> list[str]:
    return [s.id for s in substances]


@pytest.mark.parametrize("substance", SUBSTANCES, ids=_ids(SUBSTANCES))
def test_every_name_and_synonym_resolves(substance: Substance) -> None:
    for name in (substance.name, *substance.synonyms):
        resolution = resolve(name)
        assert resolution.resolved, (name, resolution.error)
        assert resolution.input_type == "name"
        assert resolution.substance is not None
        assert resolution.substance.id == substance.id, name


WITH_CAS = [s for s in SUBSTANCES if s.cas and validate_cas(s.cas) is None]


@pytest.mark.parametrize("substance", WITH_CAS, ids=_ids(WITH_CAS))
def test_cas_resolves(substance: Substance) -> None:
    assert substance.cas is not None
    resolution = resolve(substance.cas)
    assert resolution.input_type == "cas"
    assert resolution.substance is not None
    assert resolution.substance.id == substance.id


@pytest.mark.parametrize("substance", SUBSTANCES, ids=_ids(SUBSTANCES))
def test_inchikey_resolves(substance: Substance) -> None:
    resolution = resolve(substance.inchikey)
    assert resolution.input_type == "inchikey"
    assert resolution.substance is not None
    assert resolution.substance.id == substance.id


def _spellings(smiles: str) -> list[str]:
    mol = Chem.MolFromSmiles(smiles)
    kekule = Chem.Mol(mol)
    Chem.Kekulize(kekule, clearAromaticFlags=True)
    return [
        smiles,
        Chem.MolToSmiles(kekule, kekuleSmiles=True),
        Chem.MolToSmiles(mol, allHsExplicit=True),
        Chem.MolToSmiles(mol, doRandom=True, canonical=False),
        "Cl." + smiles,
        "Cl.Cl." + smiles,
        Chem.MolToInchi(mol),
        Chem.MolToMolBlock(mol),
    ]


@pytest.mark.parametrize("substance", SUBSTANCES, ids=_ids(SUBSTANCES))
def test_structure_spellings_screen_to_the_substance(substance: Substance) -> None:
    expected = _expected_id(substance)
    for spelling in _spellings(substance.smiles):
        result = screen(spelling, date(2026, 1, 1))
        assert result.resolved, (spelling, result.error)
        assert result.substance == expected, spelling


def test_charged_form_screens_to_the_free_base() -> None:
    result = screen("CCC(=O)N(c1ccccc1)C1CC[NH+](CCc2ccccc2)CC1.[Cl-]", date(2026, 1, 1))
    assert result.substance == "FENT"
    assert result.standardisation == ("chloride (salt)", "charge on N neutralised")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("4-ANPP hydrochloride", "ANPP"),
        ("NPP HCl", "NPP"),
        ("N-BOC-4-PIPERIDONE", "BOCPIP"),
        ("β-hydroxy fentanyl", "BHF"),
        ("  fentanyl  ", "FENT"),
        ("FENTANYL", "FENT"),
    ],
)
def test_tolerant_names(query: str, expected: str) -> None:
    resolution = resolve(query)
    assert resolution.substance is not None
    assert resolution.substance.id == expected


@pytest.mark.parametrize(
    ("query", "input_type", "error"),
    [
        ("", "empty", "empty query"),
        ("   ", "empty", "empty query"),
        ("1609-66-7", "cas", "CAS 1609-66-7: check digit should be 1"),
        ("50-00-0", "cas", "CAS 50-00-0: not in the knowledge base"),
        (
            "AAAAAAAAAAAAAA-BBBBBBBBBB-N",
            "inchikey",
            "InChIKey AAAAAAAAAAAAAA-BBBBBBBBBB-N: not in the knowledge base "
            "(an InChIKey cannot be turned into a structure without a lookup service)",
        ),
        (
            "C1CC",
            "smiles",
            "SMILES 'C1CC' could not be read: syntax error (unbalanced brackets or ring "
            "closures, or an unknown atom)",
        ),
        (
            "C(C)(C)(C)(C)C",
            "smiles",
            "SMILES 'C(C)(C)(C)(C)C' could not be read: Explicit valence for atom # 0 C, 5, "
            "is greater than permitted",
        ),
        (
            "unobtainium",
            "name",
            "name 'unobtainium': "
            + (
                "not in the knowledge base, and OPSIN cannot parse it as a systematic name"
                if opsin_available()
                else "not in the knowledge base (and no name-to-structure converter is installed)"
            ),
        ),
        ("InChI=1S/garbage", "inchi", "InChI could not be read"),
        ("junk\nM  END", "molfile", "molfile could not be read"),
    ],
)
def test_bad_input_is_a_resolution_with_a_reason(query: str, input_type: str, error: str) -> None:
    resolution = resolve(query)
    assert resolution.resolved is False
    assert resolution.input_type == input_type
    assert resolution.error == error
    result = screen(query)
    assert result.resolved is False
    assert result.error == error


@pytest.mark.parametrize(
    ("query", "input_type"),
    [
        ("CCO", "smiles"),
        ("c1ccccc1", "smiles"),
        ("InChI=1S/C2H6O/c1-2-3/h3H,2H2,1H3", "inchi"),
        ("39742-60-4", "cas"),
        ("NPP", "name"),  # a name before a SMILES: "NPP" also parses as N-P-P
    ],
)
def test_input_type_detection(query: str, input_type: str) -> None:
    resolution = resolve(query)
    assert resolution.resolved
    assert resolution.input_type == input_type


def test_batch_mode_does_not_start_opsin() -> None:
    resolution = resolve("2-methylpropan-1-ol", use_opsin=False)
    assert resolution.error == (
        "name '2-methylpropan-1-ol': not in the knowledge base "
        "(systematic names are not parsed in batch mode)"
    )


@pytest.mark.skipif(not opsin_available(), reason="py2opsin (OPSIN) is not installed")
def test_systematic_name_by_opsin() -> None:
    resolution = resolve("2-methylpropan-1-ol")
    assert resolution.resolved
    assert resolution.input_type == "name"
    assert Chem.MolToSmiles(resolution.mol) == "CC(C)CO"


SMILES_ALPHABET = "CNOScnos()[]=#@+-123456789%./\\Hl BrFI"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=SMILES_ALPHABET, max_size=40) | st.text(max_size=40))
def test_any_text_resolves_or_says_why(text: str) -> None:
    resolution = resolve(text, use_opsin=False)
    assert resolution.resolved == (resolution.error is None)
    if resolution.resolved:
        assert resolution.mol is not None
