"""Errors of the service edge, each with its HTTP status, in the one JSON error shape.

They extend the library's tree (:mod:`fentrace.exc`), so the body of every 4xx is
``{"error": {"type": ..., "message": ..., <field|row|limit|...>}}`` exactly as the CLI prints it.
"""

from __future__ import annotations

from typing import Any

from fentrace.exc import FentraceError, InputError, UsageError


class ServiceError(FentraceError):
    """An error the service answers with ``status``."""

    status = 400


class AuthenticationError(ServiceError):
    """No API key, or one that is unknown, malformed or revoked (the same answer for each)."""

    status = 401


class PermissionDeniedError(ServiceError):
    """The key is valid but its role may not do this."""

    status = 403


class NotFoundError(ServiceError):
    """No such job, alert, substance or route."""

    status = 404


class ConflictError(ServiceError):
    """The request clashes with the current state (a name already taken, a job not finished)."""

    status = 409


class LimitError(ServiceError):
    """A body, upload or batch is over its configured limit; ``limit`` names it."""

    status = 413


def status_of(error: FentraceError) -> int:
    """The HTTP status for a library or service error raised while answering a request."""
    if isinstance(error, ServiceError):
        return error.status
    if isinstance(error, UsageError):
        return 400
    if isinstance(error, InputError):
        return 422
    return 500


def error_body(kind: str, message: str, **context: Any) -> dict[str, Any]:
    """The one JSON error shape for errors that are not exceptions (validation, routing)."""
    body: dict[str, Any] = {"type": kind, "message": message}
    body.update({k: v for k, v in context.items() if v is not None})
    return {"error": body}
