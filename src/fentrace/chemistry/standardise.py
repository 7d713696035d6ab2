"""Standardisation: turn any spelling of a chemical into its one parent structure.

A seized sample, a shipping document and a legal list rarely write a chemical the same way:
"4-AP dihydrochloride" is ``Cl.Cl.c1ccc(NC2CCNCC2)cc1``, a vendor may draw the protonated
amine ``[NH2+]``, 4-piperidone is sold as its hydrate. Control lists cover a substance *and its
salts* and most legal texts ignore stereochemistry, so every structure is reduced to its
parent before anything is looked up or matched. Each step is a named, small function that
says what it changed (the ChEMBL structure pipeline's idea), so a result can tell the analyst
"2 x HCl (salt) removed, charge on N neutralised".

Steps, in order:

1. ``largest_organic_fragment`` keeps the largest fragment that contains carbon; counter-ions
   and solvents are named ("2 x HCl (salt)", "water (solvent)").
2. ``neutralise`` removes charges that a proton can remove (rdMolStandardize.Uncharger).
3. ``remove_isotopes`` drops isotope labels: fentanyl-d5, a reference standard, is fentanyl.
4. ``ketone_hydrate`` turns a gem-diol on carbon, the hydrate of a ketone, back into the ketone
   (4,4-piperidinediol is 4-piperidone monohydrate).
5. ``remove_stereo`` drops stereocentres and double-bond geometry.
6. ``canonical_smiles`` writes the parent's canonical SMILES: the key used everywhere.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

from rdkit import Chem, RDLogger
from rdkit.Chem.MolStandardize import rdMolStandardize

# RDKit reports parse failures through its own logger; they are returned as located
# messages instead, so the C++ log would only repeat them on stderr.
RDLogger.DisableLog("rdApp.*")  # type: ignore[attr-defined]


def mol_from_smiles(smiles: str) -> Chem.Mol | None:
    """Parse and sanitise a SMILES string; None when RDKit cannot (the stubs say it never fails)."""
    return cast("Chem.Mol | None", Chem.MolFromSmiles(smiles))


#: What a SMILES needs to hold explicit hydrogen atoms, isotopes, charges or stereochemistry
#: (brackets, ``/`` and ``\\`` bonds) or CXSMILES extensions (after a space or ``|``).
_NOT_PLAIN = re.compile(r"[\[/\\|\s]")


def mol_from_plain_smiles(smiles: str) -> Chem.Mol | None:
    """:func:`mol_from_smiles` with the same molecule for less work on plain SMILES (no
    brackets, bond directions or extensions: most of any library), else the same call.

    RDKit's parser ends by removing explicit hydrogen atoms (with sanitisation) and perceiving
    stereochemistry -- ranking every atom to flag possible stereocentres, about a fifth of the
    parse. Plain SMILES hold no hydrogen atoms (an H atom is always written in brackets) and
    no stereo marks (``@`` only in brackets, ``/`` and ``\\``), so their molecule is the parsed
    and sanitised graph alone: same atoms, bonds, aromaticity and rings; only the flags of
    possible stereocentres that nothing here reads are left unset
    (tests/chemistry/test_standardise.py compares the two).
    """
    if _NOT_PLAIN.search(smiles) is not None:
        return mol_from_smiles(smiles)
    mol = cast("Chem.Mol | None", Chem.MolFromSmiles(smiles, sanitize=False))
    if mol is None:
        return None
    try:
        Chem.SanitizeMol(mol)
    except (ValueError, RuntimeError):  # RDKit's parser returns None for these
        return None
    return mol


def mol_to_inchikey(mol: Chem.Mol) -> str | None:
    """The standard InChIKey of a molecule; None when InChI cannot describe it."""
    key = cast(str, Chem.MolToInchiKey(mol))  # type: ignore[no-untyped-call]
    return key or None


#: Fragment names for the counter-ions and solvents most often met in the trade, keyed by the
#: canonical SMILES of the fragment *as written* (charged or not). The phrase says why it went.
_KNOWN_FRAGMENTS: dict[str, str] = {
    "Cl": "HCl (salt)",
    "[Cl-]": "chloride (salt)",
    "Br": "HBr (salt)",
    "[Br-]": "bromide (salt)",
    "I": "HI (salt)",
    "[I-]": "iodide (salt)",
    "F": "HF (salt)",
    "O=S(=O)(O)O": "H2SO4 (salt)",
    "O=S(=O)([O-])O": "hydrogen sulfate (salt)",
    "O=S(=O)([O-])[O-]": "sulfate (salt)",
    "O=P(O)(O)O": "H3PO4 (salt)",
    "O=[N+]([O-])O": "HNO3 (salt)",
    "CS(=O)(=O)O": "methanesulfonic acid (salt)",
    "Cc1ccc(S(=O)(=O)O)cc1": "p-toluenesulfonic acid (salt)",
    "O=C(O)C(F)(F)F": "trifluoroacetic acid (salt)",
    "O=C(O)C(=O)O": "oxalic acid (salt)",
    "O=C(O)/C=C/C(=O)O": "fumaric acid (salt)",
    "O=C(O)/C=C\\C(=O)O": "maleic acid (salt)",
    "O=C(O)C=CC(=O)O": "fumaric/maleic acid (salt)",
    "O=C(O)CC(O)(CC(=O)O)C(=O)O": "citric acid (salt)",
    "O=C(O)C(O)C(O)C(=O)O": "tartaric acid (salt)",
    "CC(=O)O": "acetic acid (salt)",
    "O=C(O)O": "carbonic acid (salt)",
    "[Na+]": "sodium (counter-ion)",
    "[K+]": "potassium (counter-ion)",
    "[Li+]": "lithium (counter-ion)",
    "[Ca+2]": "calcium (counter-ion)",
    "[Mg+2]": "magnesium (counter-ion)",
    "[NH4+]": "ammonium (counter-ion)",
    "O": "water (solvent)",
    "CO": "methanol (solvent)",
    "CCO": "ethanol (solvent)",
    "CC(C)O": "isopropanol (solvent)",
    "CC(C)=O": "acetone (solvent)",
    "CCOCC": "diethyl ether (solvent)",
    "ClCCl": "dichloromethane (solvent)",
    "ClC(Cl)Cl": "chloroform (solvent)",
    "C1CCOC1": "THF (solvent)",
    "CCOC(C)=O": "ethyl acetate (solvent)",
    "Cc1ccccc1": "toluene (solvent)",
    "CC#N": "acetonitrile (solvent)",
    "CS(C)=O": "DMSO (solvent)",
    "CN(C)C=O": "DMF (solvent)",
}

#: A gem-diol on an sp3 carbon whose other two neighbours are carbon or hydrogen: a ketone or
#: aldehyde hydrate, not an ortho-ester, hemiacetal or carboxylic-acid hydrate.
_GEM_DIOL = Chem.MolFromSmarts("[CX4;!$(C(O)(O)[!#6;!#1]);$(C([OX2H1])[OX2H1])]([OX2H1])[OX2H1]")
#: The hydroxyl of the gem-diol pattern: a gem-diol needs two of them.
_HYDROXYL = Chem.MolFromSmarts("[OX2H1]")


@dataclass(frozen=True)
class StepReport:
    """What one standardisation step did to the structure."""

    name: str
    changed: bool
    detail: str


@dataclass(frozen=True)
class StandardisedMol:
    """The parent structure and what was removed to reach it.

    ``mol`` is sanitised and has no stereochemistry; ``smiles`` is its canonical SMILES, the key
    the knowledge-base index, the rules and the results use.
    """

    mol: Chem.Mol
    smiles: str
    removed: tuple[str, ...]
    steps: tuple[StepReport, ...]


StepResult = tuple[Chem.Mol, StepReport, tuple[str, ...]]


def _fragment_phrase(smiles: str, count: int) -> str:
    name = _KNOWN_FRAGMENTS.get(smiles, f"{smiles} (fragment)")
    return f"{count} x {name}" if count > 1 else name


def largest_organic_fragment(mol: Chem.Mol) -> StepResult:
    """Keep the largest carbon-containing fragment; name the salts and solvents dropped."""
    if len(Chem.GetMolFrags(mol)) == 1:  # atom-index tuples: far cheaper than fragment mols
        return mol, StepReport("largest_organic_fragment", False, "one fragment"), ()
    fragments = Chem.GetMolFrags(mol, asMols=True, sanitizeFrags=False)

    def size(fragment: Chem.Mol) -> tuple[int, int, int]:
        organic = any(atom.GetAtomicNum() == 6 for atom in fragment.GetAtoms())
        heavy = fragment.GetNumHeavyAtoms()
        return (int(organic), heavy, fragment.GetNumAtoms())

    ranked = sorted(range(len(fragments)), key=lambda i: size(fragments[i]), reverse=True)
    keep = fragments[ranked[0]]
    dropped = Counter(Chem.MolToSmiles(fragments[i]) for i in ranked[1:])
    phrases = tuple(_fragment_phrase(smiles, n) for smiles, n in sorted(dropped.items()))
    detail = "removed " + ", ".join(phrases)
    return Chem.Mol(keep), StepReport("largest_organic_fragment", True, detail), phrases


_UNCHARGER = rdMolStandardize.Uncharger(canonicalOrder=True)
_CHARGED = Chem.MolFromSmarts("[+,-]")


def neutralise(mol: Chem.Mol) -> StepResult:
    """Remove charges a proton can remove (protonated amines, carboxylates, phenolates)."""
    if not mol.HasSubstructMatch(_CHARGED):  # one C++ call instead of a Python atom loop
        return mol, StepReport("neutralise", False, "no charges"), ()
    charged = [atom for atom in mol.GetAtoms() if atom.GetFormalCharge() != 0]
    before = {atom.GetIdx(): atom.GetFormalCharge() for atom in charged}
    out = _UNCHARGER.uncharge(mol)
    elements = sorted(
        {
            out.GetAtomWithIdx(idx).GetSymbol()
            for idx, charge in before.items()
            if out.GetAtomWithIdx(idx).GetFormalCharge() != charge
        }
    )
    if not elements:
        return mol, StepReport("neutralise", False, "charges kept (not acid/base sites)"), ()
    phrase = f"charge on {', '.join(elements)} neutralised"
    return out, StepReport("neutralise", True, phrase), (phrase,)


def remove_isotopes(mol: Chem.Mol) -> StepResult:
    """Drop isotope labels (deuterated or 13C reference standards are the same substance)."""
    labelled = sorted(
        {f"{atom.GetIsotope()}{atom.GetSymbol()}" for atom in mol.GetAtoms() if atom.GetIsotope()}
    )
    if not labelled:
        return mol, StepReport("remove_isotopes", False, "no isotope labels"), ()
    out = Chem.Mol(mol)
    for atom in out.GetAtoms():
        atom.SetIsotope(0)
    out = Chem.RemoveHs(out)  # former deuterium atoms become implicit hydrogens
    phrase = f"isotope labels ({', '.join(labelled)})"
    return out, StepReport("remove_isotopes", True, phrase), (phrase,)


def ketone_hydrate(mol: Chem.Mol) -> StepResult:
    """Turn a gem-diol on carbon (a ketone hydrate) back into the ketone."""
    # a gem-diol holds two hydroxyls: counting them is a third cheaper than the gem-diol
    # pattern, and most molecules with two oxygens have fewer than two hydroxyls
    if len(mol.GetSubstructMatches(_HYDROXYL, maxMatches=2)) < 2:
        return mol, StepReport("ketone_hydrate", False, "no gem-diol"), ()
    hits = mol.GetSubstructMatches(_GEM_DIOL)
    if not hits:
        return mol, StepReport("ketone_hydrate", False, "no gem-diol"), ()
    editable = Chem.RWMol(mol)
    doomed: list[int] = []
    seen_carbons: set[int] = set()
    for carbon, oxygen_kept, oxygen_lost in hits:
        if carbon in seen_carbons:
            continue
        seen_carbons.add(carbon)
        editable.GetBondBetweenAtoms(carbon, oxygen_kept).SetBondType(Chem.BondType.DOUBLE)
        editable.GetAtomWithIdx(carbon).SetNumExplicitHs(0)
        editable.GetAtomWithIdx(oxygen_kept).SetNumExplicitHs(0)
        doomed.append(oxygen_lost)
    for idx in sorted(doomed, reverse=True):
        editable.RemoveAtom(idx)
    out = editable.GetMol()
    Chem.SanitizeMol(out)
    phrase = "ketone hydrate (gem-diol -> ketone)"
    if len(seen_carbons) > 1:
        phrase = f"{len(seen_carbons)} x {phrase}"
    return out, StepReport("ketone_hydrate", True, phrase), (phrase,)


def remove_stereo(mol: Chem.Mol) -> StepResult:
    """Drop stereocentres and double-bond geometry: control lists cover every isomer."""
    out = Chem.Mol(mol)
    Chem.RemoveStereochemistry(out)
    return out, StepReport("remove_stereo", True, "stereo"), ("stereo",)


_STEPS: tuple[Callable[[Chem.Mol], StepResult], ...] = (
    largest_organic_fragment,
    neutralise,
    remove_isotopes,
    ketone_hydrate,
)


#: Reports of steps that a SMILES text shows to have nothing to do (see ``standardise``).
_SKIPPED: dict[Callable[[Chem.Mol], StepResult], StepReport] = {
    largest_organic_fragment: StepReport("largest_organic_fragment", False, "one fragment"),
    neutralise: StepReport("neutralise", False, "no charges"),
    remove_isotopes: StepReport("remove_isotopes", False, "no isotope labels"),
    ketone_hydrate: StepReport("ketone_hydrate", False, "no gem-diol"),
}


def _needed(step: Callable[[Chem.Mol], StepResult], smiles: str) -> bool:
    """Whether ``smiles`` could need ``step``; False only when its text rules the step out.

    Fragments are always separated by ``.``, charges are always written with ``+`` or ``-``,
    and a gem-diol needs two aliphatic oxygens; the tests are conservative (a ``-`` bond or a
    ring-closing ``.`` just runs the step).
    """
    if step is largest_organic_fragment:
        return "." in smiles
    if step is neutralise:
        return "+" in smiles or "-" in smiles
    if step is remove_isotopes:
        return "[" in smiles and _ISOTOPE_IN_TEXT.search(smiles) is not None
    if step is ketone_hydrate:
        return smiles.count("O") >= 2
    return True


#: An isotope is always written as a mass number first inside brackets: ``[2H]``, ``[13CH3]``.
_ISOTOPE_IN_TEXT = re.compile(r"\[\d")


def standardise(mol: Chem.Mol, *, smiles: str | None = None) -> StandardisedMol:
    """Reduce ``mol`` to its parent: largest organic fragment, neutral, no hydrate, no stereo.

    ``mol`` must be a sanitised RDKit molecule; it is not modified. ``smiles``, the text
    ``mol`` was parsed from, lets steps that text rules out be skipped (batch screening).
    """
    current = mol
    reports: list[StepReport] = []
    removed: list[str] = []
    for step in _STEPS:
        if smiles is not None and not _needed(step, smiles):
            reports.append(_SKIPPED[step])
            continue
        current, report, phrases = step(current)
        reports.append(report)
        removed.extend(phrases)
    # The isomeric canonical SMILES is needed anyway; it shows any stereo that is left, so the
    # stereo step runs (and the SMILES is written again) only for the few molecules that have it.
    canonical = Chem.MolToSmiles(current)
    if "@" in canonical or "/" in canonical or "\\" in canonical:  # the stereo marks
        current, report, phrases = remove_stereo(current)
        reports.append(report)
        removed.extend(phrases)
        canonical = Chem.MolToSmiles(current)
    else:
        reports.append(_NO_STEREO)
    reports.append(StepReport("canonical_smiles", False, canonical))
    return StandardisedMol(current, canonical, tuple(removed), tuple(reports))


_NO_STEREO = StepReport("remove_stereo", False, "no stereochemistry")


@lru_cache(maxsize=4096)
def parent_smiles(smiles: str) -> str | None:
    """The canonical SMILES of the parent of ``smiles``; None when it does not parse."""
    if not smiles or not smiles.strip():
        return None
    mol = mol_from_smiles(smiles.strip())
    if mol is None:
        return None
    return standardise(mol).smiles
