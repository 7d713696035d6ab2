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


# --- pharmacophore watch ---------------------------------------------------------------------

#: Morgan similarity from which a structure that keeps the fentanyl pharmacophore is put on
#: watch. Ring-opened (2,3-seco) fentanyl scores 0.39 and the carbon-for-nitrogen anilide
#: isosteres 0.44-0.47 against their parents, below ``WATCH_THRESHOLD``; the floor keeps a
#: large molecule that happens to hold the four features somewhere far from the watch.
PHARMACOPHORE_FLOOR: float = 0.30
#: Bonds between fentanyl's basic piperidine N and the anilide atom (N1-C2-C3-C4-N).
AMINE_TO_ANILIDE_BONDS = 4


@dataclass(frozen=True)
class PharmacophoreMatch:
    """Fentanyl's four pharmacophore features found in a structure, with their atoms."""

    amine: int
    arylethyl: tuple[int, int, int]
    hub: int
    aryl: int
    carbonyl: int

    @property
    def atoms(self) -> tuple[int, ...]:
        return tuple(sorted({self.amine, *self.arylethyl, self.hub, self.aryl, self.carbonyl}))

    def explanation(self) -> str:
        return (
            "keeps the fentanyl pharmacophore: a basic amine N (atom "
            f"{self.amine}) carrying a 2-arylethyl group, and {AMINE_TO_ANILIDE_BONDS} bonds "
            f"from it an atom ({self.hub}) bearing an aryl ring and an acyl group, as fentanyl's "
            "piperidine N and anilide are placed, whatever joins them"
        )


def _is_basic_amine(atom: Chem.Atom) -> bool:
    """A neutral, non-aromatic N bonded only to sp3 carbons (no amide, aniline, sulfonamide)."""
    if atom.GetAtomicNum() != 7 or atom.GetIsAromatic() or atom.GetFormalCharge() != 0:
        return False
    heavy = [n for n in atom.GetNeighbors() if n.GetAtomicNum() > 1]
    return len(heavy) >= 2 and all(
        n.GetAtomicNum() == 6 and n.GetHybridization() == Chem.HybridizationType.SP3 for n in heavy
    )


def _arylethyl(mol: Chem.Mol, amine: Chem.Atom) -> tuple[int, int, int] | None:
    """N-C-C-aryl from ``amine``: both chain carbons acyclic, the second sp3 or a carbonyl."""
    for first in amine.GetNeighbors():
        if first.GetAtomicNum() != 6 or first.IsInRing():
            continue
        for second in first.GetNeighbors():
            if second.GetIdx() == amine.GetIdx() or second.GetAtomicNum() != 6:
                continue
            if second.IsInRing() or second.GetIsAromatic():
                continue
            for ring_atom in second.GetNeighbors():
                if ring_atom.GetIdx() != first.GetIdx() and ring_atom.GetIsAromatic():
                    return first.GetIdx(), second.GetIdx(), ring_atom.GetIdx()
    return None


def _acyl_carbon(mol: Chem.Mol, hub: Chem.Atom) -> int | None:
    for neighbour in hub.GetNeighbors():
        if neighbour.GetAtomicNum() != 6 or neighbour.IsInRing():
            continue
        for bond in neighbour.GetBonds():
            other = bond.GetOtherAtom(neighbour)
            if other.GetAtomicNum() == 8 and bond.GetBondType() == Chem.BondType.DOUBLE:
                return int(neighbour.GetIdx())
    return None


def pharmacophore_match(mol: Chem.Mol) -> PharmacophoreMatch | None:
    """Fentanyl's pharmacophore in ``mol`` by feature types and topological distance, or None.

    Features: a basic amine N with a 2-arylethyl group; an atom (sp3 C or an amide N) exactly
    ``AMINE_TO_ANILIDE_BONDS`` bonds from that N that bears an aromatic ring and an acyl
    group. The piperidine ring itself is not required, so ring-opened (seco) analogues and
    anilides whose N is replaced by carbon keep it.
    """
    mol = prepared(mol)
    amines = [a for a in mol.GetAtoms() if _is_basic_amine(a)]
    if not amines:
        return None
    distances = Chem.GetDistanceMatrix(mol)
    for amine in amines:
        chain = _arylethyl(mol, amine)
        if chain is None:
            continue
        row = distances[amine.GetIdx()]
        for hub in mol.GetAtoms():
            if row[hub.GetIdx()] != AMINE_TO_ANILIDE_BONDS or hub.GetIsAromatic():
                continue
            sp3_carbon = (
                hub.GetAtomicNum() == 6 and hub.GetHybridization() == Chem.HybridizationType.SP3
            )
            if not (sp3_carbon or (hub.GetAtomicNum() == 7 and hub.GetDegree() == 3)):
                continue
            aryl = next(
                (
                    n.GetIdx()
                    for n in hub.GetNeighbors()
                    if n.GetIsAromatic() and n.GetIdx() != chain[2]
                ),
                None,
            )
            carbonyl = _acyl_carbon(mol, hub)
            if aryl is not None and carbonyl is not None:
                return PharmacophoreMatch(amine.GetIdx(), chain, hub.GetIdx(), aryl, carbonyl)
    return None
