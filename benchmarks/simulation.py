"""Simulator throughput: 12 years monthly, > 5,000 agents, about a million labelled shipments.

Prints agents, shipments, seconds and shipments/s for the vectorised model, and the ratio
against a naive per-shipment Python loop (one dict per shipment) run on a one-year slice in
the same process.  Run: ``.venv/bin/python benchmarks/simulation.py [--volume 1.0]``.
"""

from __future__ import annotations

import argparse
import random
import time

from fentrace.simulation import load_params, run_scenario
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--volume", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
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
