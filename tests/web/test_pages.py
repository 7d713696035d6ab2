"""Server-side tests of every page, role and CSRF path (FastAPI's TestClient, SQLite)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from fentrace.web.headers import CONTENT_SECURITY_POLICY
from fentrace.web.sessions import SESSION_COOKIE

from .conftest import PASSWORD, SCRIPT_NAME, WebApp, csrf

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx.*", category=Warning)
    from fastapi.testclient import TestClient

PAGES = ("/", "/alerts", "/gaps", "/timeline", "/substances/4-AP")
ANALYST_PAGES = ("/upload", "/chem", "/parties", "/simulate")


# ------------------------------------------------------------------ sign-in and sessions


@pytest.mark.parametrize("path", [*PAGES, *ANALYST_PAGES, "/admin", "/alerts/1"])
def test_anonymous_is_sent_to_sign_in(web: WebApp, path: str) -> None:
    answer = web.client().get(path)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=")


def test_session_cookie_is_httponly_and_strict(web: WebApp) -> None:
    client = web.sign_in("viewer", fresh=True)
    cookie = client.cookies.jar
    header = next(c for c in cookie if c.name == SESSION_COOKIE)
    assert header.has_nonstandard_attr("HttpOnly")
    assert header.get_nonstandard_attr("SameSite", "").lower() == "strict"
    assert not header.secure  # plain http here; over TLS the cookie is Secure


def test_wrong_password_is_refused(web: WebApp) -> None:
    client = web.client()
    page = client.get("/login")
    answer = client.post(
        "/login", data={"csrf": csrf(page.text), "username": "admin", "password": "wrong"}
    )
    assert answer.status_code == 401
    assert SESSION_COOKIE not in answer.cookies


def test_sign_in_without_its_csrf_token_is_refused(web: WebApp) -> None:
    client = web.client()
    client.get("/login")
    answer = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert answer.status_code == 403


def test_sign_in_with_an_api_key(web: WebApp) -> None:
    _described, token = web.service.create_key("web key", "viewer", actor="cli:test")
    client = web.client()
    page = client.get("/login")
    answer = client.post("/login", data={"csrf": csrf(page.text), "api_key": token})
    assert answer.status_code == 303
    assert client.get("/alerts").status_code == 200


def test_a_revoked_key_ends_its_session(web: WebApp) -> None:
    described, token = web.service.create_key("short-lived", "analyst", actor="cli:test")
    client = web.client()
    page = client.get("/login")
    client.post("/login", data={"csrf": csrf(page.text), "api_key": token})
    web.service.revoke_key(described["key_id"], actor="cli:test")
    assert client.get("/alerts").status_code == 303


def test_a_tampered_session_cookie_is_ignored(web: WebApp) -> None:
    client = web.sign_in("viewer", fresh=True)
    value = client.cookies[SESSION_COOKIE]
    payload, _, mac = value.partition(".")
    client.cookies.set(SESSION_COOKIE, payload + "." + mac[::-1])
    assert client.get("/").status_code == 303


def test_sign_out_ends_the_session_even_for_a_copied_cookie(web: WebApp) -> None:
    client = web.sign_in("viewer", fresh=True)
    copied = client.cookies[SESSION_COOKIE]
    token = csrf(client.get("/").text)
    assert client.post("/logout", data={"csrf": token}).status_code == 303
    assert client.get("/").status_code == 303
    thief = web.client()
    thief.cookies.set(SESSION_COOKIE, copied)
    assert thief.get("/").status_code == 303


def test_next_never_leaves_the_site(web: WebApp) -> None:
    client = web.client()
    page = client.get("/login?next=//evil.example/")
    answer = client.post(
        "/login",
        data={
            "csrf": csrf(page.text),
            "username": "viewer",
            "password": PASSWORD,
            "next": "//evil.example/",
        },
    )
    assert answer.headers["location"] == "/"


# ------------------------------------------------------------------ pages and headers


@pytest.mark.parametrize("path", [*PAGES, *ANALYST_PAGES, "/admin"])
def test_admin_sees_every_page_with_strict_headers(web: WebApp, path: str) -> None:
    answer = web.sign_in("admin").get(path)
    assert answer.status_code == 200
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    # no inline script and no inline style: every script is a file or a JSON data block
    for tag in re.findall(r"<script[^>]*>", answer.text):
        assert "src=" in tag or 'type="application/json"' in tag
    assert " style=" not in answer.text
    assert " onclick=" not in answer.text.lower()


@pytest.mark.parametrize("path", ["/upload", "/chem", "/parties", "/admin"])
def test_viewer_is_refused_pages_above_its_role(web: WebApp, path: str) -> None:
    assert web.sign_in("viewer").get(path).status_code == 403


def test_analyst_is_refused_admin(web: WebApp) -> None:
    assert web.sign_in("analyst").get("/admin").status_code == 403


def test_every_form_control_has_a_label(web: WebApp) -> None:
    client = web.sign_in("admin")
    alert = web.top_alert()
    for path in [*PAGES, *ANALYST_PAGES, "/admin", f"/alerts/{alert['id']}"]:
        html = client.get(path).text
        labelled = set(re.findall(r'<label for="([^"]+)"', html))
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
            if 'type="hidden"' in tag:
                continue
            named = re.search(r'id="([^"]+)"', tag)
            assert "aria-label=" in tag or (named and named.group(1) in labelled), (path, tag)


def test_api_still_needs_a_key(web: WebApp) -> None:
    client = web.sign_in("admin")
    assert client.get("/v1/alerts").status_code == 401


def test_static_assets_and_the_graph_component(web: WebApp) -> None:
    client = web.client()
    assert client.get("/static/app.js").status_code == 200
    graph = client.get("/static/graph.js")
    assert graph.status_code == 200
    assert 'getElementById("graph-data")' in graph.text


# ------------------------------------------------------------------ escaping


def test_a_script_party_name_renders_as_text(web: WebApp) -> None:
    client = web.sign_in("viewer")
    queue = client.get("/alerts", params={"party": "script"})
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in queue.text
    assert SCRIPT_NAME not in queue.text
    alert_id = re.search(r'data-href="/alerts/(\d+)"', queue.text)
    assert alert_id
    detail = client.get(f"/alerts/{alert_id.group(1)}")
    assert SCRIPT_NAME not in detail.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail.text


# ------------------------------------------------------------------ the queue


def test_queue_filters_by_level(web: WebApp) -> None:
    html = web.sign_in("viewer").get("/alerts", params={"level": "high"}).text
    levels = re.findall(r'<span class="badge (\w+)">', html)
    assert levels
    assert set(levels) == {"high"}


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"country": "MX"}, "MX"),
        ({"route": "CN>MX"}, "CN"),
        ({"code": "ROUTE_RISK"}, "ROUTE_RISK"),
    ],
)
def test_queue_filters_by_country_route_and_indicator(
    web: WebApp, params: dict[str, str], needle: str
) -> None:
    client = web.sign_in("viewer")
    everything = int(re.search(r"(\d+) alerts", client.get("/alerts").text).group(1))  # type: ignore[union-attr]
    html = client.get("/alerts", params=params).text
    count = int(re.search(r"(\d+) alerts", html).group(1))  # type: ignore[union-attr]
    assert 0 < count < everything


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "nonsense"},
        {"level": "urgent"},
        {"disposition": "maybe"},
        {"code": "NOPE"},
        {"page": "two"},
    ],
)
def test_queue_rejects_bad_parameters(web: WebApp, params: dict[str, str]) -> None:
    answer = web.sign_in("viewer").get("/alerts", params=params)
    assert answer.status_code == 400
    assert 'class="error"' in answer.text


def test_queue_pages(web: WebApp) -> None:
    client = web.sign_in("viewer")
    first = client.get("/alerts").text
    assert 'rel="next"' in first
    second = client.get("/alerts", params={"page": "2"}).text
    assert 'rel="prev"' in second
    ids_first = set(re.findall(r'data-id="(\d+)"', first))
    ids_second = set(re.findall(r'data-id="(\d+)"', second))
    assert ids_first.isdisjoint(ids_second)


# ------------------------------------------------------------------ review and roles


def test_analyst_marks_false_positive_with_a_note(web: WebApp) -> None:
    client = web.sign_in("analyst")
    alert = web.top_alert()
    page = client.get(f"/alerts/{alert['id']}")
    assert page.status_code == 200
    answer = client.post(
        f"/alerts/{alert['id']}/review",
        data={
            "csrf": csrf(page.text),
            "disposition": "false_positive",
            "note": "lidocaine, known buyer",
            "assignee": "ana",
        },
    )
    assert answer.status_code == 303
    detail = client.get(f"/alerts/{alert['id']}").text
    history = detail[detail.index('id="history"') :]
    assert "false positive" in history
    assert "lidocaine, known buyer" in history
    assert web.service.get_alert(alert["id"])["disposition"] == "false_positive"


def test_review_without_or_with_a_wrong_csrf_token_is_refused(web: WebApp) -> None:
    client = web.sign_in("analyst")
    alert = web.top_alert()
    before = web.service.get_alert(alert["id"])
    for data in ({"disposition": "escalated"}, {"disposition": "escalated", "csrf": "forged"}):
        assert client.post(f"/alerts/{alert['id']}/review", data=data).status_code == 403
    assert web.service.get_alert(alert["id"])["history"] == before["history"]


def test_a_viewer_cannot_change_a_disposition_even_by_crafting_the_request(web: WebApp) -> None:
    client = web.sign_in("viewer")
    alert = web.top_alert()
    before = web.service.get_alert(alert["id"])
    page = client.get(f"/alerts/{alert['id']}")
    assert 'id="review-form"' not in page.text
    token = csrf(page.text)  # the sign-out form's token: a valid token of this session
    for path in (f"/alerts/{alert['id']}/review", "/alerts/bulk"):
        answer = client.post(
            path, data={"csrf": token, "disposition": "true_positive", "ids": str(alert["id"])}
        )
        assert answer.status_code == 403
    after = web.service.get_alert(alert["id"])
    assert after["disposition"] == before["disposition"]
    assert after["history"] == before["history"]


def test_bulk_review(web: WebApp) -> None:
    client = web.sign_in("analyst")
    page = client.get("/alerts", params={"sort": "score"})
    ids = re.findall(r'name="ids" value="(\d+)"', page.text)[:3]
    answer = client.post(
        "/alerts/bulk",
        data={
            "csrf": csrf(page.text),
            "ids": ids,
            "disposition": "escalated",
            "back": "/alerts?level=low",
        },
    )
    assert answer.status_code == 303, re.findall(r'class="error"[^>]*>([^<]+)', answer.text)
    assert answer.headers["location"] == "/alerts?level=low"
    assert {web.service.get_alert(int(i))["disposition"] for i in ids} == {"escalated"}


def test_bulk_review_refuses_bad_ids_and_open_redirects(web: WebApp) -> None:
    client = web.sign_in("analyst")
    token = csrf(client.get("/alerts").text)
    assert client.post("/alerts/bulk", data={"csrf": token, "ids": "x"}).status_code == 400
    assert client.post("/alerts/bulk", data={"csrf": token}).status_code == 400
    ids = re.findall(r'name="ids" value="(\d+)"', client.get("/alerts").text)[:1]
    answer = client.post(
        "/alerts/bulk",
        data={"csrf": token, "ids": ids, "disposition": "open", "back": "https://evil.example/"},
    )
    assert answer.headers["location"] == "/alerts"


def test_unknown_alert_and_job_are_404_pages(web: WebApp) -> None:
    client = web.sign_in("viewer")
    assert client.get("/alerts/999999").status_code == 404
    assert client.get("/jobs/nope").status_code == 404


def test_alert_page_shows_reasons_parties_graph_and_fields(web: WebApp) -> None:
    alert = web.top_alert()
    html = web.sign_in("viewer").get(f"/alerts/{alert['id']}").text
    for code in alert["codes"]:
        assert code in html
    assert 'id="graph-data"' in html
    assert "Parties against the watchlists" in html


def test_structure_svg_of_a_listed_precursor(web: WebApp) -> None:
    client = web.sign_in("viewer")
    answer = client.get("/substances/4-AP/structure.svg")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in answer.text


# ------------------------------------------------------------------ upload and jobs


def test_upload_shows_progress_and_rejections(web: WebApp) -> None:
    from .conftest import script_manifest, wait_for_job

    client = web.sign_in("analyst")
    token = csrf(client.get("/upload").text)
    path = script_manifest(web.folder)
    with path.open("rb") as stream:
        answer = client.post(
            "/upload", data={"csrf": token}, files={"file": ("m.csv", stream, "text/csv")}
        )
    assert answer.status_code == 303
    job_id = answer.headers["location"].rsplit("/", 1)[1]
    wait_for_job(web.service, job_id)
    progress = client.get(f"/jobs/{job_id}/progress").json()
    assert progress["state"] == "succeeded"
    assert progress["rows_screened"] == progress["rows_total"]
    page = client.get(f"/jobs/{job_id}").text
    assert 'id="rejections"' in page
    assert progress["rows_rejected"] > 0


@pytest.mark.parametrize(
    ("name", "body", "status"),
    [("notes.txt", b"hello", 422), ("empty.csv", b"", 422), ("big.csv", b"x" * 500_000, 413)],
)
def test_upload_limits_type_and_size(web: WebApp, name: str, body: bytes, status: int) -> None:
    client = web.sign_in("analyst")
    token = csrf(client.get("/upload").text)
    answer = client.post("/upload", data={"csrf": token}, files={"file": (name, body, "text/csv")})
    assert answer.status_code == status


def test_viewer_cannot_upload(web: WebApp) -> None:
    client = web.sign_in("viewer")
    token = csrf(client.get("/").text)
    answer = client.post(
        "/upload", data={"csrf": token}, files={"file": ("m.csv", b"a,b\n", "text/csv")}
    )
    assert answer.status_code == 403


# ------------------------------------------------------------------ look-ups and knowledge base


def test_chemical_look_up_of_4ap_reads_its_controls(web: WebApp) -> None:
    client = web.sign_in("analyst")
    token = csrf(client.get("/chem").text)
    html = client.post("/chem", data={"csrf": token, "queries": "4-AP"}).text
    assert "4-AP: <span" in html
    assert "Status by jurisdiction" in html
    assert 'href="/substances/' in html


def test_look_up_without_input_is_a_located_error(web: WebApp) -> None:
    client = web.sign_in("analyst")
    token = csrf(client.get("/chem").text)
    answer = client.post("/chem", data={"csrf": token, "queries": "  "})
    assert answer.status_code == 400
    assert "queries" in answer.text


def test_substance_page_has_timeline_with_citations(web: WebApp) -> None:
    html = web.sign_in("viewer").get("/substances/4-AP").text
    assert "Controls over time" in html
    assert '<svg class="chart timeline"' in html
    assert 'class="citations"' in html


def test_unknown_substance_is_404(web: WebApp) -> None:
    assert web.sign_in("viewer").get("/substances/not-a-chemical-at-all").status_code == 404


def test_party_look_up_explains_the_match(web: WebApp) -> None:
    client = web.sign_in("analyst")
    token = csrf(client.get("/parties").text)
    html = client.post(
        "/parties", data={"csrf": token, "names": "HUBEI AMARVEL BIO-TECH CO LTD", "country": "cn"}
    ).text
    assert "Hubei Amarvel Biotech" in html
    assert 'rel="noopener noreferrer external"' in html


@pytest.mark.parametrize(
    ("params", "status"),
    [({"family": "all"}, 200), ({"family": "x"}, 400), ({"as_of": "2019-13-01"}, 400)],
)
def test_gap_matrix_filters(web: WebApp, params: dict[str, str], status: int) -> None:
    assert web.sign_in("viewer").get("/gaps", params=params).status_code == status


def test_timeline_filters_by_date(web: WebApp) -> None:
    client = web.sign_in("viewer")
    html = client.get("/timeline", params={"start": "2019-01-01", "end": "2019-12-31"}).text
    dates = re.findall(r'<time datetime="([\d-]+)"', html)
    assert dates
    assert all(d.startswith("2019") for d in dates)


# ------------------------------------------------------------------ administration


def test_admin_creates_a_user_and_a_key_and_sees_the_verified_audit(web: WebApp) -> None:
    client = web.sign_in("admin")
    token = csrf(client.get("/admin").text)
    made = client.post("/admin/users", data={"csrf": token, "username": "dana", "role": "viewer"})
    secret = re.search(r'id="created-secret">([^<]+)<', made.text)
    assert secret
    assert web.service.verify_user_password("dana", secret.group(1)) is not None
    key = client.post("/admin/keys", data={"csrf": token, "name": "ops", "role": "analyst"})
    token_text = re.search(r'id="created-secret">([^<]+)<', key.text)
    assert token_text
    assert web.service.authenticate(token_text.group(1)) is not None
    page = client.get("/admin").text
    assert "Hash chain verified" in page
    assert "user.create" in page


def test_admin_disables_a_user(web: WebApp) -> None:
    web.service.create_user("eve", "viewer", PASSWORD, actor="cli:test")
    eve = web.client()
    page = eve.get("/login")
    eve.post("/login", data={"csrf": csrf(page.text), "username": "eve", "password": PASSWORD})
    admin = web.sign_in("admin")
    token = csrf(admin.get("/admin").text)
    assert (
        admin.post("/admin/users/eve/disable", data={"csrf": token, "disabled": "yes"}).status_code
        == 303
    )
    assert eve.get("/").status_code == 303


def test_admin_forms_need_admin(web: WebApp) -> None:
    client = web.sign_in("analyst")
    token = csrf(client.get("/").text)
    assert (
        client.post("/admin/keys", data={"csrf": token, "name": "x", "role": "admin"}).status_code
        == 403
    )


# ------------------------------------------------------------------ simulation


def test_simulation_compares_scenarios_with_their_levers(web: WebApp) -> None:
    import time

    client = web.sign_in("analyst")
    token = csrf(client.get("/simulate").text)
    answer = client.post(
        "/simulate",
        data={
            "csrf": token,
            "scenarios": ["baseline", "doubled-inspection"],
            "start": "2024-01",
            "end": "2024-06",
            "seed": "3",
        },
    )
    assert answer.status_code == 303
    run_id = answer.headers["location"].rsplit("/", 1)[1]
    deadline = time.monotonic() + 120
    while client.get(f"/simulate/{run_id}/progress").json()["state"] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    progress = client.get(f"/simulate/{run_id}/progress").json()
    assert progress == {"state": "succeeded", "months_done": 12, "months_total": 12, "error": None}
    html = client.get(f"/simulate/{run_id}").text
    assert 'id="levers"' in html
    assert html.count("<polyline") == 7 * 2  # seven charts, one line per scenario
    assert "doubled-inspection" in html


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"scenarios": "no-such-scenario"}, "scenario"),
        ({}, "at least one scenario"),
        ({"scenarios": "baseline", "start": "2024-13"}, "month"),
        ({"scenarios": "baseline", "seed": "x"}, "seed"),
        ({"scenarios": "baseline", "start": "1990-01", "end": "2026-12"}, "months"),
    ],
)
def test_simulation_rejects_bad_requests(web: WebApp, data: dict[str, str], field: str) -> None:
    client = web.sign_in("analyst")
    token = csrf(client.get("/simulate").text)
    answer = client.post("/simulate", data={"csrf": token, **data})
    assert answer.status_code == 400
    assert field in answer.text


def test_simulation_needs_an_analyst(web: WebApp) -> None:
    client = web.sign_in("viewer")
    token = csrf(client.get("/").text)
    assert client.get("/simulate").status_code == 403
    assert (
        client.post("/simulate", data={"csrf": token, "scenarios": "baseline"}).status_code == 403
    )


def test_fentrace_serve_builds_the_app_with_the_pages(tmp_path: Path) -> None:
    from fentrace.cli.serve import build_app

    app = build_app(data_dir=str(tmp_path))
    with TestClient(app, follow_redirects=False) as client:  # type: ignore[arg-type]
        answer = client.get("/")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login?next=%2F"
        assert client.get("/login").status_code == 200
        assert client.get("/healthz").status_code == 200
