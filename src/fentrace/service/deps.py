"""FastAPI dependencies: the service object and the role check.

They are ``async`` because they do no I/O: FastAPI runs a plain ``def`` dependency in its
thread pool, a hop that cost more than the screening itself on the match route.

The key itself is checked by :class:`fentrace.service.app.ServiceMiddleware` before the request
is routed or its body parsed, so a request without a valid key learns nothing -- not even
whether its body or the resource it names is valid. :func:`require_role` then checks the role
before any handler looks anything up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from fastapi import Query, Request

from fentrace.service.alerts import AlertFilter
from fentrace.service.core import Service
from fentrace.service.errors import AuthenticationError, PermissionDeniedError
from fentrace.service.models import ROLES
from fentrace.service.security import Principal


async def get_service(request: Request) -> Service:
    """The app's :class:`Service`."""
    service: Service = request.app.state.service
    return service


def current_principal(request: Request) -> Principal | None:
    """Who is calling, as set by the middleware (API key) or by the web app (session); or None."""
    principal: Any = getattr(request.state, "principal", None)
    return principal if isinstance(principal, Principal) else None


def require_role(role: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency returning the caller's principal, or 401 (nobody) / 403 (role too low)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    async def dependency(request: Request) -> Principal:
        principal = current_principal(request)
        if principal is None:
            raise AuthenticationError("an API key is required (Authorization: Bearer <key>)")
        if not principal.can(role):
            raise PermissionDeniedError(
                f"this needs the {role} role; the key has {principal.role}",
                required_role=role,
            )
        return principal

    dependency.__name__ = f"require_{role}"
    return dependency


Level = Literal["high", "medium", "low"]
Disposition = Literal["open", "escalated", "true_positive", "false_positive"]


def alert_criteria(
    level: list[Level] = Query([], description="Only these levels (repeatable)"),
    code: str | None = Query(
        None, max_length=64, description="Only alerts this indicator fired on"
    ),
    party: str | None = Query(None, max_length=200, description="Substring of a party name"),
    chemical: str | None = Query(
        None, max_length=200, description="Substring of the chemical or description"
    ),
    disposition: Disposition | None = None,
    assignee: str | None = Query(None, max_length=200),
    min_score: float | None = Query(None, ge=0, le=100),
) -> AlertFilter:
    """The alert filters of the query string, shared by the alert pages of every job and of
    one job (each route sets ``job_id`` itself)."""
    return AlertFilter(
        levels=tuple(level),
        code=code,
        party=party,
        chemical=chemical,
        disposition=disposition,
        assignee=assignee,
        min_score=min_score,
    )
