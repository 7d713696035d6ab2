"""Alerts: filtered, sorted pages; one alert with its history; review; statistics; exports."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import polars as pl
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, sessionmaker

from fentrace.exc import UsageError
from fentrace.service import audit
from fentrace.service.errors import NotFoundError
from fentrace.service.models import (
    DISPOSITIONS,
    Alert,
    AlertCode,
    AlertHistory,
    Job,
    JobRejection,
    now,
    utc,
)
from fentrace.service.security import Principal
from fentrace.shipments import Manifest, Rejection, ScreeningResult, load_rules, render_report
from fentrace.shipments.engine import REASON_DTYPE

#: Sort keys of alert listings; each ends with the id so pages are stable.
SORTS: dict[str, tuple[Any, ...]] = {
    "-score": (Alert.score.desc(), Alert.id),
    "score": (Alert.score, Alert.id),
    "row": (Alert.row, Alert.id),
    "-row": (Alert.row.desc(), Alert.id.desc()),
    "date": (Alert.date, Alert.id),
    "-date": (Alert.date.desc(), Alert.id.desc()),
    "-updated": (Alert.updated_at.desc(), Alert.id.desc()),
    "id": (Alert.id,),
}
CLOSED = ("true_positive", "false_positive")
_Query = TypeVar("_Query", bound="Select[*tuple[Any, ...]]")


@dataclass(frozen=True, slots=True)
class AlertFilter:
    """Which alerts to list: every given field must hold (text filters are substrings, any case)."""

    job_id: str | None = None
    levels: tuple[str, ...] = ()
    code: str | None = None
    party: str | None = None
    chemical: str | None = None
    disposition: str | None = None
    assignee: str | None = None
    min_score: float | None = None

    def apply(self, query: _Query) -> _Query:
        """``query`` narrowed to the alerts this filter selects."""
        conditions: list[ColumnElement[bool]] = []
        if self.job_id is not None:
            conditions.append(Alert.job_id == self.job_id)
        if self.levels:
            conditions.append(Alert.level.in_(self.levels))
        if self.code is not None:
            conditions.append(
                Alert.id.in_(select(AlertCode.alert_id).where(AlertCode.code == self.code.upper()))
            )
        if self.party:
            conditions.append(Alert.parties.contains(self.party.lower(), autoescape=True))
        if self.chemical:
            text = self.chemical.lower()
            conditions.append(
                Alert.chemical.contains(text, autoescape=True)
                | func.lower(Alert.description).contains(text, autoescape=True)
            )
        if self.disposition is not None:
            conditions.append(Alert.disposition == self.disposition)
        if self.assignee is not None:
            conditions.append(Alert.assignee == self.assignee)
        if self.min_score is not None:
            conditions.append(Alert.score >= self.min_score)
        return query.where(*conditions) if conditions else query


def alert_dict(alert: Alert) -> dict[str, Any]:
    """An alert as JSON: the scored shipment, its reasons and its review state."""
    record = alert.record
    created, updated = utc(alert.created_at), utc(alert.updated_at)
    return {
        "id": alert.id,
        "job_id": alert.job_id,
        "row": alert.row,
        "shipment_id": alert.shipment_id,
        "score": alert.score,
        "level": alert.level,
        "codes": [r["code"] for r in record.get("reasons", [])],
        "reasons": record.get("reasons", []),
        "date": alert.date,
        "shipper_name": alert.shipper_name,
        "consignee_name": alert.consignee_name,
        "description": alert.description,
        "shipment": record,
        "disposition": alert.disposition,
        "assignee": alert.assignee,
        "note": alert.note,
        "created_at": created.isoformat() if created else None,
        "updated_at": updated.isoformat() if updated else None,
    }


def _require_job(session: Session, job_id: str | None) -> None:
    if job_id is not None and session.get(Job, job_id) is None:
        raise NotFoundError(f"no job {job_id!r}", job_id=job_id)


def list_alerts(
    factory: sessionmaker[Session],
    where: AlertFilter,
    *,
    sort: str = "-score",
    offset: int = 0,
    limit: int = 50,
) -> dict[str, Any]:
    """One page of alerts and the number matching the filter.

    The page's ids are chosen first and only those rows are loaded: sorting and skipping
    narrow (id, sort key) rows keeps a deep page of a large table fast, where sorting whole
    rows with their JSON records does not.
    """
    with factory() as session:
        _require_job(session, where.job_id)
        chosen = where.apply(select(Alert.id)).order_by(*SORTS[sort]).offset(offset).limit(limit)
        ids = list(session.execute(chosen).scalars().all())
        rows = session.execute(select(Alert).where(Alert.id.in_(ids))).scalars().all()
        by_id = {a.id: a for a in rows}
        items = [alert_dict(by_id[i]) for i in ids]
        total = session.execute(where.apply(select(func.count()).select_from(Alert))).scalar_one()
    return {"total": int(total), "offset": offset, "limit": limit, "sort": sort, "items": items}


def _history_dict(entry: AlertHistory) -> dict[str, Any]:
    at = utc(entry.at)
    return {
        "at": at.isoformat() if at else None,
        "actor": entry.actor,
        "changes": entry.changes,
        "note": entry.note,
    }


def get_alert(factory: sessionmaker[Session], alert_id: int) -> dict[str, Any]:
    """One alert with its full review history (oldest first)."""
    with factory() as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise NotFoundError(f"no alert {alert_id}", alert_id=alert_id)
        history = (
            session.execute(
                select(AlertHistory)
                .where(AlertHistory.alert_id == alert_id)
                .order_by(AlertHistory.id)
            )
            .scalars()
            .all()
        )
        return {**alert_dict(alert), "history": [_history_dict(h) for h in history]}


_UNSET: Any = object()


def review_alert(
    factory: sessionmaker[Session],
    principal: Principal,
    alert_id: int,
    *,
    disposition: str | None = None,
    assignee: str | None = _UNSET,
    note: str | None = None,
    input_sha256: str | None = None,
) -> dict[str, Any]:
    """Set an alert's disposition and/or assignee (None unassigns) with a note; record history and audit."""
    if disposition is not None and disposition not in DISPOSITIONS:
        raise UsageError(
            f"disposition {disposition!r}: use one of {', '.join(DISPOSITIONS)}",
            field="disposition",
        )
    with audit.lock, factory() as session, session.begin():
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise NotFoundError(f"no alert {alert_id}", alert_id=alert_id)
        changes: dict[str, Any] = {}
        if disposition is not None and disposition != alert.disposition:
            changes["disposition"] = {"from": alert.disposition, "to": disposition}
            alert.disposition = disposition
        if assignee is not _UNSET and assignee != alert.assignee:
            changes["assignee"] = {"from": alert.assignee, "to": assignee}
            alert.assignee = assignee
        if note is not None:
            alert.note = note
        at = now()
        alert.updated_at = at
        session.add(
            AlertHistory(
                alert_id=alert_id, at=at, actor=principal.actor, changes=changes, note=note
            )
        )
        audit.append_in(
            session,
            actor=principal.actor,
            action="alert.review",
            target=f"alert:{alert_id}",
            input_sha256=input_sha256,
            result={"changes": changes, "note": note is not None},
        )
    return get_alert(factory, alert_id)


def alert_stats(factory: sessionmaker[Session], job_id: str | None = None) -> dict[str, Any]:
    """Counts by level, indicator code and disposition, and each indicator's precision on closed alerts.

    Precision of an indicator = true positives / (true + false positives) among the closed
    alerts on which it fired; None while no alert it fired on has been closed.
    """
    with factory() as session:
        _require_job(session, job_id)
        scope = AlertFilter(job_id=job_id)
        level_query = select(Alert.level, func.count()).select_from(Alert)
        by_level: dict[str, int] = {
            str(level): int(count)
            for level, count in session.execute(
                scope.apply(level_query).group_by(Alert.level)
            ).all()
        }
        disposition_query = select(Alert.disposition, func.count()).select_from(Alert)
        by_disposition: dict[str, int] = {
            str(d): int(count)
            for d, count in session.execute(
                scope.apply(disposition_query).group_by(Alert.disposition)
            ).all()
        }
        code_query = (
            select(AlertCode.code, Alert.disposition, func.count())
            .select_from(AlertCode)
            .join(Alert, Alert.id == AlertCode.alert_id)
        )
        code_rows = [
            (str(c), str(d), int(n))
            for c, d, n in session.execute(
                scope.apply(code_query).group_by(AlertCode.code, Alert.disposition)
            ).all()
        ]
    by_code: Counter[str] = Counter()
    outcome: dict[str, Counter[str]] = {}
    for code, disposition, count in code_rows:
        by_code[code] += count
        outcome.setdefault(code, Counter())[disposition] += count
    indicators = {}
    for code in sorted(by_code):
        tp, fp = outcome[code]["true_positive"], outcome[code]["false_positive"]
        indicators[code] = {
            "alerts": by_code[code],
            "true_positive": tp,
            "false_positive": fp,
            "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        }
    tp_all = by_disposition.get("true_positive", 0)
    fp_all = by_disposition.get("false_positive", 0)
    return {
        "job_id": job_id,
        "total": sum(by_level.values()),
        "by_level": {level: int(by_level.get(level, 0)) for level in ("high", "medium", "low")},
        "by_disposition": {d: int(by_disposition.get(d, 0)) for d in DISPOSITIONS},
        "by_indicator": indicators,
        "precision": round(tp_all / (tp_all + fp_all), 4) if tp_all + fp_all else None,
    }


def alerts_frame(
    factory: sessionmaker[Session], where: AlertFilter, sort: str = "-score"
) -> pl.DataFrame:
    """The stored alerts as the shipments engine's alert table (plus the review columns)."""
    with factory() as session:
        _require_job(session, where.job_id)
        rows = session.execute(
            where.apply(
                select(Alert.record, Alert.id, Alert.disposition, Alert.assignee, Alert.note)
            ).order_by(*SORTS[sort])
        ).all()
    records = [
        {**record, "alert_id": alert_id, "disposition": d, "assignee": a, "review_note": n}
        for record, alert_id, d, a, n in rows
    ]
    if not records:
        return pl.DataFrame(
            schema={
                "shipment_id": pl.String,
                "row": pl.Int64,
                "score": pl.Float64,
                "level": pl.String,
                "reasons": REASON_DTYPE,
                "date": pl.Date,
                "shipper_name": pl.String,
                "shipper_country": pl.String,
                "consignee_name": pl.String,
                "consignee_country": pl.String,
                "transit_countries": pl.List(pl.String),
                "description": pl.String,
                "hs_code": pl.String,
                "quantity_kg": pl.Float64,
                "transport_mode": pl.String,
                "alert_id": pl.Int64,
                "disposition": pl.String,
                "assignee": pl.String,
                "review_note": pl.String,
            }
        )
    frame = pl.DataFrame(records, infer_schema_length=None)
    return frame.with_columns(
        pl.col("date").str.to_date(strict=False),
        pl.col("reasons").cast(REASON_DTYPE),
        pl.col("transit_countries").cast(pl.List(pl.String)),
    )


def job_report(factory: sessionmaker[Session], job_id: str) -> str:
    """The self-contained HTML report of a finished job (the ``shipments screen --report`` page)."""
    with factory() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFoundError(f"no job {job_id!r}", job_id=job_id)
        rejected = [
            Rejection(r.row, r.field, r.reason, r.value)
            for r in session.execute(
                select(JobRejection).where(JobRejection.job_id == job_id).order_by(JobRejection.seq)
            )
            .scalars()
            .all()
        ]
        counts = dict(job.counts or {})
        filename, as_of = job.filename, job.as_of
    frame = alerts_frame(factory, AlertFilter(job_id=job_id))
    for key in ("read", "screened", "rejected", "high", "medium", "low", "none"):
        counts.setdefault(key, 0)
    result = ScreeningResult(
        alerts=frame,
        counts=counts,
        rejected=rejected,
        rules=load_rules(),
        as_of=date.fromisoformat(as_of) if as_of else None,
    )
    return render_report(result, Manifest(frame=pl.DataFrame(), source=filename))
