"""Manifest screening jobs: upload, state and progress, rejections, alerts, downloads, report."""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path as FilePath
from typing import Any, Literal

import anyio
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.background import BackgroundTask

from fentrace.exc import UsageError
from fentrace.service.alerts import SORTS, AlertFilter, alerts_frame
from fentrace.service.core import Service
from fentrace.service.deps import Level, alert_criteria, get_service, require_role
from fentrace.service.jobs import read_chunks
from fentrace.service.security import Principal
from fentrace.shipments import write_alerts

router = APIRouter(prefix="/v1/shipments/jobs", tags=["shipment jobs"])

JobId = Path(..., min_length=1, max_length=64, description="The job id returned on upload")
Sort = Literal["-score", "score", "row", "-row", "date", "-date", "-updated", "id"]
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}


def _as_of(text: str | None) -> date | None:
    if text in (None, ""):
        return None
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise UsageError(
            f"as_of {text!r}: not a date (expected YYYY-MM-DD)", field="as_of"
        ) from None


@router.post(
    "",
    status_code=202,
    summary="Upload a manifest (multipart field 'file', or the file as the raw body)",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "as_of": {"type": "string", "format": "date"},
                            "min_level": {"type": "string", "enum": ["high", "medium", "low"]},
                        },
                    }
                },
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
)
async def submit(
    request: Request,
    filename: str | None = Query(
        None,
        max_length=255,
        description="Name of the file for a raw-body upload (its extension picks the format)",
    ),
    as_of: str | None = Query(None, max_length=10, description="Judge control status on this date"),
    min_level: Level | None = Query(
        None, description="Lowest level stored (default: the service's)"
    ),
    principal: Principal = Depends(require_role("analyst")),
    service: Service = Depends(get_service),
) -> JSONResponse:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=10)
        try:
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise UsageError("the multipart body needs a file field named 'file'", field="file")
            field_as_of = form.get("as_of")
            field_level = form.get("min_level")
            name = upload.filename or filename or "manifest.csv"
            when = _as_of(field_as_of if isinstance(field_as_of, str) else as_of)
            level = field_level if isinstance(field_level, str) else min_level
            stream = upload.file
            job = await anyio.to_thread.run_sync(
                lambda: service.submit_job(
                    principal, read_chunks(stream), name, as_of=when, min_level=level
                )
            )
        finally:
            await form.close()
    else:
        when = _as_of(as_of)
        with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
            async for chunk in request.stream():
                spool.write(chunk)
            spool.seek(0)
            job = await anyio.to_thread.run_sync(
                lambda: service.submit_job(
                    principal,
                    read_chunks(spool),  # type: ignore[arg-type]
                    filename or "manifest",
                    as_of=when,
                    min_level=min_level,
                )
            )
    return JSONResponse(
        job, status_code=202, headers={"Location": f"/v1/shipments/jobs/{job['id']}"}
    )


@router.get("", summary="Jobs, newest first")
def list_jobs(
    state: Literal["queued", "running", "succeeded", "failed"] | None = None,
    offset: int = Query(0, ge=0, le=1_000_000),
    limit: int = Query(50, ge=1, le=500),
    _principal: Principal = Depends(require_role("viewer")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    return {"items": service.list_jobs(state=state, offset=offset, limit=limit)}


@router.get("/{job_id}", summary="A job's state and progress")
def get_job(
    job_id: str = JobId,
    _principal: Principal = Depends(require_role("viewer")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    return service.get_job(job_id)


@router.get("/{job_id}/rejections", summary="The rejected rows of a job (row, field, reason)")
def rejections(
    job_id: str = JobId,
    offset: int = Query(0, ge=0, le=10_000_000),
    limit: int = Query(100, ge=1, le=1000),
    _principal: Principal = Depends(require_role("viewer")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    return service.job_rejections(job_id, offset=offset, limit=limit)


async def _filter(
    job_id: str = JobId, criteria: AlertFilter = Depends(alert_criteria)
) -> AlertFilter:
    return replace(criteria, job_id=job_id)


@router.get("/{job_id}/alerts", summary="A page of a job's alerts, filtered and sorted")
def job_alerts(
    where: AlertFilter = Depends(_filter),
    sort: Sort = "-score",
    offset: int = Query(0, ge=0, le=10_000_000),
    limit: int = Query(50, ge=1, le=1000),
    _principal: Principal = Depends(require_role("viewer")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    return service.list_alerts(where, sort=sort, offset=offset, limit=limit)


def _download(service: Service, where: AlertFilter, sort: str, fmt: str) -> Response:
    frame = alerts_frame(service.sessions, where, sort if sort in SORTS else "-score")
    descriptor, name = tempfile.mkstemp(suffix="." + fmt)
    os.close(descriptor)
    path = FilePath(name)
    write_alerts(frame, path)
    return FileResponse(
        path,
        media_type=MEDIA[fmt],
        filename=f"alerts-{where.job_id}.{fmt}",
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


def _download_route(fmt: str) -> None:
    def download(
        where: AlertFilter = Depends(_filter),
        sort: Sort = "-score",
        _principal: Principal = Depends(require_role("viewer")),
        service: Service = Depends(get_service),
    ) -> Response:
        return _download(service, where, sort, fmt)

    download.__name__ = f"job_alerts_{fmt}"
    router.add_api_route(
        f"/{{job_id}}/alerts.{fmt}",
        download,
        methods=["GET"],
        summary=f"Download a job's alerts as {fmt} (same filters as the page)",
        response_class=Response,
        responses={200: {"content": {MEDIA[fmt].split(";")[0]: {}}}},
    )


for _fmt in ("csv", "jsonl", "parquet"):
    _download_route(_fmt)


@router.get(
    "/{job_id}/report.html",
    summary="The self-contained HTML report of a job",
    response_class=HTMLResponse,
)
def report(
    job_id: str = JobId,
    _principal: Principal = Depends(require_role("viewer")),
    service: Service = Depends(get_service),
) -> HTMLResponse:
    return HTMLResponse(service.job_report(job_id))


RescreenId = Path(
    ..., min_length=1, max_length=64, description="The re-screen id returned when it was queued"
)


@router.post(
    "/{job_id}/rescreen",
    status_code=202,
    summary="Re-screen a succeeded job under the knowledge base and watchlists loaded now",
)
def rescreen(
    job_id: str = JobId,
    as_of: str | None = Query(
        None,
        max_length=10,
        description="Judge control status on this date (default: the job's own as_of, "
        "else each shipment's date)",
    ),
    principal: Principal = Depends(require_role("analyst")),
    service: Service = Depends(get_service),
) -> JSONResponse:
    queued = service.submit_rescreen(principal, job_id, as_of=_as_of(as_of))
    return JSONResponse(
        queued,
        status_code=202,
        headers={"Location": f"/v1/shipments/jobs/{job_id}/rescreens/{queued['id']}"},
    )


@router.get("/{job_id}/rescreens", summary="The re-screens of a job, newest first")
def list_rescreens(
    job_id: str = JobId,
    _principal: Principal = Depends(require_role("viewer")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    return {"items": service.list_rescreens(job_id)}


@router.get(
    "/{job_id}/rescreens/{rescreen_id}",
    summary="A re-screen: releases compared, counts, and a page of the shipments whose level rose",
)
def get_rescreen(
    job_id: str = JobId,
    rescreen_id: str = RescreenId,
    offset: int = Query(0, ge=0, le=10_000_000),
    limit: int = Query(100, ge=1, le=1000),
    _principal: Principal = Depends(require_role("viewer")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    return service.get_rescreen(job_id, rescreen_id, offset=offset, limit=limit)
