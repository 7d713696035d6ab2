"""Benchmark: the Spark engine on local[2] against the single-process engine, same Parquet files.

    .venv/bin/python benchmarks/spark.py                                   # 10M rows, 1M structures
    .venv/bin/python benchmarks/spark.py --sizes 100000,1000000 --structures 20000   # quick

Shipments: the simulator (baseline scenario, seed 0) writes about a million labelled
shipments; they are repeated with varied shipment ids (``-R1``, ``-R2``, ...) up to each size
and written once per size to Parquet (streamed: the 10M rows never sit in memory at once).
For every size the single-process engine (``read_manifest`` + ``screen_manifest``, in a child
process so that its peak memory is measured) and ``fentrace.spark.screen_manifest`` on a
``local[2]`` session (alerts written to Spark's ``noop`` sink) screen the same file. Prints
rows/s for both, their ratio, Spark's start-up cost and the crossover size where Spark stops
losing. ``--single-max`` caps the single-process sizes (its memory grows with the rows).

Structures: ``--structures`` drug-like SMILES (the generator of ``benchmarks/chem_screen.py``)
are written to Parquet; bare single-process RDKit parsing of the same list is the baseline
for ``fentrace.spark.screen_structures`` on the same session.

Spark memory: driver (the local executor) ``--driver-memory`` (default 4g) plus two Python
workers; the machine is shared, so everything stays under ~6 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

SEED = 0
BASE_VOLUME = 0.8  # about 1,000,000 simulated shipments


def load() -> str:
    """The load average, as `uptime` shows it (the machine is shared)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def write_manifests(folder: Path, sizes: list[int]) -> dict[int, Path]:
    """One Parquet file per size: the simulated shipments, repeated with varied ids."""
    from fentrace.simulation import run_scenario

    base = run_scenario("baseline", "2015-01", "2026-12", SEED, volume=BASE_VOLUME).shipments
    base = base.drop("is_illicit", "typology", "shipper_id", "consignee_id")
    base_path = folder / "base.parquet"
    base.write_parquet(base_path)
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

    start = time.perf_counter()
    frame = spark.read.parquet(str(path))  # type: ignore[attr-defined]
    result = screen_manifest(frame)
    result.alerts.write.format("noop").mode("overwrite").save()
    seconds = time.perf_counter() - start
    out = {"seconds": seconds, "screened": result.screened, "read": result.read}
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
        "spark_seconds": screened,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="100000,1000000,3000000,10000000",
        help="comma-separated manifest sizes (default 100k, 1M, 3M, 10M rows)",
    )
    parser.add_argument(
        "--single-max",
        type=int,
        default=10_000_000,
        help="largest size the single-process engine runs (its memory grows with the rows)",
    )
    parser.add_argument(
        "--structures", type=int, default=1_000_000, help="structures (0 = skip; default 1M)"
    )
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="4g")
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
        figures["spark_startup_seconds"] = startup
        print(f"spark start-up (JVM, session, first job): {startup:.1f} s", flush=True)

        rows: list[dict[str, object]] = []
        for size in sizes:
            path = paths[size]
            single = single_process(path) if size <= args.single_max else None
            done = spark_run(spark, path)
            row: dict[str, object] = {
                "rows": size,
                "load": load(),
                "spark_seconds": round(done["seconds"], 2),
                "spark_rows_per_s": round(size / done["seconds"]),
            }
            if single is not None:
                row.update(
                    single_seconds=round(single["seconds"], 2),
                    single_rows_per_s=round(size / single["seconds"]),
                    single_peak_mib=round(single["peak_mib"]),
                    ratio=round(single["seconds"] / done["seconds"], 3),
                )
            rows.append(row)
            print(json.dumps(row), flush=True)
        figures["shipments"] = rows
        crossover = next(
            (r["rows"] for r in rows if "ratio" in r and float(str(r["ratio"])) >= 1.0), None
        )
        figures["crossover_rows"] = crossover
        print(
            "crossover (Spark at least as fast): "
            + (f"{crossover:,} rows" if crossover else "not reached at these sizes"),
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
