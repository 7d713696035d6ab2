"""Costs the hardening bounds: wide manifests read in linear time, huge records refused fast.

    .venv/bin/python benchmarks/hardening.py

1. Reading a one-row manifest with N extra columns, N = 1,000 .. 8,000: seconds, and the
   ratio of the time at 2N to the time at N (about 2 is linear; the old reader, which built
   the frame's schema once per column, gave about 4).
2. A 5 MB SMILES screened by the batch path: time until it is refused (before the length
   bound it was parsed in full: 16-19 s and 2.7 GB), against the baseline of a 200 KB
   SMILES parsed in full (the bound raised) in the same run.
3. The cost of atomic output: a 500,000-row CSV written by Polars straight to its path
   (the baseline) and through ``atomic_path`` (temporary file, lock, fsync, rename).
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

from fentrace.atomic import atomic_path
from fentrace.chemistry.batch import Record, screen_record
from fentrace.chemistry.kbindex import knowledge_base
from fentrace.shipments import read_manifest_bytes

HEADER = (
    "shipment_id,date,shipper_name,shipper_country,consignee_name,consignee_country,"
    "description,quantity_kg"
)


def _wide(extra: int) -> bytes:
    names = ",".join(f"x{i}" for i in range(extra))
    values = ",".join("v" for _ in range(extra))
    return f"{HEADER},{names}\nS1,2024-01-01,A,CN,B,MX,thing,1,{values}\n".encode()


def _seconds(action: object, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best


def _atomic_cost() -> None:
    rows = 500_000
    frame = pl.DataFrame(
        {"id": [f"S{i}" for i in range(rows)], "name": ["Example Trading Co"] * rows}
    ).with_columns(pl.int_range(rows).alias("quantity"))
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "out.csv"
        direct = _seconds(lambda: frame.write_csv(target))

        def atomic() -> None:
            with atomic_path(target) as temp:
                frame.write_csv(temp)

        safe = _seconds(atomic)
    print(f"{rows:,}-row CSV written straight (baseline): {direct * 1000:8.1f} ms")
    print(f"{rows:,}-row CSV written atomically:          {safe * 1000:8.1f} ms")
    print(f"  atomic / straight: {safe / direct:.2f}")


def main() -> None:
    print("wide manifests (one row):")
    previous = None
    for extra in (1000, 2000, 4000, 8000):
        data = _wide(extra)
        took = _seconds(lambda data=data: read_manifest_bytes(data, "wide.csv"))
        ratio = f"  x{took / previous:.2f} for twice the columns" if previous else ""
        print(f"  {extra:>5} columns: {took:7.3f} s{ratio}")
        previous = took
    knowledge_base()
    as_of = date(2024, 1, 1)
    chain = "C" * 200_000
    os.environ["FENTRACE_MAX_SMILES_CHARS"] = str(10**7)  # the baseline: parsed in full
    parsed = _seconds(lambda: screen_record(Record(1, None, chain, "smiles"), as_of), repeat=1)
    del os.environ["FENTRACE_MAX_SMILES_CHARS"]
    huge = "C" * 5_000_000
    refused = _seconds(lambda: screen_record(Record(1, None, huge, "smiles"), as_of))
    print(f"200 KB SMILES parsed (bound raised, baseline): {parsed * 1000:10.1f} ms")
    print(f"5 MB SMILES refused by the length bound:       {refused * 1000:10.3f} ms")
    print(f"  parsing a SMILES 25 times shorter took {parsed / refused:,.0f} x the refusal")
    _atomic_cost()


if __name__ == "__main__":
    main()
