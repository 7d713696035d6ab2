"""The tables of the service (SQLAlchemy 2 declarative); the Alembic migrations create them.

Times are stored as timezone-aware UTC; SQLite hands them back naive, so readers go through
:func:`utc`. The audit table keeps its timestamp as the ISO text that its hash covers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROLES: tuple[str, ...] = ("viewer", "analyst", "admin")
JOB_STATES: tuple[str, ...] = ("queued", "running", "succeeded", "failed")
DISPOSITIONS: tuple[str, ...] = ("open", "escalated", "true_positive", "false_positive")
ALERT_LEVELS: tuple[str, ...] = ("high", "medium", "low")


def now() -> datetime:
    """The current time, UTC, to the microsecond."""
    return datetime.now(UTC)


def utc(value: datetime | None) -> datetime | None:
    """A stored time as aware UTC (SQLite returns naive values)."""
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON}


class ApiKey(Base):
    """An API key: only the SHA-256 of its secret is kept; ``key_id`` is its public prefix."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class User(Base):
    """A person who signs in to the web application (argon2id password hash)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Job(Base):
    """A manifest screening job and its committed progress."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    upload_path: Mapped[str] = mapped_column(String(1000))
    upload_sha256: Mapped[str] = mapped_column(String(64))
    upload_bytes: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[str | None] = mapped_column(String(10), nullable=True)
    min_level: Mapped[str] = mapped_column(String(8))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_screened: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    alerts_stored: Mapped[int] = mapped_column(Integer, default=0)
    chunks_done: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The knowledge-base release the job was screened under (None: before migration 0002).
    kb_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: The watchlist files it was screened against: [{file, format, entities, published}].
    watchlists: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)


class JobRejection(Base):
    """One problem with one rejected manifest row of a job."""

    __tablename__ = "job_rejections"
    __table_args__ = (UniqueConstraint("job_id", "seq", name="uq_job_rejections_job_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    row: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text, nullable=True)


class Alert(Base):
    """One scored shipment of a job at or above the job's minimum level, and its review state."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("job_id", "row", name="uq_alerts_job_row"),
        Index("ix_alerts_job_score", "job_id", "score"),
        Index("ix_alerts_job_level", "job_id", "level"),
        Index("ix_alerts_disposition", "disposition"),
        Index("ix_alerts_assignee", "assignee"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    row: Mapped[int] = mapped_column(Integer)
    shipment_id: Mapped[str] = mapped_column(String(200))
    score: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(8))
    date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    shipper_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    consignee_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    parties: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    chemical: Mapped[str | None] = mapped_column(Text, nullable=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    disposition: Mapped[str] = mapped_column(String(16), default="open")
    assignee: Mapped[str | None] = mapped_column(String(200), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class AlertCode(Base):
    """An indicator code that fired on an alert (for filtering and per-indicator statistics)."""

    __tablename__ = "alert_codes"

    alert_id: Mapped[int] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class AlertHistory(Base):
    """One review of an alert: who changed what, when, with which note."""

    __tablename__ = "alert_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    actor: Mapped[str] = mapped_column(String(200))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class Rescreen(Base):
    """A stored job screened again under the knowledge base and watchlists loaded now."""

    __tablename__ = "rescreens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    as_of: Mapped[str | None] = mapped_column(String(10), nullable=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: What the job was screened under (copied from the job when the re-screen runs).
    screened_kb_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: What it was re-screened under.
    kb_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    watchlists: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    screened: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stored_alerts: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rose: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class RescreenChange(Base):
    """One shipment whose level rose on a re-screen (``fentrace rescreen shipments`` shape)."""

    __tablename__ = "rescreen_changes"
    __table_args__ = (
        UniqueConstraint("rescreen_id", "seq", name="uq_rescreen_changes_rescreen_seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rescreen_id: Mapped[str] = mapped_column(ForeignKey("rescreens.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    shipment_id: Mapped[str] = mapped_column(String(200))
    row: Mapped[int | None] = mapped_column(Integer, nullable=True)
    old_level: Mapped[str] = mapped_column(String(8))
    new_level: Mapped[str] = mapped_column(String(8))
    old_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    new_score: Mapped[float] = mapped_column(Float)
    new_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: The job's stored alert of this shipment (None: it was below the job's minimum level).
    alert_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class AuditRecord(Base):
    """One append-only audit record, hash-chained to the one before it (``seq`` is unique)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(200), nullable=True)
    input_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    result: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


#: Core tables for bulk inserts (executemany without the ORM's per-row bookkeeping).
ALERTS_TABLE = Base.metadata.tables["alerts"]
ALERT_CODES_TABLE = Base.metadata.tables["alert_codes"]
RESCREEN_CHANGES_TABLE = Base.metadata.tables["rescreen_changes"]
AUDIT_TABLE = Base.metadata.tables["audit_log"]
