"""The service object: storage, engines, keys, users, audit and jobs behind plain Python methods.

The HTTP routers and the web application both call these methods, so a page and an API call
do the same thing and leave the same audit record. Nothing here screens anything itself: the
methods call the library (``fentrace.chemistry``, ``fentrace.parties``, ``fentrace.shipments``,
``fentrace.reference``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fentrace.exc import UsageError
from fentrace.monitoring import party_lookup
from fentrace.parties import PartyResult, PartyScreener, load_watchlist
from fentrace.reference import KnowledgeBase, load_knowledge_base
from fentrace.service import alerts as alerts_module
from fentrace.service import audit, jobs, rescreens
from fentrace.service.audit import ChainReport
from fentrace.service.db import make_engine, migrate, ping, sessions
from fentrace.service.errors import ConflictError, NotFoundError
from fentrace.service.models import ROLES, ApiKey, Job, User, now, utc
from fentrace.service.security import (
    MIN_PASSWORD_LENGTH,
    Principal,
    check_password,
    hash_password,
    new_key,
    same_digest,
    split_token,
    token_sha256,
)
from fentrace.service.settings import Settings

log = logging.getLogger("fentrace.service")


@cache
def _bundled_screener() -> PartyScreener:
    return PartyScreener(load_watchlist())


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UsageError(f"role {role!r}: use one of {', '.join(ROLES)}", field="role")


class Service:
    """Everything the API and the web pages need; :meth:`start` before use, :meth:`stop` after."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings.url)
        self.sessions = sessions(self.engine)
        self.runner = jobs.JobRunner(
            self.sessions, workers=settings.job_workers, chunk_rows=settings.job_chunk_rows
        )
        self.kb: KnowledgeBase | None = None
        self.screener: PartyScreener | None = None
        self.revision: str | None = None
        self.resumed: list[str] = []
        self._key_cache: dict[str, tuple[float, Principal | None]] = {}
        self._key_cache_lock = threading.Lock()
        self._started = False

    # ------------------------------------------------------------------ life cycle

    def migrate(self) -> str:
        """Create the data directory and bring the schema up to date."""
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.settings.upload_dir.mkdir(parents=True, exist_ok=True)
        self.revision = migrate(self.engine)
        return self.revision

    def start(self, *, workers: bool = True) -> None:
        """Migrate, load the knowledge base and the watchlists, start the job workers."""
        self.migrate()
        self.kb = load_knowledge_base()
        if self.settings.watchlists:
            watchlist = load_watchlist(list(self.settings.watchlists))
            for problem in watchlist.problems:
                log.warning("watchlist problem", extra={"problem": str(problem)})
            self.screener = PartyScreener(watchlist)
            # jobs and re-screens screen their parties against the configured lists too
            self.runner.parties = party_lookup(self.screener)
        else:
            self.screener = _bundled_screener()
        self.runner.kb_version = self.kb.release.version if self.kb.release else None
        self.runner.watchlists = watchlist_summary(self.screener)
        if workers:
            self.resumed = self.runner.start()
        self._started = True

    def stop(self) -> None:
        """Stop the workers (the job in progress resumes at the next start) and close the pool."""
        self.runner.stop()
        self.engine.dispose()
        self._started = False

    def ready(self) -> dict[str, Any]:
        """What /readyz reports: database reachable, knowledge base and watchlists loaded."""
        checks: dict[str, Any] = {}
        try:
            ping(self.engine)
            checks["database"] = "ok"
        except Exception as error:  # any driver error means not ready
            checks["database"] = f"unreachable: {type(error).__name__}"
        checks["knowledge_base"] = "ok" if self.kb is not None else "not loaded"
        checks["watchlists"] = "ok" if self.screener is not None else "not loaded"
        checks["migration"] = self.revision
        checks["ok"] = all(checks[k] == "ok" for k in ("database", "knowledge_base", "watchlists"))
        return checks

    # ------------------------------------------------------------------ keys

    def create_key(self, name: str, role: str, *, actor: str) -> tuple[dict[str, Any], str]:
        """Create an API key; return its description and the token (shown once, never stored)."""
        _check_role(role)
        made = new_key()
        with audit.lock, self.sessions() as session, session.begin():
            key = ApiKey(
                key_id=made.key_id,
                name=name,
                role=role,
                secret_sha256=made.secret_sha256,
                created_at=now(),
                created_by=actor,
            )
            session.add(key)
            session.flush()
            audit.append_in(
                session,
                actor=actor,
                action="key.create",
                target=f"key:{made.key_id}",
                result={"name": name, "role": role},
            )
            described = _key_dict(key)
        return described, made.token

    def revoke_key(self, key_id: str, *, actor: str) -> dict[str, Any]:
        """Revoke a key by its public id (idempotent)."""
        with audit.lock, self.sessions() as session, session.begin():
            key = session.execute(
                select(ApiKey).where(ApiKey.key_id == key_id)
            ).scalar_one_or_none()
            if key is None:
                raise NotFoundError(f"no key {key_id!r}", key_id=key_id)
            if key.revoked_at is None:
                key.revoked_at = now()
                audit.append_in(
                    session, actor=actor, action="key.revoke", target=f"key:{key_id}", result={}
                )
            described = _key_dict(key)
        with self._key_cache_lock:
            self._key_cache.clear()
        return described

    def list_keys(self) -> list[dict[str, Any]]:
        """Every key (never its secret), oldest first."""
        with self.sessions() as session:
            return [
                _key_dict(k)
                for k in session.execute(select(ApiKey).order_by(ApiKey.id)).scalars().all()
            ]

    def authenticate(self, token: str) -> Principal | None:
        """The principal of a valid, unrevoked key; None for anything else."""
        key_id = split_token(token)
        if key_id is None:
            return None
        digest = token_sha256(token)
        ttl = self.settings.key_cache_seconds
        clock = time.monotonic()
        if ttl > 0:
            with self._key_cache_lock:
                cached = self._key_cache.get(digest)
            if cached is not None and clock - cached[0] < ttl:
                return cached[1]
        with self.sessions() as session:
            key = session.execute(
                select(ApiKey).where(ApiKey.key_id == key_id)
            ).scalar_one_or_none()
            principal = None
            if key is not None and key.revoked_at is None and same_digest(key.secret_sha256, token):
                principal = Principal("key", key.key_id, key.name, key.role)
        if ttl > 0:
            with self._key_cache_lock:
                if len(self._key_cache) > 10_000:
                    self._key_cache.clear()
                self._key_cache[digest] = (clock, principal)
        return principal

    # ------------------------------------------------------------------ users

    def create_user(self, username: str, role: str, password: str, *, actor: str) -> dict[str, Any]:
        """Create a person who can sign in to the web application."""
        _check_role(role)
        if not username.strip() or len(username) > 100:
            raise UsageError("username must be 1 to 100 characters", field="username")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise UsageError(
                f"password must be at least {MIN_PASSWORD_LENGTH} characters", field="password"
            )
        try:
            with audit.lock, self.sessions() as session, session.begin():
                user = User(
                    username=username,
                    password_hash=hash_password(password),
                    role=role,
                    disabled=False,
                    created_at=now(),
                )
                session.add(user)
                session.flush()
                audit.append_in(
                    session,
                    actor=actor,
                    action="user.create",
                    target=f"user:{username}",
                    result={"role": role},
                )
                return _user_dict(user)
        except IntegrityError:
            raise ConflictError(f"user {username!r} exists", field="username") from None

    def set_user_disabled(self, username: str, disabled: bool, *, actor: str) -> dict[str, Any]:
        """Disable (or enable again) a user's sign-in."""
        with audit.lock, self.sessions() as session, session.begin():
            user = session.execute(
                select(User).where(User.username == username)
            ).scalar_one_or_none()
            if user is None:
                raise NotFoundError(f"no user {username!r}", username=username)
            user.disabled = disabled
            audit.append_in(
                session,
                actor=actor,
                action="user.disable" if disabled else "user.enable",
                target=f"user:{username}",
                result={},
            )
            return _user_dict(user)

    def list_users(self) -> list[dict[str, Any]]:
        with self.sessions() as session:
            return [
                _user_dict(u)
                for u in session.execute(select(User).order_by(User.id)).scalars().all()
            ]

    def verify_user_password(self, username: str, password: str) -> Principal | None:
        """The principal of an enabled user whose password matches; None otherwise (same cost)."""
        with self.sessions() as session:
            user = session.execute(
                select(User).where(User.username == username)
            ).scalar_one_or_none()
        ok = check_password(user.password_hash if user else None, password)
        if user is None or not ok or user.disabled:
            return None
        return Principal("user", user.username, user.username, user.role)

    # ------------------------------------------------------------------ audit

    def audit(
        self,
        principal: Principal,
        action: str,
        *,
        target: str | None = None,
        input_sha256: str | None = None,
        result: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Append one audit record for ``principal``."""
        return audit.append(
            self.sessions,
            actor=principal.actor,
            action=action,
            target=target,
            input_sha256=input_sha256,
            result=result,
        )

    def list_audit(
        self,
        *,
        after: int = 0,
        limit: int = 100,
        action: str | None = None,
        actor: str | None = None,
    ) -> dict[str, Any]:
        """A page of audit records after sequence number ``after``."""
        items, total = audit.page(
            self.sessions, after=after, limit=limit, action=action, actor=actor
        )
        return {
            "total": total,
            "after": after,
            "limit": limit,
            "items": items,
            "next_after": items[-1]["seq"] if len(items) == limit else None,
        }

    def verify_audit(self) -> ChainReport:
        """Recompute the hash chain; the report names the first broken link."""
        return audit.verify_chain(self.sessions)

    # ------------------------------------------------------------------ screening

    def screen_chemicals(
        self, principal: Principal, queries: Sequence[str], as_of: date | None, input_sha256: str
    ) -> list[dict[str, Any]]:
        """``fentrace chem screen --json`` for each query, in order; audited."""
        from fentrace.chemistry import screen_many  # RDKit only when chemistry is asked

        when = as_of or date.today()
        results = [
            r.to_dict() for r in screen_many(queries, when, use_opsin=self.settings.chem_opsin)
        ]
        verdicts: dict[str, int] = {}
        for result in results:
            key = str(result.get("verdict") or "unresolved")
            verdicts[key] = verdicts.get(key, 0) + 1
        self.audit(
            principal,
            "chem.screen",
            input_sha256=input_sha256,
            result={"queries": len(results), "verdicts": verdicts, "as_of": when.isoformat()},
        )
        return results

    def screen_parties(
        self,
        principal: Principal,
        queries: Sequence[tuple[str, str | None, Sequence[str]]],
        input_sha256: str,
        action: str = "parties.match",
    ) -> list[PartyResult]:
        """Screen each (name, country, identifiers) against the watchlists; audited."""
        screener = self.screener or _bundled_screener()
        results = [screener.screen(name, country, ids) for name, country, ids in queries]
        verdicts: dict[str, int] = {}
        for result in results:
            verdicts[result.verdict] = verdicts.get(result.verdict, 0) + 1
        self.audit(
            principal,
            action,
            input_sha256=input_sha256,
            result={"queries": len(results), "verdicts": verdicts},
        )
        return results

    # ------------------------------------------------------------------ jobs

    def submit_job(
        self,
        principal: Principal,
        chunks: Iterable[bytes],
        filename: str,
        *,
        as_of: date | None = None,
        min_level: str | None = None,
    ) -> dict[str, Any]:
        """Store an upload, check it looks like a manifest, queue it; return the queued job."""
        level = min_level or self.settings.min_level
        if level not in ("high", "medium", "low"):
            raise UsageError(f"min_level {level!r}: use high, medium or low", field="min_level")
        name = jobs.safe_filename(filename)
        if not jobs.accepted_suffix(name):
            raise UsageError(
                f"{name}: not a manifest format (use .csv, .xlsx, .jsonl or .parquet)",
                field="file",
            )
        job_id = jobs.new_job_id()
        stored = jobs.store_upload(
            self.settings.upload_dir, job_id, name, chunks, self.settings.max_upload_bytes
        )
        try:
            jobs.check_manifest(stored.path, name)
        except Exception:
            stored.path.unlink(missing_ok=True)
            stored.path.parent.rmdir()
            raise
        with audit.lock, self.sessions() as session, session.begin():
            job = Job(
                id=job_id,
                state="queued",
                filename=name,
                upload_path=str(stored.path.resolve()),
                upload_sha256=stored.sha256,
                upload_bytes=stored.size,
                as_of=as_of.isoformat() if as_of else None,
                min_level=level,
                created_by=principal.actor,
                created_at=now(),
                rows_read=0,
                rows_screened=0,
                rows_rejected=0,
                alerts_stored=0,
                chunks_done=0,
            )
            session.add(job)
            session.flush()
            audit.append_in(
                session,
                actor=principal.actor,
                action="job.submit",
                target=f"job:{job_id}",
                input_sha256=stored.sha256,
                result={"filename": name, "bytes": stored.size, "min_level": level},
            )
            described = jobs.job_dict(job)
        self.runner.enqueue(job_id)
        return described

    def get_job(self, job_id: str) -> dict[str, Any]:
        return jobs.get_job(self.sessions, job_id)

    def list_jobs(
        self, *, state: str | None = None, offset: int = 0, limit: int = 50
    ) -> list[dict[str, Any]]:
        return jobs.list_jobs(self.sessions, state=state, offset=offset, limit=limit)

    def job_rejections(self, job_id: str, *, offset: int = 0, limit: int = 100) -> dict[str, Any]:
        return jobs.job_rejections(self.sessions, job_id, offset=offset, limit=limit)

    def upload_path(self, job_id: str) -> Path:
        """Where a job's upload is stored."""
        return Path(self.get_job_row(job_id).upload_path)

    def get_job_row(self, job_id: str) -> Job:
        with self.sessions() as session:
            job = session.get(Job, job_id)
            if job is None:
                raise NotFoundError(f"no job {job_id!r}", job_id=job_id)
            return job

    # ------------------------------------------------------------------ re-screens

    def submit_rescreen(
        self, principal: Principal, job_id: str, *, as_of: date | None = None
    ) -> dict[str, Any]:
        """Queue a re-screen of a succeeded job under the knowledge base and lists loaded now."""
        rescreen = rescreens.submit(self.sessions, principal, job_id, as_of)
        self.runner.enqueue_rescreen(rescreen["id"])
        return rescreen

    def rescreen_finished_before(
        self, principal: Principal, finished_before: date, *, as_of: date | None = None
    ) -> list[dict[str, Any]]:
        """Queue a re-screen of every succeeded job that finished before the date."""
        queued = rescreens.submit_finished_before(self.sessions, principal, finished_before, as_of)
        for rescreen in queued:
            self.runner.enqueue_rescreen(rescreen["id"])
        return queued

    def get_rescreen(
        self, job_id: str, rescreen_id: str, *, offset: int = 0, limit: int = 100
    ) -> dict[str, Any]:
        return rescreens.get(self.sessions, job_id, rescreen_id, offset=offset, limit=limit)

    def list_rescreens(self, job_id: str) -> list[dict[str, Any]]:
        return rescreens.list_for_job(self.sessions, job_id)

    # ------------------------------------------------------------------ alerts

    def list_alerts(
        self,
        where: alerts_module.AlertFilter,
        *,
        sort: str = "-score",
        offset: int = 0,
        limit: int = 50,
    ) -> dict[str, Any]:
        return alerts_module.list_alerts(
            self.sessions, where, sort=sort, offset=offset, limit=limit
        )

    def get_alert(self, alert_id: int) -> dict[str, Any]:
        return alerts_module.get_alert(self.sessions, alert_id)

    def review_alert(
        self,
        principal: Principal,
        alert_id: int,
        *,
        disposition: str | None = None,
        assignee: Any = alerts_module._UNSET,
        note: str | None = None,
        input_sha256: str | None = None,
    ) -> dict[str, Any]:
        return alerts_module.review_alert(
            self.sessions,
            principal,
            alert_id,
            disposition=disposition,
            assignee=assignee,
            note=note,
            input_sha256=input_sha256,
        )

    def alert_stats(self, job_id: str | None = None) -> dict[str, Any]:
        return alerts_module.alert_stats(self.sessions, job_id)

    def job_report(self, job_id: str) -> str:
        return alerts_module.job_report(self.sessions, job_id)


def watchlist_summary(screener: PartyScreener) -> list[dict[str, Any]]:
    """The files a screener's watchlist came from: name, format, entities, publication date."""
    return [
        {
            "file": Path(item.file).name,
            "format": item.format,
            "entities": item.entities,
            "published": item.published.isoformat() if item.published else None,
        }
        for item in screener.watchlist.loaded
    ]


def _key_dict(key: ApiKey) -> dict[str, Any]:
    created, revoked = utc(key.created_at), utc(key.revoked_at)
    return {
        "key_id": key.key_id,
        "name": key.name,
        "role": key.role,
        "created_at": created.isoformat() if created else None,
        "created_by": key.created_by,
        "revoked_at": revoked.isoformat() if revoked else None,
    }


def _user_dict(user: User) -> dict[str, Any]:
    created = utc(user.created_at)
    return {
        "username": user.username,
        "role": user.role,
        "disabled": user.disabled,
        "created_at": created.isoformat() if created else None,
    }
