"""Network benchmark: build and trace speed at 1M shipments / 100k parties, and ranking quality.

Run: ``.venv/bin/python benchmarks/network.py [--shipments 1000000] [--parties 100000] [--seed 7]``

1. Generates a seeded synthetic trade (no file I/O): legitimate manufacturers, distributors
   and consignees in many countries trading ordinary chemicals (skewed so some are big), plus
   an embedded illicit chain -- precursor suppliers in CN, brokers in HK/SG/IN, front
   companies in MX/CA that share phones -- with some parties under two spellings.
2. Speed: builds the party graph from the in-memory rows with the parties package's name
   normaliser, times a forward and a backward 3-hop trace from the busiest brokers and a
   chemical trace; baseline: a plain networkx MultiDiGraph built edge by edge (names keyed
   by the same normaliser) on a 100k-row slice, scaled per row, in the same run.
3. Quality (``--quality-shipments`` rows, default 50,000): precision@k of illicit parties
   among the top-k of the hubs list (all trade, and precursor trade only) and of the risk
   list seeded with two of the illicit suppliers as watchlisted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import networkx as nx
import numpy as np
import polars as pl

from fentrace.network import (
    PartyGraph,
    build_graph,
    chemical_mask,
    flagged_mask,
    hubs,
    resolve_party,
    rows_from_frame,
    spread_risk,
    supplier_edges,
    trace,
    watch_lookup_from_names,
)
from fentrace.network.sources import (
    ChemicalLabel,
    default_name_key,
    default_watch_lookup,
    read_manifests,
)

LEGIT_CHEMICALS = [
    ("67-64-1", "acetone"),
    ("108-88-3", "toluene"),
    ("64-17-5", "ethanol"),
    ("67-56-1", "methanol"),
    ("7647-01-0", "hydrochloric acid"),
    ("1310-73-2", "sodium hydroxide"),
    ("75-09-2", "dichloromethane"),
    ("141-78-6", "ethyl acetate"),
]
PRECURSORS = [
    ("39742-60-4", "N-Phenethyl-4-piperidone"),
    ("21409-26-7", "4-ANPP"),
    ("23056-29-3", "4-anilinopiperidine"),
    ("79099-07-3", "1-Boc-4-piperidone"),
]
LEGAL_FORMS = {
    "CN": "Co., Ltd.",
    "HK": "Limited",
    "IN": "Pvt Ltd",
    "SG": "Pte Ltd",
    "MX": "SA de CV",
    "US": "LLC",
    "CA": "Inc",
    "DE": "GmbH",
    "NL": "BV",
    "BR": "Ltda",
}
COUNTRIES = list(LEGAL_FORMS)
STEMS = [
    "Golden",
    "Star",
    "Pacific",
    "Orient",
    "Jade",
    "Harbor",
    "Summit",
    "Crystal",
    "Phoenix",
    "Dragon",
    "River",
    "Lotus",
    "Eagle",
    "Silver",
    "Bright",
    "Unity",
    "Prime",
    "Nova",
    "Delta",
    "Apex",
    "Coral",
    "Cedar",
    "Maple",
    "Aurora",
    "Zenith",
    "Horizon",
]
TRADES = [
    "Chemical",
    "Pharma",
    "Biotech",
    "Trading",
    "Import",
    "Export",
    "Logistics",
    "Industrial",
    "Materials",
]


@dataclass(slots=True)
class Synthetic:
    """A generated manifest and its ground truth (spellings of the illicit parties)."""

    frame: pl.DataFrame
    illicit: set[str]
    suppliers: list[str]
    brokers: list[str]


def _names(rng: np.random.Generator, count: int, countries: np.ndarray) -> list[str]:
    a = rng.integers(0, len(STEMS), count)
    b = rng.integers(0, len(TRADES), count)
    return [
        f"{STEMS[a[i]]} {TRADES[b[i]]} {i} {LEGAL_FORMS[str(countries[i])]}" for i in range(count)
    ]


def synthetic(n_shipments: int, n_parties: int, seed: int) -> Synthetic:
    """A seeded trade of ``n_shipments`` among ``n_parties`` parties with an illicit chain inside."""
    rng = np.random.default_rng(seed)
    n_sup, n_brk, n_front = 12, 6, 48
    n_legit = n_parties - n_sup - n_brk - n_front
    countries = rng.choice(COUNTRIES, n_legit)
    legit = _names(rng, n_legit, countries)
    # A fifth of legitimate parties also appear in capitals with the legal form abbreviated.
    variant = rng.random(n_legit) < 0.2
    legit_alt = [
        n.upper().replace(",", "").replace(".", "") if v else n
        for n, v in zip(legit, variant, strict=True)
    ]
    n_makers = n_legit // 4
    n_dist = n_legit // 10
    n_illicit = max(200, n_shipments // 200)
    n_regular = n_shipments - n_illicit
    # Legitimate trade: makers and distributors ship to distributors and consignees.
    popularity = rng.zipf(1.6, n_makers + n_dist).astype(np.float64)
    popularity /= popularity.sum()
    shipper = rng.choice(n_makers + n_dist, n_regular, p=popularity)
    to_dist = rng.random(n_regular) < 0.3
    consignee = np.where(
        to_dist & (shipper < n_makers),
        n_makers + rng.integers(0, n_dist, n_regular),
        n_makers + rng.integers(0, n_legit - n_makers, n_regular),
    )
    consignee = np.where(consignee == shipper, (consignee + 1) % n_legit, consignee)
    day = rng.integers(0, 3 * 365, n_regular)
    chem = rng.integers(0, len(LEGIT_CHEMICALS), n_regular)
    legit_pre = rng.random(n_regular) < 0.002  # a little legitimate 1-Boc-4-piperidone trade
    spelled = rng.random(n_regular) < 0.5
    names_arr = np.array(legit, dtype=object)
    alt_arr = np.array(legit_alt, dtype=object)
    ship_name = np.where(spelled, names_arr[shipper], alt_arr[shipper])
    cons_name = np.where(~spelled, names_arr[consignee], alt_arr[consignee])
    cas = np.array([c for c, _ in LEGIT_CHEMICALS], dtype=object)[chem]
    desc = np.array([d for _, d in LEGIT_CHEMICALS], dtype=object)[chem]
    cas = np.where(legit_pre, PRECURSORS[3][0], cas)
    desc = np.where(legit_pre, PRECURSORS[3][1], desc)
    phone = np.array([f"+{1000000000 + i}" for i in range(n_legit)], dtype=object)[consignee]
    regular = pl.DataFrame(
        {
            "shipper_name": ship_name,
            "shipper_country": countries[shipper],
            "consignee_name": cons_name,
            "consignee_country": countries[consignee],
            "day": day,
            "cas": cas,
            "description": desc,
            "quantity_kg": np.round(rng.lognormal(5, 1.2, n_regular), 1),
            "consignee_phone": phone,
            "transit_countries": np.full(n_regular, "", dtype=object),
        }
    )
    # The illicit chain: suppliers -> brokers -> fronts (later), some direct with transits.
    sup_c = np.array(["CN"] * n_sup)
    brk_c = np.array(["HK", "SG", "IN", "HK", "SG", "IN"])
    front_c = rng.choice(np.array(["MX", "MX", "MX", "CA"]), n_front)
    sup = [f"Hubei {STEMS[i]} Fine Chemical {i} Co., Ltd." for i in range(n_sup)]
    brk = [f"{STEMS[-1 - i]} Global Sourcing {i} {LEGAL_FORMS[c]}" for i, c in enumerate(brk_c)]
    fronts = [
        f"Comercializadora {STEMS[i % 26]} {i} {LEGAL_FORMS[c]}" for i, c in enumerate(front_c)
    ]
    first = n_illicit // 2
    s_idx = rng.integers(0, n_sup, first)
    b_idx = rng.integers(0, n_brk, first)
    d0 = rng.integers(0, 3 * 365 - 60, first)
    pre = rng.integers(0, 3, first)
    leg1 = pl.DataFrame(
        {
            "shipper_name": np.array(sup, dtype=object)[s_idx],
            "shipper_country": sup_c[s_idx],
            "consignee_name": np.array(brk, dtype=object)[b_idx],
            "consignee_country": brk_c[b_idx],
            "day": d0,
            "cas": np.array([c for c, _ in PRECURSORS], dtype=object)[pre],
            "description": np.array([d for _, d in PRECURSORS], dtype=object)[pre],
            "quantity_kg": np.round(rng.lognormal(3, 0.8, first), 1),
            "consignee_phone": np.full(first, "+85200000000", dtype=object),
            "transit_countries": np.full(first, "", dtype=object),
        }
    )
    second = n_illicit - first
    f_idx = rng.integers(0, n_front, second)
    from_b = rng.integers(0, n_brk, second)
    pre2 = rng.integers(0, 3, second)
    leg2 = pl.DataFrame(
        {
            "shipper_name": np.array(brk, dtype=object)[from_b],
            "shipper_country": brk_c[from_b],
            "consignee_name": np.array(fronts, dtype=object)[f_idx],
            "consignee_country": front_c[f_idx],
            "day": rng.integers(30, 3 * 365, second),
            "cas": np.array([c for c, _ in PRECURSORS], dtype=object)[pre2],
            "description": np.array([d for _, d in PRECURSORS], dtype=object)[pre2],
            "quantity_kg": np.round(rng.lognormal(2.5, 0.8, second), 1),
            # Fronts in groups of four give the same phone: one operator behind several names.
            "consignee_phone": np.array([f"+52 667 555 {i // 4:04d}" for i in f_idx], dtype=object),
            "transit_countries": rng.choice(np.array(["", "PA", "US", "GT"]), second).astype(
                object
            ),
        }
    )
    frame = pl.concat([regular, leg1, leg2], how="vertical_relaxed")
    frame = frame.sample(fraction=1.0, shuffle=True, seed=seed)
    start = date(2022, 1, 1)
    frame = frame.with_columns(
        pl.format("S{}", pl.int_range(0, pl.len())).alias("shipment_id"),
        (pl.lit(start) + pl.duration(days=pl.col("day"))).alias("date"),
    ).drop("day")
    return Synthetic(frame, set(sup) | set(brk) | set(fronts), sup, brk)


def fast_namer(cas: str | None, description: str) -> ChemicalLabel:
    """Label chemicals by CAS without the knowledge base (the generator's CAS are exact)."""
    return ChemicalLabel(f"cas:{cas}" if cas else None, description)


def timed(label: str, action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - start
    print(f"  {label:<52} {elapsed:8.3f} s", flush=True)
    return elapsed, result


def baseline_networkx(frame: pl.DataFrame, key: Callable[[str], str]) -> nx.MultiDiGraph:
    """What one would write first: a MultiDiGraph, one add_edge per shipment row."""
    g = nx.MultiDiGraph()
    cache: dict[str, str] = {}
    for row in frame.iter_rows(named=True):
        a = cache.get(row["shipper_name"]) or cache.setdefault(
            row["shipper_name"], key(row["shipper_name"])
        )
        b = cache.get(row["consignee_name"]) or cache.setdefault(
            row["consignee_name"], key(row["consignee_name"])
        )
        g.add_edge(
            a,
            b,
            key=row["shipment_id"],
            date=row["date"],
            cas=row["cas"],
            kg=row["quantity_kg"],
        )
    return g


def precision_at(ranked: list[str], truth: set[str], k: int) -> float:
    top = ranked[:k]
    return sum(1 for name in top if name in truth) / max(1, len(top))


def quality(n_shipments: int, n_parties: int, seed: int) -> None:
    data = synthetic(n_shipments, n_parties, seed)
    key = default_name_key()
    truth_keys = {key(n) for n in data.illicit}
    watch = watch_lookup_from_names(
        [
            (data.suppliers[0], "indictment", "synthetic"),
            (data.suppliers[1], "sanction", "synthetic"),
        ]
    )
    graph = build_graph(rows_from_frame(data.frame), watch=watch, chemical_namer=fast_namer)
    keys = graph.parties["key"].to_list()

    def is_illicit(node: int) -> bool:
        return keys[node] in truth_keys

    n_truth = len(truth_keys)
    print(
        f"\nquality: {graph.n_shipments:,} shipments, {graph.n_parties:,} parties, "
        f"{n_truth} illicit (12 suppliers, 6 brokers, 48 fronts)"
    )
    pre_mask = np.zeros(graph.n_shipments, dtype=bool)
    for cas, _ in PRECURSORS:
        pre_mask |= chemical_mask(graph, cas)
    for label, mask in (("all trade", None), ("precursor trade only", pre_mask)):
        start = time.perf_counter()
        ranked = hubs(graph, top=50, edge_mask=mask)
        print(f"  hubs ({label}) took {time.perf_counter() - start:.2f} s")
        flags = [is_illicit(h.node) for h in ranked]
        brokers_found = sum(1 for h in ranked[:6] if keys[h.node] in {key(b) for b in data.brokers})
        print(
            f"  hubs ({label}): precision@6 {sum(flags[:6]) / 6:.2f}, "
            f"precision@20 {sum(flags[:20]) / 20:.2f}; brokers in top 6: {brokers_found}/6"
        )
    start = time.perf_counter()
    scores = spread_risk(graph)
    print(f"  risk spread took {time.perf_counter() - start:.2f} s")
    flags = [is_illicit(s.node) for s in scores]
    for k in (10, 20, 50):
        print(f"  risk (2 suppliers watchlisted): precision@{k} {sum(flags[:k]) / k:.2f}")
    recall = sum(flags[:n_truth]) / n_truth
    print(f"  risk recall@{n_truth} (illicit among the top {n_truth}) {recall:.2f}")


def _report(graph: PartyGraph, truth_keys: set[str], masks: dict[str, np.ndarray | None]) -> None:
    """Precision@k of illicit parties among the hubs (all / masked trade) and the risk list."""
    keys = graph.parties["key"].to_list()
    base = sum(1 for k in keys if k in truth_keys) / max(1, len(keys))
    print(f"  base rate (illicit share of all parties): {base:.2f}")
    for label, edge_mask in masks.items():
        if edge_mask is not None and not edge_mask.any():
            continue
        ranked = hubs(graph, top=50, edge_mask=edge_mask)
        flags = [keys[h.node] in truth_keys for h in ranked]
        cells = ", ".join(
            f"precision@{k} {sum(flags[:k]) / max(1, len(flags[:k])):.2f}" for k in (5, 10, 20, 50)
        )
        print(f"  hubs ({label}): {cells}")
    scores = spread_risk(graph)
    seeds = sum(1 for s in scores if s.hops == 0)
    flags = [keys[s.node] in truth_keys for s in scores if s.hops > 0]
    cells = ", ".join(
        f"precision@{k} {sum(flags[:k]) / max(1, len(flags[:k])):.2f}"
        for k in (10, 20, 50, 100, 200)
    )
    print(f"  risk from {seeds} watchlisted parties (seeds excluded, {len(flags)} scored): {cells}")


def quality_on_manifest(manifest: str, registry: str) -> None:
    """Ranking quality on a labelled manifest and its company registry (the simulation's).

    The registry needs ``name`` and ``is_illicit`` (``aliases`` ``|``-joined, optional); the
    graph is screened against the bundled watchlist, whose hits seed the risk spread.
    """
    reader = pl.read_parquet if registry.endswith(".parquet") else pl.read_csv
    table = reader(registry)
    key = default_name_key()
    truth_keys: set[str] = set()
    for row in table.filter(pl.col("is_illicit").cast(pl.Boolean)).iter_rows(named=True):
        truth_keys.add(key(str(row["name"])))
        for alias in str(row.get("aliases") or "").split("|"):
            if alias:
                truth_keys.add(key(alias))
    graph = build_graph(read_manifests([manifest], screen=True), watch=default_watch_lookup())
    substance = graph.shipments["substance_id"]
    listed = (substance.is_not_null() & ~substance.str.starts_with("cas:")).to_numpy()
    illicit = sum(1 for k in graph.parties["key"].to_list() if k in truth_keys)
    print(
        f"\nquality on {manifest}: {graph.n_shipments:,} shipments, {graph.n_parties:,} "
        f"parties, {illicit} of them illicit per {registry}"
    )
    masks: dict[str, np.ndarray | None] = {"all trade": None}
    masks["listed chemicals only"] = listed.astype(bool)
    for level in ("high", "medium"):
        masks[f"shipments flagged {level} or above"] = flagged_mask(graph, level)
    # A controlled precursor alone scores 70: above 75 a shipment has a second red flag.
    masks["shipments scoring >= 75"] = flagged_mask(graph, "high", min_score=75.0)
    _report(graph, truth_keys, masks)


def speed(n_shipments: int, n_parties: int, seed: int, baseline_rows: int) -> None:
    print(f"speed: {n_shipments:,} shipments, {n_parties:,} parties (seed {seed})")
    gen_time, made = timed(
        "generate (not part of build)", lambda: synthetic(n_shipments, n_parties, seed)
    )
    assert isinstance(made, Synthetic)
    rows = rows_from_frame(made.frame)
    build_time, built = timed(
        "build_graph (parties normaliser)",
        lambda: build_graph(rows, chemical_namer=fast_namer),
    )
    assert isinstance(built, PartyGraph)
    graph = built
    print(
        f"    -> {graph.n_parties:,} parties, {graph.n_shipments:,} shipments, "
        f"{graph.links.height:,} links; {graph.n_shipments / build_time:,.0f} shipments/s"
    )
    broker = resolve_party(graph, made.brokers[0])
    supplier = resolve_party(graph, made.suppliers[0])
    t_fwd, fwd = timed(
        "trace forward 3 hops from an illicit supplier", lambda: trace(graph, [supplier], hops=3)
    )
    t_back, back = timed(
        "trace backward 3 hops from a broker", lambda: trace(graph, [broker], backward=True, hops=3)
    )
    busiest = int(np.argmax(graph.parties["shipments_out"].to_numpy()))
    t_hub, hub_trace = timed(
        "trace forward 3 hops from the busiest shipper",
        lambda: trace(graph, [busiest], hops=3, limit=1000),
    )
    mask_time, mask = timed("chemical mask (NPP)", lambda: chemical_mask(graph, "39742-60-4"))
    assert isinstance(mask, np.ndarray)
    t_chem, chem = timed(
        "chemical trace from NPP suppliers, 4 hops",
        lambda: trace(graph, start_edges=supplier_edges(graph, mask), edge_mask=mask, hops=4),
    )
    for label, result in (
        ("supplier", fwd),
        ("broker", back),
        ("busiest", hub_trace),
        ("NPP", chem),
    ):
        assert hasattr(result, "reached")
        print(
            f"    {label}: {len(result.reached):,} parties reached, "  # type: ignore[attr-defined]
            f"{result.shipments_followed:,} shipments followed"  # type: ignore[attr-defined]
        )
    part = made.frame.head(baseline_rows)
    key = default_name_key()
    base_time, _ = timed(
        f"baseline networkx MultiDiGraph, {part.height:,} rows",
        lambda: baseline_networkx(part, key),
    )
    per_row_base = base_time / part.height
    per_row_ours = build_time / graph.n_shipments
    print(
        f"  build: {per_row_ours * 1e6:.2f} us/shipment vs baseline {per_row_base * 1e6:.2f} us/shipment"
        f" -> {per_row_base / per_row_ours:.1f}x faster (baseline extrapolated to "
        f"{n_shipments:,} rows: {per_row_base * n_shipments:.0f} s)"
    )
    worst = max(t_fwd, t_back, t_hub, t_chem)
    print(f"  targets: build {build_time:.1f} s (<= 60 s), slowest trace {worst:.3f} s (<= 1 s)")
    del gen_time, mask_time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shipments", type=int, default=1_000_000)
    parser.add_argument("--parties", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline-rows", type=int, default=100_000)
    parser.add_argument("--quality-shipments", type=int, default=50_000)
    parser.add_argument("--quality-parties", type=int, default=5_000)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--manifest", help="a labelled manifest (e.g. from `fentrace simulate`)")
    parser.add_argument("--registry", help="its company registry (name, aliases, is_illicit)")
    args = parser.parse_args(argv)
    print(
        f"machine: {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}; python {sys.version.split()[0]}"
    )
    if not args.skip_speed:
        speed(args.shipments, args.parties, args.seed, args.baseline_rows)
    if args.manifest and args.registry:
        quality_on_manifest(args.manifest, args.registry)
        return 0
    quality(args.quality_shipments, args.quality_parties, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
