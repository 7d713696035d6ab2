"""The FastAPI application: :func:`create_app` wires the service, middleware, errors and routers."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from fentrace import __version__
from fentrace.exc import FentraceError
from fentrace.service.core import Service
from fentrace.service.errors import error_body, status_of
from fentrace.service.metrics import Metrics
from fentrace.service.settings import Settings

log = logging.getLogger("fentrace.service.http")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Paths under these prefixes need an API key; everything else (health, docs, a mounted web
#: application with its own sign-in) is left to its own handlers.
PROTECTED_PREFIXES: tuple[str, ...] = ("/v1/", "/match/", "/metrics")
#: Requests whose body is a manifest upload get the upload limit instead of the JSON limit.
UPLOAD_PATHS: tuple[str, ...] = ("/v1/shipments/jobs",)


class _BodyTooLargeError(Exception):
    pass


async def _send_json(send: Send, status: int, payload: dict[str, Any], extra: list[Any]) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class ServiceMiddleware:
    """Authenticate, enforce body limits, time, count and log every HTTP request.

    One pure-ASGI middleware rather than several keeps the per-request overhead small. The
    body limit is checked on Content-Length first and then on the bytes actually streamed, so a
    chunked body cannot slip past it.
    """

    def __init__(self, app: ASGIApp, service: Service, metrics: Metrics) -> None:
        self.app = app
        self.service = service
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope["path"]
        method: str = scope["method"]
        request_id = uuid.uuid4().hex[:16]
        status_holder = [500]
        response_started = [False]
        principal = None
        settings = self.service.settings
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        request_id_header = [(b"x-request-id", request_id.encode())]

        too_large = [False]

        async def send_wrapper(message: Message) -> None:
            if too_large[0]:
                # the body went over the limit while the app read it: whatever the app answers
                # (frameworks turn a failed read into a 400), the client gets the 413
                if message["type"] == "http.response.start":
                    response_started[0] = True
                    status_holder[0] = 413
                    await _send_json(send, 413, _limit_body(limit_name, limit), request_id_header)
                return
            if message["type"] == "http.response.start":
                response_started[0] = True
                status_holder[0] = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *request_id_header]
            await send(message)

        try:
            if path.startswith(PROTECTED_PREFIXES):
                token = _token(headers)
                principal = self.service.authenticate(token) if token else None
                if principal is None:
                    status_holder[0] = 401
                    await _send_json(
                        send,
                        401,
                        error_body(
                            "AuthenticationError",
                            "a valid API key is required: Authorization: Bearer <key> or X-API-Key",
                        ),
                        [(b"www-authenticate", b"Bearer"), *request_id_header],
                    )
                    return
                scope.setdefault("state", {})["principal"] = principal
            limit_name = "max_body_bytes"
            limit = settings.max_body_bytes
            upload_paths = getattr(getattr(scope.get("app"), "state", None), "upload_paths", ())
            if method == "POST" and path.rstrip("/") in (*UPLOAD_PATHS, *upload_paths):
                limit_name, limit = "max_upload_bytes", settings.max_upload_bytes
            declared = headers.get(b"content-length")
            if declared is not None:
                try:
                    too_big = int(declared) > limit
                except ValueError:
                    status_holder[0] = 400
                    await _send_json(
                        send,
                        400,
                        error_body("UsageError", "Content-Length is not a number"),
                        request_id_header,
                    )
                    return
                if too_big:
                    status_holder[0] = 413
                    await _send_json(send, 413, _limit_body(limit_name, limit), request_id_header)
                    return
            seen = [0]

            async def receive_counted() -> Message:
                message = await receive()
                if message["type"] == "http.request":
                    seen[0] += len(message.get("body", b""))
                    if seen[0] > limit:
                        too_large[0] = True
                        raise _BodyTooLargeError
                return message

            await self.app(scope, receive_counted, send_wrapper)
        except _BodyTooLargeError:
            if not response_started[0]:
                status_holder[0] = 413
                await _send_json(send, 413, _limit_body(limit_name, limit), request_id_header)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.observe(method, template, status_holder[0], elapsed)
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": method,
                    "path": path,
                    "route": template,
                    "status": status_holder[0],
                    "duration_ms": round(elapsed * 1000, 2),
                    "principal": principal.actor if principal is not None else None,
                },
            )


def _limit_body(name: str, limit: int) -> dict[str, Any]:
    return error_body(
        "LimitError",
        f"the request body is larger than the limit of {limit} bytes ({name})",
        limit=name,
        max_bytes=limit,
    )


def _token(headers: dict[bytes, bytes]) -> str | None:
    explicit = headers.get(b"x-api-key")
    if explicit:
        return explicit.decode("latin-1").strip()
    authorization = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _, credentials = authorization.partition(" ")
    # "ApiKey" is the scheme clients of the hosted yente (OpenSanctions) API send
    if scheme.lower() in ("bearer", "apikey") and credentials.strip():
        return credentials.strip()
    return None


def _field_of(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _validation_response(error: RequestValidationError) -> JSONResponse:
    problems = []
    for item in error.errors()[:20]:
        location = tuple(item.get("loc", ()))
        if item.get("type") == "json_invalid":
            position = location[1] if len(location) > 1 else "?"
            detail = item.get("ctx", {}).get("error", "")
            return JSONResponse(
                error_body(
                    "UsageError",
                    f"malformed JSON at character {position}: {detail}".rstrip(": "),
                    field="body",
                    position=position,
                ),
                status_code=400,
            )
        problems.append({"field": _field_of(location), "message": str(item.get("msg", ""))})
    first = problems[0] if problems else {"field": "body", "message": "invalid request"}
    return JSONResponse(
        error_body(
            "UsageError",
            f"{first['field']}: {first['message']}",
            field=first["field"],
            problems=problems,
        ),
        status_code=422,
    )


def create_app(settings: Settings | None = None, *, service: Service | None = None) -> FastAPI:
    """The fentrace service as an ASGI app; its lifespan starts and stops the :class:`Service`.

    Pass ``service`` to share one that is already built (the web application, tests); it is
    started by the lifespan unless already started, and stopped only if the lifespan started it.
    """
    settings = settings or Settings.load()
    service = service or Service(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = not service._started
        if owned:
            service.start()
        try:
            yield
        finally:
            if owned:
                service.stop()

    app = FastAPI(
        title="fentrace service",
        version=__version__,
        description=(
            "Screen chemicals, parties and shipment manifests for the fentanyl supply chain, "
            "keep the alerts and their review, and an audit trail. Every endpoint except "
            "/healthz and /readyz needs an API key: `Authorization: Bearer <key>` or `X-API-Key`."
        ),
        lifespan=lifespan,
    )
    app.state.service = service
    # A mounted web application adds the paths of its own upload forms here.
    app.state.upload_paths = []
    metrics = Metrics(service)
    app.state.metrics = metrics

    @app.exception_handler(FentraceError)
    async def fentrace_error(_request: Request, error: FentraceError) -> JSONResponse:
        status = status_of(error)
        if status >= 500:
            log.error("library error", extra={"error": str(error)})
        return JSONResponse(error.to_dict(), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        return _validation_response(error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        kind = {404: "NotFoundError", 405: "MethodNotAllowed"}.get(error.status_code, "HTTPError")
        return JSONResponse(
            error_body(kind, str(error.detail)),
            status_code=error.status_code,
            headers=dict(error.headers or {}),
        )

    @app.exception_handler(Exception)
    async def internal_error(_request: Request, error: Exception) -> JSONResponse:
        reference = uuid.uuid4().hex[:12]
        log.error("internal error", exc_info=error, extra={"reference": reference})
        return JSONResponse(
            error_body("InternalError", f"internal error (reference {reference})"),
            status_code=500,
        )

    from fentrace.service.routers import admin, alerts, chem, health, jobs, kb, parties, rescreens

    for module in (health, chem, parties, jobs, rescreens, alerts, kb, admin):
        app.include_router(module.router)

    def openapi() -> dict[str, Any]:
        """The schema, with the two ways to send a key declared (the /docs Authorize button)."""
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        }
        for path, operations in schema.get("paths", {}).items():
            if path.startswith(PROTECTED_PREFIXES):
                for operation in operations.values():
                    operation["security"] = [{"bearer": []}, {"apiKey": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(ServiceMiddleware, service=service, metrics=metrics)
    return app
