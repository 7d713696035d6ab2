"""Manifest screening jobs: the upload is stored first, then a worker thread screens it.

Whole-manifest indicators (shared contacts, structuring) need every row, so a worker screens
the whole manifest -- deterministically: the same file, rules and date give the same alerts --
and then commits the result chunk by chunk. Each chunk's alerts, their indicator codes and the
job's progress counters go in ONE transaction, and ``(job_id, row)`` is unique, so a job
resumed after a crash (kill -9, power loss) starts at the first uncommitted chunk and can
neither lose nor duplicate an alert. A job whose upload is gone or unreadable is marked
``failed`` with the reason.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fentrace.exc import FentraceError, InputError
from fentrace.service import audit, rescreens
from fentrace.service.errors import LimitError, NotFoundError
from fentrace.service.models import (
    ALERT_CODES_TABLE,
    ALERT_LEVELS,
    ALERTS_TABLE,
    Alert,
    Job,
    JobRejection,
    now,
    utc,
)
from fentrace.shipments import load_rules, read_manifest, read_manifest_bytes, screen_manifest
from fentrace.shipments.engine import Lookups
from fentrace.shipments.ingest import detect_format
from fentrace.shipments.lookups import (
    PartyLookup,
    default_chemical_screener,
    default_lexicon,
    default_name_resolver,
)

log = logging.getLogger("fentrace.service.jobs")

#: How much of a text upload is parsed at submission to reject a file that is not a manifest.
SNIFF_BYTES = 256 * 1024
#: Binary uploads (xlsx, Parquet) up to this size are fully checked at submission.
SNIFF_BINARY_MAX = 32 * 1024 * 1024
_SUFFIXES = (
    ".csv",
    ".tsv",
    ".txt",
    ".xlsx",
    ".xlsm",
    ".jsonl",
    ".ndjson",
    ".json",
    ".parquet",
    ".pq",
)


@dataclass(frozen=True, slots=True)
class StoredUpload:
    """An upload written to the data directory."""

    path: Path
    sha256: str
    size: int


def safe_filename(name: str | None) -> str:
    """The base name of an uploaded file, without directories or odd characters."""
    base = Path((name or "").replace("\\", "/")).name
    cleaned = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in base)[:200]
    return cleaned.lstrip(".") or "manifest.csv"


def store_upload(
    directory: Path, job_id: str, filename: str, chunks: Iterable[bytes], limit: int
) -> StoredUpload:
    """Write ``chunks`` to ``directory/<job_id>/<filename>``, fsynced; enforce ``limit`` bytes."""
    folder = directory / job_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    digest = hashlib.sha256()
    size = 0
    with path.open("wb") as out:
        for chunk in chunks:
            size += len(chunk)
            if size > limit:
                out.close()
                path.unlink(missing_ok=True)
                folder.rmdir()
                raise LimitError(
                    f"the upload is larger than the limit of {limit} bytes",
                    limit="max_upload_bytes",
                    max_bytes=limit,
                )
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return StoredUpload(path, digest.hexdigest(), size)


def read_chunks(stream: BinaryIO, size: int = 1 << 20) -> Iterable[bytes]:
    """A binary file in pieces."""
    while True:
        piece = stream.read(size)
        if not piece:
            return
        yield piece


def check_manifest(path: Path, filename: str) -> None:
    """Raise :class:`InputError` when the upload is plainly not a manifest (checked on its head)."""
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{filename}: the file is empty", file=filename)
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    kind = detect_format(Path(filename), head[:8])
    if kind in ("xlsx", "parquet"):
        if size <= SNIFF_BINARY_MAX:
            read_manifest_bytes(path.read_bytes(), filename)
        return
    if size > len(head):
        # cut at the last line end so the parser sees whole records only
        cut = head.rfind(b"\n")
        head = head[: cut + 1] if cut > 0 else head
    read_manifest_bytes(head, filename)


def new_job_id() -> str:
    """A random job id (32 hex characters)."""
    return uuid.uuid4().hex


def job_dict(job: Job) -> dict[str, Any]:
    """A job as JSON: state, progress and timings."""
    created, started, finished = utc(job.created_at), utc(job.started_at), utc(job.finished_at)
    return {
        "id": job.id,
        "state": job.state,
        "filename": job.filename,
        "upload_sha256": job.upload_sha256,
        "upload_bytes": job.upload_bytes,
        "as_of": job.as_of,
        "min_level": job.min_level,
        "created_by": job.created_by,
        "created_at": created.isoformat() if created else None,
        "started_at": started.isoformat() if started else None,
        "finished_at": finished.isoformat() if finished else None,
        "progress": {
            "rows_read": job.rows_read,
            "rows_screened": job.rows_screened,
            "rows_rejected": job.rows_rejected,
            "rows_total": job.rows_total,
            "alerts_stored": job.alerts_stored,
            "chunks_done": job.chunks_done,
        },
        "counts": job.counts,
        "error": job.error,
        "kb_version": job.kb_version,
        "watchlists": job.watchlists,
    }


def _alert_rows(job_id: str, frame: pl.DataFrame) -> list[dict[str, Any]]:
    """The alerts table rows of a chunk of scored shipments."""
    rows = []
    at = now()
    for record in frame.with_columns(pl.col("date").cast(pl.String)).iter_rows(named=True):
        chemical = next(
            (r["detail"] for r in record["reasons"] if str(r["code"]).startswith("CHEM_")), None
        )
        names = [
            record.get(column)
            for column in ("shipper_name", "consignee_name", "forwarder_name", "notify_party")
        ]
        rows.append(
            {
                "job_id": job_id,
                "row": record["row"],
                "shipment_id": str(record["shipment_id"]),
                "score": float(record["score"]),
                "level": record["level"],
                "date": record["date"],
                "shipper_name": record.get("shipper_name"),
                "consignee_name": record.get("consignee_name"),
                "parties": "\n".join(str(n) for n in names if n).lower(),
                "description": record.get("description"),
                "chemical": chemical.lower() if chemical else None,
                "record": record,
                "disposition": "open",
                "assignee": None,
                "note": None,
                "created_at": at,
                "updated_at": at,
            }
        )
    return rows


class ChunkTakenError(Exception):
    """Another worker committed the chunk this one was about to commit."""


class JobRunner:
    """Background worker threads that screen queued jobs and re-screens, resuming interrupted ones.

    ``parties`` is the party lookup over the watchlists the server loaded (None: the bundled
    list); ``kb_version`` and ``watchlists`` are recorded on each job and re-screen it runs.
    """

    def __init__(
        self, factory: sessionmaker[Session], *, workers: int = 1, chunk_rows: int = 5000
    ) -> None:
        self._factory = factory
        self._workers = workers
        self.chunk_rows = chunk_rows
        self.parties: PartyLookup | None = None
        self.kb_version: str | None = None
        self.watchlists: list[dict[str, Any]] | None = None
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    def lookups(self) -> Lookups | None:
        """The engines a job or re-screen runs with (None: the library's defaults)."""
        if self.parties is None:
            return None
        return Lookups(
            default_chemical_screener(), self.parties, default_lexicon(), default_name_resolver()
        )

    def start(self) -> list[str]:
        """Start the workers and queue every job and re-screen left ``queued`` or ``running``.

        Returns their ids (a re-screen's with its queue prefix).
        """
        with self._factory() as session:
            pending = list(
                session.execute(
                    select(Job.id)
                    .where(Job.state.in_(("queued", "running")))
                    .order_by(Job.created_at)
                )
                .scalars()
                .all()
            )
        # after the jobs: a re-screen never waits on a job (only succeeded ones are re-screened)
        pending += [rescreens.QUEUE_PREFIX + r for r in rescreens.pending(self._factory)]
        for job_id in pending:
            self._queue.put(job_id)
        for number in range(self._workers):
            thread = threading.Thread(
                target=self._work, name=f"fentrace-job-worker-{number}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        if pending:
            log.info("resuming jobs", extra={"jobs": list(pending)})
        return list(pending)

    def enqueue(self, job_id: str) -> None:
        self._queue.put(job_id)

    def enqueue_rescreen(self, rescreen_id: str) -> None:
        self._queue.put(rescreens.QUEUE_PREFIX + rescreen_id)

    def run_rescreen(self, rescreen_id: str) -> None:
        """Run one re-screen to the end (see :mod:`fentrace.service.rescreens`)."""
        rescreens.run(
            self._factory,
            rescreen_id,
            lookups=self.lookups,
            kb_version=self.kb_version,
            watchlists=self.watchlists,
        )

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the workers to finish after their current chunk and wait for them."""
        self._stopping.set()
        for _thread in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def idle(self) -> bool:
        """True when no job is waiting (the one being screened, if any, is not counted)."""
        return self._queue.empty()

    def _work(self) -> None:
        while not self._stopping.is_set():
            job_id = self._queue.get()
            if job_id is None:
                return
            if job_id.startswith(rescreens.QUEUE_PREFIX):
                rescreen_id = job_id.removeprefix(rescreens.QUEUE_PREFIX)
                try:
                    self.run_rescreen(rescreen_id)
                except Exception as error:  # a bug must fail the re-screen, never the worker
                    log.exception(
                        "re-screen failed unexpectedly", extra={"rescreen_id": rescreen_id}
                    )
                    rescreens.fail(
                        self._factory,
                        rescreen_id,
                        f"internal error: {type(error).__name__}: {error}",
                    )
                continue
            try:
                self.run(job_id)
            except ChunkTakenError:
                log.info("job taken over by another worker", extra={"job_id": job_id})
            except Exception as error:  # a bug must fail the job, never kill the worker
                log.exception("job failed unexpectedly", extra={"job_id": job_id})
                self._fail(job_id, f"internal error: {type(error).__name__}: {error}")

    def run(self, job_id: str) -> None:
        """Screen one job to the end (or to its first failure), resuming after its last chunk."""
        with self._factory() as session, session.begin():
            job = session.get(Job, job_id)
            if job is None or job.state in ("succeeded", "failed"):
                return
            job.state = "running"
            job.started_at = job.started_at or now()
            path, filename, as_of_text, min_level = (
                Path(job.upload_path),
                job.filename,
                job.as_of,
                job.min_level,
            )
            first_time = job.rows_total is None
        if not path.is_file():
            self._fail(job_id, f"the stored upload {path} is missing; upload the manifest again")
            return
        try:
            manifest = read_manifest(path)
        except (FentraceError, OSError) as error:
            self._fail(job_id, f"{filename}: cannot be read as a manifest: {error}")
            return
        as_of = date.fromisoformat(as_of_text) if as_of_text else None
        result = screen_manifest(manifest, load_rules(), as_of, lookups=self.lookups())
        scored = result.alerts.sort("row")
        keep = list(ALERT_LEVELS[: ALERT_LEVELS.index(min_level) + 1])
        if first_time:
            with self._factory() as session, session.begin():
                job = session.get_one(Job, job_id)
                if result.rejected:
                    session.execute(
                        insert(JobRejection),
                        [
                            {"job_id": job_id, "seq": i, **r.to_dict()}
                            for i, r in enumerate(result.rejected)
                        ],
                    )
                job.rows_read = result.counts["read"]
                job.rows_rejected = result.counts["rejected"]
                job.rows_total = scored.height
                job.counts = dict(result.counts)
                job.kb_version = self.kb_version
                job.watchlists = self.watchlists
        with self._factory() as session:
            job = session.get_one(Job, job_id)
            done, total = job.rows_screened, job.rows_total
        if total != scored.height:
            self._fail(
                job_id,
                f"the stored upload now gives {scored.height} screened rows, not {total}: "
                "it changed since the job started",
            )
            return
        for start in range(done, scored.height, self.chunk_rows):
            if self._stopping.is_set():
                return  # resumed from this chunk at the next start
            chunk = scored.slice(start, self.chunk_rows)
            self._commit_chunk(job_id, start, chunk, chunk.filter(pl.col("level").is_in(keep)))
        with self._factory() as session, session.begin():
            job = session.get_one(Job, job_id)
            job.state = "succeeded"
            job.finished_at = now()
            summary = {
                "rows_read": job.rows_read,
                "rows_screened": job.rows_screened,
                "rows_rejected": job.rows_rejected,
                "alerts_stored": job.alerts_stored,
            }
        audit.append(
            self._factory,
            actor="service:worker",
            action="job.finish",
            target=f"job:{job_id}",
            result=summary,
        )

    def _commit_chunk(
        self, job_id: str, start: int, chunk: pl.DataFrame, kept: pl.DataFrame
    ) -> None:
        """One transaction: the chunk's alerts and codes, and the job's counters."""
        try:
            self._commit_chunk_once(job_id, start, chunk, kept)
        except IntegrityError as error:
            # (job_id, row) is unique: another worker already committed these alerts
            raise ChunkTakenError(
                f"job {job_id}: chunk at row {start} was already committed"
            ) from error

    def _commit_chunk_once(
        self, job_id: str, start: int, chunk: pl.DataFrame, kept: pl.DataFrame
    ) -> None:
        with self._factory() as session, session.begin():
            stored = 0
            if kept.height:
                rows = _alert_rows(job_id, kept)
                connection = session.connection()
                # plain executemany, then one indexed read of the new ids: far faster than
                # INSERT ... RETURNING row by row
                connection.execute(insert(ALERTS_TABLE), rows)
                first_row, last_row = rows[0]["row"], rows[-1]["row"]
                ids: dict[int, int] = {
                    int(row): int(alert_id)
                    for row, alert_id in connection.execute(
                        select(Alert.row, Alert.id).where(
                            Alert.job_id == job_id, Alert.row.between(first_row, last_row)
                        )
                    ).all()
                }
                codes = [
                    {"alert_id": ids[record["row"]], "code": code}
                    for record in rows
                    for code in dict.fromkeys(str(r["code"]) for r in record["record"]["reasons"])
                ]
                if codes:
                    connection.execute(insert(ALERT_CODES_TABLE), codes)
                stored = len(rows)
            moved = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.rows_screened == start)
                .values(
                    rows_screened=start + chunk.height,
                    alerts_stored=Job.alerts_stored + stored,
                    chunks_done=Job.chunks_done + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if getattr(moved, "rowcount", 1) != 1:
                # another worker (another server process on the same database) committed this
                # chunk: roll ours back rather than double it, and leave the job to that worker
                raise ChunkTakenError(f"job {job_id}: chunk at row {start} was already committed")

    def _fail(self, job_id: str, reason: str) -> None:
        with self._factory() as session, session.begin():
            job = session.get(Job, job_id)
            if job is None:
                return
            job.state = "failed"
            job.error = reason
            job.finished_at = now()
        log.warning("job failed", extra={"job_id": job_id, "reason": reason})
        audit.append(
            self._factory,
            actor="service:worker",
            action="job.fail",
            target=f"job:{job_id}",
            result={"error": reason},
        )


def get_job(factory: sessionmaker[Session], job_id: str) -> dict[str, Any]:
    """A job as JSON, or :class:`NotFoundError`."""
    with factory() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFoundError(f"no job {job_id!r}", job_id=job_id)
        return job_dict(job)


def list_jobs(
    factory: sessionmaker[Session], *, state: str | None = None, offset: int = 0, limit: int = 50
) -> list[dict[str, Any]]:
    """Jobs, newest first."""
    with factory() as session:
        query = select(Job)
        if state is not None:
            query = query.where(Job.state == state)
        jobs = (
            session.execute(query.order_by(Job.created_at.desc()).offset(offset).limit(limit))
            .scalars()
            .all()
        )
        return [job_dict(j) for j in jobs]


def job_rejections(
    factory: sessionmaker[Session], job_id: str, *, offset: int = 0, limit: int = 100
) -> dict[str, Any]:
    """The rejected-row problems of a job (row, field, reason, value), in row order."""
    with factory() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFoundError(f"no job {job_id!r}", job_id=job_id)
        rows = (
            session.execute(
                select(JobRejection)
                .where(JobRejection.job_id == job_id)
                .order_by(JobRejection.seq)
                .offset(offset)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        return {
            "job_id": job_id,
            "rows_rejected": job.rows_rejected,
            "offset": offset,
            "limit": limit,
            "items": [
                {"row": r.row, "field": r.field, "reason": r.reason, "value": r.value} for r in rows
            ],
        }


def accepted_suffix(filename: str) -> bool:
    """True when the name's extension is one ``shipments screen`` reads (or it has none)."""
    suffix = Path(filename).suffix.lower()
    return suffix == "" or suffix in _SUFFIXES
