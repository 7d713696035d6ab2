"""Bad input gets a 4xx in the one JSON error shape, naming the field, row or limit; never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fentrace.shipments import sample_manifest_path


def _error(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert "Traceback" not in answer.text
    body = answer.json()
    assert set(body) == {"error"}
    assert {"type", "message"} <= set(body["error"])
    return dict(body["error"])


def test_a_body_over_the_limit_is_refused_by_its_length(limited: Any) -> None:
    error = _error(
        limited.client.post(
            "/v1/chem/screen",
            json={"queries": ["C" * 3000]},
            headers=limited.headers("analyst"),
        ),
        413,
    )
    assert error["limit"] == "max_body_bytes"
    assert error["max_bytes"] == 2000


def test_a_streamed_body_over_the_limit_is_refused_by_what_arrives(limited: Any) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"queries": ["'
        for _ in range(10):
            yield b"C" * 500
        yield b'"]}'

    error = _error(
        limited.client.post(
            "/v1/chem/screen",
            content=chunks(),
            headers={**limited.headers("analyst"), "content-type": "application/json"},
        ),
        413,
    )
    assert error["limit"] == "max_body_bytes"


def test_an_upload_over_the_limit_is_refused(limited: Any) -> None:
    data = sample_manifest_path().read_bytes()
    assert len(data) > 20_000
    error = _error(
        limited.client.post(
            "/v1/shipments/jobs",
            files={"file": ("big.csv", data)},
            headers=limited.headers("analyst"),
        ),
        413,
    )
    assert error["limit"] == "max_upload_bytes"

    def streamed() -> Iterator[bytes]:
        for start in range(0, len(data), 4096):
            yield data[start : start + 4096]

    error = _error(
        limited.client.post(
            "/v1/shipments/jobs?filename=big.csv",
            content=streamed(),
            headers={**limited.headers("analyst"), "content-type": "text/csv"},
        ),
        413,
    )
    assert error["limit"] == "max_upload_bytes"
    uploads = Path(limited.service.settings.upload_dir)
    assert not any(p.is_file() for p in uploads.rglob("*")), "a refused upload left a file"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/chem/screen", {"queries": ["CCO"] * 4}, "queries"),
        ("/v1/parties/screen", {"names": ["Acme"] * 4}, "names"),
        (
            "/v1/parties/match",
            {
                "queries": {
                    f"q{i}": {"schema": "Company", "properties": {"name": ["Acme"]}}
                    for i in range(4)
                }
            },
            "queries",
        ),
    ],
)
def test_a_batch_over_the_limit_is_refused(
    limited: Any, path: str, body: dict[str, Any], field: str
) -> None:
    error = _error(limited.client.post(path, json=body, headers=limited.headers("analyst")), 413)
    assert error["limit"] == "max_batch"
    assert error["field"] == field
    assert error["max_items"] == 3


def test_malformed_json(api: Any) -> None:
    error = _error(
        api.client.post(
            "/v1/chem/screen",
            content=b'{"queries": ["CCO",}',
            headers={**api.headers("analyst"), "content-type": "application/json"},
        ),
        400,
    )
    assert error["type"] == "UsageError"
    assert error["field"] == "body"
    assert "malformed JSON" in error["message"]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/v1/chem/screen", {"queries": ["CCO"], "asof": "2024-01-01"}, "asof"),
        ("POST", "/v1/chem/screen", {"queries": "CCO"}, "queries"),
        ("POST", "/v1/chem/screen", {"queries": []}, "queries"),
        ("POST", "/v1/chem/screen", {"queries": [""]}, "queries.0"),
        ("POST", "/v1/chem/screen", {"queries": [7]}, "queries.0"),
        ("POST", "/v1/chem/screen", {"queries": ["CCO"], "as_of": "yesterday"}, "as_of"),
        ("POST", "/v1/chem/screen", [1, 2], "body"),
        ("POST", "/v1/parties/match", {"queries": {"q1": {"properties": {}}}}, "queries.q1.schema"),
        ("POST", "/v1/parties/match", {"queries": {}, "extra": True}, "extra"),
        ("POST", "/v1/parties/match", {"queries": ["Acme"]}, "queries"),
        ("POST", "/v1/parties/screen", {"names": ["Acme"], "country": 5}, "country"),
        ("POST", "/v1/parties/match?limit=0", {"queries": {}}, "limit"),
        ("POST", "/match/default?limit=many", {"queries": {}}, "limit"),
        ("POST", "/match/default?threshold=high", {"queries": {}}, "threshold"),
        ("PATCH", "/v1/alerts/1", {"disposition": "maybe"}, "disposition"),
        ("PATCH", "/v1/alerts/1", {"assigne": "ana"}, "assigne"),
        ("PATCH", "/v1/alerts/1", {"note": ["a"]}, "note"),
        ("PATCH", "/v1/alerts/abc", {"note": "a"}, "alert_id"),
        ("PATCH", "/v1/alerts/0", {"note": "a"}, "alert_id"),
        ("GET", "/v1/alerts?limit=0", None, "limit"),
        ("GET", "/v1/alerts?level=urgent", None, "level.0"),
        ("GET", "/v1/alerts?sort=colour", None, "sort"),
        ("GET", "/v1/alerts?min_score=abc", None, "min_score"),
        ("GET", "/v1/kb/status", None, "q"),
        ("GET", "/v1/kb/gaps?as_of=2024-13-01", None, "as_of"),
        ("GET", "/v1/audit?after=-1", None, "after"),
        ("POST", "/v1/admin/keys", {"name": "x", "role": "root"}, "role"),
    ],
)
def test_wrong_fields_and_types_are_named(
    api: Any, method: str, path: str, body: Any, field: str
) -> None:
    answer = api.client.request(method, path, json=body, headers=api.headers("admin"))
    error = _error(answer, 422)
    assert error["type"] == "UsageError"
    assert error["field"] == field
    assert error["message"].startswith(field)


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("GET", "/v1/shipments/jobs/0123456789abcdef0123456789abcdef", "job_id"),
        ("GET", "/v1/shipments/jobs/nope/alerts", "job_id"),
        ("GET", "/v1/shipments/jobs/nope/alerts.csv", "job_id"),
        ("GET", "/v1/shipments/jobs/nope/report.html", "job_id"),
        ("GET", "/v1/shipments/jobs/nope/rejections", "job_id"),
        ("GET", "/v1/alerts/987654321", "alert_id"),
        ("PATCH", "/v1/alerts/987654321", "alert_id"),
        ("GET", "/v1/alerts/stats?job_id=nope", "job_id"),
        ("GET", "/v1/kb/substances/unobtainium", "query"),
        ("GET", "/v1/kb/status?q=unobtainium", "query"),
        ("DELETE", "/v1/admin/keys/nokey", "key_id"),
        ("POST", "/match/no-such-list", "field"),
    ],
)
def test_unknown_ids_are_404(api: Any, method: str, path: str, field: str) -> None:
    body = (
        {"queries": {"q": {"schema": "Company", "properties": {"name": ["A"]}}}}
        if path.startswith("/match")
        else {"note": "x"}
        if method == "PATCH"
        else None
    )
    error = _error(api.client.request(method, path, json=body, headers=api.headers("admin")), 404)
    assert field in error


def test_unknown_route_is_404_in_the_shape(api: Any) -> None:
    error = _error(api.client.get("/v1/no/such/thing", headers=api.headers("viewer")), 404)
    assert error["type"] == "NotFoundError"
    error = _error(api.client.put("/v1/alerts/stats", headers=api.headers("viewer")), 405)
    assert error["type"] == "MethodNotAllowed"


@pytest.mark.parametrize(
    ("filename", "data", "status", "words"),
    [
        ("manifest.csv", b"", 422, "empty"),
        ("manifest.csv", b"colour,size\nred,3\n", 422, "missing required column"),
        ("manifest.csv", b"\x00\x01\x02\x03binary\x00junk" * 50, 422, "manifest"),
        ("manifest.xlsx", b"PK\x03\x04 this is no workbook", 422, "xlsx"),
        ("manifest.parquet", b"PAR1 broken parquet", 422, "Parquet"),
        ("manifest.jsonl", b'{"a": 1\n', 422, "JSON"),
        ("payload.exe", b"MZ\x90\x00", 400, "not a manifest format"),
    ],
)
def test_a_file_that_is_not_a_manifest(
    api: Any, filename: str, data: bytes, status: int, words: str
) -> None:
    error = _error(
        api.client.post(
            "/v1/shipments/jobs",
            files={"file": (filename, data)},
            headers=api.headers("analyst"),
        ),
        status,
    )
    assert words.lower() in error["message"].lower()


def test_multipart_without_a_file_field(api: Any) -> None:
    error = _error(
        api.client.post(
            "/v1/shipments/jobs",
            files={"as_of": (None, "2024-01-01")},
            headers=api.headers("analyst"),
        ),
        400,
    )
    assert error["field"] == "file"


@pytest.mark.parametrize(
    ("params", "field"),
    [({"as_of": "soon"}, "as_of"), ({"min_level": "none"}, "min_level")],
)
def test_bad_upload_parameters(api: Any, params: dict[str, str], field: str) -> None:
    answer = api.client.post(
        "/v1/shipments/jobs",
        params={"filename": "m.csv", **params},
        content=sample_manifest_path().read_bytes(),
        headers=api.headers("analyst"),
    )
    assert answer.status_code in (400, 422), answer.text
    assert answer.json()["error"]["field"] == field


def test_a_match_without_queries(api: Any) -> None:
    error = _error(
        api.client.post("/v1/parties/match", json={"queries": {}}, headers=api.headers("analyst")),
        400,
    )
    assert error["field"] == "queries"
