"""Every endpoint and every role: 401 without a valid key, 403 below the role, nothing revealed."""

from __future__ import annotations

from typing import Any

import pytest

from fentrace.service.app import PROTECTED_PREFIXES
from fentrace.service.security import new_key

ROLES = ("viewer", "analyst", "admin")
MATCH = {"queries": {"q1": {"schema": "Company", "properties": {"name": ["Acme"]}}}}

#: (method, path, lowest role, JSON body or None). {job}, {alert}, {key} and {rescreen} are
#: filled in per test.
ENDPOINTS: list[tuple[str, str, str, Any]] = [
    ("POST", "/v1/chem/screen", "analyst", {"queries": ["CCO"]}),
    ("POST", "/v1/parties/match", "analyst", MATCH),
    ("POST", "/match/default", "analyst", MATCH),
    ("POST", "/v1/parties/screen", "analyst", {"names": ["Acme"]}),
    ("POST", "/v1/shipments/jobs", "analyst", None),
    ("GET", "/v1/shipments/jobs", "viewer", None),
    ("GET", "/v1/shipments/jobs/{job}", "viewer", None),
    ("GET", "/v1/shipments/jobs/{job}/rejections", "viewer", None),
    ("GET", "/v1/shipments/jobs/{job}/alerts", "viewer", None),
    ("GET", "/v1/shipments/jobs/{job}/alerts.csv", "viewer", None),
    ("GET", "/v1/shipments/jobs/{job}/alerts.jsonl", "viewer", None),
    ("GET", "/v1/shipments/jobs/{job}/alerts.parquet", "viewer", None),
    ("GET", "/v1/shipments/jobs/{job}/report.html", "viewer", None),
    ("POST", "/v1/shipments/jobs/{job}/rescreen", "analyst", None),
    ("GET", "/v1/shipments/jobs/{job}/rescreens", "viewer", None),
    ("GET", "/v1/shipments/jobs/{job}/rescreens/{rescreen}", "viewer", None),
    ("POST", "/v1/shipments/rescreens?finished_before=2000-01-01", "analyst", None),
    ("GET", "/v1/alerts", "viewer", None),
    ("GET", "/v1/alerts/stats", "viewer", None),
    ("GET", "/v1/alerts/{alert}", "viewer", None),
    ("PATCH", "/v1/alerts/{alert}", "analyst", {"note": "seen"}),
    ("GET", "/v1/kb/substances/NPP", "viewer", None),
    ("GET", "/v1/kb/status?q=NPP", "viewer", None),
    ("GET", "/v1/kb/gaps", "viewer", None),
    ("GET", "/v1/kb/timeline", "viewer", None),
    ("GET", "/v1/audit", "admin", None),
    ("GET", "/v1/audit/verify", "admin", None),
    ("GET", "/v1/admin/keys", "admin", None),
    ("POST", "/v1/admin/keys", "admin", {"name": "x", "role": "viewer"}),
    ("DELETE", "/v1/admin/keys/{key}", "admin", None),
    ("GET", "/v1/whoami", "viewer", None),
    ("GET", "/metrics", "viewer", None),
]
PUBLIC = {"/healthz", "/readyz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


@pytest.fixture(scope="module")
def ids(api: Any) -> dict[str, str]:
    """A real job, alert and key to address (so 401/403 are checked on things that exist)."""
    from fentrace.shipments import sample_manifest_path

    job = api.service.submit_job(
        api.service.authenticate(api.tokens["analyst"]),
        [sample_manifest_path().read_bytes()],
        "sample.csv",
    )
    import time

    for _ in range(600):
        if api.service.get_job(job["id"])["state"] in ("succeeded", "failed"):
            break
        time.sleep(0.05)
    alert = api.service.list_alerts(__import__("fentrace.service").service.AlertFilter(), limit=1)
    key, _token = api.service.create_key("spare", "viewer", actor="cli:test")
    rescreen = api.service.submit_rescreen(
        api.service.authenticate(api.tokens["analyst"]), job["id"]
    )
    return {
        "job": job["id"],
        "alert": str(alert["items"][0]["id"]),
        "key": key["key_id"],
        "rescreen": rescreen["id"],
    }


def _call(api: Any, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    if method == "POST" and path == "/v1/shipments/jobs":
        return api.client.post(
            path, files={"file": ("x.csv", b"not,a\nmanifest,file\n")}, headers=headers
        )
    return api.client.request(method, path, json=body, headers=headers)


def _fill(path: str, ids: dict[str, str]) -> str:
    return path.format(**ids)


def test_the_table_covers_every_route(api: Any) -> None:
    # the API's paths (a mounted web application signs people in its own way)
    routes = {
        (method.upper(), path)
        for path, operations in api.app.openapi()["paths"].items()
        if path.startswith(PROTECTED_PREFIXES)
        for method in operations
    }
    table = {
        (m, p.split("?")[0].replace("{job}", "{job_id}").replace("{alert}", "{alert_id}"))
        for m, p, _r, _b in ENDPOINTS
    }
    table = {
        (
            m,
            p.replace("{key}", "{key_id}")
            .replace("/match/default", "/match/{dataset}")
            .replace("{rescreen}", "{rescreen_id}"),
        )
        for m, p in table
    }
    table = {
        (m, p.replace("/v1/kb/substances/NPP", "/v1/kb/substances/{substance_id}"))
        for m, p in table
    }
    assert routes == table


BAD_CREDENTIALS: list[dict[str, str]] = [
    {},
    {"Authorization": "Bearer "},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer not-a-key"},
    {"X-API-Key": "ftk_aaaaaaaaaa_" + "b" * 43},
]


@pytest.mark.parametrize(("method", "path", "role", "body"), ENDPOINTS, ids=lambda v: str(v))
def test_no_valid_key_is_401(
    api: Any, ids: dict[str, str], method: str, path: str, role: str, body: Any
) -> None:
    for credentials in BAD_CREDENTIALS:
        answer = _call(api, method, _fill(path, ids), body, credentials)
        assert answer.status_code == 401, credentials
        assert answer.json()["error"]["type"] == "AuthenticationError"
        assert answer.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path", "role", "body"), ENDPOINTS, ids=lambda v: str(v))
def test_roles(api: Any, ids: dict[str, str], method: str, path: str, role: str, body: Any) -> None:
    for caller in ROLES:
        answer = _call(api, method, _fill(path, ids), body, api.headers(caller))
        if ROLES.index(caller) < ROLES.index(role):
            assert answer.status_code == 403, (caller, answer.text)
            assert answer.json()["error"]["required_role"] == role
        else:
            assert answer.status_code not in (401, 403, 500), (caller, answer.text)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/shipments/jobs/{job}"),
        ("GET", "/v1/alerts/{alert}"),
        ("PATCH", "/v1/alerts/{alert}"),
        ("DELETE", "/v1/admin/keys/{key}"),
        ("POST", "/v1/shipments/jobs/{job}/rescreen"),
        ("GET", "/v1/shipments/jobs/{job}/rescreens/{rescreen}"),
        ("GET", "/v1/nothing/here"),
    ],
)
def test_401_and_403_look_the_same_for_existing_and_missing_things(
    api: Any, ids: dict[str, str], method: str, path: str
) -> None:
    missing = {"job": "0" * 32, "alert": "999999999", "key": "zzzzzzzzzz", "rescreen": "0" * 32}
    low = "viewer" if method != "GET" else None
    for headers in ({}, api.headers(low) if low else None):
        if headers is None:
            continue
        real = api.client.request(method, _fill(path, ids), json={"note": "x"}, headers=headers)
        fake = api.client.request(method, _fill(path, missing), json={"note": "x"}, headers=headers)
        assert real.status_code == fake.status_code
        assert real.status_code in (401, 403)
        assert real.json() == fake.json()


def test_revoked_key_is_refused(api: Any) -> None:
    described, token = api.service.create_key("short-lived", "admin", actor="cli:test")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/v1/whoami", headers=headers).status_code == 200
    api.service.revoke_key(described["key_id"], actor="cli:test")
    assert api.client.get("/v1/whoami", headers=headers).status_code == 401


def test_a_key_with_the_right_id_and_a_wrong_secret_is_refused(api: Any) -> None:
    real = api.tokens["admin"]
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    assert api.client.get("/v1/whoami", headers={"X-API-Key": forged}).status_code == 401


def test_keys_are_stored_hashed_only(api: Any) -> None:
    from sqlalchemy import select

    from fentrace.service.models import ApiKey

    with api.service.sessions() as session:
        stored = session.execute(select(ApiKey.secret_sha256, ApiKey.key_id)).all()
    for token in api.tokens.values():
        assert all(token not in (digest, key_id) for digest, key_id in stored)
    assert new_key().token != new_key().token


def test_users_sign_in_with_their_password(api: Any) -> None:
    api.service.create_user("ana-" + api.backend, "analyst", "correct horse battery", actor="cli:t")
    ok = api.service.verify_user_password("ana-" + api.backend, "correct horse battery")
    assert ok is not None
    assert ok.role == "analyst"
    assert ok.actor == f"user:ana-{api.backend}"
    assert api.service.verify_user_password("ana-" + api.backend, "wrong horse battery") is None
    assert api.service.verify_user_password("nobody", "correct horse battery") is None
    api.service.set_user_disabled("ana-" + api.backend, True, actor="cli:t")
    assert api.service.verify_user_password("ana-" + api.backend, "correct horse battery") is None


@pytest.mark.parametrize("path", sorted(PUBLIC - {"/docs/oauth2-redirect"}))
def test_health_and_docs_need_no_key(api: Any, path: str) -> None:
    answer = api.client.get(path)
    assert answer.status_code == 200, path
