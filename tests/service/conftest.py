"""Fixtures of the service tests: a throw-away PostgreSQL server, apps on SQLite and PostgreSQL.

The PostgreSQL server is started once per test session from the machine's server binaries
(``/usr/lib/postgresql/<version>/bin``), as the ``postgres`` user when the tests run as root
(the server refuses to run as root), on a free port of 127.0.0.1 with its socket in a temporary
directory; it is stopped at the end. Without the binaries the PostgreSQL tests are skipped on a
developer's machine and FAIL in CI (``CI=true``), where ``.ci/run`` installs them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest

from fentrace.service import Service, Settings, create_app
from fentrace.shipments import sample_manifest_path

with warnings.catch_warnings():
    # starlette's test client warns about its httpx dependency on import
    warnings.filterwarnings("ignore", message=".*httpx.*", category=Warning)
    from fastapi.testclient import TestClient

BACKENDS = ("sqlite", "postgresql")
ROLES = ("viewer", "analyst", "admin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)
    if found:
        return found[0].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(sql)  # type: ignore[arg-type]


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    binaries = _pg_bin()
    if binaries is None:
        message = "PostgreSQL server binaries not found (apt-get install postgresql)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message + ": in CI the PostgreSQL tests must run")
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="fentrace-pg-"))
    data, sockets = root / "data", root / "sock"
    data.mkdir()
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(data, "postgres")
        shutil.chown(sockets, "postgres")
    port = free_port()
    subprocess.run(
        _as_postgres(
            [
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )
    options = (
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        _as_postgres(
            [
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(root / "log"),
                "-w",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield PostgresServer("127.0.0.1", port, "postgres")
    finally:
        subprocess.run(
            _as_postgres(
                [str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
            ),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_database(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty PostgreSQL database URL, dropped afterwards."""
    name = "t_" + uuid.uuid4().hex[:12]
    postgres_server.admin(f"CREATE DATABASE {name}")
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def database_url_for(backend: str, request: pytest.FixtureRequest) -> Iterator[str | None]:
    if backend == "sqlite":
        yield None
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = "t_" + uuid.uuid4().hex[:12]
    server.admin(f"CREATE DATABASE {name}")
    try:
        yield server.url(name)
    finally:
        server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass
class Api:
    """A started app, its service, and one key per role."""

    client: TestClient
    service: Service
    tokens: dict[str, str]
    backend: str
    app: Any = None

    def headers(self, role: str = "admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def start_api(
    backend: str, request: pytest.FixtureRequest, data_dir: Path, **settings: object
) -> Iterator[Api]:
    for url in database_url_for(backend, request):
        options = {"job_chunk_rows": 100, "key_cache_seconds": 0.0, **settings}
        config = Settings(data_dir=data_dir, database_url=url, **options)  # type: ignore[arg-type]
        app = create_app(config)
        with TestClient(app, raise_server_exceptions=False) as client:
            service: Service = app.state.service
            tokens = {
                role: service.create_key(f"test {role}", role, actor="cli:test")[1]
                for role in ROLES
            }
            yield Api(client, service, tokens, backend, app)


@pytest.fixture(scope="module", params=BACKENDS)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One app per backend per test module (tests make their own jobs and alerts)."""
    yield from start_api(request.param, request, tmp_path_factory.mktemp("service"))


@pytest.fixture
def sqlite_api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    """A fresh app on SQLite for a test that changes settings-wide state."""
    yield from start_api("sqlite", request, tmp_path)


def _wait_for_job(api: Api, job_id: str, timeout: float = 60.0) -> dict[str, Any]:
    """Poll a job until it has finished (succeeded or failed)."""
    deadline = time.monotonic() + timeout
    while True:
        job = api.client.get(f"/v1/shipments/jobs/{job_id}", headers=api.headers("viewer")).json()
        if job["state"] in ("succeeded", "failed") or time.monotonic() > deadline:
            return dict(job)
        time.sleep(0.05)


@pytest.fixture
def wait_for_job() -> Callable[..., dict[str, Any]]:
    """Poll a job until it has finished: ``wait_for_job(api, job_id)``."""
    return _wait_for_job


@pytest.fixture(scope="module")
def limited(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    """An app with small limits: 2,000-byte JSON bodies, 20,000-byte uploads, 3 queries a batch."""
    yield from start_api(
        "sqlite",
        request,
        tmp_path_factory.mktemp("limited"),
        max_body_bytes=2000,
        max_upload_bytes=20_000,
        max_batch=3,
    )


def write_big_manifest(path: Path, rows: int) -> Path:
    """The sample manifest repeated with distinct shipment ids (its bad rows repeat too)."""
    raw = pl.read_csv(sample_manifest_path(), infer_schema=False)
    copies = -(-rows // raw.height)
    frame = pl.concat(
        [raw.with_columns(pl.col("shipment_id") + f"-{copy}") for copy in range(copies)]
    ).head(rows)
    frame.write_csv(path)
    return path


def start_server_process(
    data_dir: Path, port: int, log: Path, *, chunk_rows: int = 5000
) -> subprocess.Popen[bytes]:
    """``fentrace serve`` as a child process on 127.0.0.1:``port``, returned once it is ready."""
    env = {
        **os.environ,
        "FENTRACE_DATA_DIR": str(data_dir),
        "FENTRACE_PORT": str(port),
        "FENTRACE_JOB_CHUNK_ROWS": str(chunk_rows),
        "FENTRACE_LOG_LEVEL": "WARNING",
    }
    env.pop("FENTRACE_DATABASE_URL", None)
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [sys.executable, "-c", "from fentrace.cli import entry; entry()", "serve"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError("server did not become ready")


@pytest.fixture
def big_manifest() -> Callable[[Path, int], Path]:
    """``big_manifest(path, rows)``: the sample manifest repeated to ``rows`` distinct rows."""
    return write_big_manifest


@pytest.fixture
def start_server() -> Callable[..., subprocess.Popen[bytes]]:
    """``start_server(data_dir, port, log, chunk_rows=...)``: a real server process, ready."""
    return start_server_process


@pytest.fixture
def port() -> int:
    """A free TCP port on 127.0.0.1."""
    return free_port()
