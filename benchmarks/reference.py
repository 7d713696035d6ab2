"""Benchmark: knowledge-base load time and lookup throughput, each against a baseline run alongside.

Measures in one run, on the shipped data files:

* load: ``build_knowledge_base`` (parse + validate + index, uncached) against the bare YAML/CSV
  parse of the same files (``yaml.load`` with the C loader, ``csv.reader``) -- the price of
  validation and typing; target: a full load under 0.3 s;
* name lookups: ``kb.substance_by_name`` on spelling variants of every name and synonym against a
  naive baseline that normalises every known name on each query (a linear scan);
* status queries: ``kb.listed_status`` for every substance on 50 dates (all six jurisdictions each).

    .venv/bin/python benchmarks/reference.py           # default repeats
    .venv/bin/python benchmarks/reference.py --repeat 3
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import yaml

from fentrace.reference import build_knowledge_base, normalise_chemical_name
from fentrace.reference.loader import DATA_DIR

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _best(seconds: Callable[[], float], repeat: int) -> float:
    return min(seconds() for _ in range(repeat))


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _bare_parse() -> None:
    for path in sorted(DATA_DIR.glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            yaml.load(handle, Loader=_Loader)
    for name in ("overdose_deaths.csv", "negative_controls.csv"):
        with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
            list(csv.reader(handle))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="best of N for each timing")
    args = parser.parse_args()

    bare = _best(lambda: _timed(_bare_parse), args.repeat)
    full = _best(lambda: _timed(lambda: build_knowledge_base(DATA_DIR)), args.repeat)
    print(
        f"load: bare parse {bare * 1000:.1f} ms, full load {full * 1000:.1f} ms, ratio {full / bare:.2f}x"
    )

    kb = build_knowledge_base(DATA_DIR)
    names = [n for s in kb.substances.values() for n in (s.name, *s.synonyms)]
    queries = [v for n in names for v in (n, n.upper(), n.replace("-", " "), f"{n} HCl")]

    def indexed() -> None:
        for q in queries:
            kb.substance_by_name(q)

    known = [(n, s) for s in kb.substances.values() for n in (s.name, *s.synonyms)]

    def naive() -> None:
        for q in queries[:200]:
            key = normalise_chemical_name(q)
            next((s for n, s in known if normalise_chemical_name(n) == key), None)

    t_indexed = _best(lambda: _timed(indexed), args.repeat)
    t_naive = _best(lambda: _timed(naive), args.repeat)
    rate_indexed = len(queries) / t_indexed
    rate_naive = 200 / t_naive
    print(
        f"name lookups: indexed {rate_indexed:,.0f}/s ({len(queries)} queries), "
        f"naive scan {rate_naive:,.0f}/s, ratio {rate_indexed / rate_naive:.0f}x"
    )

    days = [date(2007, 1, 1) + timedelta(days=140 * i) for i in range(50)]

    def statuses() -> None:
        for sid in kb.substances:
            for day in days:
                kb.listed_status(sid, day)

    t_status = _best(lambda: _timed(statuses), args.repeat)
    n_status = len(kb.substances) * len(days)
    print(
        f"status queries: {n_status / t_status:,.0f} substance-dates/s "
        f"({n_status * 6 / t_status:,.0f} jurisdiction cells/s; best of {args.repeat})"
    )


if __name__ == "__main__":
    main()
