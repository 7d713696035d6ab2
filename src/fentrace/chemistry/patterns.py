"""Structural vocabulary of the legal rules: core SMARTS and substituent kinds.

Legal class texts speak of a *core* (fentanyl, 4-anilinopiperidine, 4-piperidone) and of what
may be *attached* to it ("alkyl, alkenyl, alkoxyl, ester, ether, hydroxyl, halo, haloalkyl,
amino or nitro groups"; "another acyl group"; "any monocycle"). This module turns those words
into code: a handful of generic core patterns, compiled once, and small pure functions that
name a substituent or a ring the way the legal text does. classes.py combines them into rules.

Every pattern here is generic on purpose: one core per legal text, never one SMARTS per
analogue, so that analogues no list names yet are caught by the same words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from rdkit import Chem


def _smarts(text: str) -> Chem.Mol:
    pattern = Chem.MolFromSmarts(text)
    if pattern is None:  # a programming error in this module, caught by the test suite
        raise ValueError(f"invalid SMARTS {text!r}")
    return pattern


#: The 4-(N-aryl-N-acyl-amino)piperidine core shared by every fentanyl-class opioid. The
#: piperidine atoms sit in exactly one ring (no fused or spiro piperidine), the anilino N and
#: the acyl carbon are acyclic (which keeps benzimidazolones such as benperidol or bezitramide
#: out), and the N1 substituent is inspected afterwards, not written into the pattern.
#: Atom order: 0 N1, 1 C2, 2 C3, 3 C4, 4 anilino N, 5 aryl atom, 6 acyl C, 7 acyl O, 8 C5, 9 C6.
FENTANYL_CORE: Final = _smarts(
    "[#7X3;R1;!$([#7]-[#8])]1-[#6X4;R1]-[#6X4;R1]-[#6X4;R1](-[#7X3;!R](-[a])-[#6X3;!R]=[#8X1])"
    "-[#6X4;R1]-[#6X4;R1]-1"
)
(
    CORE_N1,
    CORE_C2,
    CORE_C3,
    CORE_C4,
    CORE_NAN,
    CORE_ARYL,
    CORE_ACYL,
    CORE_ACYL_O,
    CORE_C5,
    CORE_C6,
) = range(10)

#: The 4-anilinopiperidine (4-AP) skeleton: the piperidine with an acyclic amino N at C4 that
#: carries an isolated benzene ring. Atom order: 0 N1, 1-3 C2-C4, 4 anilino N, 5-10 benzene,
#: 11 C5, 12 C6.
ANILINOPIPERIDINE: Final = _smarts(
    "[#7X3;R1]1-[#6X4;R1]-[#6X4;R1]-[#6X4;R1](-[#7X3;!R]-[c;R1]2:[c;R1]:[c;R1]:[c;R1]:[c;R1]:[c;R1]:2)"
    "-[#6X4;R1]-[#6X4;R1]-1"
)
AP_N1, AP_NAN = 0, 4
AP_PIPERIDINE_CARBONS: Final = (1, 2, 3, 11, 12)
AP_BENZENE: Final = (5, 6, 7, 8, 9, 10)

#: The 4-piperidone skeleton with C4 either a ketone or an acetal/ketal carbon (the ketal may be
#: a spiro ring such as the ethylene ketal, so C4 is allowed in two rings).
#: Atom order: 0 N1, 1 C2, 2 C3, 3 C4, 4 C5, 5 C6.
PIPERIDONE: Final = _smarts(
    "[#7X3;R1]1-[#6X4;R1]-[#6X4;R1]-[#6;$([#6X3]=[#8X1]),$([#6X4](-[#8X2])-[#8X2])]"
    "-[#6X4;R1]-[#6X4;R1]-1"
)
PIP_N1, PIP_C4 = 0, 3
PIP_RING_CARBONS: Final = (1, 2, 4, 5)

#: Prefilter: every class and derivative rule needs a saturated piperidine ring N.
PIPERIDINE_RING: Final = _smarts("[#7X3;R]1-[#6X4]-[#6X4]-[#6]-[#6X4]-[#6X4]-1")

#: Route relevance: a piperidine whose C4 carries what every documented fentanyl route passes
#: through -- a ketone, a ketal/acetal, an imine to an aryl amine or an anilino N. No template
#: makes that C4 bond from scratch, so a molecule without it can reach no fentanyl route.
ROUTE_RELEVANT: Final = _smarts(
    "[#7X3;R]1-[#6X4]-[#6X4]-[#6;$([#6]=[#8X1]),$([#6X4](-[#8X2])-[#8X2]),"
    "$([#6X4]-[#7X3;!R]-a),$([#6]=[#7X2;!R]-a)]-[#6X4]-[#6X4]-1"
)

HALOGENS: Final = frozenset({9, 17, 35, 53})

#: Substituent kinds named in the US and Chinese class texts (phenethyl and piperidine lists).
PHENETHYL_KINDS: Final = frozenset(
    {"alkyl", "alkenyl", "alkoxyl", "hydroxyl", "halo", "haloalkyl", "amino", "nitro"}
)
PIPERIDINE_KINDS: Final = PHENETHYL_KINDS | {"ester", "ether"}


def prepared(mol: Chem.Mol) -> Chem.Mol:
    """The molecule with ring information (a copy when it had none, e.g. after edits)."""
    try:
        mol.GetRingInfo().NumRings()
    except RuntimeError:
        mol = Chem.Mol(mol)
        mol.UpdatePropertyCache(strict=False)
        Chem.GetSymmSSSR(mol)
    return mol


def heavy_neighbours(atom: Chem.Atom) -> list[Chem.Atom]:
    """Neighbours other than hydrogen (explicit or isotopic H atoms are not substituents)."""
    return [n for n in atom.GetNeighbors() if n.GetAtomicNum() > 1]


def heavy_degree(atom: Chem.Atom) -> int:
    """Number of non-hydrogen neighbours."""
    return len(heavy_neighbours(atom))


@dataclass(frozen=True)
class Substituent:
    """A group hanging off a core atom: its atoms and the legal word that names it."""

    anchor: int
    atoms: tuple[int, ...]
    kind: str


def fragment_atoms(mol: Chem.Mol, start: int, blocked: Iterable[int]) -> tuple[int, ...]:
    """Atoms reachable from ``start`` without passing through ``blocked`` atoms (the core)."""
    stop = set(blocked)
    seen = {start}
    stack = [start]
    while stack:
        atom = mol.GetAtomWithIdx(stack.pop())
        for neighbour in heavy_neighbours(atom):
            index = neighbour.GetIdx()
            if index not in seen and index not in stop:
                seen.add(index)
                stack.append(index)
    return tuple(sorted(seen))


def _bond_orders(mol: Chem.Mol, atoms: set[int]) -> list[Chem.BondType]:
    orders: list[Chem.BondType] = []
    for index in atoms:
        for bond in mol.GetAtomWithIdx(index).GetBonds():
            other = bond.GetOtherAtomIdx(index)
            if other in atoms and other > index:
                orders.append(bond.GetBondType())
    return orders


def _is_ester_group(mol: Chem.Mol, atoms: set[int]) -> bool:
    for index in atoms:
        atom = mol.GetAtomWithIdx(index)
        if atom.GetAtomicNum() != 6:
            continue
        double_o = single_o = False
        for bond in atom.GetBonds():
            other = bond.GetOtherAtom(atom)
            if other.GetAtomicNum() != 8:
                continue
            if bond.GetBondType() == Chem.BondType.DOUBLE:
                double_o = True
            elif heavy_degree(other) == 2:  # O bonded to a second carbon: an ester, not an acid
                single_o = True
        if double_o and single_o:
            return True
    return False


def substituent_kind(mol: Chem.Mol, anchor: int, start: int, atoms: tuple[int, ...]) -> str:
    """Name a substituent the way class texts do: alkyl, ester, halo, ..., or "other"."""
    group = set(atoms)
    first = mol.GetAtomWithIdx(start)
    elements = {mol.GetAtomWithIdx(i).GetAtomicNum() for i in group}
    if any(mol.GetAtomWithIdx(i).IsInRing() for i in group):
        return "other"
    if any(mol.GetAtomWithIdx(i).GetIsAromatic() for i in group):
        return "other"
    bonds = _bond_orders(mol, group)
    if Chem.BondType.TRIPLE in bonds:
        return "other"
    if mol.GetBondBetweenAtoms(anchor, start).GetBondType() != Chem.BondType.SINGLE:
        return "other"  # =O, =CH2 on the core: an oxo or ylidene group, named by no text
    if len(group) == 1 and first.GetAtomicNum() in HALOGENS:
        return "halo"
    if len(group) == 1 and first.GetAtomicNum() == 8:
        return "hydroxyl"
    if first.GetAtomicNum() == 7 and elements <= {6, 7, 8}:
        oxygens = [i for i in group if mol.GetAtomWithIdx(i).GetAtomicNum() == 8]
        if (
            len(group) == 3
            and len(oxygens) == 2
            and all(mol.GetBondBetweenAtoms(start, o) is not None for o in oxygens)
        ):
            return "nitro"
        if elements <= {6, 7} and Chem.BondType.DOUBLE not in bonds:
            return "amino"
        return "other"
    if elements == {6}:
        return "alkenyl" if Chem.BondType.DOUBLE in bonds else "alkyl"
    if 6 in elements and elements <= {6} | HALOGENS and Chem.BondType.DOUBLE not in bonds:
        return "haloalkyl" if first.GetAtomicNum() == 6 else "other"
    if elements <= {6, 8}:
        if _is_ester_group(mol, group):
            return "ester"
        if Chem.BondType.DOUBLE in bonds:
            return "other"  # a ketone or aldehyde: an acyl group, named by no substituent list
        if any(
            mol.GetAtomWithIdx(i).GetAtomicNum() == 8 and mol.GetAtomWithIdx(i).GetTotalNumHs() > 0
            for i in group
        ):
            return "other"  # a hydroxyalkyl group: neither "alkyl" nor "hydroxyl" as written
        return "alkoxyl" if first.GetAtomicNum() == 8 else "ether"
    return "other"


def substituents(
    mol: Chem.Mol, anchors: Iterable[int], core: Iterable[int]
) -> list[Substituent] | None:
    """The groups on ``anchors`` outside ``core``; None when one loops back into the core."""
    core_set = set(core)
    found: list[Substituent] = []
    for anchor in anchors:
        for neighbour in heavy_neighbours(mol.GetAtomWithIdx(anchor)):
            start = neighbour.GetIdx()
            if start in core_set:
                continue
            atoms = fragment_atoms(mol, start, core_set)
            touches = {
                n.GetIdx()
                for i in atoms
                for n in mol.GetAtomWithIdx(i).GetNeighbors()
                if n.GetIdx() in core_set
            }
            if touches != {anchor}:
                return None  # a bridge or fused ring back to the core, not a substituent
            found.append(Substituent(anchor, atoms, substituent_kind(mol, anchor, start, atoms)))
    return found


def ring_of(mol: Chem.Mol, atom_index: int) -> tuple[int, ...] | None:
    """The one ring holding ``atom_index`` when that ring is a monocycle (fused to nothing)."""
    info = mol.GetRingInfo()
    rings = [ring for ring in info.AtomRings() if atom_index in ring]
    if len(rings) != 1:
        return None
    ring = rings[0]
    if any(info.NumAtomRings(i) != 1 for i in ring):
        return None
    return tuple(ring)


def is_aromatic_ring(mol: Chem.Mol, ring: Iterable[int]) -> bool:
    """True when every atom of the ring is aromatic."""
    return all(mol.GetAtomWithIdx(i).GetIsAromatic() for i in ring)


def is_benzene_ring(mol: Chem.Mol, ring: tuple[int, ...]) -> bool:
    """True for a six-membered aromatic carbocycle (a phenyl ring)."""
    return len(ring) == 6 and all(
        mol.GetAtomWithIdx(i).GetIsAromatic() and mol.GetAtomWithIdx(i).GetAtomicNum() == 6
        for i in ring
    )


def ring_substituents(
    mol: Chem.Mol, ring: tuple[int, ...], attached_from: int
) -> list[Substituent] | None:
    """Groups on a ring other than the bond to ``attached_from``."""
    return substituents(mol, ring, set(ring) | {attached_from})


def acyl_kind(mol: Chem.Mol, carbonyl: int, nitrogen: int) -> str:
    """Name an N-acyl group: "propionyl", "carbamate" (alkoxycarbonyl), "urea" or "acyl"."""
    atom = mol.GetAtomWithIdx(carbonyl)
    others = [
        n
        for n in atom.GetNeighbors()
        if n.GetIdx() != nitrogen and not _is_carbonyl_o(mol, atom, n)
    ]
    if not others:
        return "formyl"
    head = others[0]
    if head.GetAtomicNum() == 8:
        return "carbamate"
    if head.GetAtomicNum() == 7:
        return "urea"
    if head.GetAtomicNum() == 6 and not head.IsInRing() and heavy_degree(head) == 2:
        tail = [n for n in heavy_neighbours(head) if n.GetIdx() != carbonyl]
        bond = mol.GetBondBetweenAtoms(head.GetIdx(), carbonyl)
        if (
            len(tail) == 1
            and tail[0].GetAtomicNum() == 6
            and heavy_degree(tail[0]) == 1
            and bond.GetBondType() == Chem.BondType.SINGLE
            and mol.GetBondBetweenAtoms(head.GetIdx(), tail[0].GetIdx()).GetBondType()
            == Chem.BondType.SINGLE
        ):
            return "propionyl"
    return "acyl"


def _is_carbonyl_o(mol: Chem.Mol, carbon: Chem.Atom, other: Chem.Atom) -> bool:
    bond = mol.GetBondBetweenAtoms(carbon.GetIdx(), other.GetIdx())
    return other.GetAtomicNum() == 8 and bond.GetBondType() == Chem.BondType.DOUBLE


def nitrogen_group(
    mol: Chem.Mol, nitrogen: int, core: Iterable[int]
) -> tuple[str, tuple[int, ...]]:
    """What replaces H on a core N: "H", "amide", "carbamate" or "other", with its atoms.

    "amide" is an N-acyl group whose carbonyl carbon bears carbon or hydrogen; "carbamate" an
    N-C(=O)-O-R group (R not H). Anything else (alkyl, benzyl, phenethyl, urea) is "other".
    """
    core_set = set(core)
    outside = [
        n for n in heavy_neighbours(mol.GetAtomWithIdx(nitrogen)) if n.GetIdx() not in core_set
    ]
    if not outside:
        return "H", ()
    if len(outside) > 1:
        return "other", ()
    head = outside[0]
    atoms = fragment_atoms(mol, head.GetIdx(), core_set)
    if head.IsInRing() or head.GetAtomicNum() != 6:
        return "other", atoms
    if not any(_is_carbonyl_o(mol, head, n) for n in head.GetNeighbors()):
        return "other", atoms
    kind = acyl_kind(mol, head.GetIdx(), nitrogen)
    if kind == "carbamate":
        ester_o = next(
            n
            for n in head.GetNeighbors()
            if n.GetAtomicNum() == 8 and not _is_carbonyl_o(mol, head, n)
        )
        return ("carbamate" if heavy_degree(ester_o) == 2 else "other"), atoms
    if kind in ("formyl", "propionyl", "acyl"):
        return "amide", atoms
    return "other", atoms


@lru_cache(maxsize=1)
def prefilter_patterns() -> tuple[Chem.Mol, ...]:
    """Patterns of which at least one must match before any class or derivative rule can."""
    return (PIPERIDINE_RING,)


#: The kind given to a ring system fused onto a ring the class texts call a "monocycle"
#: (3,4-methylenedioxy, benzofuran, indole, quinoline): named by no substituent list.
FUSED_RING = "fused ring"


def ring_with_fused(mol: Chem.Mol, atom_index: int, *, aromatic: bool) -> tuple[int, ...] | None:
    """The smallest ring holding ``atom_index`` (aromatic when asked), fused or not.

    The broad reading of "monocycle" takes the ring the group is attached by and reads what is
    fused onto it as a substituent of that ring.
    """
    rings = [
        ring
        for ring in mol.GetRingInfo().AtomRings()
        if atom_index in ring and (not aromatic or is_aromatic_ring(mol, ring))
    ]
    return min((tuple(ring) for ring in rings), key=len) if rings else None


def substituents_with_fused(
    mol: Chem.Mol, ring: tuple[int, ...], core: Iterable[int]
) -> list[Substituent] | None:
    """The groups on ``ring`` outside ``core``, a fused ring system counted as one group.

    A fragment that touches two or more atoms of the ring (and nothing else of the core) is a
    fused ring system, of kind :data:`FUSED_RING`; None when a fragment loops back into the
    core elsewhere (a bridge to the piperidine, for example).
    """
    ring_set = set(ring)
    core_set = set(core) | ring_set
    found: list[Substituent] = []
    seen: set[int] = set()
    for anchor in ring:
        for neighbour in heavy_neighbours(mol.GetAtomWithIdx(anchor)):
            start = neighbour.GetIdx()
            if start in core_set or start in seen:
                continue
            atoms = fragment_atoms(mol, start, core_set)
            seen.update(atoms)
            touches = {
                n.GetIdx()
                for i in atoms
                for n in mol.GetAtomWithIdx(i).GetNeighbors()
                if n.GetIdx() in core_set
            }
            if not touches <= ring_set:
                return None
            if len(touches) > 1:
                found.append(Substituent(anchor, atoms, FUSED_RING))
            else:
                found.append(
                    Substituent(anchor, atoms, substituent_kind(mol, anchor, start, atoms))
                )
    return found
