"""Similarity watch: the threshold separates KB analogues from negative controls."""

from __future__ import annotations

from rdkit import Chem, DataStructs

from fentrace.chemistry.kbindex import kb_index
from fentrace.chemistry.similarity import (
    WATCH_THRESHOLD,
    fingerprint,
    is_watch,
    nearest,
    reference_fingerprints,
)
from fentrace.reference import load_knowledge_base


def _mol(smiles: str) -> Chem.Mol:
    mol = Chem.MolFromSmiles(smiles)
    assert mol is not None
    return mol


def test_threshold_is_calibrated_on_analogues_versus_negative_controls() -> None:
    labels, prints = reference_fingerprints()
    analogue_best: list[float] = []
    for substance, parent in kb_index().mols:
        if substance.role != "fentanyl_analog":
            continue
        own = fingerprint(parent.mol)
        others = [
            p
            for (ident, _, _), p in zip(labels, prints, strict=True)
            if ident != substance.id and DataStructs.TanimotoSimilarity(own, p) < 1.0
        ]
        analogue_best.append(max(DataStructs.BulkTanimotoSimilarity(own, others)))
    negative_best = [
        nearest(_mol(smiles), 1)[0].similarity
        for _, _, smiles in load_knowledge_base().negative_controls
    ]
    assert len(analogue_best) >= 30
    assert min(analogue_best) >= WATCH_THRESHOLD  # every analogue left out is still watched
    assert max(negative_best) < WATCH_THRESHOLD  # no negative control is


def test_nearest_ranks_most_similar_first() -> None:
    found = nearest(_mol("CCC(=O)N(c1cccc(Cl)c1)C1CCN(CCc2ccccc2)CC1"), k=3)
    assert len(found) == 3
    assert found[0].family == "fentanyl"
    assert [n.similarity for n in found] == sorted((n.similarity for n in found), reverse=True)


def test_exact_reference_is_similarity_one() -> None:
    (top,) = nearest(_mol("O=C1CCN(CCc2ccccc2)CC1"), k=1)
    assert top.substance_id == "NPP"
    assert top.similarity == 1.0


def test_reagents_are_not_references() -> None:
    labels, _ = reference_fingerprints()
    ids = {ident for ident, _, _ in labels}
    assert "ANILINE" not in ids
    assert "PROPCL" not in ids


def test_k_zero_and_watch_flag() -> None:
    assert nearest(_mol("CCO"), k=0) == []
    assert not is_watch(_mol("CCO"))
    assert not is_watch(_mol("CCOC(=O)C1(c2ccccc2)CCN(C)CC1"))  # pethidine
    assert is_watch(_mol("CCC(=O)N(c1ccccc1)C1CCN(CCc2ccc(Cl)cc2)CC1"))
