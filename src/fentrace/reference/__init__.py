"""Versioned reference data with provenance: typed records (models.py) and their loaders.

Public API::

    kb = load_knowledge_base()          # validated at load, cached
    kb.listed_status("NPP", date(2020, 1, 1))
    gap_matrix(kb, date.today())
    diff_knowledge_bases(load_knowledge_base(resolve_knowledge_base("2026.11.29")), kb)
    secondary_only_records(kb)
"""

from fentrace.reference.diff import KnowledgeBaseDiff, diff_knowledge_bases
from fentrace.reference.gaps import GapCell, GapRow, gap_matrix
from fentrace.reference.kb import (
    KnowledgeBase,
    build_knowledge_base,
    load_knowledge_base,
    resolve_knowledge_base,
    shipped_releases,
    validate_structures,
)
from fentrace.reference.names import (
    cas_check_digit,
    looks_like_cas,
    normalise_chemical_name,
    strip_salt_words,
    validate_cas,
)
from fentrace.reference.provenance import secondary_only_records

__all__ = [
    "GapCell",
    "GapRow",
    "KnowledgeBase",
    "KnowledgeBaseDiff",
    "build_knowledge_base",
    "cas_check_digit",
    "diff_knowledge_bases",
    "gap_matrix",
    "load_knowledge_base",
    "looks_like_cas",
    "normalise_chemical_name",
    "resolve_knowledge_base",
    "secondary_only_records",
    "shipped_releases",
    "strip_salt_words",
    "validate_cas",
    "validate_structures",
]
