"""What a Python worker loads once and keeps between tasks: the lexicon and the screeners.

Spark reuses its Python workers (``spark.python.worker.reuse``), so module-level caches
last for the whole job; the broadcast findings are wrapped in the engine's lookup
interfaces here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

from fentrace.shipments.lookups import (
    ChemFinding,
    ChemicalScreener,
    Lexicon,
    NameResolver,
    PartyFinding,
    PartyLookup,
    default_chemical_screener,
    default_lexicon,
    default_name_resolver,
    default_party_lookup,
)


@cache
def lexicon() -> Lexicon:
    """The knowledge base's chemical names, loaded once per worker."""
    return default_lexicon()


@cache
def chemical_screener() -> ChemicalScreener:
    """The chemistry engine, one process per worker (the executors are the parallelism)."""
    return default_chemical_screener(jobs=1)


@cache
def party_lookup() -> PartyLookup:
    """The party screener over the bundled watchlist, its index built once per worker."""
    return default_party_lookup()


@cache
def name_resolver() -> NameResolver:
    """OPSIN for systematic names in descriptions, started once per batch of a worker."""
    return default_name_resolver()


@dataclass(frozen=True, slots=True)
class NameTable:
    """A NameResolver answering from names resolved beforehand (None: not a structure)."""

    structures: Mapping[str, str | None]

    def __call__(self, names: Sequence[str]) -> list[str | None]:
        return [self.structures.get(name) for name in names]


@dataclass(frozen=True, slots=True)
class FindingTable:
    """A ChemicalScreener answering from findings screened beforehand, keyed (query, date)."""

    findings: Mapping[tuple[str, date], ChemFinding]

    def __call__(self, queries: Sequence[str], as_of: date | None) -> list[ChemFinding]:
        if as_of is None:
            raise ValueError("the distributed engine always screens on a date")
        return [self.findings[(query, as_of)] for query in queries]


@dataclass(frozen=True, slots=True)
class PartyTable:
    """A PartyLookup answering from findings screened beforehand, keyed (name, country)."""

    findings: Mapping[tuple[str, str | None], PartyFinding]

    def __call__(self, names: Sequence[str], countries: Sequence[str | None]) -> list[PartyFinding]:
        return [self.findings[key] for key in zip(names, countries, strict=True)]
