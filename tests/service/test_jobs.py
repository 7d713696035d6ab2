"""Jobs survive crashes: resumed from the last committed chunk, never a lost or doubled alert.

The in-process tests crash a worker in the middle of a chunk's transaction; the kill -9 tests
run the real server as a subprocess, kill it during a job and start it again.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
from sqlalchemy import func, insert, select

from fentrace.service import Service, Settings
from fentrace.service.jobs import ChunkTakenError, JobRunner, _alert_rows
from fentrace.service.models import Alert, AlertCode, Job
from fentrace.service.security import Principal
from fentrace.shipments import read_manifest, sample_manifest_path, screen_manifest

ANALYST = Principal("cli", "test", "test", "analyst")


@pytest.fixture
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    url = None if request.param == "sqlite" else request.getfixturevalue("pg_database")
    made = Service(Settings(data_dir=tmp_path, database_url=url, job_chunk_rows=50))
    made.start(workers=False)
    yield made
    made.stop()


BOTH = pytest.mark.parametrize("service", ["sqlite", "postgresql"], indirect=True)


def _stored(service: Service, job_id: str) -> list[tuple[int, str, float, str]]:
    with service.sessions() as session:
        return [
            (int(r), str(s), float(sc), str(lv))
            for r, s, sc, lv in session.execute(
                select(Alert.row, Alert.shipment_id, Alert.score, Alert.level)
                .where(Alert.job_id == job_id)
                .order_by(Alert.row)
            ).all()
        ]


class _CrashError(Exception):
    pass


@BOTH
def test_a_crash_inside_a_chunk_loses_nothing_and_doubles_nothing(service: Service) -> None:
    job = service.submit_job(ANALYST, [sample_manifest_path().read_bytes()], "sample.csv")
    crashing = JobRunner(service.sessions, chunk_rows=50)
    original = crashing._commit_chunk
    calls = []

    def commit_then_crash(job_id: str, start: int, chunk: Any, kept: Any) -> None:
        calls.append(start)
        if len(calls) == 3:
            # the alerts of this chunk are written, then the process dies before the commit
            with service.sessions() as session, session.begin():
                session.execute(insert(Alert.__table__), _alert_rows(job_id, kept))
                raise _CrashError
        original(job_id, start, chunk, kept)

    crashing._commit_chunk = commit_then_crash  # type: ignore[method-assign]
    with pytest.raises(_CrashError):
        crashing.run(job["id"])
    halfway = service.get_job(job["id"])
    assert halfway["state"] == "running"
    assert halfway["progress"]["rows_screened"] == 100
    assert halfway["progress"]["chunks_done"] == 2
    assert len(_stored(service, job["id"])) == halfway["progress"]["alerts_stored"]

    JobRunner(service.sessions, chunk_rows=50).run(job["id"])
    done = service.get_job(job["id"])
    assert done["state"] == "succeeded"
    expected = screen_manifest(read_manifest(sample_manifest_path())).at_least("low").sort("row")
    stored = _stored(service, job["id"])
    assert [s[0] for s in stored] == expected.get_column("row").to_list()
    assert [s[2] for s in stored] == expected.get_column("score").to_list()
    assert done["progress"]["alerts_stored"] == len(stored)
    with service.sessions() as session:
        codes = session.execute(
            select(func.count()).select_from(AlertCode).join(Alert).where(Alert.job_id == job["id"])
        ).scalar_one()
    assert codes == sum(
        len(set(r))
        for r in expected.get_column("reasons")
        .list.eval(pl.element().struct.field("code"))
        .to_list()
    )


@BOTH
def test_a_resumed_job_started_on_new_workers(service: Service) -> None:
    job = service.submit_job(ANALYST, [sample_manifest_path().read_bytes()], "sample.csv")
    with service.sessions() as session, session.begin():
        session.get_one(Job, job["id"]).state = "running"  # as a kill -9 leaves it
    runner = JobRunner(service.sessions, chunk_rows=50)
    assert runner.start() == [job["id"]]
    try:
        for _ in range(400):
            if service.get_job(job["id"])["state"] == "succeeded":
                break
            time.sleep(0.05)
    finally:
        runner.stop()
    assert service.get_job(job["id"])["state"] == "succeeded"


@BOTH
def test_a_job_whose_upload_is_gone_fails_with_the_reason(service: Service) -> None:
    job = service.submit_job(ANALYST, [sample_manifest_path().read_bytes()], "sample.csv")
    service.upload_path(job["id"]).unlink()
    JobRunner(service.sessions).run(job["id"])
    failed = service.get_job(job["id"])
    assert failed["state"] == "failed"
    assert "missing" in failed["error"]
    assert failed["finished_at"] is not None
    actions = [r["action"] for r in service.list_audit()["items"]]
    assert actions[-1] == "job.fail"


@BOTH
def test_a_job_whose_upload_became_unreadable_fails_with_the_reason(service: Service) -> None:
    job = service.submit_job(ANALYST, [sample_manifest_path().read_bytes()], "sample.csv")
    service.upload_path(job["id"]).write_bytes(b"colour,size\nred,1\n")
    JobRunner(service.sessions).run(job["id"])
    failed = service.get_job(job["id"])
    assert failed["state"] == "failed"
    assert "missing required column" in failed["error"]


@BOTH
def test_an_upload_changed_under_a_running_job_fails_it(service: Service) -> None:
    job = service.submit_job(ANALYST, [sample_manifest_path().read_bytes()], "sample.csv")
    crashing = JobRunner(service.sessions, chunk_rows=50)
    crashing._commit_chunk = lambda *a: (_ for _ in ()).throw(_CrashError)  # type: ignore[method-assign]
    with pytest.raises(_CrashError):
        crashing.run(job["id"])
    path = service.upload_path(job["id"])
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:100]))
    JobRunner(service.sessions, chunk_rows=50).run(job["id"])
    failed = service.get_job(job["id"])
    assert failed["state"] == "failed"
    assert "changed" in failed["error"]


# --------------------------------------------------------------------------- kill -9


def _kill9_run(
    tmp_path: Path,
    rows: int,
    chunk_rows: int,
    *,
    restart_server: bool,
    big_manifest: Callable[[Path, int], Path],
    start_server: Callable[..., subprocess.Popen[bytes]],
    port: int,
) -> None:
    data_dir = tmp_path / "data"
    manifest = big_manifest(tmp_path / "manifest.csv", rows)
    admin = Service(Settings(data_dir=data_dir))
    admin.migrate()
    _key, token = admin.create_key("kill test", "analyst", actor="cli:test")
    admin.engine.dispose()
    headers = {"Authorization": f"Bearer {token}"}
    log = tmp_path / "server.log"
    server = start_server(data_dir, port, log, chunk_rows=chunk_rows)
    base = f"http://127.0.0.1:{port}"
    try:
        with manifest.open("rb") as body:
            answer = httpx.post(
                f"{base}/v1/shipments/jobs?filename=manifest.csv",
                content=body.read(),
                headers=headers,
                timeout=120,
            )
        assert answer.status_code == 202, answer.text
        job_id = answer.json()["id"]
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            progress = httpx.get(f"{base}/v1/shipments/jobs/{job_id}", headers=headers).json()
            if progress["progress"]["chunks_done"] >= 2:
                break
            time.sleep(0.01)
        server.send_signal(signal.SIGKILL)
        server.wait(30)
        killed_at = progress
        assert killed_at["state"] == "running", killed_at
    finally:
        if server.poll() is None:
            server.kill()
    database = data_dir / "fentrace.db"
    with sqlite3.connect(database) as db:
        state, screened, total, stored = db.execute(
            "SELECT state, rows_screened, rows_total, alerts_stored FROM jobs WHERE id = ?",
            (job_id,),
        ).fetchone()
        committed = db.execute(
            "SELECT count(*) FROM alerts WHERE job_id = ?", (job_id,)
        ).fetchone()[0]
    assert state == "running"
    assert 0 < screened < total, "the kill should land in the middle of the job"
    assert screened % chunk_rows == 0
    assert committed == stored  # no half-written chunk
    if restart_server:
        server = start_server(data_dir, port, log, chunk_rows=chunk_rows)
        try:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                job = httpx.get(f"{base}/v1/shipments/jobs/{job_id}", headers=headers).json()
                if job["state"] in ("succeeded", "failed"):
                    break
                time.sleep(0.2)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(60)
    else:
        # the start-up path of the server, in this process: Service.start resumes the job
        restarted = Service(Settings(data_dir=data_dir, job_chunk_rows=chunk_rows))
        restarted.start()
        try:
            deadline = time.monotonic() + 600
            while restarted.get_job(job_id)["state"] not in ("succeeded", "failed"):
                assert time.monotonic() < deadline
                time.sleep(0.1)
            assert restarted.resumed == [job_id]
            job = restarted.get_job(job_id)
        finally:
            restarted.stop()
    expected = screen_manifest(read_manifest(manifest)).at_least("low")
    with sqlite3.connect(database) as db:
        rows = [
            r
            for (r,) in db.execute(
                "SELECT row FROM alerts WHERE job_id = ? ORDER BY row", (job_id,)
            )
        ]
        duplicates = db.execute(
            "SELECT count(*) FROM (SELECT row FROM alerts WHERE job_id = ? GROUP BY row HAVING count(*) > 1)",
            (job_id,),
        ).fetchone()[0]
        orphans = db.execute(
            "SELECT count(*) FROM alerts a WHERE job_id = ? AND NOT EXISTS "
            "(SELECT 1 FROM alert_codes c WHERE c.alert_id = a.id)",
            (job_id,),
        ).fetchone()[0]
    assert duplicates == 0
    assert orphans == 0  # every alert was committed with its indicator codes
    assert rows == sorted(expected.get_column("row").to_list())
    assert job["progress"]["alerts_stored"] == len(rows)
    assert job["progress"]["rows_screened"] == job["progress"]["rows_total"]
    check = Service(Settings(data_dir=data_dir))
    assert check.verify_audit().ok
    check.engine.dispose()


def test_kill_9_during_a_job_then_restart(
    tmp_path: Path, big_manifest: Any, start_server: Any, port: int
) -> None:
    _kill9_run(
        tmp_path,
        rows=6_000,
        chunk_rows=300,
        restart_server=False,
        big_manifest=big_manifest,
        start_server=start_server,
        port=port,
    )


@pytest.mark.slow
def test_kill_9_during_a_200000_row_job_then_restart(
    tmp_path: Path, big_manifest: Any, start_server: Any, port: int
) -> None:
    _kill9_run(
        tmp_path,
        rows=200_000,
        chunk_rows=5000,
        restart_server=True,
        big_manifest=big_manifest,
        start_server=start_server,
        port=port,
    )


@BOTH
def test_two_workers_on_one_job_never_double_an_alert(service: Service) -> None:
    # two server processes on one PostgreSQL database both resume the same job after a crash
    job = service.submit_job(ANALYST, [sample_manifest_path().read_bytes()], "sample.csv")
    first, second = (
        JobRunner(service.sessions, chunk_rows=50),
        JobRunner(service.sessions, chunk_rows=50),
    )
    original = second._commit_chunk

    def interleaved(job_id: str, start: int, chunk: Any, kept: Any) -> None:
        if start == 100:
            first.run(job_id)  # the other worker finishes the job meanwhile
        original(job_id, start, chunk, kept)

    second._commit_chunk = interleaved  # type: ignore[method-assign]
    with pytest.raises(ChunkTakenError):
        second.run(job["id"])
    done = service.get_job(job["id"])
    assert done["state"] == "succeeded"
    rows = [s[0] for s in _stored(service, job["id"])]
    assert len(rows) == len(set(rows)) == done["progress"]["alerts_stored"]
