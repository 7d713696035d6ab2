"""The tamper-evident audit log: append-only records, each hash-chained to the one before it.

``hash = sha256(canonical JSON of {seq, at, actor, action, target, input_sha256, result,
prev_hash})``; the first record's ``prev_hash`` is 64 zeros. Appends are serialised twice:
a lock within the process, and the primary key on ``seq`` across processes (a second writer
that read the same last record fails its insert and retries on the new tail), so the chain
never forks. :func:`verify_chain` recomputes every hash and names the first broken link.
"""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from fentrace.service.models import AUDIT_TABLE, AuditRecord

GENESIS_HASH = "0" * 64
#: One statement object for every append, so SQLAlchemy compiles it once.
_INSERT = insert(AUDIT_TABLE)
_APPEND_ATTEMPTS = 20
_lock = threading.Lock()


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no spaces and non-ASCII escaped: one text per value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)


def sha256_hex(data: bytes | str) -> str:
    """The SHA-256 of ``data`` (text is UTF-8 encoded) in hex."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def record_hash(fields: Mapping[str, Any]) -> str:
    """The chained hash of one record's fields (``prev_hash`` included, ``hash`` left out)."""
    keys = ("seq", "at", "actor", "action", "target", "input_sha256", "result", "prev_hash")
    return sha256_hex(canonical_json({k: fields[k] for k in keys}))


def record_dict(record: AuditRecord) -> dict[str, Any]:
    """An audit record as JSON (``result`` parsed)."""
    return {
        "seq": record.seq,
        "at": record.at,
        "actor": record.actor,
        "action": record.action,
        "target": record.target,
        "input_sha256": record.input_sha256,
        "result": json.loads(record.result),
        "prev_hash": record.prev_hash,
        "hash": record.hash,
    }


#: The last (seq, hash) this process appended, per session factory: saves a read per append.
#: A stale tail (another process appended since) always collides on ``seq``, and the retry
#: reads the real tail, so the cache can never fork the chain.
_tails: weakref.WeakKeyDictionary[sessionmaker[Session], tuple[int, str]] = (
    weakref.WeakKeyDictionary()
)


def append(
    factory: sessionmaker[Session],
    *,
    actor: str,
    action: str,
    target: str | None = None,
    input_sha256: str | None = None,
    result: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Append one record in its own transaction; return it as JSON."""
    summary = canonical_json(dict(result or {}))
    with _lock:
        for _attempt in range(_APPEND_ATTEMPTS):
            tail = _tails.get(factory)
            try:
                with factory() as session, session.begin():
                    fields = _append_in(session, actor, action, target, input_sha256, summary, tail)
            except (IntegrityError, OperationalError):
                # another process appended since our tail (or holds the SQLite write lock
                # past the busy timeout): forget the tail and retry on the real one
                _tails.pop(factory, None)
                continue
            _tails[factory] = (fields["seq"], fields["hash"])
            return {**fields, "result": json.loads(summary)}
    raise RuntimeError(f"audit append lost {_APPEND_ATTEMPTS} races in a row")


def append_in(
    session: Session,
    *,
    actor: str,
    action: str,
    target: str | None = None,
    input_sha256: str | None = None,
    result: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Append one record inside the caller's transaction (committed or rolled back with it).

    The caller holds :data:`lock` for the whole transaction, so this process appends one at a
    time; a clash with another process fails the caller's commit rather than forking the chain.
    The tail is read from the database (the caller's commit may yet fail), and the cached tail
    of :func:`append` is dropped.
    """
    _tails.clear()
    summary = canonical_json(dict(result or {}))
    fields = _append_in(session, actor, action, target, input_sha256, summary, None)
    return {**fields, "result": json.loads(summary)}


lock = _lock


def _append_in(
    session: Session,
    actor: str,
    action: str,
    target: str | None,
    input_sha256: str | None,
    summary: str,
    tail: tuple[int, str] | None,
) -> dict[str, Any]:
    if tail is None:
        last = session.execute(
            select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)
        ).first()
        tail = (0, GENESIS_HASH) if last is None else (int(last[0]), str(last[1]))
    fields: dict[str, Any] = {
        "seq": tail[0] + 1,
        "at": datetime.now(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "target": target,
        "input_sha256": input_sha256,
        "result": summary,
        "prev_hash": tail[1],
    }
    fields["hash"] = record_hash(fields)
    session.execute(_INSERT, fields)
    return fields


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of :func:`verify_chain`: ``ok``, how many records, and the first broken link."""

    ok: bool
    records: int
    broken_seq: int | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": self.records,
            "broken_seq": self.broken_seq,
            "reason": self.reason,
        }


def verify_chain(factory: sessionmaker[Session], batch: int = 5000) -> ChainReport:
    """Recompute every hash in order; report the first record that does not fit the chain."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    count = 0
    with factory() as session:
        while True:
            rows = (
                session.execute(
                    select(AuditRecord)
                    .where(AuditRecord.seq >= expected_seq)
                    .order_by(AuditRecord.seq)
                    .limit(batch)
                )
                .scalars()
                .all()
            )
            if not rows:
                return ChainReport(True, count)
            for record in rows:
                if record.seq != expected_seq:
                    return ChainReport(
                        False,
                        count,
                        expected_seq,
                        f"record {expected_seq} is missing (next is {record.seq})",
                    )
                if record.prev_hash != prev_hash:
                    return ChainReport(
                        False,
                        count,
                        record.seq,
                        f"record {record.seq} does not point at the hash of record {record.seq - 1}",
                    )
                fields = {
                    "seq": record.seq,
                    "at": record.at,
                    "actor": record.actor,
                    "action": record.action,
                    "target": record.target,
                    "input_sha256": record.input_sha256,
                    "result": record.result,
                    "prev_hash": record.prev_hash,
                }
                if record_hash(fields) != record.hash:
                    return ChainReport(
                        False,
                        count,
                        record.seq,
                        f"record {record.seq} was changed after it was written (its hash does not match)",
                    )
                prev_hash = record.hash
                expected_seq += 1
                count += 1
            session.expunge_all()


def page(
    factory: sessionmaker[Session],
    *,
    after: int = 0,
    limit: int = 100,
    action: str | None = None,
    actor: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Records with ``seq`` above ``after`` (oldest first), and how many records there are in all."""
    with factory() as session:
        query = select(AuditRecord).where(AuditRecord.seq > after)
        if action is not None:
            query = query.where(AuditRecord.action == action)
        if actor is not None:
            query = query.where(AuditRecord.actor == actor)
        rows = session.execute(query.order_by(AuditRecord.seq).limit(limit)).scalars().all()
        total = session.execute(select(func.count()).select_from(AuditRecord)).scalar_one()
        return [record_dict(r) for r in rows], int(total)
