"""Identifier resolution: whatever the analyst typed, find the structure it names.

``resolve`` detects the kind of identifier and turns it into a molecule:

* molfile -- a string containing ``M  END`` (an MDL connection table);
* InChI -- ``InChI=1S/...``;
* InChIKey -- 27 characters, 14 letters - 10 letters - 1 letter; looked up in the knowledge base
  (an InChIKey is a hash: it cannot be turned back into a structure without a lookup);
* CAS registry number -- ``NNNNNNN-NN-N`` with its check digit verified, then looked up;
* a name or synonym the knowledge base knows (tolerant of case, spacing, hyphens, Greek letters
  and salt words such as "hydrochloride" or "HCl"); other systematic names go to OPSIN when
  the optional ``py2opsin`` package (and Java) is installed;
* SMILES -- anything else that RDKit can read.

Names are tried before SMILES because some short names are also valid SMILES ("NPP" would be
read as N-P-P). Bad input never raises: the :class:`Resolution` says what was wrong.
"""

from __future__ import annotations

import re
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module
from pathlib import Path
from typing import Any, Literal, cast

from rdkit import Chem

from fentrace.chemistry.kbindex import KnowledgeBase, kb_index, knowledge_base
from fentrace.chemistry.standardise import mol_from_smiles
from fentrace.limits import over_bound
from fentrace.reference import validate_cas
from fentrace.reference.models import Substance

InputType = Literal["smiles", "cas", "name", "inchi", "inchikey", "molfile", "empty"]

_CAS = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")
_INCHIKEY = re.compile(r"^[A-Z]{14}-[A-Z]{10}-[A-Z]$")
#: One SMILES token: an element in or out of brackets, a ring bond, a bond or branch symbol.
_SMILES_TOKENS = re.compile(r"(Br|Cl|[BCNOPSFI]|[bcnops]|\[[^\]]+\]|%\d\d|\d|[()=#\-+\\/.:@*$~])")


@dataclass(frozen=True)
class Resolution:
    """The outcome of resolving one query: a molecule, or the reason there is none.

    ``substance`` is set when the identifier itself named a knowledge-base record (a CAS
    number, an InChIKey or a name); a structure query is matched later, by its parent.
    """

    query: str
    input_type: InputType
    resolved: bool
    mol: Chem.Mol | None = None
    substance: Substance | None = None
    error: str | None = None


def _looks_like_smiles(text: str) -> bool:
    """True when every character of ``text`` belongs to a SMILES token (names rarely do)."""
    return not _SMILES_TOKENS.sub("", text)


def _smiles_problem(text: str) -> str:
    """RDKit's own account of why a SMILES string is not a molecule."""
    unsanitised = cast("Chem.Mol | None", Chem.MolFromSmiles(text, sanitize=False))
    if unsanitised is None:
        return "syntax error (unbalanced brackets or ring closures, or an unknown atom)"
    problems = Chem.DetectChemistryProblems(unsanitised)
    if problems:
        return "; ".join(problem.Message() for problem in problems)
    return "RDKit cannot sanitise it"


def _from_substance(query: str, input_type: InputType, substance: Substance) -> Resolution:
    mol = mol_from_smiles(substance.smiles)
    if mol is None:  # a broken KB record; kb_index() would already have refused it
        return Resolution(query, input_type, False, error=f"{substance.id}: SMILES does not parse")
    return Resolution(query, input_type, True, mol=mol, substance=substance)


def _resolve_cas(query: str, cas: str, kb: KnowledgeBase) -> Resolution:
    problem = validate_cas(cas)
    if problem is not None:
        return Resolution(query, "cas", False, error=problem)
    substance = kb.substance_by_cas(cas)
    if substance is None:
        return Resolution(query, "cas", False, error=f"CAS {cas}: not in the knowledge base")
    return _from_substance(query, "cas", substance)


def _resolve_inchikey(query: str, key: str, kb: KnowledgeBase) -> Resolution:
    substance = kb.substance_by_inchikey(key) or kb_index().by_parent_inchikey(key)
    if substance is None:
        return Resolution(
            query,
            "inchikey",
            False,
            error=f"InChIKey {key}: not in the knowledge base "
            "(an InChIKey cannot be turned into a structure without a lookup service)",
        )
    return _from_substance(query, "inchikey", substance)


def _resolve_inchi(query: str, text: str) -> Resolution:
    read_inchi: Any = Chem.MolFromInchi
    mol = cast("Chem.Mol | None", read_inchi(text, sanitize=True, treatWarningAsError=False))
    if mol is None:
        return Resolution(query, "inchi", False, error="InChI could not be read")
    return Resolution(query, "inchi", True, mol=mol)


def _resolve_molfile(query: str) -> Resolution:
    mol = cast("Chem.Mol | None", Chem.MolFromMolBlock(query, sanitize=False))
    if mol is None:
        return Resolution(query, "molfile", False, error="molfile could not be read")
    problems = Chem.DetectChemistryProblems(mol)
    if problems:
        reason = "; ".join(problem.Message() for problem in problems)
        return Resolution(query, "molfile", False, error=f"molfile: {reason}")
    Chem.SanitizeMol(mol)
    return Resolution(query, "molfile", True, mol=mol)


@lru_cache(maxsize=1)
def _opsin() -> Callable[..., Any] | None:
    try:
        module = import_module("py2opsin")
    except ImportError:
        return None
    function = getattr(module, "py2opsin", None)
    return function if callable(function) else None


def opsin_available() -> bool:
    """True when OPSIN (through the optional ``py2opsin`` package and Java) can parse names."""
    return _opsin() is not None


@lru_cache(maxsize=1024)
def name_to_smiles(name: str) -> str | None:
    """A systematic name's structure as SMILES, by OPSIN; None when OPSIN cannot parse it.

    Each call starts a Java process (seconds), so batch screening does not use it.
    """
    opsin = _opsin()
    if opsin is None:
        return None
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        # OPSIN's parse failures arrive as RuntimeWarnings; the caller reports them instead
        warnings.simplefilter("ignore")
        try:
            smiles = opsin(name, tmp_fpath=str(Path(folder) / "opsin-input.txt"))
        except (OSError, RuntimeError, ValueError):
            return None
    return smiles if isinstance(smiles, str) and smiles else None


def _unknown_name(query: str, text: str, use_opsin: bool) -> Resolution:
    if use_opsin and opsin_available():
        smiles = name_to_smiles(text)
        mol = None if smiles is None else mol_from_smiles(smiles)
        if mol is not None:
            return Resolution(query, "name", True, mol=mol)
        reason = "not in the knowledge base, and OPSIN cannot parse it as a systematic name"
    elif use_opsin:
        reason = "not in the knowledge base (and no name-to-structure converter is installed)"
    else:
        reason = "not in the knowledge base (systematic names are not parsed in batch mode)"
    return Resolution(query, "name", False, error=f"name {text!r}: {reason}")


def _too_long(query: str) -> Resolution | None:
    """A query past its length bound, refused before any parser sees it."""
    text = query.strip()
    kind: InputType
    if "M  END" in query or text.startswith("InChI="):
        kind = "molfile" if "M  END" in query else "inchi"
        problem = over_bound("query_chars", len(query))
    else:
        kind = "smiles" if _looks_like_smiles(text[:1000]) else "name"
        problem = over_bound("smiles_chars", len(text))
    return None if problem is None else Resolution(query[:100] + "...", kind, False, error=problem)


def resolve(query: str, kb: KnowledgeBase | None = None, *, use_opsin: bool = True) -> Resolution:
    """Detect what ``query`` is (SMILES, CAS, name, InChI, InChIKey, molfile) and resolve it.

    A name the knowledge base lacks goes to OPSIN when it is installed and ``use_opsin``.
    """
    too_long = _too_long(query)
    if too_long is not None:
        return too_long
    if "M  END" in query:
        return _resolve_molfile(query)
    text = query.strip()
    if not text:
        return Resolution(query, "empty", False, error="empty query")
    if text.startswith("InChI="):
        return _resolve_inchi(query, text)
    base = knowledge_base() if kb is None else kb
    if _INCHIKEY.match(text):
        return _resolve_inchikey(query, text, base)
    if _CAS.match(text):
        return _resolve_cas(query, text, base)
    substance = base.substance_by_name(text)
    if substance is not None:
        return _from_substance(query, "name", substance)
    mol = mol_from_smiles(text) if " " not in text else None
    if mol is not None:
        return Resolution(query, "smiles", True, mol=mol)
    if _looks_like_smiles(text):
        return Resolution(
            query,
            "smiles",
            False,
            error=f"SMILES {text!r} could not be read: {_smiles_problem(text)}",
        )
    return _unknown_name(query, text, use_opsin)
