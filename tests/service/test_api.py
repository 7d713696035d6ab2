"""The API end to end on SQLite and on PostgreSQL: screening, jobs, alerts, review, kb, audit."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import polars as pl
import pytest

from fentrace.chemistry.screen import screen
from fentrace.shipments import read_manifest, sample_manifest_path, screen_manifest

SAMPLE = sample_manifest_path()


@pytest.fixture(scope="module")
def expected() -> pl.DataFrame:
    """What `fentrace shipments screen` finds in the sample manifest, level low and above."""
    return screen_manifest(read_manifest(SAMPLE)).at_least("low")


@pytest.fixture(scope="module")
def sample_job(api: Any) -> dict[str, Any]:
    """The sample manifest uploaded once per backend and screened to the end."""
    answer = api.client.post(
        "/v1/shipments/jobs",
        files={"file": ("sample_manifest.csv", SAMPLE.read_bytes(), "text/csv")},
        headers=api.headers("analyst"),
    )
    assert answer.status_code == 202, answer.text
    assert answer.headers["location"] == f"/v1/shipments/jobs/{answer.json()['id']}"
    import time

    job_id = answer.json()["id"]
    for _ in range(600):
        job = api.client.get(f"/v1/shipments/jobs/{job_id}", headers=api.headers("viewer")).json()
        if job["state"] in ("succeeded", "failed"):
            return dict(job)
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_chem_screen_gives_the_cli_objects_in_order(api: Any) -> None:
    queries = ["39742-60-4", "not a chemical at all", "CCO"]
    answer = api.client.post(
        "/v1/chem/screen",
        json={"queries": queries, "as_of": "2024-01-01"},
        headers=api.headers("analyst"),
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["as_of"] == "2024-01-01"
    expected = [
        json.loads(json.dumps(screen(q, date(2024, 1, 1)).to_dict(), default=str)) for q in queries
    ]
    assert body["results"] == expected
    assert [r["query"] for r in body["results"]] == queries
    assert body["results"][0]["verdict"] == "controlled"


def test_parties_screen_gives_the_cli_objects(api: Any) -> None:
    answer = api.client.post(
        "/v1/parties/screen",
        json={"names": ["HUBEI AMARVEL BIO-TECH CO LTD", "Acme Widgets Inc"], "country": "CN"},
        headers=api.headers("analyst"),
    )
    assert answer.status_code == 200, answer.text
    verdicts = [r["verdict"] for r in answer.json()["results"]]
    assert verdicts == ["match", "none"]


def test_job_progress_counts_every_row(sample_job: dict[str, Any], expected: pl.DataFrame) -> None:
    manifest = read_manifest(SAMPLE)
    assert sample_job["state"] == "succeeded", sample_job
    progress = sample_job["progress"]
    assert progress["rows_read"] == manifest.read_count
    assert progress["rows_rejected"] == manifest.rejected_rows
    assert progress["rows_screened"] == manifest.frame.height
    assert progress["rows_read"] == progress["rows_screened"] + progress["rows_rejected"]
    assert progress["alerts_stored"] == expected.height
    assert sample_job["error"] is None


def test_job_alerts_are_the_library_alerts(
    api: Any, sample_job: dict[str, Any], expected: pl.DataFrame
) -> None:
    job_id = sample_job["id"]
    seen: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = api.client.get(
            f"/v1/shipments/jobs/{job_id}/alerts",
            params={"offset": offset, "limit": 40},
            headers=api.headers("viewer"),
        ).json()
        seen.extend(page["items"])
        offset += 40
        if offset >= page["total"]:
            break
    assert len(seen) == expected.height
    assert [a["shipment_id"] for a in seen] == expected.get_column("shipment_id").to_list()
    scores = [a["score"] for a in seen]
    assert scores == sorted(scores, reverse=True)
    first = expected.row(0, named=True)
    assert seen[0]["codes"] == [r["code"] for r in first["reasons"]]
    assert seen[0]["disposition"] == "open"


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"level": "high"}, lambda a: a["level"] == "high"),
        ({"level": ["high", "medium"]}, lambda a: a["level"] in ("high", "medium")),
        ({"code": "SHARED_CONTACT"}, lambda a: "SHARED_CONTACT" in a["codes"]),
        ({"code": "shared_contact"}, lambda a: "SHARED_CONTACT" in a["codes"]),
        (
            {"party": "amarvel"},
            lambda a: "amarvel" in json.dumps(a["shipment"]).lower(),
        ),
        (
            {"chemical": "phenethyl-4-piperidone"},
            lambda a: "phenethyl-4-piperidone" in json.dumps(a["reasons"]).lower(),
        ),
        ({"min_score": 90}, lambda a: a["score"] >= 90),
    ],
)
def test_alert_filters(
    api: Any, sample_job: dict[str, Any], params: dict[str, Any], check: Any
) -> None:
    page = api.client.get(
        f"/v1/shipments/jobs/{sample_job['id']}/alerts",
        params={**params, "limit": 1000},
        headers=api.headers("viewer"),
    ).json()
    assert page["total"] == len(page["items"]) > 0
    assert all(check(a) for a in page["items"])
    everything = api.client.get(
        f"/v1/shipments/jobs/{sample_job['id']}/alerts",
        params={"limit": 1000},
        headers=api.headers("viewer"),
    ).json()
    # the filter is exact: every alert it leaves out fails the check
    kept = {a["id"] for a in page["items"]}
    assert not any(check(a) for a in everything["items"] if a["id"] not in kept)


def test_alert_sorts(api: Any, sample_job: dict[str, Any]) -> None:
    url = f"/v1/shipments/jobs/{sample_job['id']}/alerts"
    rows = [
        a["row"]
        for a in api.client.get(
            url, params={"sort": "row", "limit": 1000}, headers=api.headers("viewer")
        ).json()["items"]
    ]
    assert rows == sorted(rows)
    dates = [
        a["date"]
        for a in api.client.get(
            url, params={"sort": "-date", "limit": 1000}, headers=api.headers("viewer")
        ).json()["items"]
    ]
    assert dates == sorted(dates, reverse=True)


def test_rejections_name_row_field_and_reason(api: Any, sample_job: dict[str, Any]) -> None:
    manifest = read_manifest(SAMPLE)
    page = api.client.get(
        f"/v1/shipments/jobs/{sample_job['id']}/rejections", headers=api.headers("viewer")
    ).json()
    assert page["items"] == [r.to_dict() for r in manifest.rejected]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_downloads(api: Any, sample_job: dict[str, Any], expected: pl.DataFrame, fmt: str) -> None:
    answer = api.client.get(
        f"/v1/shipments/jobs/{sample_job['id']}/alerts.{fmt}", headers=api.headers("viewer")
    )
    assert answer.status_code == 200
    data = io.BytesIO(answer.content)
    frame = (
        pl.read_csv(data)
        if fmt == "csv"
        else pl.read_ndjson(data)
        if fmt == "jsonl"
        else pl.read_parquet(data)
    )
    assert frame.height == expected.height
    assert frame.get_column("shipment_id").to_list() == expected.get_column("shipment_id").to_list()
    assert {"disposition", "assignee", "alert_id"} <= set(frame.columns)
    if fmt == "csv":
        assert "codes" in frame.columns  # the `shipments screen -o x.csv` layout


def test_report(api: Any, sample_job: dict[str, Any], expected: pl.DataFrame) -> None:
    answer = api.client.get(
        f"/v1/shipments/jobs/{sample_job['id']}/report.html", headers=api.headers("viewer")
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert "sample_manifest.csv" in answer.text
    assert expected.row(0, named=True)["shipment_id"] in answer.text


def test_review_keeps_history_and_feeds_precision(api: Any, sample_job: dict[str, Any]) -> None:
    job_id = sample_job["id"]
    items = api.client.get(
        f"/v1/shipments/jobs/{job_id}/alerts",
        params={"code": "PAYMENT_RISK", "limit": 3, "sort": "row"},
        headers=api.headers("viewer"),
    ).json()["items"]
    first, second, third = (a["id"] for a in items)
    analyst = api.headers("analyst")
    step1 = api.client.patch(
        f"/v1/alerts/{first}", json={"disposition": "escalated", "assignee": "ana"}, headers=analyst
    )
    assert step1.status_code == 200, step1.text
    step2 = api.client.patch(
        f"/v1/alerts/{first}",
        json={"disposition": "false_positive", "note": "known pharmacy chain"},
        headers=analyst,
    )
    body = step2.json()
    assert body["disposition"] == "false_positive"
    assert body["assignee"] == "ana"
    assert body["note"] == "known pharmacy chain"
    assert [h["changes"] for h in body["history"]] == [
        {
            "disposition": {"from": "open", "to": "escalated"},
            "assignee": {"from": None, "to": "ana"},
        },
        {"disposition": {"from": "escalated", "to": "false_positive"}},
    ]
    assert {h["actor"] for h in body["history"]} == {f"key:{api.tokens['analyst'].split('_')[1]}"}
    for alert_id in (second, third):
        api.client.patch(
            f"/v1/alerts/{alert_id}", json={"disposition": "true_positive"}, headers=analyst
        )
    unassign = api.client.patch(f"/v1/alerts/{first}", json={"assignee": None}, headers=analyst)
    assert unassign.json()["assignee"] is None
    stats = api.client.get(
        "/v1/alerts/stats", params={"job_id": job_id}, headers=api.headers("viewer")
    ).json()
    payment = stats["by_indicator"]["PAYMENT_RISK"]
    assert (payment["true_positive"], payment["false_positive"]) == (2, 1)
    assert payment["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert stats["by_disposition"]["true_positive"] == 2
    assert stats["total"] == sample_job["progress"]["alerts_stored"]
    assert sum(stats["by_level"].values()) == stats["total"]
    # an indicator on no closed alert has no precision yet
    assert any(v["precision"] is None for v in stats["by_indicator"].values())
    listed = api.client.get(
        "/v1/alerts",
        params={"job_id": job_id, "disposition": "true_positive"},
        headers=api.headers("viewer"),
    ).json()
    assert {a["id"] for a in listed["items"]} == {second, third}
    by_assignee = api.client.get(
        "/v1/alerts", params={"assignee": "nobody-has-this"}, headers=api.headers("viewer")
    ).json()
    assert by_assignee["total"] == 0


def test_audit_records_who_did_what(api: Any, sample_job: dict[str, Any]) -> None:
    api.client.post("/v1/chem/screen", json={"queries": ["CCO"]}, headers=api.headers("analyst"))
    page = api.client.get("/v1/audit", params={"limit": 1000}, headers=api.headers("admin")).json()
    actions = [r["action"] for r in page["items"]]
    assert {"key.create", "job.submit", "job.finish", "chem.screen"} <= set(actions)
    seqs = [r["seq"] for r in page["items"]]
    assert seqs == list(range(1, len(seqs) + 1))
    for before, after in zip(page["items"], page["items"][1:], strict=False):
        assert after["prev_hash"] == before["hash"]
    submit = next(r for r in page["items"] if r["target"] == f"job:{sample_job['id']}")
    assert submit["input_sha256"] == sample_job["upload_sha256"]
    chem = [r for r in page["items"] if r["action"] == "chem.screen"][-1]
    assert chem["result"]["verdicts"] == {"clear": 1}
    assert len(chem["input_sha256"]) == 64
    later = api.client.get(
        "/v1/audit", params={"after": seqs[-2]}, headers=api.headers("admin")
    ).json()
    assert [r["seq"] for r in later["items"]] == [seqs[-1]]
    verify = api.client.get("/v1/audit/verify", headers=api.headers("admin")).json()
    assert verify["ok"] is True
    assert verify["records"] >= len(seqs)


@pytest.mark.parametrize(
    ("path", "params", "check"),
    [
        ("/v1/kb/substances/NPP", {}, lambda b: b["substance"]["id"] == "NPP"),
        ("/v1/kb/substances/39742-60-4", {}, lambda b: b["substance"]["id"] == "NPP"),
        (
            "/v1/kb/status",
            {"q": "NPP", "as_of": "2024-01-01"},
            lambda b: b["status"]["US"]["status"] == "controlled",
        ),
        ("/v1/kb/gaps", {"family": "precursor"}, lambda b: len(b["rows"]) > 0),
        (
            "/v1/kb/timeline",
            {"from": "2019-01-01", "to": "2019-12-31"},
            lambda b: all(e["date"].startswith("2019") for e in b["events"]),
        ),
    ],
)
def test_kb(api: Any, path: str, params: dict[str, Any], check: Any) -> None:
    answer = api.client.get(path, params=params, headers=api.headers("viewer"))
    assert answer.status_code == 200, answer.text
    assert check(answer.json())


def test_health_ready_metrics(api: Any, sample_job: dict[str, Any]) -> None:
    assert api.client.get("/healthz").json() == {"ok": True}
    ready = api.client.get("/readyz").json()
    assert ready["ok"] is True
    assert ready["migration"] == "0002"
    text = api.client.get("/metrics", headers=api.headers("viewer")).text
    assert 'fentrace_jobs{state="succeeded"}' in text
    assert 'fentrace_alerts{level="high"}' in text
    assert "fentrace_http_request_duration_seconds_bucket" in text
    assert 'route="/v1/shipments/jobs/{job_id}"' in text


def test_raw_body_upload_and_job_list(api: Any, wait_for_job: Any) -> None:
    answer = api.client.post(
        "/v1/shipments/jobs",
        params={"filename": "sample.csv", "min_level": "high", "as_of": "2025-01-01"},
        content=SAMPLE.read_bytes(),
        headers={**api.headers("analyst"), "content-type": "application/octet-stream"},
    )
    assert answer.status_code == 202, answer.text
    job = wait_for_job(api, answer.json()["id"])
    assert job["state"] == "succeeded"
    assert job["as_of"] == "2025-01-01"
    assert job["min_level"] == "high"
    levels = {
        a["level"]
        for a in api.client.get(
            f"/v1/shipments/jobs/{job['id']}/alerts",
            params={"limit": 1000},
            headers=api.headers("viewer"),
        ).json()["items"]
    }
    assert levels == {"high"}
    listed = api.client.get(
        "/v1/shipments/jobs", params={"state": "succeeded"}, headers=api.headers("viewer")
    ).json()
    assert job["id"] in {j["id"] for j in listed["items"]}


def test_admin_keys_over_http(api: Any) -> None:
    made = api.client.post(
        "/v1/admin/keys", json={"name": "robot", "role": "viewer"}, headers=api.headers("admin")
    )
    assert made.status_code == 201
    token = made.json()["token"]
    assert api.client.get("/v1/whoami", headers={"X-API-Key": token}).json()["role"] == "viewer"
    listed = api.client.get("/v1/admin/keys", headers=api.headers("admin")).json()["items"]
    assert all("token" not in k and "secret_sha256" not in k for k in listed)
    revoked = api.client.delete(
        f"/v1/admin/keys/{made.json()['key_id']}", headers=api.headers("admin")
    )
    assert revoked.json()["revoked_at"] is not None
    assert api.client.get("/v1/whoami", headers={"X-API-Key": token}).status_code == 401
