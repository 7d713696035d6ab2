"""Versioned reference data with provenance: typed records (models.py) and their loaders.

Public API::

    kb = load_knowledge_base()          # validated at load, cached
    kb.listed_status("NPP", date(2020, 1, 1))
    gap_matrix(kb, date.today())
"""

from fentrace.reference.gaps import GapCell, GapRow, gap_matrix
from fentrace.reference.kb import (
    KnowledgeBase,
    build_knowledge_base,
    load_knowledge_base,
    validate_structures,
)
from fentrace.reference.names import (
    cas_check_digit,
    looks_like_cas,
    normalise_chemical_name,
    strip_salt_words,
    validate_cas,
)

__all__ = [
    "GapCell",
    "GapRow",
    "KnowledgeBase",
    "build_knowledge_base",
    "cas_check_digit",
    "gap_matrix",
    "load_knowledge_base",
    "looks_like_cas",
    "normalise_chemical_name",
    "strip_salt_words",
    "validate_cas",
    "validate_structures",
]
