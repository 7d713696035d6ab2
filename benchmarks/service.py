"""Service benchmark: the HTTP API under load next to the library it calls, in one run.

Run: ``.venv/bin/python benchmarks/service.py [--seconds 4] [--concurrency 1 8 32]``
and, for the 200,000-row kill -9 and restart check, ``--kill-test``.

1. Starts ``fentrace serve`` (uvicorn, SQLite in a temporary data directory, request logs on)
   as a subprocess on a free port of 127.0.0.1, with an analyst key.
2. Baseline: the in-process ``PartyScreener`` rate on the same distinct names, one at a time.
3. Load: an asyncio httpx client keeps 1, 8 and 32 requests in flight for ``--seconds`` each,
   each a single-name yente-style ``POST /v1/parties/match`` with a name not sent before (no
   cache hit); prints requests/s and p50/p99 latency, and the ratio to the in-process rate.
4. ``POST /v1/chem/screen`` for one listed precursor (NPP by CAS number), one client: p50/p99.

Targets (issue 11): >= 300 single-name match requests/s at p99 <= 100 ms with 8 clients;
chem p50 <= 20 ms. Every request is authenticated, validated, screened and audited (one
hash-chained audit record committed per request), as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from fentrace.parties import PartyScreener, load_watchlist
from fentrace.service import Service, Settings

WORDS = [
    "hubei",
    "shanghai",
    "wuhan",
    "jiangsu",
    "zhejiang",
    "guangzhou",
    "shenzhen",
    "hebei",
    "henan",
    "shandong",
    "amarvel",
    "yuancheng",
    "xinsheng",
    "huayuan",
    "tianyi",
    "jinlong",
    "baoli",
    "hengrui",
    "kaiyuan",
    "longsheng",
    "mingda",
    "chemical",
    "chemicals",
    "pharma",
    "pharmaceutical",
    "biotech",
    "bio",
    "tech",
    "trading",
    "import",
    "export",
    "industrial",
    "materials",
    "science",
    "technology",
    "logistics",
    "global",
    "international",
    "sinaloa",
    "jalisco",
    "pacifico",
    "norte",
    "grupo",
    "comercial",
    "distribuidora",
    "importadora",
    "quimica",
    "servicios",
    "farma",
    "maple",
    "northern",
    "atlantic",
    "pacific",
    "summit",
    "pioneer",
]
FORMS = ("Co Ltd", "Co., Ltd.", "Limited", "SA de CV", "S. de R.L.", "Inc", "LLC", "GmbH", "")
LISTED = (
    "Hubei Amarvel Biotech Co Ltd",
    "HUBEI AMARVEL BIO-TECH CO LTD",
    "Hubei Aoks Bio Tech",
    "Yuancheng Group",
)
TARGET_RPS, TARGET_P99_MS, TARGET_CHEM_P50_MS = 300.0, 100.0, 20.0


def distinct_names(count: int, seed: int) -> list[str]:
    """``count`` distinct company names (a few listed ones, most not)."""
    rng = random.Random(seed)
    names: dict[str, None] = {}
    while len(names) < count:
        if rng.random() < 0.05:
            base = rng.choice(LISTED)
            name = base if rng.random() < 0.5 else base.replace("e", "a", 1)
            name = f"{name} {rng.choice(WORDS).title()}"
        else:
            words = " ".join(w.title() for w in rng.sample(WORDS, rng.randint(2, 4)))
            name = f"{words} {rng.choice(FORMS)}".strip()
        names[name] = None
    return list(names)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(data_dir: Path, port: int, log: Path, **env_extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FENTRACE_DATA_DIR": str(data_dir),
        "FENTRACE_PORT": str(port),
        **env_extra,
    }
    env.pop("FENTRACE_DATABASE_URL", None)
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from fentrace.cli import entry; entry()", "serve"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not become ready within 180 s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def match_body(name: str) -> dict[str, Any]:
    return {"queries": {"q": {"schema": "Company", "properties": {"name": [name]}}}}


async def load(
    base: str, token: str, names: list[str], clients: int, seconds: float
) -> dict[str, Any]:
    """Keep ``clients`` requests in flight for ``seconds``; every request a new name."""
    latencies: list[float] = []
    errors = 0
    position = 0
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as http:
        stop_at = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal position, errors
            while time.perf_counter() < stop_at:
                name = names[position % len(names)]
                position += 1
                started = time.perf_counter()
                answer = await http.post("/v1/parties/match", json=match_body(name))
                latencies.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - began
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * percentile(latencies, 0.50),
        "p99_ms": 1000 * percentile(latencies, 0.99),
    }


async def chem_latency(base: str, token: str, count: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
        for _ in range(count):
            started = time.perf_counter()
            answer = await http.post("/v1/chem/screen", json={"queries": ["39742-60-4"]})
            latencies.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.text
            assert answer.json()["results"][0]["verdict"] == "controlled"
    return {
        "requests": count,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * percentile(latencies, 0.99),
    }


def in_process_rate(names: list[str]) -> float:
    """Names per second of ``PartyScreener.screen`` in this process, each name once."""
    screener = PartyScreener(load_watchlist())
    screener.screen("warm up")
    started = time.perf_counter()
    for name in names:
        screener.screen(name)
    return len(names) / (time.perf_counter() - started)


def benchmark(seconds: float, levels: list[int], seed: int) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="fentrace-bench-"))
    load_at_start = os.getloadavg()[0]
    try:
        data_dir = root / "data"
        admin = Service(Settings(data_dir=data_dir))
        admin.migrate()
        _key, token = admin.create_key("benchmark", "analyst", actor="cli:benchmark")
        admin.engine.dispose()
        names = distinct_names(200_000, seed)
        baseline = in_process_rate(names[-20_000:])
        port = free_port()
        server = start_server(data_dir, port, root / "server.log")
        base = f"http://127.0.0.1:{port}"
        try:
            asyncio.run(load(base, token, names[-1000:], 4, 1.0))  # warm up
            results = []
            offset = 0
            for clients in levels:
                before, client_before = cpu_seconds(server.pid), time.process_time()
                level = asyncio.run(load(base, token, names[offset:], clients, seconds))
                used = cpu_seconds(server.pid) - before
                done = max(level["requests"], 1)
                level["server_cpu_ms_per_request"] = 1000 * used / done
                level["client_cpu_ms_per_request"] = (
                    1000 * (time.process_time() - client_before) / done
                )
                offset += level["requests"]
                results.append(level)
            chem = asyncio.run(chem_latency(base, token, 200))
        finally:
            stop_server(server)
        check = Service(Settings(data_dir=data_dir))
        chain = check.verify_audit()
        check.engine.dispose()
        return {
            "load_average_at_start": load_at_start,
            "in_process_names_per_s": baseline,
            "match": results,
            "chem": chem,
            "audit_records": chain.records,
            "audit_ok": chain.ok,
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)


def kill_test(rows: int, chunk_rows: int) -> dict[str, Any]:
    """The 200,000-row kill -9 and restart check of tests/service/test_jobs.py, timed."""
    started = time.perf_counter()
    root = Path(__file__).resolve().parent.parent
    status = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(root / "tests/service/test_jobs.py"),
            "-q",
            "-m",
            "slow",
            "-k",
            "200000",
        ],
        cwd=root,
        check=False,
    ).returncode
    return {
        "rows": rows,
        "chunk_rows": chunk_rows,
        "passed": status == 0,
        "seconds": time.perf_counter() - started,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds per concurrency level")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--kill-test", action="store_true", help="also run the 200,000-row kill -9 test"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    figures = benchmark(args.seconds, args.concurrency, args.seed)
    if args.kill_test:
        figures["kill_test"] = kill_test(200_000, 5000)
    if args.json:
        print(json.dumps(figures, indent=2))
    baseline = figures["in_process_names_per_s"]
    print(
        f"machine: {os.cpu_count()} cores, load average {figures['load_average_at_start']:.1f} "
        "at the start (the server, the load generator and anyone else share the cores)"
    )
    print(f"in-process PartyScreener: {baseline:,.0f} names/s (one at a time, distinct names)")
    print("single-name POST /v1/parties/match (authenticated, validated, screened, audited):")
    print(
        f"{'clients':>8} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'vs in-process':>14} {'server CPU ms/req':>18} {'client CPU ms/req':>18}"
    )
    for level in figures["match"]:
        print(
            f"{level['clients']:>8} {level['requests']:>9} {level['errors']:>7} {level['rps']:>8.0f} "
            f"{level['p50_ms']:>8.1f} {level['p99_ms']:>8.1f} {level['rps'] / baseline:>13.3f}x "
            f"{level['server_cpu_ms_per_request']:>18.2f} {level['client_cpu_ms_per_request']:>18.2f}"
        )
    chem = figures["chem"]
    print(
        f"POST /v1/chem/screen, NPP by CAS, one client: p50 {chem['p50_ms']:.1f} ms, "
        f"p99 {chem['p99_ms']:.1f} ms ({chem['requests']} requests)"
    )
    print(
        f"audit chain after the run: {figures['audit_records']} records, intact: {figures['audit_ok']}"
    )
    eight = next((lv for lv in figures["match"] if lv["clients"] == 8), None)
    if eight is not None:
        met = eight["rps"] >= TARGET_RPS and eight["p99_ms"] <= TARGET_P99_MS
        print(
            f"target >= {TARGET_RPS:.0f} req/s at p99 <= {TARGET_P99_MS:.0f} ms with 8 clients: "
            f"{'met' if met else 'missed'} ({eight['rps']:.0f} req/s, p99 {eight['p99_ms']:.1f} ms)"
        )
    print(
        f"target chem p50 <= {TARGET_CHEM_P50_MS:.0f} ms: "
        f"{'met' if chem['p50_ms'] <= TARGET_CHEM_P50_MS else 'missed'} ({chem['p50_ms']:.1f} ms)"
    )
    if "kill_test" in figures:
        kill = figures["kill_test"]
        print(
            f"kill -9 during a {kill['rows']:,}-row job, restart: passed={kill['passed']} in {kill['seconds']:.0f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
