"""Concurrent load on a real server while jobs run: no request fails, no alert is lost or doubled.

Bounded in count (8 clients x 25 requests) and time (each request 60 s, the whole test a few
seconds here), and sent only to 127.0.0.1. The clients mix what a unit's systems do at once:
party matches (yente shape), chemical screens, alert pages, reviews and job polls, while two
manifests are being screened by the server's job worker.
"""

from __future__ import annotations

import itertools
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from fentrace.service import Service, Settings
from fentrace.shipments import read_manifest, screen_manifest

CLIENTS = 8
REQUESTS_PER_CLIENT = 25
JOB_ROWS = (3_000, 2_000)


def _requests(client: httpx.Client, number: int) -> list[httpx.Response]:
    """One client's mixed requests, in a fixed order that depends on its number."""
    answers = []
    kinds = itertools.islice(itertools.cycle(range(5)), number, number + REQUESTS_PER_CLIENT)
    for kind in kinds:
        if kind == 0:
            body = {"queries": {"q": {"schema": "Company", "properties": {"name": ["Amarvel"]}}}}
            answers.append(client.post("/v1/parties/match", json=body))
        elif kind == 1:
            answers.append(client.post("/v1/chem/screen", json={"queries": ["NPP", "CCO"]}))
        elif kind == 2:
            answers.append(client.get("/v1/alerts", params={"limit": 20, "sort": "-score"}))
        elif kind == 3:
            page = client.get("/v1/alerts", params={"limit": 5, "offset": number})
            answers.append(page)
            items = page.json().get("items", []) if page.status_code == 200 else []
            if items:
                answers.append(
                    client.patch(
                        f"/v1/alerts/{items[0]['id']}",
                        json={"disposition": "escalated", "note": f"client {number}"},
                    )
                )
        else:
            answers.append(client.get("/v1/shipments/jobs"))
    return answers


def test_concurrent_requests_while_jobs_run_lose_and_double_nothing(
    tmp_path: Path,
    big_manifest: Callable[[Path, int], Path],
    start_server: Callable[..., subprocess.Popen[bytes]],
    port: int,
) -> None:
    data_dir = tmp_path / "data"
    admin = Service(Settings(data_dir=data_dir))
    admin.migrate()
    _key, token = admin.create_key("load test", "analyst", actor="cli:test")
    admin.engine.dispose()
    manifests = [big_manifest(tmp_path / f"m{i}.csv", rows) for i, rows in enumerate(JOB_ROWS)]
    server = start_server(data_dir, port, tmp_path / "server.log", chunk_rows=200)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            job_ids = []
            for path in manifests:
                answer = client.post(
                    "/v1/shipments/jobs", params={"filename": path.name}, content=path.read_bytes()
                )
                assert answer.status_code == 202, answer.text
                job_ids.append(answer.json()["id"])

        results: dict[int, list[httpx.Response]] = {}

        def run(number: int) -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                results[number] = _requests(client, number)

        threads = [threading.Thread(target=run, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        assert len(results) == CLIENTS, "a client did not finish"
        failed = [
            (r.request.method, str(r.request.url), r.status_code, r.text[:200])
            for answers in results.values()
            for r in answers
            if r.status_code >= 400
        ]
        assert failed == []
        seen_states = {
            job["state"]
            for answers in results.values()
            for r in answers
            if r.request.url.path == "/v1/shipments/jobs"
            for job in r.json()["items"]
        }
        assert seen_states & {"queued", "running"}, "the load should overlap the jobs"
        assert sum(len(a) for a in results.values()) >= CLIENTS * REQUESTS_PER_CLIENT

        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            deadline = time.monotonic() + 300
            states = {}
            while time.monotonic() < deadline:
                states = {j: client.get(f"/v1/shipments/jobs/{j}").json() for j in job_ids}
                if all(s["state"] in ("succeeded", "failed") for s in states.values()):
                    break
                time.sleep(0.2)
        assert {s["state"] for s in states.values()} == {"succeeded"}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)

    with sqlite3.connect(data_dir / "fentrace.db") as db:
        for job_id, path in zip(job_ids, manifests, strict=True):
            expected = sorted(screen_manifest(read_manifest(path)).at_least("low")["row"])
            rows = [r for (r,) in db.execute("SELECT row FROM alerts WHERE job_id = ?", (job_id,))]
            assert sorted(rows) == expected  # none lost, none doubled
            assert states[job_id]["progress"]["alerts_stored"] == len(expected)
    check = Service(Settings(data_dir=data_dir))
    assert check.verify_audit().ok
    check.engine.dispose()
