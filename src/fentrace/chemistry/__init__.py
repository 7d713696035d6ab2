"""Chemical screening: identifiers, standardisation, the knowledge-base index and screen().

The only package that imports RDKit. The public names are re-exported here; the rules modules
(classes, routes, similarity, draw) are imported from their own modules. ``screen()`` itself
is imported from ``fentrace.chemistry.screen``: re-exporting it here would hide that module
behind a function of the same name.
"""

from fentrace.chemistry.batch import BatchSummary, read_records, screen_file
from fentrace.chemistry.identifiers import Resolution, resolve
from fentrace.chemistry.kbindex import KBIndex, build_kb_index, kb_index, knowledge_base
from fentrace.chemistry.results import (
    TIERS,
    VERDICTS,
    ContestedReadingResult,
    JurisdictionResult,
    Match,
    RouteLink,
    ScreenResult,
    Tier,
    Verdict,
)
from fentrace.chemistry.screen import screen_many
from fentrace.chemistry.standardise import (
    StandardisedMol,
    StepReport,
    parent_smiles,
    standardise,
)

__all__ = [
    "TIERS",
    "VERDICTS",
    "BatchSummary",
    "ContestedReadingResult",
    "JurisdictionResult",
    "KBIndex",
    "Match",
    "Resolution",
    "RouteLink",
    "ScreenResult",
    "StandardisedMol",
    "StepReport",
    "Tier",
    "Verdict",
    "build_kb_index",
    "kb_index",
    "knowledge_base",
    "parent_smiles",
    "read_records",
    "resolve",
    "screen_file",
    "screen_many",
    "standardise",
]
