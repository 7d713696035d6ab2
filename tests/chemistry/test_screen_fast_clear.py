"""Batch screening's certainly-clear shortcut never changes a result.

``screen_mol`` in batch mode (no InChIKey for clear rows, neighbours only near the thresholds)
skips the assessment of a structure that ``certainly_clear`` proves clear. Every structure here
is screened both ways -- with the shortcut and with it switched off -- and the two results and
their output rows must be identical: positives (the knowledge base's fentanyls and precursors,
the class, route and tier case tables), the pharmacophore watch cases (seco and isostere
analogues), and negatives (the negative controls, approved medicines, and real lead-like
structures from the MOSES library, most of which take the shortcut).
"""

from __future__ import annotations

import csv
import gzip
import itertools
from datetime import date
from pathlib import Path

import pytest
from rdkit import Chem

from fentrace.chemistry import screen as screen_module
from fentrace.chemistry.kbindex import kb_index
from fentrace.chemistry.screen import certainly_clear, rules, screen_mol
from fentrace.chemistry.standardise import standardise
from fentrace.reference import load_knowledge_base

AS_OF = date(2026, 12, 1)
RULES = Path(__file__).parent / "data" / "rules"
MOSES = Path(__file__).parents[2] / "benchmarks" / "data" / "chem" / "moses_test.csv.gz"
#: Real lead-like structures taken from the start of the MOSES test split.
MOSES_TAKEN = 300

#: Watched only through the pharmacophore (below the fingerprint threshold), as in test_tiers.
WATCHED = (
    "CCC(=O)N(c1ccccc1)C(C)CCN(C)CCc1ccccc1",  # 2,3-seco-fentanyl
    "CCC(=O)N(c1ccccc1)CCCN(C)CCc1ccccc1",  # 3,4-seco-fentanyl
    "CCC(=O)C(c1ccc(F)cc1)C1CCN(CC(O)c2ccccc2)CC1",  # anilide C-isostere, beta-hydroxy-p-F
    "CCC(=O)C(c1ccccc1)C1CCN(CCc2ccccc2)CC1",  # anilide C-isostere of fentanyl
    "C=CC(=O)C(c1ccc(F)cc1)C1CCN(CCc2ccccc2)CC1",  # anilide C-isostere of acryl-p-fluoro
    "CCC(=O)N(c1ccccc1)C(C)(C(=O)OC)CCN(C)CCc1ccccc1",  # ring-opened carfentanil
)

#: MOSES structures caught only by a route (a ketal hydrolysis to a piperidin-4-one) or only by a
#: class rule's wording (a 4-anilinopiperidine), each far below the watch threshold.
FAR_CAUGHT = (
    "COc1ccc(S(=O)(=O)N2CCC3(CC2)OCCO3)cc1",
    "CN(c1ccccc1)C1CCN(c2nccnc2C#N)CC1",
)


def _table(name: str) -> list[str]:
    with (RULES / name).open(encoding="utf-8") as handle:
        return [row["smiles"] for row in csv.DictReader(handle)]


def _positives() -> list[str]:
    kb = load_knowledge_base()
    known = [s.smiles for s in kb.substances.values()]
    tables = ("fentanyl_classes.csv", "derivative_words.csv", "routes.csv", "tiers.csv")
    return [*known, *(smiles for name in tables for smiles in _table(name))]


def _negatives() -> list[str]:
    controls = [smiles for _, _, smiles in load_knowledge_base().negative_controls]
    with gzip.open(MOSES, "rt", encoding="utf-8") as handle:
        rows = itertools.islice(csv.DictReader(handle), MOSES_TAKEN)
        library = [row["SMILES"] for row in rows]
    return [*controls, *_table("approved_medicines.csv"), *library]


def _both_ways(smiles: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    mol = Chem.MolFromSmiles(smiles)
    assert mol is not None, smiles
    options = {"smiles_text": smiles, "with_inchikey": False, "neighbours_always": False}
    with monkeypatch.context() as patch:  # a fresh assessment cache for each way
        patch.setattr(screen_module, "_ASSESSED", screen_module._AssessmentCache())
        fast = screen_mol(smiles, "smiles", mol, AS_OF, **options)  # type: ignore[arg-type]
    with monkeypatch.context() as patch:
        patch.setattr(screen_module, "_ASSESSED", screen_module._AssessmentCache())
        patch.setattr(screen_module, "certainly_clear", lambda mol, active, as_of=None: False)
        slow = screen_mol(smiles, "smiles", mol, AS_OF, **options)  # type: ignore[arg-type]
    return fast, slow


def _shortcut_taken(smiles: str, as_of: date | None = None) -> bool:
    """Whether batch screening takes the shortcut: a parent no record names, certainly clear
    (with ``as_of``: the rules in force that day tried on a structure their prefilter passes)."""
    parent = standardise(Chem.MolFromSmiles(smiles), smiles=smiles)
    return kb_index().by_smiles(parent.smiles) is None and certainly_clear(
        parent.mol, rules(), as_of
    )


@pytest.mark.parametrize(
    ("group", "structures"),
    [("positives", _positives), ("watched", lambda: list(WATCHED)), ("negatives", _negatives)],
)
def test_the_shortcut_gives_the_same_result_and_row(
    group: str, structures: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    smiles_list = structures()  # type: ignore[operator]
    assert smiles_list, group
    for smiles in smiles_list:
        fast, slow = _both_ways(smiles, monkeypatch)
        assert fast == slow, smiles
        assert fast.row_values() == slow.row_values(), smiles  # type: ignore[attr-defined]
        assert fast.to_dict() == slow.to_dict(), smiles  # type: ignore[attr-defined]


def test_the_shortcut_clears_only_structures_that_are_clear(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Positives and watched structures never take it; most lead-like negatives do.

    Knowing the date, it tries the rules on the positives' tables' own clear rows (plain
    piperidine, say) too: it may take those, and only those.
    """
    for smiles in [*_positives(), *WATCHED]:
        assert not _shortcut_taken(smiles), smiles
        if _shortcut_taken(smiles, AS_OF):
            _, slow = _both_ways(smiles, monkeypatch)
            assert slow.verdict == "clear", smiles  # type: ignore[attr-defined]
            assert not slow.matches, smiles  # type: ignore[attr-defined]
    for smiles in WATCHED:  # on watch through the pharmacophore: the floor test keeps them out
        assert not certainly_clear(standardise(Chem.MolFromSmiles(smiles)).mol, rules())
    negatives = _negatives()
    taken = [smiles for smiles in negatives if _shortcut_taken(smiles)]
    assert len(taken) > len(negatives) // 2
    # the look-alike medicines carry piperidines and anilides: the rules look at them in full,
    # in the shortcut itself when it knows the date (no rule, contested reading or route)
    pethidine = "CCOC(=O)C1(c2ccccc2)CCN(C)CC1"
    assert not _shortcut_taken(pethidine)
    assert _shortcut_taken(pethidine, AS_OF)
    # a prefilter-passing structure a rule catches, or a route template applies to, is not,
    # however far from the references (these two are below the pharmacophore floor)
    for caught in FAR_CAUGHT:
        assert not _shortcut_taken(caught, AS_OF), caught
        _, slow = _both_ways(caught, monkeypatch)
        assert slow.verdict == "designer_precursor", caught  # type: ignore[attr-defined]


def test_the_shortcut_steps_aside_when_a_stage_is_switched_off() -> None:
    no_rules = screen_module.Rules(None, None, None, None, None, None, None)
    mol = Chem.MolFromSmiles("CCOc1ccccc1")
    assert certainly_clear(mol, rules())
    assert not certainly_clear(mol, no_rules)
