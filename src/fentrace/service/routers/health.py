"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from fentrace.service.core import Service
from fentrace.service.deps import get_service, require_role
from fentrace.service.metrics import CONTENT_TYPE
from fentrace.service.security import Principal

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> dict[str, Any]:
    return {"ok": True}


@router.get(
    "/readyz",
    summary="Readiness: database reachable, knowledge base and watchlists loaded",
    responses={503: {"description": "not ready"}},
)
def readyz(service: Service = Depends(get_service)) -> JSONResponse:
    checks = service.ready()
    return JSONResponse(checks, status_code=200 if checks["ok"] else 503)


@router.get("/metrics", summary="Prometheus metrics (text format)", response_class=Response)
def metrics(request: Request, _principal: Principal = Depends(require_role("viewer"))) -> Response:
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE)


@router.get("/v1/whoami", summary="The caller's key id, name and role")
def whoami(principal: Principal = Depends(require_role("viewer"))) -> dict[str, Any]:
    return {
        "kind": principal.kind,
        "id": principal.id,
        "name": principal.name,
        "role": principal.role,
    }
