"""A knowledge-base double for chemistry tests: five rows of mini_kb.csv, one listing each.

Loaded by the tests with ``load_minikb()`` (importlib), so it needs no package of its own.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

from fentrace.reference.models import JURISDICTIONS, JurisdictionStatus, Substance

DATA = Path(__file__).parent / "mini_kb.csv"


class MiniKB:
    """A knowledge base of five rows: enough to exercise every branch of screen_mol."""

    def __init__(self, path: Path = DATA) -> None:
        with path.open(encoding="utf-8") as handle:
            self.rows = list(csv.DictReader(handle))
        self._substances = {
            row["id"]: Substance(
                id=row["id"],
                name=row["name"],
                synonyms=tuple(row["synonyms"].split("|")),
                cas=row["cas"] or None,
                cas_verified=bool(row["cas"]),
                smiles=row["smiles"],
                inchikey="",
                formula="",
                hs_codes=(),
                hs_verified=False,
                family=row["family"],  # type: ignore[arg-type]
                role=row["role"],  # type: ignore[arg-type]
                notes="",
                source_ids=("src-" + row["id"],),
            )
            for row in self.rows
        }

    @property
    def substances(self) -> Mapping[str, Substance]:
        return self._substances

    def substance_by_cas(self, cas: str) -> Substance | None:
        return next((s for s in self._substances.values() if s.cas == cas), None)

    def substance_by_inchikey(self, inchikey: str) -> Substance | None:
        return None

    def substance_by_name(self, name: str) -> Substance | None:
        wanted = name.strip().lower()
        for substance in self._substances.values():
            if wanted in {substance.name.lower(), *(s.lower() for s in substance.synonyms)}:
                return substance
        return None

    def listed_status(self, substance_id: str, as_of: date) -> Mapping[str, JurisdictionStatus]:
        out: dict[str, JurisdictionStatus] = {}
        for row in self.rows:
            since = date.fromisoformat(row["effective"])
            if row["id"] == substance_id and since <= as_of:
                out[row["jurisdiction"]] = JurisdictionStatus(
                    jurisdiction=row["jurisdiction"],
                    status="controlled",
                    basis=row["basis"],
                    list_name=row["list_name"],
                    since=since,
                    source="source of " + row["id"],
                    verified=row["verified"] == "true",
                )
        for code in JURISDICTIONS:
            out.setdefault(code, JurisdictionStatus(jurisdiction=code, status="not_controlled"))
        return out

    def format_sources(self, ids: Iterable[str]) -> str:
        return "; ".join(ids)
