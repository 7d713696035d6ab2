"""Fixtures of the web tests: a service app with the web pages, users of each role, manifests.

``web`` is one app per test module on SQLite with a screened manifest whose consignee is named
``<script>alert(1)</script>``; ``sign_in(role)`` returns a test client signed in as a user with
that role, and ``csrf(page)`` reads a form's token from a page.
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fentrace.service import Service, Settings, create_app
from fentrace.web import mount_web
from fentrace.web.sessions import SESSION_COOKIE

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx.*", category=Warning)
    from fastapi.testclient import TestClient

SAMPLE = Path(__file__).parents[2] / "src/fentrace/shipments/data/sample_manifest.csv"
SCRIPT_NAME = "<script>alert(1)</script>"
#: The consignee of the sample manifest's top alert, renamed to a script tag in the tests.
RENAMED_PARTY = "Autopartes del Pacifico"
PASSWORD = "correct horse battery staple"
ROLES = ("viewer", "analyst", "admin")


def script_manifest(folder: Path) -> Path:
    """The sample manifest with one consignee renamed ``<script>alert(1)</script>``."""
    path = folder / "script-party.csv"
    path.write_text(SAMPLE.read_text("utf-8").replace(RENAMED_PARTY, SCRIPT_NAME), "utf-8")
    return path


def wait_for_job(service: Service, job_id: str, seconds: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = service.get_job(job_id)
        if job["state"] in ("succeeded", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not end in {seconds} s")


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


@dataclass
class WebApp:
    app: Any
    service: Service
    job_id: str
    folder: Path
    cookies: dict[str, str] = field(default_factory=dict)

    def client(self) -> TestClient:
        return TestClient(self.app, raise_server_exceptions=False, follow_redirects=False)

    def sign_in(self, role: str, *, fresh: bool = False) -> TestClient:
        """A client signed in as the user named ``role`` (one sign-in per role unless fresh)."""
        client = self.client()
        if role in self.cookies and not fresh:
            client.cookies.set(SESSION_COOKIE, self.cookies[role])
            return client
        page = client.get("/login")
        answer = client.post(
            "/login",
            data={"csrf": csrf(page.text), "username": role, "password": PASSWORD, "next": "/"},
        )
        assert answer.status_code == 303, answer.text
        if not fresh:
            self.cookies[role] = client.cookies[SESSION_COOKIE]
        return client

    def top_alert(self) -> dict[str, Any]:
        from fentrace.service import AlertFilter

        listing = self.service.list_alerts(AlertFilter(job_id=self.job_id), limit=1)
        item: dict[str, Any] = listing["items"][0]
        return item


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:
    folder = tmp_path_factory.mktemp("web")
    settings = Settings(
        data_dir=folder / "data",
        job_chunk_rows=100,
        key_cache_seconds=0.0,
        max_upload_bytes=400_000,
    )
    app = mount_web(create_app(settings))
    with TestClient(app, raise_server_exceptions=False):
        service: Service = app.state.service
        for role in ROLES:
            service.create_user(role, role, PASSWORD, actor="cli:test")
        principal = service.verify_user_password("admin", PASSWORD)
        assert principal is not None
        path = script_manifest(folder)
        job = service.submit_job(principal, [path.read_bytes()], path.name)
        assert wait_for_job(service, job["id"])["state"] == "succeeded"
        yield WebApp(app, service, job["id"], folder)


SignIn = Callable[[str], TestClient]
