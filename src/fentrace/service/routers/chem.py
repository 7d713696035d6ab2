"""POST /v1/chem/screen: the result objects of ``fentrace chem screen --json``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fentrace.service.audit import canonical_json, sha256_hex
from fentrace.service.core import Service
from fentrace.service.deps import get_service, require_role
from fentrace.service.errors import LimitError
from fentrace.service.responses import JSONBody
from fentrace.service.security import Principal

router = APIRouter(prefix="/v1/chem", tags=["chemistry"])

Query = Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class ChemScreenRequest(BaseModel):
    """Chemical identifiers (SMILES, CAS, names, InChI, InChIKeys) and an optional date."""

    model_config = ConfigDict(extra="forbid")

    queries: list[Query] = Field(min_length=1, examples=[["39742-60-4", "4-anilinopiperidine"]])
    as_of: date | None = Field(
        None, description="Judge control status on this date (default today)"
    )


class ChemScreenResponse(BaseModel):
    as_of: date
    results: list[dict[str, Any]]


@router.post(
    "/screen",
    summary="Screen chemicals",
    responses={200: {"model": ChemScreenResponse}},
    response_class=JSONBody,
)
def screen(
    body: ChemScreenRequest,
    principal: Principal = Depends(require_role("analyst")),
    service: Service = Depends(get_service),
) -> JSONBody:
    limit = service.settings.max_batch
    if len(body.queries) > limit:
        raise LimitError(
            f"{len(body.queries)} queries is more than the limit of {limit} per request",
            field="queries",
            limit="max_batch",
            max_items=limit,
        )
    when = body.as_of or date.today()
    digest = sha256_hex(canonical_json(body.model_dump(mode="json")))
    results = service.screen_chemicals(principal, body.queries, when, digest)
    return JSONBody({"as_of": when, "results": results})
