"""Server time of the web pages: the alert queue and the alert detail, then the queue at scale.

    .venv/bin/python benchmarks/web.py                      # demo manifest, then 200,000 alerts
    .venv/bin/python benchmarks/web.py --alerts 20000       # a quick run

Starts the service with the web pages on a fresh SQLite database in a temporary directory,
screens the demo manifest (one simulated year of the baseline scenario, 1,957 shipments) as a
job, signs in, and times the pages in process through the ASGI app (server time: routing,
session check, database, rendering; no network). The baseline, measured in the same run, is
the service's JSON API for the same page of alerts (``GET /v1/alerts``): the ratio says what
the HTML page costs on top. Then it bulk-inserts synthetic alerts through the service's
storage layer (copies of the demo's alerts under a second job, with their indicator codes)
up to ``--alerts`` in all and times the first, a middle and the last queue page, unfiltered
and filtered by level and by indicator. Targets (issue #12): queue <= 300 ms and detail
<= 500 ms with the demo manifest loaded; the queue stays responsive at 200,000 alerts.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from fentrace.cli.demo import DEMO_END, DEMO_SEED, DEMO_START, DEMO_VOLUME
from fentrace.service import AlertFilter, Service, Settings, create_app
from fentrace.service.models import Alert, AlertCode, Job, now
from fentrace.simulation import run_scenario, write_outputs
from fentrace.web import mount_web

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx.*", category=Warning)
    from fastapi.testclient import TestClient

PASSWORD = "benchmark password 1"


def timed(client: TestClient, path: str, repeats: int, **kwargs: Any) -> list[float]:
    """Milliseconds of each of ``repeats`` GETs of ``path`` (each must answer 200)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        answer = client.get(path, **kwargs)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):7.1f} ms  p95 {p95:7.1f} ms  (n={len(ordered)})"


def wait(service: Service, job_id: str) -> dict[str, Any]:
    while True:
        job = service.get_job(job_id)
        if job["state"] in ("succeeded", "failed"):
            return job
        time.sleep(0.1)


def bulk_alerts(service: Service, source_job: str, total: int) -> int:
    """Copy the source job's alerts under a synthetic job until ``total`` alerts exist."""
    with service.sessions() as session:
        templates = session.execute(
            select(
                Alert.score,
                Alert.level,
                Alert.date,
                Alert.shipper_name,
                Alert.consignee_name,
                Alert.parties,
                Alert.description,
                Alert.chemical,
                Alert.record,
                Alert.id,
            ).where(Alert.job_id == source_job)
        ).all()
        codes: dict[int, list[str]] = {}
        for alert_id, code in session.execute(select(AlertCode.alert_id, AlertCode.code)).all():
            codes.setdefault(alert_id, []).append(code)
        existing = session.query(Alert).count()
    job_id = "synthetic0000000000000000000000"
    with service.sessions() as session, session.begin():
        session.add(
            Job(
                id=job_id,
                state="succeeded",
                filename="synthetic.csv",
                upload_path="/nonexistent",
                upload_sha256="0" * 64,
                upload_bytes=0,
                min_level="low",
                created_by="cli:bench",
                created_at=now(),
                rows_read=0,
                rows_screened=0,
                rows_rejected=0,
                alerts_stored=0,
                chunks_done=0,
            )
        )
    wanted = max(0, total - existing)
    batch = 10_000
    made = 0
    while made < wanted:
        size = min(batch, wanted - made)
        rows = []
        for offset in range(size):
            t = templates[(made + offset) % len(templates)]
            rows.append(
                {
                    "job_id": job_id,
                    "row": made + offset,
                    "shipment_id": f"SYN{made + offset:08d}",
                    "score": t.score,
                    "level": t.level,
                    "date": t.date,
                    "shipper_name": t.shipper_name,
                    "consignee_name": t.consignee_name,
                    "parties": t.parties,
                    "description": t.description,
                    "chemical": t.chemical,
                    "record": t.record,
                    "disposition": "open",
                    "created_at": now(),
                    "updated_at": now(),
                }
            )
        with service.sessions() as session, session.begin():
            ids = session.execute(insert(Alert).returning(Alert.id), rows).scalars().all()
            code_rows = [
                {"alert_id": new_id, "code": code}
                for new_id, offset in zip(ids, range(size), strict=True)
                for code in codes.get(templates[(made + offset) % len(templates)].id, [])
            ]
            session.execute(insert(AlertCode), code_rows)
        made += size
    return existing + made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--alerts", type=int, default=200_000, help="alerts in the database at scale"
    )
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="fentrace-bench-web-") as folder:
        root = Path(folder)
        result = run_scenario("baseline", DEMO_START, DEMO_END, DEMO_SEED, volume=DEMO_VOLUME)
        write_outputs(result, root / "simulation")
        manifest = root / "simulation" / "shipments.parquet"
        settings = Settings(data_dir=root / "data", key_cache_seconds=60.0, log_level="WARNING")
        app = mount_web(create_app(settings))
        with TestClient(app, raise_server_exceptions=True) as client:
            service: Service = app.state.service
            service.create_user("bench", "analyst", PASSWORD, actor="cli:bench")
            principal = service.verify_user_password("bench", PASSWORD)
            assert principal is not None
            _key, token = service.create_key("bench", "viewer", actor="cli:bench")
            started = time.perf_counter()
            job = service.submit_job(principal, [manifest.read_bytes()], manifest.name)
            job = wait(service, job["id"])
            print(
                f"demo manifest: {job['progress']['rows_screened']} rows screened, "
                f"{job['progress']['alerts_stored']} alerts, in {time.perf_counter() - started:.1f} s"
            )
            page = client.get("/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            client.post("/login", data={"csrf": csrf, "username": "bench", "password": PASSWORD})
            api = {"Authorization": f"Bearer {token}"}
            queue = timed(client, "/alerts", args.repeats)
            baseline = timed(client, "/v1/alerts?limit=50", args.repeats, headers=api)
            top = service.list_alerts(AlertFilter(), limit=1)["items"][0]["id"]
            cold = timed(client, f"/alerts/{top}", 1)
            detail = timed(client, f"/alerts/{top}", args.repeats)
            detail_api = timed(client, f"/v1/alerts/{top}", args.repeats, headers=api)
            print(f"queue page      {summary(queue)}   target <= 300 ms")
            print(
                f"  API baseline  {summary(baseline)}   page/API {statistics.median(queue) / statistics.median(baseline):.2f}"
            )
            print(
                f"detail page     {summary(detail)}   target <= 500 ms; first view {cold[0]:.0f} ms"
            )
            print(
                f"  API baseline  {summary(detail_api)}   page/API {statistics.median(detail) / statistics.median(detail_api):.2f}"
            )
            started = time.perf_counter()
            total = bulk_alerts(service, job["id"], args.alerts)
            print(
                f"\n{total} alerts in the database (bulk insert {time.perf_counter() - started:.1f} s)"
            )
            last = max(1, -(-total // 50))
            for label, path in (
                ("first page", "/alerts"),
                ("middle page", f"/alerts?page={last // 2}"),
                ("last page", f"/alerts?page={last}"),
                ("level=high, first", "/alerts?level=high"),
                ("indicator, first", "/alerts?code=CHEM_CONTROLLED"),
                ("party text, first", "/alerts?party=hubei"),
            ):
                times = timed(client, path, max(3, args.repeats // 5))
                print(f"{label:18s} {summary(times)}")
            api_last = timed(
                client, f"/v1/alerts?limit=50&offset={(last - 1) * 50}", 5, headers=api
            )
            print(f"  API last page  {summary(api_last)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
