"""Simulator throughput: 12 years monthly, > 5,000 agents, about a million labelled shipments.

Prints agents, shipments, seconds and shipments/s for the vectorised model, and the ratio
against a naive per-shipment Python loop (one dict per shipment) run on a one-year slice in
the same process.  Run: ``.venv/bin/python benchmarks/simulation.py [--volume 1.0]``.

``--brief`` instead times the policy brief of issue 15 end to end (``fentrace simulate --compare
baseline doubled-inspection full-cn-cooperation --draws 200 --report brief.html``, a fresh
process), prints the machine's load while it ran, and the throughput of the vectorised ensemble
(parameter draws x scenarios per second) against one ``run_scenario`` per draw (the agent
model with its registry, volume 0) measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fentrace.simulation import load_params, load_scenario, run_ensemble, run_scenario, sample_draws
from fentrace.simulation.goods import goods_table
from fentrace.simulation.model import PAYMENTS, TRANSITS


def naive_year(n_per_month: int, companies: list[str], seed: int) -> int:
    """The baseline: one Python dict per shipment, drawn field by field."""
    rnd = random.Random(seed)
    goods = goods_table()
    rows = []
    for month in range(12):
        for i in range(n_per_month):
            good = rnd.choice(goods)
            illicit = rnd.random() < 0.03
            rows.append(
                {
                    "shipment_id": f"N{month:02d}{i:07d}",
                    "date": f"2020-{month + 1:02d}-{rnd.randint(1, 28):02d}",
                    "shipper_name": rnd.choice(companies),
                    "consignee_name": rnd.choice(companies),
                    "description": good.name,
                    "hs_code": good.hs_code,
                    "cas": good.cas if rnd.random() < 0.7 else None,
                    "quantity_kg": round(rnd.lognormvariate(6.2, 1.0), 1),
                    "transit_countries": rnd.choice(TRANSITS),
                    "payment_method": rnd.choice(PAYMENTS),
                    "is_illicit": illicit,
                }
            )
    return len(rows)


BRIEF_SCENARIOS = ("baseline", "doubled-inspection", "full-cn-cooperation")


def brief(draws: int, jobs: int | None) -> None:
    """Time the brief command in a fresh process; compare ensemble and per-run throughput."""
    fentrace = Path(sys.executable).with_name("fentrace")
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "brief.html"
        command = [str(fentrace), "simulate", "--compare", *BRIEF_SCENARIOS,
                   "--draws", str(draws), "--report", str(report)]  # fmt: skip
        if jobs:
            command += ["--jobs", str(jobs)]
        load_before = os.getloadavg()
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        load_after = os.getloadavg()
        size = report.stat().st_size
    print(f"command           {' '.join(command[1:-2])} --report brief.html")
    print(f"cpus              {len(os.sched_getaffinity(0))}")
    print(f"load avg before   {load_before[0]:.2f} (1 min) {load_before[1]:.2f} (5 min)")
    print(f"load avg after    {load_after[0]:.2f} (1 min) {load_after[1]:.2f} (5 min)")
    print(f"brief seconds     {seconds:.1f} (limit 600)")
    print(f"brief size        {size / 1e3:.0f} kB")

    scenarios = [load_scenario(n) for n in BRIEF_SCENARIOS]
    sample = sample_draws(draws, seed=0)
    from fentrace.simulation.uncertainty import months_between

    months = months_between("2015-01", "2026-12")
    t0 = time.perf_counter()
    run_ensemble(scenarios, sample, months, jobs=1)
    vector_rate = draws * len(scenarios) / (time.perf_counter() - t0)
    runs = 3
    t0 = time.perf_counter()
    for seed in range(runs):
        run_scenario("baseline", "2015-01", "2026-12", seed, volume=0)
    single_rate = runs / (time.perf_counter() - t0)
    print(f"ensemble          {vector_rate:,.0f} scenario-draws/s (one process)")
    print(f"run_scenario      {single_rate:,.2f} runs/s (agent model, volume 0)")
    print(f"ratio             {vector_rate / single_rate:,.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--volume", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--brief", action="store_true", help="time the policy brief instead")
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    if args.brief:
        brief(args.draws, args.jobs)
        return
    params = load_params()
    started = time.perf_counter()
    result = run_scenario("baseline", "2015-01", "2026-12", args.seed, volume=args.volume)
    seconds = time.perf_counter() - started
    agents = result.registry.height + int(params.number("agents.labs"))
    shipments = result.shipments.height
    rate = shipments / seconds
    per_month = int(shipments / result.series.height)
    names = result.registry["name"].to_list()
    t0 = time.perf_counter()
    naive_rows = naive_year(per_month, names, args.seed)
    naive_seconds = time.perf_counter() - t0
    naive_rate = naive_rows / naive_seconds
    print(f"months            {result.series.height}")
    print(f"agents            {agents}")
    print(f"shipments         {shipments}")
    print(f"illicit           {int(result.shipments['is_illicit'].sum())}")
    print(f"seconds           {seconds:.2f}")
    print(f"shipments/s       {rate:,.0f}")
    print(f"naive rows (1 yr) {naive_rows} in {naive_seconds:.2f} s = {naive_rate:,.0f} rows/s")
    print(f"ratio vs naive    {rate / naive_rate:.1f}x (the naive loop builds fewer fields)")


if __name__ == "__main__":
    main()
