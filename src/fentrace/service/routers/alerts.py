"""Alerts across jobs: pages, one alert with its history, review (PATCH), statistics."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fentrace.service.alerts import AlertFilter
from fentrace.service.audit import canonical_json, sha256_hex
from fentrace.service.core import Service
from fentrace.service.deps import Disposition, alert_criteria, get_service, require_role
from fentrace.service.security import Principal

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])

Sort = Literal["-score", "score", "row", "-row", "date", "-date", "-updated", "id"]
AlertId = Path(..., ge=1, le=2**62, description="The alert id")


class AlertReview(BaseModel):
    """A review: any of disposition, assignee (null unassigns) and note."""

    model_config = ConfigDict(extra="forbid")

    disposition: Disposition | None = None
    assignee: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    note: str | None = Field(None, max_length=10_000)


@router.get("", summary="A page of alerts of every job, filtered and sorted")
def list_alerts(
    job_id: str | None = Query(None, max_length=64),
    criteria: AlertFilter = Depends(alert_criteria),
    sort: Sort = "-score",
    offset: int = Query(0, ge=0, le=10_000_000),
    limit: int = Query(50, ge=1, le=1000),
    _principal: Principal = Depends(require_role("viewer")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    where = replace(criteria, job_id=job_id)
    return service.list_alerts(where, sort=sort, offset=offset, limit=limit)


@router.get("/stats", summary="Counts by level, indicator and disposition; precision per indicator")
def stats(
    job_id: str | None = Query(None, max_length=64),
    _principal: Principal = Depends(require_role("viewer")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    return service.alert_stats(job_id)


@router.get("/{alert_id}", summary="One alert with its review history")
def get_alert(
    alert_id: int = AlertId,
    _principal: Principal = Depends(require_role("viewer")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    return service.get_alert(alert_id)


@router.patch("/{alert_id}", summary="Review an alert: disposition, assignee, note")
def review(
    body: AlertReview,
    alert_id: int = AlertId,
    principal: Principal = Depends(require_role("analyst")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    given = body.model_dump(exclude_unset=True)
    digest = sha256_hex(canonical_json(given))
    kwargs: dict[str, Any] = {"disposition": body.disposition, "note": body.note}
    if "assignee" in given:
        kwargs["assignee"] = body.assignee
    return service.review_alert(principal, alert_id, input_sha256=digest, **kwargs)
