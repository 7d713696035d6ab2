"""Re-screening stored jobs in the service: the law changes, a new list, a crash, migration 0002.

The end-to-end case mirrors tests/monitoring: the manifest is screened as of 2023-05-11 (the
day before 1-boc-4-piperidone was listed in the US) and re-screened as of today.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import insert, select, update

from fentrace.reference import load_knowledge_base
from fentrace.service import Service, Settings, rescreens
from fentrace.service.db import alembic_config, current_revision
from fentrace.service.errors import LimitError
from fentrace.service.jobs import _alert_rows
from fentrace.service.models import (
    ALERT_CODES_TABLE,
    ALERTS_TABLE,
    Alert,
    Job,
    Rescreen,
    RescreenChange,
    now,
)
from fentrace.service.security import Principal
from fentrace.shipments import read_manifest, screen_manifest

from .conftest import Api

MONITORING = Path(__file__).parents[1] / "monitoring" / "data"
MANIFEST = MONITORING / "manifest.csv"
SDN = MONITORING / "sdn" / "sdn.csv"
TODAY = "2026-12-01"
ANALYST = Principal("cli", "test", "test", "analyst")
CURRENT = load_knowledge_base().release
assert CURRENT is not None
PREVIOUS = CURRENT.previous  # the release before the bundled one (kb.yaml's `previous`)
PARTY_MANIFEST = (
    "shipment_id,date,shipper_name,shipper_country,consignee_name,consignee_country,description\n"
    "P1,2026-11-01,Zhengzhou Fictional Precursor Trading Co Ltd,CN,Pinturas Tres SA,MX,"
    "industrial chemicals\n"
)


def _upload(api: Api, body: bytes, filename: str, **params: str) -> dict[str, Any]:
    answer = api.client.post(
        "/v1/shipments/jobs",
        params={"filename": filename, **params},
        content=body,
        headers=api.headers("analyst"),
    )
    assert answer.status_code == 202, answer.text
    return dict(answer.json())


def _wait(api: Api, path: str, timeout: float = 120.0) -> dict[str, Any]:
    """Poll a job or re-screen until it has finished."""
    deadline = time.monotonic() + timeout
    while True:
        found = api.client.get(path, headers=api.headers("viewer")).json()
        if found["state"] in ("succeeded", "failed") or time.monotonic() > deadline:
            return dict(found)
        time.sleep(0.05)


def _screened_job(api: Api, **params: str) -> dict[str, Any]:
    job = _upload(api, MANIFEST.read_bytes(), "manifest.csv", **params)
    done = _wait(api, f"/v1/shipments/jobs/{job['id']}")
    assert done["state"] == "succeeded", done
    return done


def _rescreen(api: Api, job_id: str, **params: str) -> dict[str, Any]:
    answer = api.client.post(
        f"/v1/shipments/jobs/{job_id}/rescreen", params=params, headers=api.headers("analyst")
    )
    assert answer.status_code == 202, answer.text
    queued = answer.json()
    assert answer.headers["location"] == f"/v1/shipments/jobs/{job_id}/rescreens/{queued['id']}"
    assert queued["state"] in ("queued", "running", "succeeded")
    return _wait(api, answer.headers["location"])


def _audit(api: Api, action: str) -> list[dict[str, Any]]:
    page = api.client.get(
        "/v1/audit", params={"action": action, "limit": 500}, headers=api.headers("admin")
    ).json()
    return list(page["items"])


# --------------------------------------------------------------------------- the law changes


def test_a_job_screened_before_2023_05_12_then_rescreened_today(api: Api) -> None:
    job = _screened_job(api, as_of="2023-05-11")
    assert job["kb_version"] == CURRENT.version
    assert job["watchlists"] == [
        {"file": "(bundled) watchlist.csv", "format": "bundled", "entities": 56, "published": None}
    ]
    # as a server still on the previous release would have recorded it
    with api.service.sessions() as session, session.begin():
        session.execute(update(Job).where(Job.id == job["id"]).values(kb_version=PREVIOUS))
    with api.service.sessions() as session:
        s2_alert = session.execute(
            select(Alert.id, Alert.level).where(
                Alert.job_id == job["id"], Alert.shipment_id == "S2"
            )
        ).one()
    assert s2_alert.level == "medium"

    done = _rescreen(api, job["id"], as_of=TODAY)
    assert done["state"] == "succeeded", done
    assert done["screened_under"]["kb_version"] == PREVIOUS
    assert done["screened_under"]["as_of"] == "2023-05-11"
    assert done["rescreened_under"] == {
        "kb_version": CURRENT.version,
        "watchlists": job["watchlists"],
        "as_of": TODAY,
    }
    assert (done["screened"], done["stored_alerts"], done["rose"]) == (
        4,
        job["progress"]["alerts_stored"],
        1,
    )
    # the small courier shipment of 1-boc-4-piperidone rises to high on CHEM_CONTROLLED
    [change] = done["changes"]
    assert change["shipment_id"] == "S2"
    assert (change["old_level"], change["new_level"]) == ("medium", "high")
    assert change["new_score"] > change["old_score"]
    assert [r["code"] for r in change["new_reasons"]] == ["CHEM_CONTROLLED"]
    assert "1-carboxylate" in change["new_reasons"][0]["detail"]
    assert change["alert_id"] == s2_alert.id
    # the shape of `fentrace rescreen shipments --json`, plus the stored alert's id
    assert set(change) == {
        "shipment_id", "row", "old_level", "new_level", "old_score", "new_score", "new_reasons",
        "alert_id",
    }  # fmt: skip

    # the same question (the job's own as_of) under the same rules: nothing rose
    same = _rescreen(api, job["id"])
    assert same["as_of"] == "2023-05-11"
    assert (same["state"], same["rose"], same["changes"]) == ("succeeded", 0, [])

    listed = api.client.get(
        f"/v1/shipments/jobs/{job['id']}/rescreens", headers=api.headers("viewer")
    ).json()["items"]
    assert [r["id"] for r in listed] == [same["id"], done["id"]]
    paged = api.client.get(
        f"/v1/shipments/jobs/{job['id']}/rescreens/{done['id']}",
        params={"offset": 1},
        headers=api.headers("viewer"),
    ).json()
    assert (paged["rose"], paged["changes"], paged["offset"]) == (1, [], 1)

    submitted = [a for a in _audit(api, "rescreen.submit") if a["target"] == f"job:{job['id']}"]
    assert [a["result"]["rescreen_id"] for a in submitted] == [done["id"], same["id"]]
    assert submitted[0]["actor"].startswith("key:")
    assert submitted[0]["input_sha256"] == job["upload_sha256"]
    [finished] = [
        a for a in _audit(api, "rescreen.finish") if a["target"] == f"rescreen:{done['id']}"
    ]
    assert finished["result"] == {
        "job_id": job["id"],
        "rose": 1,
        "by_new_level": {"high": 1},
        "screened_kb_version": PREVIOUS,
        "kb_version": CURRENT.version,
        "as_of": TODAY,
    }
    assert api.client.get("/v1/audit/verify", headers=api.headers("admin")).json()["ok"] is True


def test_rescreen_every_job_finished_before_a_date(api: Api) -> None:
    job = _screened_job(api, as_of="2023-05-11")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    answer = api.client.post(
        "/v1/shipments/rescreens",
        params={"finished_before": tomorrow, "as_of": TODAY},
        headers=api.headers("analyst"),
    )
    assert answer.status_code == 202, answer.text
    queued = answer.json()
    assert queued["queued"] == len(queued["items"]) >= 1
    mine = [r for r in queued["items"] if r["job_id"] == job["id"]]
    assert len(mine) == 1
    done = _wait(api, f"/v1/shipments/jobs/{job['id']}/rescreens/{mine[0]['id']}")
    assert [c["shipment_id"] for c in done["changes"]] == ["S2"]
    none = api.client.post(
        "/v1/shipments/rescreens",
        params={"finished_before": "2000-01-01"},
        headers=api.headers("analyst"),
    )
    assert (none.status_code, none.json()) == (202, {"queued": 0, "items": []})


# --------------------------------------------------------------------------- bad input


def _add_job(service: Service, state: str, upload: Path) -> str:
    job_id = uuid.uuid4().hex
    with service.sessions() as session, session.begin():
        session.add(
            Job(
                id=job_id,
                state=state,
                filename="manifest.csv",
                upload_path=str(upload),
                upload_sha256="0" * 64,
                upload_bytes=1,
                min_level="low",
                created_by="cli:test",
                created_at=now(),
                finished_at=now() if state in ("succeeded", "failed") else None,
                rows_read=0,
                rows_screened=0,
                rows_rejected=0,
                alerts_stored=0,
                chunks_done=0,
            )
        )
    return job_id


@pytest.mark.parametrize(
    ("state", "upload_exists", "status", "words"),
    [
        ("queued", True, 409, "has not finished"),
        ("running", True, 409, "has not finished"),
        ("failed", True, 409, "failed: nothing was stored"),
        ("succeeded", False, 409, "is gone"),
    ],
)
def test_only_a_succeeded_job_with_its_upload_can_be_rescreened(
    api: Api, tmp_path: Path, state: str, upload_exists: bool, status: int, words: str
) -> None:
    upload = tmp_path / "manifest.csv"
    if upload_exists:
        shutil.copy(MANIFEST, upload)
    job_id = _add_job(api.service, state, upload)
    answer = api.client.post(
        f"/v1/shipments/jobs/{job_id}/rescreen", headers=api.headers("analyst")
    )
    assert answer.status_code == status
    error = answer.json()["error"]
    assert error["type"] == "ConflictError"
    assert words in error["message"]
    assert error["job_id"] == job_id
    assert rescreens.list_for_job(api.service.sessions, job_id) == []


@pytest.mark.parametrize(
    ("method", "path", "params", "role", "status", "kind"),
    [
        ("post", "/v1/shipments/jobs/nosuchjob/rescreen", {}, "analyst", 404, "NotFoundError"),
        ("get", "/v1/shipments/jobs/nosuchjob/rescreens", {}, "viewer", 404, "NotFoundError"),
        ("post", "/v1/shipments/jobs/{job}/rescreen", {}, "viewer", 403, "PermissionDeniedError"),
        ("post", "/v1/shipments/jobs/{job}/rescreen", {}, None, 401, "AuthenticationError"),
        (
            "post",
            "/v1/shipments/jobs/{job}/rescreen",
            {"as_of": "2026-13-01"},
            "analyst",
            400,
            "UsageError",
        ),
        ("get", "/v1/shipments/jobs/{job}/rescreens/nosuch", {}, "viewer", 404, "NotFoundError"),
        (
            "get",
            "/v1/shipments/jobs/{job}/rescreens/{rescreen}",
            {"limit": 0},
            "viewer",
            422,
            "UsageError",
        ),
        (
            "post",
            "/v1/shipments/rescreens",
            {"finished_before": "yesterday"},
            "analyst",
            400,
            "UsageError",
        ),
        ("post", "/v1/shipments/rescreens", {}, "analyst", 422, "UsageError"),
        (
            "post",
            "/v1/shipments/rescreens",
            {"finished_before": "2026-01-01"},
            "viewer",
            403,
            "PermissionDeniedError",
        ),
    ],
)
def test_bad_requests_get_the_one_error_shape(
    api: Api,
    tmp_path: Path,
    method: str,
    path: str,
    params: dict[str, Any],
    role: str | None,
    status: int,
    kind: str,
) -> None:
    upload = tmp_path / "manifest.csv"
    shutil.copy(MANIFEST, upload)
    job_id = _add_job(api.service, "succeeded", upload)
    queued = api.service.submit_rescreen(ANALYST, job_id)
    headers = api.headers(role) if role else {}
    answer = getattr(api.client, method)(
        path.format(job=job_id, rescreen=queued["id"]), params=params, headers=headers
    )
    assert answer.status_code == status, answer.text
    assert set(answer.json()) == {"error"}
    assert answer.json()["error"]["type"] == kind


def test_a_rescreen_of_another_job_is_not_found(api: Api, tmp_path: Path) -> None:
    upload = tmp_path / "manifest.csv"
    shutil.copy(MANIFEST, upload)
    first = _add_job(api.service, "succeeded", upload)
    second = _add_job(api.service, "succeeded", upload)
    queued = api.service.submit_rescreen(ANALYST, first)
    answer = api.client.get(
        f"/v1/shipments/jobs/{second}/rescreens/{queued['id']}", headers=api.headers("viewer")
    )
    assert answer.status_code == 404
    assert answer.json()["error"]["rescreen_id"] == queued["id"]


# --------------------------------------------------------------------------- the worker side


@pytest.fixture
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Service]:
    url = None if request.param == "sqlite" else request.getfixturevalue("pg_database")
    made = Service(Settings(data_dir=tmp_path / "data", database_url=url))
    made.start(workers=False)
    yield made
    made.stop()


BOTH = pytest.mark.parametrize("service", ["sqlite", "postgresql"], indirect=True)


def _run_job(service: Service, body: bytes, filename: str, as_of: date | None = None) -> str:
    job = service.submit_job(ANALYST, [body], filename, as_of=as_of)
    service.runner.run(job["id"])
    assert service.get_job(job["id"])["state"] == "succeeded"
    return str(job["id"])


@BOTH
def test_an_upload_gone_after_queueing_fails_the_rescreen_with_the_reason(
    service: Service,
) -> None:
    job_id = _run_job(service, MANIFEST.read_bytes(), "manifest.csv")
    queued = service.submit_rescreen(ANALYST, job_id)
    service.upload_path(job_id).unlink()
    service.runner.run_rescreen(queued["id"])
    failed = service.get_rescreen(job_id, queued["id"])
    assert failed["state"] == "failed"
    assert "is missing; upload the manifest again" in failed["error"]
    assert failed["changes"] == []
    assert service.list_audit(action="rescreen.fail")["items"][-1]["target"] == (
        f"rescreen:{queued['id']}"
    )


@BOTH
def test_an_unreadable_upload_fails_the_rescreen(service: Service) -> None:
    job_id = _run_job(service, MANIFEST.read_bytes(), "manifest.csv")
    queued = service.submit_rescreen(ANALYST, job_id)
    service.upload_path(job_id).write_bytes(b"\x00\x01 not a manifest")
    service.runner.run_rescreen(queued["id"])
    failed = service.get_rescreen(job_id, queued["id"])
    assert failed["state"] == "failed"
    assert "cannot be read as a manifest" in failed["error"]


@BOTH
def test_a_rescreen_interrupted_by_a_crash_is_run_again_at_start(service: Service) -> None:
    job_id = _run_job(service, MANIFEST.read_bytes(), "manifest.csv", date(2023, 5, 11))
    queued = service.submit_rescreen(ANALYST, job_id, as_of=date(2026, 12, 1))
    with service.sessions() as session, session.begin():
        session.get_one(Rescreen, queued["id"]).state = "running"  # as a kill -9 leaves it
    assert rescreens.pending(service.sessions) == [queued["id"]]
    assert service.runner.start() == [rescreens.QUEUE_PREFIX + queued["id"]]
    try:
        for _ in range(1200):
            if service.get_rescreen(job_id, queued["id"])["state"] != "running":
                break
            time.sleep(0.05)
    finally:
        service.runner.stop()
    done = service.get_rescreen(job_id, queued["id"])
    assert (done["state"], done["rose"]) == ("succeeded", 1)
    # a finished re-screen is left alone: running it again adds nothing
    service.runner.run_rescreen(queued["id"])
    with service.sessions() as session:
        stored = session.execute(
            select(RescreenChange.shipment_id).where(RescreenChange.rescreen_id == queued["id"])
        ).all()
    assert [s for (s,) in stored] == ["S2"]
    assert len(service.list_audit(action="rescreen.finish")["items"]) == 1


@BOTH
def test_a_rescreen_finished_by_another_worker_first_is_left_alone(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two server processes on one database: the second to finish commits nothing."""
    job_id = _run_job(service, MANIFEST.read_bytes(), "manifest.csv", date(2023, 5, 11))
    queued = service.submit_rescreen(ANALYST, job_id, as_of=date(2026, 12, 1))
    real = rescreens.rescreen_shipments

    def other_worker_wins(*args: Any, **kwargs: Any) -> Any:
        answer = real(*args, **kwargs)
        with service.sessions() as session, session.begin():
            found = session.get_one(Rescreen, queued["id"])
            found.state, found.rose = "succeeded", 0
        return answer

    monkeypatch.setattr(rescreens, "rescreen_shipments", other_worker_wins)
    service.runner.run_rescreen(queued["id"])
    left = service.get_rescreen(job_id, queued["id"])
    assert (left["state"], left["rose"], left["changes"]) == ("succeeded", 0, [])
    assert service.list_audit(action="rescreen.finish")["items"] == []
    # nor can a late failure overwrite a finished re-screen
    rescreens.fail(service.sessions, queued["id"], "too late")
    assert service.get_rescreen(job_id, queued["id"])["state"] == "succeeded"
    assert service.list_audit(action="rescreen.fail")["items"] == []


@BOTH
def test_a_bug_fails_the_rescreen_and_the_worker_goes_on(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = _run_job(service, MANIFEST.read_bytes(), "manifest.csv")
    queued = service.submit_rescreen(ANALYST, job_id)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(rescreens, "rescreen_shipments", broken)
    service.runner.start()
    try:
        for _ in range(1200):
            if service.get_rescreen(job_id, queued["id"])["state"] == "failed":
                break
            time.sleep(0.05)
        assert service.get_rescreen(job_id, queued["id"])["error"] == (
            "internal error: RuntimeError: a bug"
        )
        monkeypatch.undo()
        again = service.submit_rescreen(ANALYST, job_id)  # the worker still takes work
        for _ in range(1200):
            if service.get_rescreen(job_id, again["id"])["state"] == "succeeded":
                break
            time.sleep(0.05)
        assert service.get_rescreen(job_id, again["id"])["state"] == "succeeded"
    finally:
        service.runner.stop()


def test_rises_below_the_jobs_min_level_are_not_reported(tmp_path: Path) -> None:
    """A job storing only high alerts cannot tell a shipment now medium from one always medium."""
    made = Service(Settings(data_dir=tmp_path / "data", min_level="high"))
    made.start(workers=False)
    try:
        job_id = _run_job(made, MANIFEST.read_bytes(), "manifest.csv", date(2023, 5, 11))
        assert made.get_job(job_id)["progress"]["alerts_stored"] == 0  # S1-S3 medium, S4 none
        # the same question again: S1-S3 are medium, as before, though no alert of them is stored
        same = made.submit_rescreen(ANALYST, job_id)
        made.runner.run_rescreen(same["id"])
        assert made.get_rescreen(job_id, same["id"])["changes"] == []
        # as of today S2 reaches high, the job's min_level: reported, with no stored alert
        today = made.submit_rescreen(ANALYST, job_id, as_of=date(2026, 12, 1))
        made.runner.run_rescreen(today["id"])
        done = made.get_rescreen(job_id, today["id"])
        [change] = done["changes"]
        assert (change["shipment_id"], change["old_level"], change["new_level"]) == (
            "S2",
            "none",
            "high",
        )
        assert (change["old_score"], change["alert_id"]) == (None, None)
        assert done["min_level"] == "high"
    finally:
        made.stop()


def test_a_new_sdn_file_loaded_by_the_server_feeds_jobs_and_rescreens(tmp_path: Path) -> None:
    data = tmp_path / "data"
    before = Service(Settings(data_dir=data))
    before.start(workers=False)
    try:
        job_id = _run_job(before, PARTY_MANIFEST.encode(), "parties.csv")
        assert before.get_job(job_id)["progress"]["alerts_stored"] == 0
    finally:
        before.stop()
    # the server is restarted with the new OFAC file
    after = Service(Settings(data_dir=data, watchlists=(SDN,)))
    after.start(workers=False)
    try:
        queued = after.submit_rescreen(ANALYST, job_id)
        after.runner.run_rescreen(queued["id"])
        done = after.get_rescreen(job_id, queued["id"])
        [change] = done["changes"]
        assert change["shipment_id"] == "P1"
        assert change["old_level"] == "none"
        assert "PARTY_WATCHLIST" in {r["code"] for r in change["new_reasons"]}
        files = {w["file"] for w in done["rescreened_under"]["watchlists"]}
        assert "sdn.csv" in files
        assert {w["file"] for w in done["screened_under"]["watchlists"]} == {
            "(bundled) watchlist.csv"
        }
        # a job screened on this server is screened against the new file too
        fresh = _run_job(after, PARTY_MANIFEST.encode(), "parties.csv")
        assert after.get_job(fresh)["progress"]["alerts_stored"] == 1
        assert "sdn.csv" in {w["file"] for w in after.get_job(fresh)["watchlists"]}
    finally:
        after.stop()


def test_too_many_jobs_for_one_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = Service(Settings(data_dir=tmp_path / "data"))
    made.start(workers=False)
    try:
        upload = tmp_path / "manifest.csv"
        shutil.copy(MANIFEST, upload)
        for _ in range(2):
            _add_job(made, "succeeded", upload)
            time.sleep(0.001)
        monkeypatch.setattr(rescreens, "MAX_RESCREEN_JOBS", 1)
        tomorrow = date.today() + timedelta(days=1)
        with pytest.raises(LimitError) as caught:
            made.rescreen_finished_before(ANALYST, tomorrow)
        assert caught.value.context["limit"] == "max_rescreen_jobs"
        monkeypatch.setattr(rescreens, "MAX_RESCREEN_JOBS", 2)
        assert len(made.rescreen_finished_before(ANALYST, tomorrow)) == 2
    finally:
        made.stop()


# --------------------------------------------------------------------------- migration 0002


#: The jobs table as migration 0001 made it (without 0002's columns).
JOBS_0001 = sa.table(
    "jobs",
    *(sa.column(n, sa.String) for n in ("id", "state", "filename", "upload_path")),
    *(sa.column(n, sa.String) for n in ("upload_sha256", "as_of", "min_level", "created_by")),
    *(sa.column(n, sa.DateTime(timezone=True)) for n in ("created_at", "finished_at")),
    *(
        sa.column(n, sa.Integer)
        for n in (
            "upload_bytes",
            "rows_read",
            "rows_screened",
            "rows_rejected",
            "rows_total",
            "alerts_stored",
            "chunks_done",
        )
    ),
)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_from_0001_keeps_old_jobs_and_rescreens_them(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = None if backend == "sqlite" else request.getfixturevalue("pg_database")
    data = tmp_path / "data"
    old = Service(Settings(data_dir=data, database_url=url))
    old.settings.data_dir.mkdir(parents=True)
    config = alembic_config()
    with old.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    assert current_revision(old.engine) == "0001"
    # a job and its alerts as a 0001 server stored them (no kb_version column yet)
    upload = data / "uploads" / "old" / "manifest.csv"
    upload.parent.mkdir(parents=True)
    shutil.copy(MANIFEST, upload)
    scored = screen_manifest(read_manifest(upload), as_of=date(2023, 5, 11)).alerts
    with old.engine.begin() as connection:
        connection.execute(
            insert(JOBS_0001),
            {
                "id": "old",
                "state": "succeeded",
                "filename": "manifest.csv",
                "upload_path": str(upload),
                "upload_sha256": "0" * 64,
                "upload_bytes": upload.stat().st_size,
                "as_of": "2023-05-11",
                "min_level": "low",
                "created_by": "cli:test",
                "created_at": now(),
                "finished_at": now(),
                **dict.fromkeys(("rows_read", "rows_screened", "rows_total"), scored.height),
                "rows_rejected": 0,
                "alerts_stored": scored.height,
                "chunks_done": 1,
            },
        )
        rows = _alert_rows("old", scored)
        connection.execute(insert(ALERTS_TABLE), rows)
        ids = dict(connection.execute(select(Alert.row, Alert.id)).all())
        connection.execute(
            insert(ALERT_CODES_TABLE),
            [
                {"alert_id": ids[r["row"]], "code": code}
                for r in rows
                for code in dict.fromkeys(str(x["code"]) for x in r["record"]["reasons"])
            ],
        )
    old.engine.dispose()

    upgraded = Service(Settings(data_dir=data, database_url=url))
    upgraded.start(workers=False)
    try:
        assert current_revision(upgraded.engine) == "0002"
        job = upgraded.get_job("old")
        assert (job["state"], job["kb_version"], job["watchlists"]) == ("succeeded", None, None)
        queued = upgraded.submit_rescreen(ANALYST, "old", as_of=date(2026, 12, 1))
        upgraded.runner.run_rescreen(queued["id"])
        done = upgraded.get_rescreen("old", queued["id"])
        assert done["screened_under"]["kb_version"] is None  # not recorded before 0002
        assert done["rescreened_under"]["kb_version"] == CURRENT.version
        [change] = done["changes"]
        assert change["shipment_id"] == "S2"
        assert [r["code"] for r in change["new_reasons"]] == ["CHEM_CONTROLLED"]
        assert change["alert_id"] == ids[change["row"]]
        # and back down: 0002's tables and columns go, the job stays
        with upgraded.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")
        assert current_revision(upgraded.engine) == "0001"
        with upgraded.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM jobs").scalar_one() == 1
    finally:
        upgraded.stop()


# --------------------------------------------------------------------------- the command line


def test_fentrace_rescreen_job_on_the_service_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    from fentrace.cli import _common, main

    monkeypatch.setattr(_common, "stdout_console", Console(width=400, soft_wrap=True))
    data = tmp_path / "data"
    made = Service(Settings(data_dir=data))
    made.start(workers=False)
    try:
        job_id = _run_job(made, MANIFEST.read_bytes(), "manifest.csv", date(2023, 5, 11))
        failed_job = _add_job(made, "failed", tmp_path / "none.csv")
    finally:
        made.stop()
    place = ["--data-dir", str(data)]
    assert main(["rescreen", "job", job_id, *place, "--as-of", TODAY, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert (payload["rose"], payload["screened"], payload["state"]) == (1, 4, "succeeded")
    assert [c["shipment_id"] for c in payload["changes"]] == ["S2"]
    assert payload["rescreened_under"]["kb_version"] == CURRENT.version
    assert "offset" not in payload
    assert main(["rescreen", "job", job_id, *place, "--as-of", TODAY]) == 0
    out = capsys.readouterr().out
    assert f"1 of 4 shipments rose (job {job_id} screened under {CURRENT.version}" in out
    assert "medium → high" in out
    assert "CHEM_CONTROLLED" in out
    # bad input: unknown job, a job that failed, a bad date
    assert main(["rescreen", "job", "nosuchjob", *place]) == 1
    assert "no job 'nosuchjob'" in capsys.readouterr().err
    assert main(["rescreen", "job", failed_job, *place]) == 1
    assert "only a succeeded job can be re-screened" in capsys.readouterr().err
    assert main(["rescreen", "job", job_id, *place, "--as-of", "soon"]) == 2
    capsys.readouterr()
    # every re-screen the command ran is in the audit log, under the login that ran it
    audited = Service(Settings(data_dir=data))
    audited.migrate()
    try:
        actors = {a["actor"] for a in audited.list_audit(action="rescreen.submit")["items"]}
        assert len(audited.list_audit(action="rescreen.finish")["items"]) == 2
        assert audited.verify_audit().ok
    finally:
        audited.stop()
    assert len(actors) == 1
    assert actors.pop().startswith("cli:")
