"""Chemical screening: identifiers, standardisation, the knowledge-base index and screen().

The only package that imports RDKit. The public names are re-exported here.
"""

from fentrace.chemistry.kbindex import KBIndex, build_kb_index, kb_index
from fentrace.chemistry.standardise import (
    StandardisedMol,
    StepReport,
    parent_smiles,
    standardise,
)

__all__ = [
    "KBIndex",
    "StandardisedMol",
    "StepReport",
    "build_kb_index",
    "kb_index",
    "parent_smiles",
    "standardise",
]
