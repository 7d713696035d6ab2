"""Re-screen stored results when the law or a watchlist changes, and report only what rose.

Three library calls, one per kind of stored result, each taking plain mappings (the rows that
``chem screen-file``, ``parties screen-file`` and ``shipments screen`` write, or the records a
service keeps) so any front end can call them on what it already stores:

- :func:`rescreen_chemicals`: a stored chemical result against a knowledge base (any release or
  directory) on a date: the jurisdictions where the chemical is now listed and was not, with
  the date, legal basis and whether the verdict rises. The chemical is found in the knowledge
  base by its InChIKey (or substance id), so a substance added by a new release is found too.
- :func:`rescreen_parties`: a stored party result against a party screener over a new list
  (OFAC SDN files, an OpenSanctions FollowTheMoney export): the names whose verdict rose, with
  the list entry they now match.
- :func:`rescreen_shipments`: a manifest and its stored alerts, screened again: the shipments
  whose level rose, with the reasons that are new.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from fentrace.parties import PartyScreener
from fentrace.reference.kb import KnowledgeBase
from fentrace.reference.models import JURISDICTIONS, JurisdictionStatus
from fentrace.shipments import LEVELS, Manifest, Rules, ScreeningResult, screen_manifest
from fentrace.shipments.engine import Lookups, default_lookups
from fentrace.shipments.lookups import PartyFinding, PartyLookup, finding_from_party_result

#: Chemical verdicts, most severe first (DESIGN.md's precedence).
CHEM_VERDICTS: tuple[str, ...] = (
    "controlled",
    "class_controlled",
    "designer_precursor",
    "watch",
    "clear",
)
#: Listed status per jurisdiction, strongest first.
STATUSES: tuple[str, ...] = ("controlled", "class_controlled", "not_controlled")
#: Party verdicts, strongest first.
PARTY_VERDICTS: tuple[str, ...] = ("match", "possible", "none")


def _rank(order: Sequence[str], value: str | None) -> int:
    """Position in ``order`` (0 = most severe); unknown values rank below everything."""
    return order.index(value) if value in order else len(order)


def rises(order: Sequence[str], old: str | None, new: str | None) -> bool:
    """True when ``new`` is more severe than ``old`` in ``order``."""
    return _rank(order, new) < _rank(order, old)


# --------------------------------------------------------------------------- chemicals


@dataclass(frozen=True, slots=True)
class JurisdictionChange:
    """One jurisdiction where a stored chemical is now listed more strongly than it was."""

    jurisdiction: str
    old_status: str
    new_status: str
    since: str | None
    basis: str | None
    list_name: str | None
    verified: bool
    control_id: str | None


@dataclass(frozen=True, slots=True)
class ChemicalChange:
    """A stored chemical result whose listed status rose under the knowledge base re-checked."""

    record: str
    query: str
    substance: str
    name: str
    old_verdict: str
    new_verdict: str
    jurisdictions: tuple[JurisdictionChange, ...]

    @property
    def verdict_rose(self) -> bool:
        """True when the overall verdict is more severe than the stored one."""
        return rises(CHEM_VERDICTS, self.old_verdict, self.new_verdict)

    def to_dict(self) -> dict[str, Any]:
        """The change as JSON-ready data."""
        return {
            "record": self.record,
            "query": self.query,
            "substance": self.substance,
            "name": self.name,
            "old_verdict": self.old_verdict,
            "new_verdict": self.new_verdict,
            "verdict_rose": self.verdict_rose,
            "jurisdictions": [
                {
                    "jurisdiction": j.jurisdiction,
                    "old_status": j.old_status,
                    "new_status": j.new_status,
                    "since": j.since,
                    "basis": j.basis,
                    "list_name": j.list_name,
                    "verified": j.verified,
                    "control_id": j.control_id,
                }
                for j in self.jurisdictions
            ],
        }


def stored_statuses(result: Mapping[str, Any]) -> dict[str, str]:
    """Jurisdiction -> status of a stored chemical result (full JSON or the flat row)."""
    out: dict[str, str] = {}
    nested = result.get("jurisdictions")
    if isinstance(nested, str) and nested.strip().startswith("{"):
        nested = json.loads(nested)
    for code in JURISDICTIONS:
        entry = nested.get(code) if isinstance(nested, Mapping) else None
        status = entry.get("status") if isinstance(entry, Mapping) else result.get(f"status_{code}")
        out[code] = str(status) if status else "not_controlled"
    return out


def _listed_verdict(statuses: Mapping[str, JurisdictionStatus]) -> str | None:
    """The verdict the listings alone give: controlled on a verified listing, one level down otherwise."""
    listed = [s for s in statuses.values() if s.status == "controlled"]
    if any(s.verified for s in listed):
        return "controlled"
    if listed or any(s.status == "class_controlled" for s in statuses.values()):
        return "class_controlled"
    return None


def _record_label(result: Mapping[str, Any], position: int) -> str:
    for key in ("id", "record", "row"):
        value = result.get(key)
        if value not in (None, ""):
            return str(value)
    return str(position)


def rescreen_chemicals(
    results: Iterable[Mapping[str, Any]], kb: KnowledgeBase, as_of: date
) -> list[ChemicalChange]:
    """The stored chemical results that are listed more strongly under ``kb`` on ``as_of``.

    A result whose chemical the knowledge base does not hold (by InChIKey or substance id) is
    left alone: class membership of an unlisted structure needs the chemistry engine.
    """
    changes: list[ChemicalChange] = []
    for position, result in enumerate(results, start=1):
        inchikey = str(result.get("inchikey") or "")
        substance = kb.substance_by_inchikey(inchikey) if inchikey else None
        if substance is None and result.get("substance"):
            substance = kb.substances.get(str(result["substance"]))
        if substance is None:
            continue
        old = stored_statuses(result)
        new = kb.listed_status(substance.id, as_of)
        moved = tuple(
            JurisdictionChange(
                jurisdiction=code,
                old_status=old[code],
                new_status=status.status,
                since=status.since_text,
                basis=status.basis,
                list_name=status.list_name,
                verified=status.verified,
                control_id=status.control_id,
            )
            for code, status in new.items()
            if rises(STATUSES, old[code], status.status)
        )
        if not moved:
            continue
        old_verdict = str(result.get("verdict") or "clear")
        listed = _listed_verdict(new)
        new_verdict = (
            listed if listed and rises(CHEM_VERDICTS, old_verdict, listed) else old_verdict
        )
        changes.append(
            ChemicalChange(
                record=_record_label(result, position),
                query=str(result.get("query") or ""),
                substance=substance.id,
                name=substance.name,
                old_verdict=old_verdict,
                new_verdict=new_verdict,
                jurisdictions=moved,
            )
        )
    return changes


# --------------------------------------------------------------------------- parties


@dataclass(frozen=True, slots=True)
class PartyChange:
    """A stored party whose verdict rose against the new list, with the entry it now matches."""

    record: str
    name: str
    country: str | None
    old_verdict: str
    new_verdict: str
    entity_id: str | None
    matched_name: str | None
    matched_alias: str | None
    score: float
    lists: tuple[str, ...]
    action: str | None
    since: str | None
    source: str | None

    def to_dict(self) -> dict[str, Any]:
        """The change as JSON-ready data."""
        return {
            "record": self.record,
            "name": self.name,
            "country": self.country,
            "old_verdict": self.old_verdict,
            "new_verdict": self.new_verdict,
            "entity_id": self.entity_id,
            "matched_name": self.matched_name,
            "matched_alias": self.matched_alias,
            "score": self.score,
            "lists": list(self.lists),
            "action": self.action,
            "since": self.since,
            "source": self.source,
        }


def _stored_entity(result: Mapping[str, Any]) -> str | None:
    if result.get("entity_id"):
        return str(result["entity_id"])
    matches = result.get("matches")
    if isinstance(matches, list) and matches and isinstance(matches[0], Mapping):
        best = max(matches, key=lambda m: float(m.get("score") or 0.0))
        return str(best.get("entity_id")) if best.get("entity_id") else None
    return None


def rescreen_parties(
    results: Iterable[Mapping[str, Any]], screener: PartyScreener
) -> list[PartyChange]:
    """The stored parties whose verdict rose, or that now match another list entry.

    Each stored row needs the screened name (``name`` or ``query``) and may carry ``country``.
    """
    changes: list[PartyChange] = []
    for position, result in enumerate(results, start=1):
        name = str(result.get("name") or result.get("query") or "").strip()
        if not name:
            continue
        country_value = result.get("country")
        country = str(country_value) if country_value else None
        old_verdict = str(result.get("verdict") or "none")
        fresh = screener.screen(name, country)
        best = fresh.best
        new_entity = best.entity_id if best is not None else None
        rose = rises(PARTY_VERDICTS, old_verdict, fresh.verdict)
        other_entry = fresh.verdict == old_verdict != "none" and new_entity != _stored_entity(
            result
        )
        if not (rose or other_entry) or best is None:
            continue
        changes.append(
            PartyChange(
                record=_record_label(result, position),
                name=name,
                country=country,
                old_verdict=old_verdict,
                new_verdict=fresh.verdict,
                entity_id=best.entity_id,
                matched_name=best.name,
                matched_alias=best.matched_alias,
                score=round(best.score, 4),
                lists=tuple(best.lists),
                action=best.action,
                since=best.since.isoformat() if best.since else None,
                source=best.source,
            )
        )
    return changes


def party_lookup(screener: PartyScreener) -> PartyLookup:
    """A shipments party lookup over ``screener`` (for example over a new OFAC SDN file)."""

    def lookup(names: Sequence[str], countries: Sequence[str | None]) -> list[PartyFinding]:
        return [
            finding_from_party_result(r) for r in screener.screen_many(list(names), list(countries))
        ]

    return lookup


# --------------------------------------------------------------------------- shipments


@dataclass(frozen=True, slots=True)
class ShipmentChange:
    """A shipment whose alert level rose on re-screening, with the reasons that are new."""

    shipment_id: str
    row: int | None
    old_level: str
    new_level: str
    old_score: float | None
    new_score: float
    new_reasons: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """The change as JSON-ready data."""
        return {
            "shipment_id": self.shipment_id,
            "row": self.row,
            "old_level": self.old_level,
            "new_level": self.new_level,
            "old_score": self.old_score,
            "new_score": self.new_score,
            "new_reasons": list(self.new_reasons),
        }


def _reasons(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        value = json.loads(value) if value.strip().startswith("[") else []
    if isinstance(value, pl.Series):
        value = value.to_list()
    return [dict(r) for r in value or [] if isinstance(r, Mapping)]


def _number(value: Any) -> float | None:
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


def rescreen_shipments(
    manifest: Manifest,
    stored_alerts: Iterable[Mapping[str, Any]],
    *,
    as_of: date | None = None,
    rules: Rules | None = None,
    lookups: Lookups | None = None,
) -> tuple[list[ShipmentChange], ScreeningResult]:
    """Screen ``manifest`` again and return the shipments whose level rose over the stored alerts.

    A shipment missing from the stored alerts counts as level ``none`` (alerts files usually
    hold only the rows at or above their ``--min-level``). ``as_of`` as in
    :func:`fentrace.shipments.screen_manifest`; ``lookups`` carries the chemistry engine and
    the party lookup (for a new watchlist, see :func:`party_lookup`).
    """
    stored: dict[str, Mapping[str, Any]] = {}
    for alert in stored_alerts:
        if alert.get("shipment_id") not in (None, ""):
            stored[str(alert["shipment_id"])] = alert
    result = screen_manifest(manifest, rules, as_of, lookups=lookups or default_lookups())
    changes: list[ShipmentChange] = []
    for row in result.alerts.select("shipment_id", "row", "score", "level", "reasons").iter_rows(
        named=True
    ):
        before = stored.get(str(row["shipment_id"]))
        old_level = str(before.get("level") or "none") if before is not None else "none"
        if not rises(LEVELS, old_level, row["level"]):
            continue
        old_codes = {r.get("code") for r in _reasons(before.get("reasons"))} if before else set()
        fresh = tuple(r for r in _reasons(row["reasons"]) if r.get("code") not in old_codes)
        changes.append(
            ShipmentChange(
                shipment_id=str(row["shipment_id"]),
                row=row["row"],
                old_level=old_level,
                new_level=str(row["level"]),
                old_score=_number(before.get("score")) if before is not None else None,
                new_score=float(row["score"]),
                new_reasons=fresh,
            )
        )
    return changes, result
