"""Benchmark: the Spark engine on local[2] against the single-process engine, same Parquet files.

    .venv/bin/python benchmarks/spark.py                     # 100k, 1M, 10M rows; 1M structures
    .venv/bin/python benchmarks/spark.py --sizes 100000,1000000 --structures 20000   # quick

Shipments: the simulator (baseline scenario, seed 0) writes about a million labelled
shipments; they are repeated with varied shipment ids (``-R1``, ``-R2``, ...) up to each size
and written once per size to Parquet (streamed: the 10M rows never sit in memory at once).
For every size the single-process engine (``read_manifest`` + ``screen_manifest``, in a child
process so that its peak memory is measured) and ``fentrace.spark.screen_manifest`` on a
``local[2]`` session (alerts written to Spark's ``noop`` sink) screen the same file. Prints
rows/s for both, their ratio, Spark's start-up cost and the crossover size where Spark stops
losing (measured, and where the two fitted lines, fixed cost + cost per row, cross).
``--single-max`` caps the single-process sizes; before each size its peak memory is projected
from the smaller sizes (it grows with the rows) and the size is skipped, with the reason, when
the projection exceeds ``--single-memory-fraction`` of the memory available.

Memory: the single-process child's peak resident memory (``ru_maxrss``); for Spark the
resident memory of the JVM (in local mode the driver is the one executor) and of every
Python worker, sampled every 0.2 s from /proc while each screening runs: the peak of the JVM,
of the largest worker and of the whole tree (JVM + workers + this driver process) are printed.

Structures: ``--structures`` drug-like SMILES (the generator of ``benchmarks/chem_screen.py``)
are written to Parquet; bare single-process RDKit parsing of the same list is the baseline
for ``fentrace.spark.screen_structures`` on the same session.

Spark memory: driver (the local executor) ``--driver-memory`` (default 6g) plus the Python
workers (two on local[2], one per task slot).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

import polars as pl

SEED = 0
BASE_VOLUME = 0.8  # about 1,000,000 simulated shipments
WARMUP_ROWS = 20_000


def load() -> str:
    """The load average, as `uptime` shows it (the machine is shared)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def meminfo_available_mib() -> float:
    """MemAvailable from /proc/meminfo, in MiB (what a new process can use without swapping)."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no MemAvailable in /proc/meminfo")


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command name, resident MiB) for every process readable in /proc."""
    page_mib = os.sysconf("SC_PAGE_SIZE") / 2**20
    table: dict[int, tuple[int, str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            statm = (entry / "statm").read_text()
        except OSError:  # gone meanwhile
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        table[int(entry.name)] = (parent, name, int(statm.split()[1]) * page_mib)
    return table


class TreeMemory:
    """Peak resident memory of this process's descendants (the JVM, the Python workers),
    sampled in a thread while a ``with`` block runs."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peak_total = self.peak_jvm = self.peak_worker = self.peak_workers = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        table = _processes()
        root = os.getpid()
        children: dict[int, list[int]] = {}
        for pid, (parent, _, _) in table.items():
            children.setdefault(parent, []).append(pid)
        tree, todo = [], [root]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += children.get(pid, [])
        jvm = sum(table[p][2] for p in tree if table[p][1] == "java")
        workers = [table[p][2] for p in tree if p != root and table[p][1].startswith("python")]
        self.peak_jvm = max(self.peak_jvm, jvm)
        self.peak_worker = max(self.peak_worker, max(workers, default=0.0))
        self.peak_workers = max(self.peak_workers, sum(workers))
        self.peak_total = max(self.peak_total, sum(table[p][2] for p in tree))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> TreeMemory:
        self.sample()
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def figures(self) -> dict[str, float]:
        return {
            "spark_peak_jvm_mib": round(self.peak_jvm),
            "spark_peak_worker_mib": round(self.peak_worker),
            "spark_peak_workers_mib": round(self.peak_workers),
            "spark_peak_tree_mib": round(self.peak_total),
        }


def fitted_line(points: list[tuple[int, float]]) -> tuple[float, float] | None:
    """(seconds at 0 rows, seconds per row) of the least-squares line through (rows, seconds)."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    return mean_y - slope * mean_x, slope


def crossing(single: tuple[float, float], spark: tuple[float, float]) -> float | None:
    """Rows where the two fitted lines cross (Spark no slower beyond), None if they never do."""
    (single_fixed, single_per_row), (spark_fixed, spark_per_row) = single, spark
    if spark_per_row >= single_per_row:
        return None
    return max(0.0, (spark_fixed - single_fixed) / (single_per_row - spark_per_row))


def write_manifests(folder: Path, sizes: list[int]) -> dict[int, Path]:
    """One Parquet file per size: the simulated shipments, repeated with varied ids."""
    from fentrace.simulation import run_scenario

    base = run_scenario("baseline", "2015-01", "2026-12", SEED, volume=BASE_VOLUME).shipments
    base = base.drop("is_illicit", "typology", "shipper_id", "consignee_id")
    base_path = folder / "base.parquet"
    base.write_parquet(base_path)
    base.head(WARMUP_ROWS).write_parquet(folder / "warmup.parquet")
    paths: dict[int, Path] = {}
    for size in sizes:
        copies = -(-size // base.height)
        frames = [
            pl.scan_parquet(base_path).with_columns(
                (pl.col("shipment_id") + pl.lit(f"-R{k}" if k else "")).alias("shipment_id")
            )
            for k in range(copies)
        ]
        path = folder / f"manifest_{size}.parquet"
        pl.concat(frames).head(size).sink_parquet(path, row_group_size=250_000)
        paths[size] = path
    return paths


_SINGLE = """
import json, resource, sys, time
from fentrace.shipments import read_manifest, screen_manifest
from fentrace.shipments.engine import default_lookups
lookups = default_lookups()
start = time.perf_counter()
manifest = read_manifest(sys.argv[1])
result = screen_manifest(manifest, lookups=lookups)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "screened": result.counts["screened"],
                  "high": result.counts["high"],
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def single_process(path: Path) -> dict[str, float]:
    """read_manifest + screen_manifest of ``path`` in a child process (lookups loaded first)."""
    done = subprocess.run(
        [sys.executable, "-c", _SINGLE, str(path)], capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def spark_run(spark: object, path: Path) -> dict[str, float]:
    """fentrace.spark.screen_manifest of ``path``, alerts written to the noop sink."""
    from fentrace.spark.manifest import screen_manifest

    with TreeMemory() as memory:
        start = time.perf_counter()
        frame = spark.read.parquet(str(path))  # type: ignore[attr-defined]
        result = screen_manifest(frame)
        result.alerts.write.format("noop").mode("overwrite").save()
        seconds = time.perf_counter() - start
    out = {"seconds": seconds, "screened": result.screened, "read": result.read}
    out.update(memory.figures())
    result.unpersist()
    return out


def structures(folder: Path, count: int, spark: object) -> dict[str, float]:
    """Bare RDKit parsing vs screen_structures over the same ``count`` SMILES."""
    sys.path.insert(0, str(Path(__file__).parent))
    from rdkit import Chem

    from chem_screen import build_set
    from fentrace.spark.chem import screen_structures

    smiles, distinct = build_set(count)
    path = folder / "structures.parquet"
    pl.DataFrame({"id": [f"M{i}" for i in range(len(smiles))], "smiles": smiles}).write_parquet(
        path
    )
    start = time.perf_counter()
    parsed = sum(1 for s in smiles if Chem.MolFromSmiles(s) is not None)
    bare = time.perf_counter() - start
    bare_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with TreeMemory() as memory:
        start = time.perf_counter()
        frame = spark.read.parquet(str(path))  # type: ignore[attr-defined]
        results = screen_structures(frame, "smiles", id_column="id")
        results.write.format("noop").mode("overwrite").save()
        screened = time.perf_counter() - start
    return {
        "structures": len(smiles),
        "distinct": distinct,
        "parsed": parsed,
        "bare_seconds": bare,
        "bare_peak_mib_this_process": round(bare_peak),
        "spark_seconds": screened,
        **memory.figures(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="100000,1000000,10000000",
        help="comma-separated manifest sizes (default 100k, 1M, 10M rows)",
    )
    parser.add_argument(
        "--single-max",
        type=int,
        default=10_000_000,
        help="largest size the single-process engine runs (its memory grows with the rows)",
    )
    parser.add_argument(
        "--single-memory-fraction",
        type=float,
        default=0.8,
        help="skip a single-process size whose projected peak memory exceeds this fraction "
        "of MemAvailable (projected from the smaller sizes; default 0.8)",
    )
    parser.add_argument(
        "--structures", type=int, default=1_000_000, help="structures (0 = skip; default 1M)"
    )
    parser.add_argument("--master", default="local[2]")
    parser.add_argument(
        "--no-warmup",
        dest="warmup",
        action="store_false",
        help=f"time the first screening cold (default: screen {WARMUP_ROWS:,} rows first and "
        "report that as start-up)",
    )
    parser.add_argument(
        "--driver-memory",
        default="6g",
        help="the local driver's heap: the one executor's memory in local mode (default 6g)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    figures: dict[str, object] = {"load_at_start": load(), "master": args.master}
    print(f"load average at start: {figures['load_at_start']}", flush=True)
    with tempfile.TemporaryDirectory(prefix="fentrace-spark-bench-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        paths = write_manifests(folder, sizes)
        print(f"wrote {len(paths)} manifests in {time.perf_counter() - start:.1f} s", flush=True)

        from fentrace.spark.session import local_session

        start = time.perf_counter()
        spark = local_session(
            args.master,
            driver_memory=args.driver_memory,
            shuffle_partitions=8,
            config={"spark.default.parallelism": "2"},
        )
        spark.range(1).count()
        startup = time.perf_counter() - start
        figures["spark_startup_seconds"] = round(startup, 2)
        print(f"spark start-up (JVM, session, first job): {startup:.1f} s", flush=True)
        if args.warmup:
            # the first screening of a session also starts the Python workers, loads the
            # knowledge base and the watchlist index in them and warms the JVM: a start-up
            # cost, reported as such and kept out of the timed sizes (the single-process
            # child loads its lookups before its clock starts, too)
            warm = spark_run(spark, folder / "warmup.parquet")
            figures["spark_warmup_seconds"] = round(warm["seconds"], 2)
            print(
                f"spark warm-up screening ({WARMUP_ROWS:,} rows: workers start, load the "
                f"knowledge base and watchlist): {warm['seconds']:.1f} s",
                flush=True,
            )

        rows: list[dict[str, object]] = []
        single_points: list[tuple[int, float]] = []
        single_peaks: list[tuple[int, float]] = []
        spark_points: list[tuple[int, float]] = []
        for size in sizes:
            path = paths[size]
            single = None
            skipped = None
            if size > args.single_max:
                skipped = f"above --single-max {args.single_max:,}"
            else:
                peak_line = fitted_line(single_peaks)
                if peak_line is not None:
                    projected = peak_line[0] + peak_line[1] * size
                    allowed = args.single_memory_fraction * meminfo_available_mib()
                    if projected > allowed:
                        skipped = (
                            f"projected peak {projected:,.0f} MiB > {allowed:,.0f} MiB "
                            "(--single-memory-fraction of MemAvailable)"
                        )
            if skipped is None:
                single = single_process(path)
                single_points.append((size, single["seconds"]))
                single_peaks.append((size, single["peak_mib"]))
            done = spark_run(spark, path)
            spark_points.append((size, done["seconds"]))
            row: dict[str, object] = {
                "rows": size,
                "load": load(),
                "spark_seconds": round(done["seconds"], 2),
                "spark_rows_per_s": round(size / done["seconds"]),
                **{k: v for k, v in done.items() if k.startswith("spark_peak")},
            }
            if single is not None:
                row.update(
                    single_seconds=round(single["seconds"], 2),
                    single_rows_per_s=round(size / single["seconds"]),
                    single_peak_mib=round(single["peak_mib"]),
                    ratio=round(single["seconds"] / done["seconds"], 3),
                )
            else:
                row["single_skipped"] = skipped
            rows.append(row)
            print(json.dumps(row), flush=True)
        figures["shipments"] = rows
        crossover = next(
            (r["rows"] for r in rows if "ratio" in r and float(str(r["ratio"])) >= 1.0), None
        )
        figures["crossover_rows"] = crossover
        print(
            "crossover (Spark at least as fast, measured): "
            + (f"{crossover:,} rows" if crossover else "not reached at these sizes"),
            flush=True,
        )
        single_line, spark_line = fitted_line(single_points), fitted_line(spark_points)
        if single_line is not None and spark_line is not None:
            fitted = {
                "single_fixed_s": round(single_line[0], 2),
                "single_us_per_row": round(single_line[1] * 1e6, 3),
                "spark_fixed_s": round(spark_line[0], 2),
                "spark_us_per_row": round(spark_line[1] * 1e6, 3),
            }
            cross = crossing(single_line, spark_line)
            fitted["crossover_rows_fitted"] = round(cross) if cross is not None else None
            figures["fitted"] = fitted
            print(
                "fitted lines (a projection, least squares over the sizes run): "
                + json.dumps(fitted),
                flush=True,
            )
        if args.structures:
            chem = structures(folder, args.structures, spark)
            chem["load"] = load()
            chem["bare_per_s"] = round(chem["structures"] / chem["bare_seconds"])
            chem["spark_per_s"] = round(chem["structures"] / chem["spark_seconds"])
            chem["ratio"] = round(chem["bare_seconds"] / chem["spark_seconds"], 3)
            figures["structures"] = chem
            print(json.dumps(chem), flush=True)
        spark.stop()
    figures["peak_mib_this_process"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    figures["load_at_end"] = load()
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
