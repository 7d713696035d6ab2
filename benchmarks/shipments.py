"""Throughput of shipment screening, end to end, on a generated manifest.

    .venv/bin/python benchmarks/shipments.py               # 100,000 and 1,000,000 rows
    .venv/bin/python benchmarks/shipments.py --rows 20000  # a quick run

Generates a seeded manifest with realistic distinct counts (a few thousand parties, a few
hundred chemicals named by CAS, name or abbreviation, a few thousand descriptions), writes
it as CSV, and times read_manifest + screen_manifest with the real chemistry and party
engines. Prints rows/s, the per-row cost at the smaller and the larger size and their
ratio (linear growth keeps it near 1), and two baselines measured in the same run: plain
Polars CSV reading of the same file, and a naive per-row Python loop (indicators called row
by row, lookups memoised) over a slice.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from fentrace.reference import load_knowledge_base
from fentrace.shipments import indicators as ind
from fentrace.shipments import load_rules, read_manifest, screen_manifest
from fentrace.shipments.engine import default_lookups
from fentrace.shipments.text import MentionFinder, TermMatcher

SEED = 7


def chemical_pool() -> list[tuple[str, str, str]]:
    """(description text, cas column, hs code) for a few hundred distinct chemicals."""
    kb = load_knowledge_base()
    pool: list[tuple[str, str, str]] = []
    for substance in kb.substances.values():
        hs = substance.hs_codes[0].split(" ")[0] if substance.hs_codes else "2933.39"
        pool.append((substance.name, "", hs))
        if substance.cas and substance.cas_verified:
            pool.append(("Pharmaceutical intermediate", substance.cas, "2942.00"))
        for synonym in substance.synonyms[:2]:
            pool.append((f"{synonym} 99%", "", hs))
    for _id, name, _smiles in kb.negative_controls:
        pool.append((f"{name} API", "", "2933.39"))
    # ordinary trade chemicals the knowledge base does not know (unresolved, cleared quickly)
    for i in range(120):
        pool.append((f"Industrial resin grade {i}", "", "3907.30"))
    return pool


def generate(rows: int, seed: int = SEED) -> pl.DataFrame:
    """A manifest of ``rows`` rows with realistic distinct counts (vectorised, seeded)."""
    rng = np.random.default_rng(seed)
    chemicals = chemical_pool()
    regions = [
        "Hubei",
        "Wuhan",
        "Hebei",
        "Shanghai",
        "Jiangsu",
        "Zhejiang",
        "Shandong",
        "Anhui",
        "Henan",
        "Guangzhou",
    ]
    trades = [
        "Biotech",
        "Chemical",
        "Pharmatech",
        "Trading",
        "New Material",
        "Import & Export",
        "Fine Chemical",
        "Technology",
    ]
    shippers = [
        f"{r} {w} {t} Co., Ltd."
        for r in regions
        for t in trades
        for w in (
            "Xin",
            "Hua",
            "Long",
            "Tian",
            "Jia",
            "Rui",
            "Sheng",
            "Kang",
            "Bo",
            "Yuan",
            "Hong",
            "Da",
            "Fu",
            "Jin",
            "Heng",
            "Mei",
        )
    ]
    shippers += ["HUBEI AMARVEL BIO-TECH CO LTD", "Hanhong Pharmaceutical Tech Co Ltd"]
    consignees = [
        f"{k} {n} {s}"
        for k in (
            "Taqueria",
            "Muebles",
            "Quimica",
            "Laboratorios",
            "Farmacia",
            "Distribuidora",
            "Comercial",
            "Industrias",
            "Autopartes",
            "Ropa",
        )
        for n in (
            "del Norte",
            "Pacifico",
            "Azteca",
            "Bajio",
            "Sol",
            "Jalisco",
            "Sinaloa",
            "Sonora",
            "Maya",
            "Central",
            "Alianza",
            "Union",
            "Moderna",
            "Global",
            "Regional",
            "Nacional",
            "Plus",
            "Express",
            "Premier",
            "Andina",
        )
        for s in (
            "S.A. de C.V.",
            "S. de R.L.",
            "Ltd.",
            "Inc.",
            "SA",
            "y Asociados",
            "Group",
            "Corp.",
            "Holdings",
            "LLC",
            "Co.",
            "International",
            "Trading",
            "Supply",
            "Partners",
            "Imports",
            "Market",
            "Works",
        )
    ]
    countries = np.array(["MX", "CA", "US", "DE", "GB", "BR", "GT", "IN", "NL", "CO"])
    origins = np.array(["CN", "CN", "CN", "CN", "IN", "HK"])
    modes = np.array(["sea", "air", "courier", "post", "road"])
    payments = np.array(
        [
            "Letter of credit",
            "Bank transfer (T/T)",
            "USDT (TRC20)",
            "Bitcoin",
            "Third-party payment",
            "Open account",
        ]
    )
    transits = np.array(["", "", "", "", "US", "GT", "NL", "US|GT"])
    templates = ["{}", "{} 99% min", "{}, white powder", "Sample of {}", "{} (research use)"]
    chem_index = rng.integers(0, len(chemicals), rows)
    template_index = rng.integers(0, len(templates), rows)
    # distinct (chemical, template) pairs make a few thousand descriptions
    combo = chem_index * len(templates) + template_index
    text = {
        int(k): templates[int(k) % len(templates)].format(chemicals[int(k) // len(templates)][0])
        for k in np.unique(combo)
    }
    # each party keeps one country, as real companies do
    shipper_index = rng.integers(0, len(shippers), rows)
    shipper_country = origins[np.arange(len(shippers)) % len(origins)]
    consignee_index = rng.integers(0, len(consignees), rows)
    consignee_country = countries[np.arange(len(consignees)) % len(countries)]
    # some fronts share a phone: 3,500 numbers for 3,600 consignees
    phones = np.char.add("+52 55 5555 ", np.char.zfill((consignee_index % 3500).astype(str), 4))
    days = rng.integers(0, 3 * 365, rows) + (date(2022, 1, 1) - date(1970, 1, 1)).days
    return pl.DataFrame(
        {
            "shipment_id": pl.int_range(0, rows, eager=True).cast(pl.String).str.zfill(8),
            "date": pl.Series(days).cast(pl.Date),
            "shipper_name": pl.Series(shippers).gather(shipper_index),
            "shipper_country": shipper_country[shipper_index],
            "consignee_name": pl.Series(consignees).gather(consignee_index),
            "consignee_country": consignee_country[consignee_index],
            "description": pl.Series(combo).replace_strict(text, return_dtype=pl.String),
            "hs_code": pl.Series([c[2] for c in chemicals]).gather(chem_index),
            "cas": pl.Series([c[1] for c in chemicals]).gather(chem_index),
            "quantity_kg": np.round(rng.lognormal(3, 2, rows), 1),
            "transport_mode": rng.choice(modes, rows, p=[0.45, 0.25, 0.15, 0.05, 0.10]),
            "payment_method": rng.choice(payments, rows, p=[0.40, 0.45, 0.05, 0.03, 0.04, 0.03]),
            "transit_countries": rng.choice(transits, rows),
            "consignee_phone": phones,
        }
    )


def naive_loop(frame: pl.DataFrame) -> float:
    """Rows per second of a per-row Python loop calling the indicators (lookups memoised)."""
    lookups = default_lookups()
    rules = load_rules()
    finder = MentionFinder(lookups.lexicon)
    vague = TermMatcher(rules.vague_terms)
    virtual, third = TermMatcher(rules.virtual_currency_terms), TermMatcher(rules.third_party_terms)
    trades = TermMatcher(rules.unrelated_trades)

    @cache
    def chem(query: str, day: date) -> object:
        return lookups.chemicals([query], day)[0]

    @cache
    def party(name: str, country: str) -> object:
        return lookups.parties([name], [country])[0]

    started = time.perf_counter()
    for row in frame.iter_rows(named=True):
        mentions = finder.find(row["description"])
        queries = ([row["cas"]] if row["cas"] else []) + finder.queries(mentions)
        findings = [chem(q, row["date"]) for q in queries]
        worst = ind.worst_finding(findings)  # type: ignore[arg-type]
        if worst is not None:
            for function in ind.CHEM_INDICATORS.values():
                function(worst)
        ind.hs_mismatch(row["hs_code"], worst, row["description"])
        ind.vague_description(row["description"], mentions, vague)
        for role in ("shipper", "consignee"):
            finding = party(row[f"{role}_name"], row[f"{role}_country"])
            ind.party_watchlist(role, row[f"{role}_name"], finding)  # type: ignore[arg-type]
        transit = tuple(t for t in row["transit_countries"] if t)
        ind.route_risk(row["shipper_country"], transit, row["consignee_country"], rules.routes)
        ind.payment_risk(row["payment_method"], virtual, third)
        ind.consignee_unrelated_trade(row["consignee_name"], trades)
    return frame.height / (time.perf_counter() - started)


def run(rows: int, folder: Path) -> dict[str, float]:
    frame = generate(rows)
    path = folder / f"manifest_{rows}.csv"
    frame.write_csv(path)
    started = time.perf_counter()
    pl.read_csv(path, infer_schema=False)
    csv_seconds = time.perf_counter() - started
    started = time.perf_counter()
    manifest = read_manifest(path)
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = screen_manifest(manifest)
    screen_seconds = time.perf_counter() - started
    total = read_seconds + screen_seconds
    print(
        f"{rows:>9,} rows: read {read_seconds:6.2f} s + screen {screen_seconds:6.2f} s = {total:6.2f} s "
        f"-> {rows / total:9,.0f} rows/s ({1e6 * total / rows:.2f} us/row); plain CSV read {csv_seconds:.2f} s"
    )
    print("           stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items()))
    print(
        f"           distinct: {result.distinct}; levels: "
        + ", ".join(f"{k} {result.counts[k]}" for k in ("high", "medium", "low", "none"))
    )
    lookups = result.timings.get("chemicals", 0.0) + result.timings.get("parties", 0.0)
    return {
        "rows": rows,
        "seconds": total,
        "per_row": total / rows,
        "per_row_vectorised": (total - lookups) / rows,
        "csv": csv_seconds,
        "screened": result.counts["screened"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="the larger manifest size")
    parser.add_argument(
        "--naive-rows", type=int, default=5_000, help="rows of the naive-loop baseline"
    )
    args = parser.parse_args(argv)
    small_rows = max(args.rows // 10, 1000)
    print(f"shipments benchmark: {small_rows:,} and {args.rows:,} rows, seed {SEED}")
    with tempfile.TemporaryDirectory() as folder:
        default_lookups()  # build the party index and knowledge base once, outside the timings
        small = run(small_rows, Path(folder))
        large = run(args.rows, Path(folder))
        naive = naive_loop(generate(args.naive_rows, seed=SEED + 1))
    ratio = large["per_row"] / small["per_row"]
    ratio_vectorised = large["per_row_vectorised"] / small["per_row_vectorised"]
    throughput = large["rows"] / large["seconds"]
    print(
        f"per-row cost at {small['rows']:,} rows {1e6 * small['per_row']:.2f} us, at {large['rows']:,} rows "
        f"{1e6 * large['per_row']:.2f} us: ratio {ratio:.2f} (1.0 = linear; below 1 = the one-off lookups amortise)"
    )
    print(
        f"per-row cost without the distinct-value lookups (chemicals, parties): "
        f"{1e6 * small['per_row_vectorised']:.2f} us vs {1e6 * large['per_row_vectorised']:.2f} us: ratio {ratio_vectorised:.2f}"
    )
    print(
        f"baseline, naive per-row loop over {args.naive_rows:,} rows: {naive:,.0f} rows/s -> engine is {throughput / naive:.1f}x faster"
    )
    print(
        f"baseline, plain CSV read of {large['rows']:,} rows: {large['csv']:.2f} s -> end-to-end screening costs {large['seconds'] / large['csv']:.1f}x the read"
    )
    print(
        f"target >= 20,000 rows/s: {'met' if throughput >= 20_000 else 'NOT met'} ({throughput:,.0f} rows/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
