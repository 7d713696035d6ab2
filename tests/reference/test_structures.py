"""SMILES and InChIKeys agree (RDKit, used here directly: reference/ itself may not import it)."""

from __future__ import annotations

import pytest
from rdkit import Chem, RDLogger

from fentrace.exc import DataFileError
from fentrace.reference import KnowledgeBase, build_knowledge_base, validate_structures

RDLogger.DisableLog("rdApp.*")  # type: ignore[attr-defined]


def _inchikey(smiles: str) -> str | None:
    mol = Chem.MolFromSmiles(smiles)
    return None if mol is None else str(Chem.MolToInchiKey(mol))  # type: ignore[no-untyped-call]


def test_shipped_structures_agree(kb: KnowledgeBase) -> None:
    validate_structures(kb, _inchikey)


def test_negative_controls_parse(kb: KnowledgeBase) -> None:
    for ident, _name, smiles in kb.negative_controls:
        assert _inchikey(smiles) is not None, ident


def test_mismatch_is_located(kb: KnowledgeBase) -> None:
    swapped = build_knowledge_base(kb.data_dir)
    with pytest.raises(DataFileError) as caught:
        validate_structures(swapped, lambda smiles: "AAAAAAAAAAAAAA-BBBBBBBBBB-N")
    assert caught.value.file == "substances.yaml"
    assert caught.value.field == "inchikey"


def test_unparsable_smiles_is_located(kb: KnowledgeBase) -> None:
    with pytest.raises(DataFileError) as caught:
        validate_structures(kb, lambda smiles: None)
    assert caught.value.field == "smiles"
