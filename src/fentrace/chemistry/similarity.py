"""Similarity watch: how close a structure is to the fentanyls and precursors the KB knows.

Morgan fingerprints (radius 2, 2048 bits) of the standardised parents of every knowledge-base
substance except plain reagents (fentanyl analogues, immediate and listed precursors, designer
precursors) are computed once; ``nearest`` ranks them by Tanimoto similarity to the query.

``WATCH_THRESHOLD`` is calibrated on the knowledge base itself (docs/chemistry-rules.md):
leave-one-out, the nearest *other* reference of each of the 39 fentanyl analogues lies at
0.615 at least (alfentanil), median 0.783; the nearest reference of each of the 33 negative
controls (pethidine, loperamide, haloperidol, astemizole, PEPAP, ...) lies at 0.484 at most
(astemizole to para-fluoro-ANPP). 0.55 sits between the two: every analogue left out would
still be flagged and no negative control is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator

from fentrace.chemistry.kbindex import kb_index
from fentrace.chemistry.patterns import prepared

#: Tanimoto similarity (Morgan r=2, 2048 bits) from which a structure is put on watch.
WATCH_THRESHOLD: float = 0.55
FINGERPRINT_RADIUS = 2
FINGERPRINT_BITS = 2048
#: Knowledge-base roles fingerprinted as references (reagents such as aniline are not).
REFERENCE_ROLES = frozenset(
    {"fentanyl_analog", "immediate_precursor", "precursor", "designer_precursor"}
)


@dataclass(frozen=True)
class Neighbour:
    """A knowledge-base substance near the query, with its Tanimoto similarity."""

    substance_id: str
    name: str
    family: str
    similarity: float


@lru_cache(maxsize=1)
def _generator() -> rdFingerprintGenerator.FingerprintGenerator64:
    return rdFingerprintGenerator.GetMorganGenerator(
        radius=FINGERPRINT_RADIUS, fpSize=FINGERPRINT_BITS
    )


def fingerprint(mol: Chem.Mol) -> DataStructs.ExplicitBitVect:
    """The Morgan fingerprint used for the watch (radius 2, 2048 bits)."""
    bits: DataStructs.ExplicitBitVect = _generator().GetFingerprint(prepared(mol))
    return bits


@lru_cache(maxsize=1)
def reference_fingerprints() -> tuple[
    tuple[tuple[str, str, str], ...], tuple[DataStructs.ExplicitBitVect, ...]
]:
    """(id, name, family) and fingerprint of each distinct reference parent, computed once."""
    labels: list[tuple[str, str, str]] = []
    prints: list[DataStructs.ExplicitBitVect] = []
    seen: set[str] = set()
    for substance, parent in kb_index().mols:
        if substance.role not in REFERENCE_ROLES or parent.smiles in seen:
            continue
        seen.add(parent.smiles)
        labels.append((substance.id, substance.name, substance.family))
        prints.append(fingerprint(parent.mol))
    return tuple(labels), tuple(prints)


def nearest(mol: Chem.Mol, k: int = 3) -> list[Neighbour]:
    """The ``k`` most similar reference substances, most similar first."""
    if k <= 0:
        return []
    labels, prints = reference_fingerprints()
    scores = DataStructs.BulkTanimotoSimilarity(fingerprint(mol), list(prints))
    ranked = sorted(range(len(scores)), key=lambda i: (-scores[i], labels[i][0]))[:k]
    return [
        Neighbour(labels[i][0], labels[i][1], labels[i][2], round(float(scores[i]), 4))
        for i in ranked
    ]


def is_watch(mol: Chem.Mol) -> bool:
    """True when the nearest reference is at least ``WATCH_THRESHOLD`` similar."""
    found = nearest(mol, 1)
    return bool(found) and found[0].similarity >= WATCH_THRESHOLD
