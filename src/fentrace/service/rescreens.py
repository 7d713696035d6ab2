"""Re-screening stored jobs under the knowledge base and watchlists the server has loaded now.

A re-screen reads a finished job's stored upload and its stored alerts and hands them to
:func:`fentrace.monitoring.rescreen_shipments` -- the rules live there, not here -- then stores
the shipments whose level rose, with old and new level and score and the reasons that are new.
It runs on the job workers. Its result and its ``succeeded`` state are committed in one
transaction with its audit record, so a re-screen interrupted by a crash is simply run again
at the next start (screening is deterministic) and can neither lose nor double a change.

A job stores only the alerts at or above its ``min_level``; a shipment absent from them was
below that level, not necessarily ``none``. A re-screen therefore keeps only the rises that
reach the job's ``min_level``: below it, the service cannot tell a rise from no change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from fentrace.exc import FentraceError, UsageError
from fentrace.monitoring import ShipmentChange, rescreen_shipments
from fentrace.service import audit
from fentrace.service.errors import ConflictError, LimitError, NotFoundError
from fentrace.service.models import (
    ALERT_LEVELS,
    RESCREEN_CHANGES_TABLE,
    Alert,
    AlertCode,
    Job,
    Rescreen,
    RescreenChange,
    now,
    utc,
)
from fentrace.service.security import Principal
from fentrace.shipments import load_rules, read_manifest
from fentrace.shipments.engine import Lookups

log = logging.getLogger("fentrace.service.rescreens")

#: Most jobs one "re-screen everything finished before" request may queue.
MAX_RESCREEN_JOBS = 1000
#: Prefix of a re-screen's id on the job workers' queue (job ids are plain hex).
QUEUE_PREFIX = "rescreen:"


def _iso(value: Any) -> str | None:
    moment = utc(value)
    return moment.isoformat() if moment else None


def rescreen_dict(rescreen: Rescreen, job: Job) -> dict[str, Any]:
    """A re-screen as JSON: what it compared, under which releases, and its counts."""
    return {
        "id": rescreen.id,
        "job_id": rescreen.job_id,
        "state": rescreen.state,
        "as_of": rescreen.as_of,
        "min_level": job.min_level,
        "created_by": rescreen.created_by,
        "created_at": _iso(rescreen.created_at),
        "started_at": _iso(rescreen.started_at),
        "finished_at": _iso(rescreen.finished_at),
        "screened_under": {
            "kb_version": rescreen.screened_kb_version,
            "watchlists": job.watchlists,
            "as_of": job.as_of,
            "finished_at": _iso(job.finished_at),
        },
        "rescreened_under": {
            "kb_version": rescreen.kb_version,
            "watchlists": rescreen.watchlists,
            "as_of": rescreen.as_of,
        },
        "screened": rescreen.screened,
        "stored_alerts": rescreen.stored_alerts,
        "rose": rescreen.rose,
        "error": rescreen.error,
    }


def change_dict(change: RescreenChange) -> dict[str, Any]:
    """A stored change in the shape of ``fentrace rescreen shipments --json``, plus its alert id."""
    return {
        "shipment_id": change.shipment_id,
        "row": change.row,
        "old_level": change.old_level,
        "new_level": change.new_level,
        "old_score": change.old_score,
        "new_score": change.new_score,
        "new_reasons": list(change.new_reasons),
        "alert_id": change.alert_id,
    }


def _finished_job(session: Session, job_id: str) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFoundError(f"no job {job_id!r}", job_id=job_id)
    if job.state != "succeeded":
        reason = "failed: nothing was stored" if job.state == "failed" else "has not finished"
        raise ConflictError(
            f"job {job_id} {reason}; only a succeeded job can be re-screened",
            job_id=job_id,
            state=job.state,
        )
    if not Path(job.upload_path).is_file():
        raise ConflictError(
            f"the stored upload of job {job_id} is gone; upload the manifest again",
            job_id=job_id,
        )
    return job


def _queue(session: Session, job: Job, principal: Principal, as_of: date | None) -> Rescreen:
    """Add a queued re-screen of ``job`` and its audit record to ``session``."""
    from fentrace.service.jobs import new_job_id

    when = as_of.isoformat() if as_of else job.as_of
    rescreen = Rescreen(
        id=new_job_id(),
        job_id=job.id,
        state="queued",
        as_of=when,
        created_by=principal.actor,
        created_at=now(),
        screened_kb_version=job.kb_version,
    )
    session.add(rescreen)
    session.flush()
    audit.append_in(
        session,
        actor=principal.actor,
        action="rescreen.submit",
        target=f"job:{job.id}",
        input_sha256=job.upload_sha256,
        result={"rescreen_id": rescreen.id, "as_of": when, "screened_kb_version": job.kb_version},
    )
    return rescreen


def submit(
    factory: sessionmaker[Session], principal: Principal, job_id: str, as_of: date | None
) -> dict[str, Any]:
    """Queue a re-screen of one succeeded job; ``as_of`` None keeps the job's own ``as_of``."""
    with audit.lock, factory() as session, session.begin():
        job = _finished_job(session, job_id)
        return rescreen_dict(_queue(session, job, principal, as_of), job)


def submit_finished_before(
    factory: sessionmaker[Session],
    principal: Principal,
    finished_before: date,
    as_of: date | None,
) -> list[dict[str, Any]]:
    """Queue a re-screen of every succeeded job that finished before ``finished_before`` (UTC)."""
    cutoff = datetime.combine(finished_before, time.min, tzinfo=UTC)
    with audit.lock, factory() as session, session.begin():
        found = (
            session.execute(
                select(Job)
                .where(Job.state == "succeeded", Job.finished_at < cutoff)
                .order_by(Job.finished_at, Job.id)
                .limit(MAX_RESCREEN_JOBS + 1)
            )
            .scalars()
            .all()
        )
        if len(found) > MAX_RESCREEN_JOBS:
            raise LimitError(
                f"more than {MAX_RESCREEN_JOBS} jobs finished before {finished_before}; "
                "re-screen them in steps with an earlier finished_before",
                limit="max_rescreen_jobs",
                max_items=MAX_RESCREEN_JOBS,
            )
        queued = []
        for job in found:
            if not Path(job.upload_path).is_file():
                continue  # nothing to screen again; its own re-screen would say so
            queued.append(rescreen_dict(_queue(session, job, principal, as_of), job))
        return queued


def get(
    factory: sessionmaker[Session], job_id: str, rescreen_id: str, *, offset: int, limit: int
) -> dict[str, Any]:
    """A re-screen of ``job_id`` with a page of its changes (highest new score first)."""
    with factory() as session:
        rescreen = session.get(Rescreen, rescreen_id)
        if rescreen is None or rescreen.job_id != job_id:
            raise NotFoundError(
                f"job {job_id!r} has no re-screen {rescreen_id!r}",
                job_id=job_id,
                rescreen_id=rescreen_id,
            )
        job = session.get_one(Job, job_id)
        changes = (
            session.execute(
                select(RescreenChange)
                .where(RescreenChange.rescreen_id == rescreen_id)
                .order_by(RescreenChange.seq)
                .offset(offset)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        return {
            **rescreen_dict(rescreen, job),
            "offset": offset,
            "limit": limit,
            "changes": [change_dict(c) for c in changes],
        }


def list_for_job(factory: sessionmaker[Session], job_id: str) -> list[dict[str, Any]]:
    """The re-screens of a job, newest first."""
    with factory() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFoundError(f"no job {job_id!r}", job_id=job_id)
        found = (
            session.execute(
                select(Rescreen)
                .where(Rescreen.job_id == job_id)
                .order_by(Rescreen.created_at.desc(), Rescreen.id)
            )
            .scalars()
            .all()
        )
        return [rescreen_dict(r, job) for r in found]


def pending(factory: sessionmaker[Session]) -> list[str]:
    """The ids of re-screens left ``queued`` or ``running`` (to resume at start)."""
    with factory() as session:
        return list(
            session.execute(
                select(Rescreen.id)
                .where(Rescreen.state.in_(("queued", "running")))
                .order_by(Rescreen.created_at)
            )
            .scalars()
            .all()
        )


# --------------------------------------------------------------------------- the worker side


def _stored_alerts(session: Session, job_id: str) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The job's alerts as ``rescreen_shipments`` reads them, and shipment id -> alert id.

    A stored alert's reasons are given by their indicator codes (the ``alert_codes`` table),
    which is all ``rescreen_shipments`` compares: the full records are not read.
    """
    codes: dict[int, list[dict[str, Any]]] = {}
    for alert_id, code in session.execute(
        select(AlertCode.alert_id, AlertCode.code)
        .join(Alert, Alert.id == AlertCode.alert_id)
        .where(Alert.job_id == job_id)
    ).all():
        codes.setdefault(int(alert_id), []).append({"code": code})
    alerts: list[dict[str, Any]] = []
    ids: dict[str, int] = {}
    for alert_id, shipment_id, level, score in session.execute(
        select(Alert.id, Alert.shipment_id, Alert.level, Alert.score)
        .where(Alert.job_id == job_id)
        .order_by(Alert.row)
    ).all():
        alerts.append(
            {
                "shipment_id": shipment_id,
                "level": level,
                "score": score,
                "reasons": codes.get(int(alert_id), []),
            }
        )
        ids.setdefault(str(shipment_id), int(alert_id))
    return alerts, ids


def run(
    factory: sessionmaker[Session],
    rescreen_id: str,
    *,
    lookups: Callable[[], Lookups | None],
    kb_version: str | None,
    watchlists: list[dict[str, Any]] | None,
) -> None:
    """Run one re-screen to the end; its changes, state and audit record commit together."""
    with factory() as session, session.begin():
        rescreen = session.get(Rescreen, rescreen_id)
        if rescreen is None or rescreen.state in ("succeeded", "failed"):
            return
        job = session.get_one(Job, rescreen.job_id)
        rescreen.state = "running"
        rescreen.started_at = rescreen.started_at or now()
        path, filename, min_level = Path(job.upload_path), job.filename, job.min_level
        as_of_text, screened_kb, job_id = rescreen.as_of, rescreen.screened_kb_version, job.id
        stored, alert_ids = _stored_alerts(session, job_id)
    if not path.is_file():
        fail(
            factory, rescreen_id, f"the stored upload {path} is missing; upload the manifest again"
        )
        return
    try:
        manifest = read_manifest(path)
    except (FentraceError, OSError) as error:
        fail(factory, rescreen_id, f"{filename}: cannot be read as a manifest: {error}")
        return
    as_of = date.fromisoformat(as_of_text) if as_of_text else None
    changes, result = rescreen_shipments(
        manifest, stored, as_of=as_of, rules=load_rules(), lookups=lookups()
    )
    # below the job's min_level nothing was stored: a rise there cannot be told from no change
    keep = set(ALERT_LEVELS[: ALERT_LEVELS.index(min_level) + 1])
    kept: list[ShipmentChange] = [c for c in changes if c.new_level in keep]
    levels: dict[str, int] = {}
    for change in kept:
        levels[change.new_level] = levels.get(change.new_level, 0) + 1
    try:
        with audit.lock, factory() as session, session.begin():
            # first, so that it takes the write lock: another worker (another server process
            # on the same database) that finished this re-screen first leaves nothing to do
            moved = session.execute(
                update(Rescreen)
                .where(Rescreen.id == rescreen_id, Rescreen.state.in_(("queued", "running")))
                .values(
                    state="succeeded",
                    finished_at=now(),
                    kb_version=kb_version,
                    watchlists=watchlists,
                    screened=int(result.counts["screened"]),
                    stored_alerts=len(stored),
                    rose=len(kept),
                )
                .execution_options(synchronize_session=False)
            )
            if getattr(moved, "rowcount", 1) != 1:
                raise _TakenError(rescreen_id)
            session.execute(delete(RescreenChange).where(RescreenChange.rescreen_id == rescreen_id))
            if kept:
                session.execute(
                    insert(RESCREEN_CHANGES_TABLE),
                    [
                        {
                            "rescreen_id": rescreen_id,
                            "seq": seq,
                            **change.to_dict(),
                            "alert_id": alert_ids.get(change.shipment_id),
                        }
                        for seq, change in enumerate(kept)
                    ],
                )
            audit.append_in(
                session,
                actor="service:worker",
                action="rescreen.finish",
                target=f"rescreen:{rescreen_id}",
                result={
                    "job_id": job_id,
                    "rose": len(kept),
                    "by_new_level": levels,
                    "screened_kb_version": screened_kb,
                    "kb_version": kb_version,
                    "as_of": as_of_text,
                },
            )
    except _TakenError:
        log.info("re-screen finished by another worker", extra={"rescreen_id": rescreen_id})


class _TakenError(Exception):
    """Another worker finished the re-screen this one was about to commit."""


def fail(factory: sessionmaker[Session], rescreen_id: str, reason: str) -> None:
    """Mark a re-screen failed with ``reason`` (audited)."""
    with audit.lock, factory() as session, session.begin():
        rescreen = session.get(Rescreen, rescreen_id)
        if rescreen is None or rescreen.state not in ("queued", "running"):
            return  # a finished re-screen keeps its result
        rescreen.state = "failed"
        rescreen.error = reason
        rescreen.finished_at = now()
        audit.append_in(
            session,
            actor="service:worker",
            action="rescreen.fail",
            target=f"rescreen:{rescreen_id}",
            result={"job_id": rescreen.job_id, "error": reason},
        )
    log.warning("re-screen failed", extra={"rescreen_id": rescreen_id, "reason": reason})


def parse_date(text: str | None, field: str) -> date | None:
    """A YYYY-MM-DD parameter, or None when absent; :class:`UsageError` names the field."""
    if text in (None, ""):
        return None
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise UsageError(
            f"{field} {text!r}: not a date (expected YYYY-MM-DD)", field=field
        ) from None
