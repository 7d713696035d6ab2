"""Property-based requests generated from /openapi.json: none may produce a 500.

Schemathesis builds requests from every operation's schema -- valid ones and, with negative
data generation, invalid ones -- and sends them with an admin key (so nothing stops at 401/403
and every handler is reached). The number of examples per operation is bounded so the test
costs seconds.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from fentrace.service import Service, Settings, create_app
from fentrace.shipments import sample_manifest_path

#: Examples per operation in `make test`; `make test-slow` runs many more.
EXAMPLES_PER_OPERATION = 4
EXAMPLES_PER_OPERATION_SLOW = 60


def _started_app(tmp: Path) -> tuple[Any, Service, str]:
    service = Service(Settings(data_dir=tmp, key_cache_seconds=60, chem_opsin=False))
    service.start(workers=False)
    _key, token = service.create_key("schemathesis", "admin", actor="cli:test")
    admin = service.authenticate(token)
    assert admin is not None
    # something to find: a job with alerts (screened in place) so ids in the schema can exist
    job = service.submit_job(admin, [sample_manifest_path().read_bytes()], "sample.csv")
    service.runner.run(job["id"])
    return create_app(service=service), service, token


_tmp = Path(tempfile.mkdtemp(prefix="fentrace-schemathesis-"))
# also removed when the module is collected but none of its tests is selected
atexit.register(shutil.rmtree, _tmp, True)
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx.*", category=Warning)
    APP, SERVICE, TOKEN = _started_app(_tmp)
    SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _stop_service() -> Iterator[None]:
    yield
    SERVICE.stop()
    shutil.rmtree(_tmp, ignore_errors=True)


def _check(case: Any) -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*httpx.*", category=Warning)
        response = case.call(headers={"Authorization": f"Bearer {TOKEN}"})
    case.validate_response(response, checks=[not_a_server_error])
    assert response.status_code < 500, response.text
    content_type = response.headers.get("content-type", "")
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else ""
    if response.status_code >= 400 and content_type.startswith("application/json"):
        body = response.json()
        assert set(body) == {"error"}, body
        assert "Traceback" not in response.text


_BOUNDS = {"deadline": None, "suppress_health_check": list(HealthCheck), "derandomize": True}


@SCHEMA.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, **_BOUNDS)  # type: ignore[arg-type]
def test_no_generated_request_gets_a_500(case: Any) -> None:
    _check(case)


@pytest.mark.slow
@SCHEMA.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION_SLOW, **_BOUNDS)  # type: ignore[arg-type]
def test_many_generated_requests_get_no_500(case: Any) -> None:
    _check(case)
