"""The knowledge base's substances as standardised structures, indexed for exact lookup.

Listing is decided by *exact parent match*: the query's standardised parent SMILES is looked up
in a dict of the parents of every knowledge-base substance. A salt row (4-AP dihydrochloride)
and its free base (4-AP) share a parent; the index then answers with the free base, because the
legal listings of salts are written as "X and its salts" on the free base's record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Protocol

from fentrace.chemistry.standardise import (
    StandardisedMol,
    mol_from_smiles,
    mol_to_inchikey,
    standardise,
)
from fentrace.exc import DataFileError
from fentrace.reference import load_knowledge_base, validate_structures
from fentrace.reference.models import JurisdictionStatus, Substance


class KnowledgeBase(Protocol):
    """What chemistry needs from the reference package's knowledge base."""

    @property
    def substances(self) -> Mapping[str, Substance]: ...

    def substance_by_cas(self, cas: str) -> Substance | None: ...

    def substance_by_inchikey(self, inchikey: str) -> Substance | None: ...

    def substance_by_name(self, name: str) -> Substance | None: ...

    def listed_status(self, substance_id: str, as_of: date) -> Mapping[str, JurisdictionStatus]: ...

    def format_sources(self, ids: Iterable[str]) -> str: ...


def inchikey_of(smiles: str) -> str | None:
    """The standard InChIKey of a SMILES string; None when it does not parse."""
    mol = mol_from_smiles(smiles)
    return None if mol is None else mol_to_inchikey(mol)


@dataclass(frozen=True)
class KBIndex:
    """Standardised parents of the knowledge base's substances, for exact lookup.

    ``mols`` keeps every substance with its standardised parent, in knowledge-base order.
    """

    mols: tuple[tuple[Substance, StandardisedMol], ...]
    _by_smiles: dict[str, Substance] = field(repr=False)
    _by_parent_inchikey: dict[str, Substance] = field(repr=False)
    _by_id: dict[str, tuple[Substance, StandardisedMol]] = field(repr=False)

    def by_smiles(self, smiles: str) -> Substance | None:
        """The substance whose standardised parent has this canonical SMILES, if any."""
        return self._by_smiles.get(smiles)

    def by_parent_inchikey(self, inchikey: str) -> Substance | None:
        """The substance whose standardised parent has this InChIKey, if any."""
        return self._by_parent_inchikey.get(inchikey)

    def parent_of(self, substance_id: str) -> StandardisedMol | None:
        """The standardised parent of one substance, by id."""
        entry = self._by_id.get(substance_id)
        return None if entry is None else entry[1]

    def __len__(self) -> int:
        return len(self.mols)


def _prefer(current: Substance, candidate: Substance, parent: str) -> Substance:
    """Between two substances with one parent, keep the free base (its SMILES is the parent)."""
    current_is_base = "." not in current.smiles and parent_of_smiles(current.smiles) == parent
    candidate_is_base = "." not in candidate.smiles and parent_of_smiles(candidate.smiles) == parent
    if candidate_is_base and not current_is_base:
        return candidate
    return current


def parent_of_smiles(smiles: str) -> str | None:
    """Canonical parent SMILES of a knowledge-base SMILES (None when it does not parse)."""
    mol = mol_from_smiles(smiles)
    return None if mol is None else standardise(mol).smiles


def build_kb_index(substances: Iterable[Substance], *, file: str = "substances") -> KBIndex:
    """Standardise every substance and index it by parent SMILES and parent InChIKey.

    A substance whose SMILES does not parse is a broken data file: DataFileError names it.
    """
    mols: list[tuple[Substance, StandardisedMol]] = []
    by_smiles: dict[str, Substance] = {}
    by_key: dict[str, Substance] = {}
    for substance in substances:
        mol = mol_from_smiles(substance.smiles)
        if mol is None:
            raise DataFileError(
                f"SMILES {substance.smiles!r} does not parse",
                file=file,
                record=substance.id,
                field="smiles",
            )
        parent = standardise(mol)
        mols.append((substance, parent))
        existing = by_smiles.get(parent.smiles)
        chosen = substance if existing is None else _prefer(existing, substance, parent.smiles)
        by_smiles[parent.smiles] = chosen
        key = mol_to_inchikey(parent.mol)
        if key:
            by_key[key] = chosen
    return KBIndex(
        mols=tuple(mols),
        _by_smiles=by_smiles,
        _by_parent_inchikey=by_key,
        _by_id={substance.id: (substance, parent) for substance, parent in mols},
    )


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    """The bundled knowledge base, loaded once per process and checked structurally.

    On first load the reference package's structure validation runs too (each substance's
    InChIKey must agree with its SMILES), so a typo in the data is caught before screening.
    """
    loaded = load_knowledge_base()
    validate_structures(loaded, inchikey_of)
    kb: KnowledgeBase = loaded
    return kb


@lru_cache(maxsize=1)
def kb_index() -> KBIndex:
    """The index of the bundled knowledge base (built once per process)."""
    return build_kb_index(knowledge_base().substances.values())
