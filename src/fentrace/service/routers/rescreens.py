"""Re-screening many stored jobs at once: every job that finished before a date."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from fentrace.exc import UsageError
from fentrace.service.core import Service
from fentrace.service.deps import get_service, require_role
from fentrace.service.rescreens import parse_date
from fentrace.service.security import Principal

router = APIRouter(prefix="/v1/shipments/rescreens", tags=["shipment jobs"])


@router.post(
    "",
    status_code=202,
    summary="Re-screen every succeeded job that finished before a date (at most 1000)",
)
def rescreen_finished_before(
    finished_before: str = Query(
        ..., max_length=10, description="Jobs finished before this date (UTC), YYYY-MM-DD"
    ),
    as_of: str | None = Query(
        None,
        max_length=10,
        description="Judge control status on this date (default: each job's own as_of)",
    ),
    principal: Principal = Depends(require_role("analyst")),
    service: Service = Depends(get_service),
) -> JSONResponse:
    before = parse_date(finished_before, "finished_before")
    if before is None:
        raise UsageError("finished_before is required (YYYY-MM-DD)", field="finished_before")
    queued = service.rescreen_finished_before(principal, before, as_of=parse_date(as_of, "as_of"))
    return JSONResponse({"queued": len(queued), "items": queued}, status_code=202)
