"""Admin: the audit log (page, verify) and API keys."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, StringConstraints

from fentrace.service.core import Service
from fentrace.service.deps import get_service, require_role
from fentrace.service.security import Principal

router = APIRouter(tags=["admin"])


@router.get("/v1/audit", summary="A page of the audit log, oldest first, after a sequence number")
def audit_page(
    after: int = Query(0, ge=0, le=2**62, description="Records with a larger seq"),
    limit: int = Query(100, ge=1, le=1000),
    action: str | None = Query(None, max_length=64),
    actor: str | None = Query(None, max_length=200),
    _principal: Principal = Depends(require_role("admin")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    return service.list_audit(after=after, limit=limit, action=action, actor=actor)


@router.get("/v1/audit/verify", summary="Recompute the hash chain; name the first broken link")
def audit_verify(
    _principal: Principal = Depends(require_role("admin")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    report: dict[str, Any] = service.verify_audit().to_dict()
    return report


class KeyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    role: Literal["viewer", "analyst", "admin"]


@router.get("/v1/admin/keys", summary="Every API key (never its secret)")
def list_keys(
    _principal: Principal = Depends(require_role("admin")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    return {"items": service.list_keys()}


@router.post(
    "/v1/admin/keys", status_code=201, summary="Create an API key (the token is shown once)"
)
def create_key(
    body: KeyRequest,
    principal: Principal = Depends(require_role("admin")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    described, token = service.create_key(body.name, body.role, actor=principal.actor)
    return {**described, "token": token}


@router.delete("/v1/admin/keys/{key_id}", summary="Revoke an API key")
def revoke_key(
    key_id: str = Path(..., min_length=1, max_length=32),
    principal: Principal = Depends(require_role("admin")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    return service.revoke_key(key_id, actor=principal.actor)
