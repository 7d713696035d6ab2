"""The knowledge-base index: parents of every substance, free base preferred over its salt."""

from __future__ import annotations

import pytest

from fentrace.chemistry.kbindex import build_kb_index, inchikey_of
from fentrace.exc import DataFileError
from fentrace.reference.models import Substance


def _substance(id_: str, smiles: str, name: str | None = None) -> Substance:
    return Substance(
        id=id_,
        name=name or id_,
        synonyms=(),
        cas=None,
        cas_verified=False,
        smiles=smiles,
        inchikey="",
        formula="",
        hs_codes=(),
        hs_verified=False,
        family="precursor",
        role="precursor",
        notes="",
        source_ids=(),
    )


def test_salt_and_free_base_share_a_parent_and_the_free_base_wins() -> None:
    # the salt row comes first: the free base must still be the answer
    index = build_kb_index(
        [
            _substance("4AP2HCl", "Cl.Cl.c1ccc(NC2CCNCC2)cc1"),
            _substance("4AP", "c1ccc(NC2CCNCC2)cc1"),
        ]
    )
    found = index.by_smiles("c1ccc(NC2CCNCC2)cc1")
    assert found is not None
    assert found.id == "4AP"
    assert len(index) == 2
    parent = index.parent_of("4AP2HCl")
    assert parent is not None
    assert parent.removed == ("2 x HCl (salt)",)


def test_hydrate_salt_maps_to_the_ketone() -> None:
    index = build_kb_index(
        [_substance("PIP", "O=C1CCNCC1"), _substance("PIPHClH2O", "Cl.OC1(O)CCNCC1")]
    )
    found = index.by_smiles("O=C1CCNCC1")
    assert found is not None
    assert found.id == "PIP"
    key = inchikey_of("O=C1CCNCC1")
    assert key is not None
    by_key = index.by_parent_inchikey(key)
    assert by_key is not None
    assert by_key.id == "PIP"


def test_unknown_structure_is_none() -> None:
    index = build_kb_index([_substance("PIP", "O=C1CCNCC1")])
    assert index.by_smiles("CCO") is None
    assert index.parent_of("nope") is None


def test_broken_smiles_names_the_record() -> None:
    with pytest.raises(DataFileError, match=r"substances, record BAD, field 'smiles'"):
        build_kb_index([_substance("BAD", "C1CC")])


def test_inchikey_of() -> None:
    assert inchikey_of("O=C1CCN(CCc2ccccc2)CC1") == "YDJXNYNKKXZBMP-UHFFFAOYSA-N"
    assert inchikey_of("C1CC") is None
