"""The knowledge base: substances, status by jurisdiction and date, control gaps, timeline."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query

from fentrace.exc import UsageError
from fentrace.reference import KnowledgeBase, gap_matrix
from fentrace.reference.models import JURISDICTIONS, Substance
from fentrace.service.core import Service
from fentrace.service.deps import get_service, require_role
from fentrace.service.errors import NotFoundError
from fentrace.service.security import Principal

router = APIRouter(prefix="/v1/kb", tags=["knowledge base"])


def _kb(service: Service) -> KnowledgeBase:
    if service.kb is None:
        raise UsageError("the knowledge base is not loaded yet")
    return service.kb


def _find(kb: KnowledgeBase, query: str) -> Substance:
    substance = kb.find_substance(query)
    if substance is None:
        raise NotFoundError(
            f"no substance matches {query!r} (tried id, CAS number, InChIKey, name and synonyms)",
            query=query,
        )
    return substance


@router.get("/substances/{substance_id}", summary="Everything known about one substance")
def substance(
    substance_id: str = Path(..., min_length=1, max_length=500),
    as_of: date | None = Query(None, description="Status date (default today)"),
    _principal: Principal = Depends(require_role("viewer")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    kb = _kb(service)
    found = _find(kb, substance_id)
    when = as_of or date.today()
    controls = kb.controls_for("substance", found.id)
    if found.salt_of:
        controls = controls + kb.controls_for("substance", found.salt_of)
    source_ids = list(
        dict.fromkeys([*found.source_ids, *(s for c in controls for s in c.source_ids)])
    )
    return {
        "query": substance_id,
        "as_of": when.isoformat(),
        "substance": {
            "id": found.id,
            "name": found.name,
            "synonyms": list(found.synonyms),
            "cas": found.cas,
            "cas_verified": found.cas_verified,
            "smiles": found.smiles,
            "inchikey": found.inchikey,
            "formula": found.formula,
            "hs_codes": list(found.hs_codes),
            "hs_verified": found.hs_verified,
            "family": found.family,
            "role": found.role,
            "salt_of": found.salt_of,
            "notes": found.notes,
        },
        "status": {j: s.to_dict() for j, s in kb.listed_status(found.id, when).items()},
        "controls": [c.to_dict() for c in controls],
        "sources": [
            {**asdict(kb.sources[s]), "retrieved": kb.sources[s].retrieved.isoformat()}
            for s in source_ids
            if s in kb.sources
        ],
    }


@router.get("/status", summary="The listed status of one substance in each jurisdiction on a date")
def status(
    q: str = Query(
        ..., min_length=1, max_length=500, description="Id, CAS, InChIKey, name or synonym"
    ),
    as_of: date | None = Query(None, description="Status date (default today)"),
    _principal: Principal = Depends(require_role("viewer")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    kb = _kb(service)
    found = _find(kb, q)
    when = as_of or date.today()
    return {
        "query": q,
        "substance_id": found.id,
        "name": found.name,
        "as_of": when.isoformat(),
        "status": {j: s.to_dict() for j, s in kb.listed_status(found.id, when).items()},
    }


@router.get("/gaps", summary="Where a substance controlled somewhere is free elsewhere")
def gaps(
    as_of: date | None = Query(None, description="Matrix date (default today)"),
    family: Literal["precursor", "fentanyl", "reagent", "all"] = "all",
    _principal: Principal = Depends(require_role("viewer")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    kb = _kb(service)
    when = as_of or date.today()
    rows = gap_matrix(kb, when, family)
    return {
        "as_of": when.isoformat(),
        "family": family,
        "jurisdictions": list(JURISDICTIONS),
        "rows": [r.to_dict() for r in rows],
    }


@router.get("/timeline", summary="Dated policy events (scheduling, indictments, sanctions, ...)")
def timeline(
    from_: date | None = Query(None, alias="from", description="First date (inclusive)"),
    to: date | None = Query(None, description="Last date (inclusive)"),
    kind: str | None = Query(None, max_length=40),
    jurisdiction: str | None = Query(None, max_length=10),
    _principal: Principal = Depends(require_role("viewer")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    if from_ and to and to < from_:
        raise UsageError(f"to {to} is before from {from_}", field="to")
    kb = _kb(service)
    events = [
        e
        for e in kb.timeline
        if (from_ is None or e.date >= from_)
        and (to is None or e.date <= to)
        and (kind is None or e.kind == kind)
        and (jurisdiction is None or jurisdiction in e.jurisdiction.split("/"))
    ]
    return {
        "events": [
            {
                "id": e.id,
                "date": e.date.isoformat(),
                "date_precision": e.date_precision,
                "jurisdiction": e.jurisdiction,
                "kind": e.kind,
                "action": e.action,
                "detail": e.detail,
                "substances": list(e.substances),
                "verified": e.verified,
                "source_ids": list(e.source_ids),
            }
            for e in events
        ]
    }
