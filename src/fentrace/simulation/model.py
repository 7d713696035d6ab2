"""The agent-based supply-chain model, vectorised per month.

Agents are numpy arrays (laboratories with a route and a capacity; companies in the registry).
Each month: control pressure on every precursor follows from the scenario's controls and
China's cooperation; laboratories that re-choose their route pick one by a logit on cost plus
pressure (so substitution emerges from the controls); production is what the demand can obtain;
inspections seize part of the precursors and of the fentanyl; deaths follow from the supply
reaching the US. Shipments are drawn in bulk as index arrays and turned into strings once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from fentrace.exc import UsageError
from fentrace.limits import BOUNDS, bound
from fentrace.simulation.flows import FLOW_SERIES, FlowParams, scenario_inputs, simulate_flows
from fentrace.simulation.goods import (
    ANALOGS,
    BACKGROUND,
    LEGIT_SAME_CHEMICALS,
    PRECURSORS,
    VAGUE,
    Good,
    goods_table,
)
from fentrace.simulation.params import Params, load_params
from fentrace.simulation.registry import AGENT_COUNTS, Registry, build_registry
from fentrace.simulation.scenario import Scenario, load_scenario

TYPOLOGIES: tuple[str, ...] = (
    "legit",
    "direct_precursor",
    "mislabelled",
    "front_consignee",
    "transshipment",
    "structuring",
    "designer_precursor",
    "analog_mail",
)
TRANSITS: tuple[str, ...] = ("", "US", "GT", "IN", "HK|US", "NL", "HK")
MODES: tuple[str, ...] = ("sea", "air", "courier", "post", "road")
PAYMENTS: tuple[str, ...] = (
    "wire transfer",
    "letter of credit",
    "cryptocurrency",
    "money transfer service",
    "cash",
)


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """What one run produced: the monthly series, the labelled shipments and the registry."""

    scenario: str
    seed: int
    series: pl.DataFrame
    shipments: pl.DataFrame
    registry: pl.DataFrame


def parse_month(text: str) -> date:
    """A ``YYYY-MM`` month; a located usage error otherwise."""
    try:
        year, month = text.strip().split("-")[:2]
        return date(int(year), int(month), 1)
    except ValueError as error:
        raise UsageError(f"{text!r} is not a YYYY-MM month") from error


def month_range(start: date, end: date) -> list[date]:
    """Every first-of-month from ``start`` to ``end`` inclusive."""
    if end < start:
        raise UsageError(f"the end {end:%Y-%m} is before the start {start:%Y-%m}")
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@dataclass(slots=True)
class _ShipmentBatch:
    """One month's shipments as parallel index arrays (no Python object per shipment)."""

    day: np.ndarray
    shipper: np.ndarray
    consignee: np.ndarray
    variant_s: np.ndarray
    variant_c: np.ndarray
    forwarder: np.ndarray
    good: np.ndarray
    vague: np.ndarray
    show_cas: np.ndarray
    quantity: np.ndarray
    value: np.ndarray
    transit: np.ndarray
    mode: np.ndarray
    payment: np.ndarray
    notify: np.ndarray
    typology: np.ndarray


@dataclass(slots=True)
class _Pools:
    """The registry's companies by what they do in the trade (indices into the registry)."""

    illicit_by_country: dict[str, np.ndarray]  # active illicit sellers by origin country
    watchlisted: np.ndarray
    legit_suppliers: np.ndarray
    fronts: np.ndarray
    legit_importers: np.ndarray
    complicit_forwarders: np.ndarray
    legit_forwarders: np.ndarray
    illicit_brokers: np.ndarray
    legit_brokers: np.ndarray


#: Seeds are unsigned 32-bit numbers: every generator and sampler downstream accepts them.
MAX_SEED = 2**32 - 1
#: Shipments a run writes at ``volume`` 1.0 (about a million over the twelve default years).
SHIPMENTS_PER_VOLUME = 1_000_000


def max_volume() -> float:
    """The largest ``volume``: the shipment bound (FENTRACE_MAX_SIMULATION_SHIPMENTS) over the
    shipments of volume 1.0."""
    return bound("simulation_shipments") / SHIPMENTS_PER_VOLUME


def check_run_options(seed: int, volume: float) -> None:
    """Usage errors, with the allowed range, for a seed or volume a run cannot use."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise UsageError(f"seed {seed!r}: must be a whole number from 0 to {MAX_SEED}")
    top = max_volume()
    if not isinstance(volume, int | float) or not (0 <= volume <= top):  # NaN fails both
        raise UsageError(
            f"volume {volume!r}: must be a finite number from 0 to {top:g} (about "
            f"{top * SHIPMENTS_PER_VOLUME:,.0f} shipments; {BOUNDS['simulation_shipments'].env} "
            "raises the bound)"
        )


def run_scenario(
    name_or_path: str | Path | Scenario,
    start: str | date = "2015-01",
    end: str | date = "2026-12",
    seed: int = 0,
    *,
    volume: float = 1.0,
    params: Params | None = None,
    on_month: Callable[[date], None] | None = None,
) -> SimulationResult:
    """Simulate ``name_or_path`` monthly from ``start`` to ``end`` with a seeded generator.

    ``volume`` scales the number of shipments written (not the modelled flows), so a demo can
    ask for a small labelled sample and a benchmark for a million rows.
    """
    check_run_options(seed, volume)
    scenario = name_or_path if isinstance(name_or_path, Scenario) else load_scenario(name_or_path)
    params = (params or load_params()).overridden(scenario.overrides)
    start_month = parse_month(start) if isinstance(start, str) else start.replace(day=1)
    end_month = parse_month(end) if isinstance(end, str) else end.replace(day=1)
    months = month_range(start_month, end_month)
    # Separate streams: the registry, the laboratories and the shipments. The modelled series
    # then do not depend on the shipment volume, and scenarios share their random numbers.
    rng = np.random.default_rng([seed, 0])
    ship_rng = np.random.default_rng([seed, 1])
    counts = {key: int(params.number(f"agents.{key}")) for key in AGENT_COUNTS}
    registry = build_registry(rng, counts, params.mapping("agents.supplier_country_shares"))
    goods = goods_table()
    good_index = {g.key: i for i, g in enumerate(goods)}

    # The flows (one draw); the laboratories have their own random stream, so the ensemble
    # reproduces this run without building the registry.
    inputs = scenario_inputs(scenario, months)
    flows = simulate_flows(
        inputs, FlowParams.from_params([params]), [np.random.default_rng([seed, 2])]
    )
    flow_series = {k: v[0] for k, v in flows.series.items()}
    precursor_kg_by_month = flows.precursor_kg[0]
    pressure = flows.pressure[0]
    origin_share = flows.origin_share[0]
    insp_eff = flows.effective_inspection[0]
    sanctions_so_far = inputs.sanctions_so_far

    cols: dict[str, list[float]] = {}

    def record(name: str, value: float) -> None:
        cols.setdefault(name, []).append(float(value))

    batches: list[_ShipmentBatch] = []
    shipper_pool_illicit = np.flatnonzero(
        (registry.role == "supplier") & registry.is_illicit & np.isnat(registry.watch_since)
    )
    illicit_countries = registry.country[shipper_pool_illicit]
    forwarders = registry.role == "forwarder"
    brokers = registry.role == "broker"
    pools = _Pools(
        illicit_by_country={
            c: shipper_pool_illicit[illicit_countries == c] for c in ("CN", "IN", "HK")
        },
        watchlisted=np.flatnonzero(~np.isnat(registry.watch_since)),
        legit_suppliers=np.flatnonzero((registry.role == "supplier") & ~registry.is_illicit),
        fronts=np.flatnonzero((registry.role == "importer") & registry.is_illicit),
        legit_importers=np.flatnonzero((registry.role == "importer") & ~registry.is_illicit),
        complicit_forwarders=np.flatnonzero(forwarders & registry.is_illicit),
        legit_forwarders=np.flatnonzero(forwarders & ~registry.is_illicit),
        illicit_brokers=np.flatnonzero(brokers & registry.is_illicit),
        legit_brokers=np.flatnonzero(brokers & ~registry.is_illicit),
    )
    pool_by_country = pools.illicit_by_country
    exit_share = params.number("enforcement.sanction_exit_share")
    precursor_goods = np.array([good_index[p[0]] for p in PRECURSORS])
    analog_goods = np.array([good_index[a] for a in ANALOGS if a in good_index])
    same_goods = np.array([good_index[s] for s in LEGIT_SAME_CHEMICALS if s in good_index])
    background_goods = np.array([good_index[b[0]] for b in BACKGROUND])
    price = np.array([g.price_usd_kg for g in goods])

    for t, month in enumerate(months):
        if t > 0 and sanctions_so_far[t] > sanctions_so_far[t - 1]:
            # Named agents leave: a share of each country's active sellers stops trading.
            for code, pool in pool_by_country.items():
                keep = max(1, round(pool.size * (1 - exit_share)))
                pool_by_country[code] = np.sort(rng.choice(pool, keep, replace=False))
        precursor_kg = precursor_kg_by_month[t]
        analog = flow_series["analog_kg"][t]
        for name in FLOW_SERIES:
            if name.startswith("precursor_kg_route_"):
                continue  # kept for the ensemble; the single run shows flows by substance
            record(name, flow_series[name][t])
        record("cn_cooperation", inputs.cooperation[t])
        record("inspection", inputs.inspection[t])
        record("tariff_cn_us", inputs.tariff_cn_us[t])
        record("active_illicit_suppliers", sum(p.size for p in pool_by_country.values()))

        # Shipments of this month, drawn in bulk.
        years = t / 12
        n_legit = ship_rng.poisson(
            params.number("trade.legit_shipments_per_month")
            * volume
            * (1 + params.number("trade.legit_growth")) ** years
        )
        per_tonne = params.number("trade.illicit_shipments_per_tonne") * volume
        n_illicit = ship_rng.poisson(per_tonne * precursor_kg.sum() / 1000)
        n_analog = ship_rng.poisson(per_tonne * analog / 1000 * 5)
        batch = _draw_month(
            ship_rng,
            registry,
            params,
            month,
            n_legit=int(n_legit),
            n_illicit=int(n_illicit),
            n_analog=int(n_analog),
            precursor_kg=precursor_kg,
            pressure_t=pressure[t],
            insp=insp_eff[t],
            tariff=inputs.tariff_cn_us[t],
            origin_p=origin_share[t],
            pools=pools,
            goods_idx=(precursor_goods, analog_goods, same_goods, background_goods),
            price=price,
        )
        batches.append(batch)
        typ = batch.typology
        ill = typ > 0
        record("legit_shipments", float((~ill).sum()))
        record("illicit_shipments", float(ill.sum()))
        n_ill = max(1, int(ill.sum()))
        for code in ("mislabelled", "transshipment", "structuring"):
            record(f"share_{code}", float((typ == TYPOLOGIES.index(code)).sum()) / n_ill)
        if on_month is not None:
            on_month(month)

    series = pl.DataFrame({"month": months, **cols})
    shipments = _to_frame(batches, months, registry, goods)
    return SimulationResult(scenario.name, seed, series, shipments, registry.frame())


def _draw_month(
    rng: np.random.Generator,
    registry: Registry,
    params: Params,
    month: date,
    *,
    n_legit: int,
    n_illicit: int,
    n_analog: int,
    precursor_kg: np.ndarray,
    pressure_t: np.ndarray,
    insp: float,
    tariff: float,
    origin_p: np.ndarray,
    pools: _Pools,
    goods_idx: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    price: np.ndarray,
) -> _ShipmentBatch:
    pool_by_country = pools.illicit_by_country
    watch_pool, fronts = pools.watchlisted, pools.fronts
    precursor_goods, analog_goods, same_goods, background_goods = goods_idx
    n = n_legit + n_illicit + n_analog
    typology = np.zeros(n, dtype=np.int8)
    shipper = np.empty(n, dtype=np.int64)
    consignee = np.empty(n, dtype=np.int64)
    good = np.empty(n, dtype=np.int64)
    quantity = np.empty(n)
    vague = np.full(n, -1, dtype=np.int64)
    transit = np.zeros(n, dtype=np.int64)
    mode = np.zeros(n, dtype=np.int64)
    payment = np.zeros(n, dtype=np.int64)
    notify = np.full(n, -1, dtype=np.int64)
    variant_share = params.number("trade.name_variant_share")

    # Legitimate background: mostly unrelated chemicals, some of the same intermediates.
    lg = slice(0, n_legit)
    shipper[lg] = rng.choice(pools.legit_suppliers, n_legit)
    consignee[lg] = rng.choice(pools.legit_importers, n_legit)
    same = rng.random(n_legit) < params.number("trade.legit_same_chemical_share")
    good[lg] = np.where(
        same, rng.choice(same_goods, n_legit), rng.choice(background_goods, n_legit)
    )
    quantity[lg] = np.round(rng.lognormal(np.log(500), 1.0, n_legit), 1)
    transit[lg] = np.where(rng.random(n_legit) < 0.1, rng.integers(1, len(TRANSITS), n_legit), 0)
    mode[lg] = np.where(quantity[lg] > 200, 0, rng.choice([1, 2, 4], n_legit))
    payment[lg] = rng.choice([0, 1, 3], n_legit, p=[0.6, 0.3, 0.1])
    notify[lg] = np.where(
        rng.random(n_legit) < params.number("trade.legit_notify_share"),
        rng.choice(pools.legit_brokers, n_legit),
        -1,
    )

    # Illicit precursors: substance by flow, disguise by pressure, inspection and tariffs.
    il = slice(n_legit, n_legit + n_illicit)
    if n_illicit:
        p_sub = precursor_kg / precursor_kg.sum()
        sub = rng.choice(len(precursor_goods), n_illicit, p=p_sub)
        good[il] = precursor_goods[sub]
        countries = ("CN", "IN", "HK")
        origin = rng.choice(3, n_illicit, p=origin_p)
        picks = np.empty(n_illicit, dtype=np.int64)
        for k, code in enumerate(countries):
            mask = origin == k
            picks[mask] = rng.choice(pool_by_country[code], int(mask.sum()))
        active_watch = watch_pool[registry.watch_since[watch_pool] <= np.datetime64(month, "M")]
        if active_watch.size:
            use_watch = rng.random(n_illicit) < params.number("trade.watchlist_share")
            picks[use_watch] = rng.choice(active_watch, int(use_watch.sum()))
        shipper[il] = picks
        consignee[il] = rng.choice(fronts, n_illicit)
        p_mis = params.number("trade.base_mislabel") + 0.35 * (1 - np.exp(-pressure_t[sub]))
        p_str = np.full(n_illicit, params.number("trade.base_structuring") * insp)
        p_tr = np.full(
            n_illicit,
            params.number("trade.base_transship")
            + params.number("enforcement.tariff_transship") * tariff,
        )
        p_front = np.full(n_illicit, params.number("trade.front_consignee_share"))
        stack = np.stack([p_mis, p_tr, p_str, p_front], axis=1)
        total = stack.sum(axis=1, keepdims=True)
        stack = np.where(total > 0.95, stack / total * 0.95, stack)
        cum = np.cumsum(stack, axis=1)
        u = rng.random(n_illicit)[:, None]
        choice = (u > cum).sum(
            axis=1
        )  # 0 mislabelled, 1 transship, 2 structuring, 3 front, 4 direct
        codes = np.array(
            [
                TYPOLOGIES.index(c)
                for c in (
                    "mislabelled",
                    "transshipment",
                    "structuring",
                    "front_consignee",
                    "direct_precursor",
                )
            ],
            dtype=np.int8,
        )
        typ = codes[choice]
        designer = np.isin(sub, [6, 7])
        typ[designer] = TYPOLOGIES.index("designer_precursor")
        typology[il] = typ
        qty = rng.lognormal(np.log(100), 0.7, n_illicit)
        qty[typ == TYPOLOGIES.index("structuring")] = rng.uniform(
            1, 9, int((typ == TYPOLOGIES.index("structuring")).sum())
        )
        quantity[il] = np.round(qty, 1)
        mis = typ == TYPOLOGIES.index("mislabelled")
        v = np.full(n_illicit, -1)
        v[mis] = rng.integers(0, len(VAGUE), int(mis.sum()))
        vague[il] = v
        tr = np.where(
            typ == TYPOLOGIES.index("transshipment"), rng.integers(1, len(TRANSITS), n_illicit), 0
        )
        transit[il] = tr
        mode[il] = np.where(qty > 50, rng.choice([0, 1], n_illicit), rng.choice([1, 2], n_illicit))
        payment[il] = rng.choice(len(PAYMENTS), n_illicit, p=[0.35, 0.05, 0.3, 0.2, 0.1])
        notify[il] = np.where(
            rng.random(n_illicit) < params.number("trade.notify_broker_share"),
            rng.choice(pools.illicit_brokers, n_illicit),
            -1,
        )

    # Mailed fentanyl analogs, small parcels to US fronts.
    an = slice(n_legit + n_illicit, n)
    if n_analog:
        shipper[an] = rng.choice(pool_by_country["CN"], n_analog)
        consignee[an] = rng.choice(fronts, n_analog)
        good[an] = rng.choice(analog_goods, n_analog)
        quantity[an] = np.round(rng.uniform(0.1, 2.0, n_analog), 2)
        vague[an] = np.where(rng.random(n_analog) < 0.5, rng.integers(0, len(VAGUE), n_analog), -1)
        mode[an] = 3
        payment[an] = rng.choice([2, 3], n_analog)
        typology[an] = TYPOLOGIES.index("analog_mail")

    # Brokers resell: a relayed shipment becomes two, seller -> broker, then broker -> buyer
    # a few days later, so brokers sit between many sellers and many buyers in the trade.
    relay = np.zeros(n, dtype=bool)
    relay[lg] = rng.random(n_legit) < params.number("trade.legit_relay_share")
    relay[il] = rng.random(n_illicit) < params.number("trade.broker_relay_share")
    first = np.flatnonzero(relay)
    broker = np.where(
        typology[first] > 0,
        rng.choice(pools.illicit_brokers, first.size),
        rng.choice(pools.legit_brokers, first.size),
    )
    # Days 0-27 of the month; a relayed shipment leaves by day 20 and its second leg follows
    # 1-7 days later, so both legs stay in the month.
    day = rng.integers(0, 28, n)
    day[first] = rng.integers(0, 21, first.size)
    second_day = day[first] + rng.integers(1, 8, first.size)

    def legs(values: np.ndarray, second: np.ndarray | None = None) -> np.ndarray:
        return np.concatenate([values, values[first] if second is None else second])

    # The second leg keeps the buyer, the route and the notify party; the first goes straight
    # from the seller to the broker.
    shipper = legs(shipper, broker)
    consignee = legs(consignee)
    consignee[first] = broker
    transit, notify = legs(transit), legs(notify)
    transit[first], notify[first] = 0, -1
    day = legs(day, second_day)
    good, vague, quantity = legs(good), legs(vague), legs(quantity)
    mode, payment, typology = legs(mode), legs(payment), legs(typology)
    total = n + first.size

    # Complicit forwarders handle much of the illicit trade and some legitimate cover business.
    complicit = rng.random(total) < np.where(
        typology > 0,
        params.number("trade.complicit_forwarder_share"),
        params.number("trade.complicit_forwarder_cover"),
    )
    forwarder = np.where(
        complicit,
        rng.choice(pools.complicit_forwarders, total),
        rng.choice(pools.legit_forwarders, total),
    )
    unit_price = price[good] * np.where(
        typology > 0, rng.uniform(0.2, 0.8, total), rng.uniform(0.8, 1.2, total)
    )
    return _ShipmentBatch(
        day=day,
        shipper=shipper,
        consignee=consignee,
        variant_s=np.where(rng.random(total) < variant_share, rng.integers(1, 3, total), 0),
        variant_c=np.where(rng.random(total) < variant_share, rng.integers(1, 3, total), 0),
        forwarder=forwarder,
        good=good,
        vague=vague,
        show_cas=(rng.random(total) < 0.7) & (vague < 0),
        quantity=quantity,
        value=np.round(quantity * unit_price, 2),
        transit=transit,
        mode=mode,
        payment=payment,
        notify=notify,
        typology=typology,
    )


def _to_frame(
    batches: list[_ShipmentBatch], months: list[date], registry: Registry, goods: list[Good]
) -> pl.DataFrame:
    """Concatenate the month batches and turn indices into strings with one gather each."""
    table = goods
    sizes = [b.day.size for b in batches]
    n = int(sum(sizes))

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(b, name) for b in batches]) if batches else np.array([])

    month_starts = np.repeat(np.array(months, dtype="datetime64[D]"), sizes)
    dates = month_starts + cat("day").astype("timedelta64[D]")
    flat_names = pl.Series(registry.variants.reshape(-1).tolist(), dtype=pl.String)
    shipper = cat("shipper").astype(np.int64)
    consignee = cat("consignee").astype(np.int64)
    good = cat("good").astype(np.int64)
    vague = cat("vague").astype(np.int64)
    show_cas = cat("show_cas").astype(bool)
    is_vague = vague >= 0
    vague_idx = np.where(is_vague, vague, 0)
    g_name = pl.Series([g.name for g in table])
    g_cas = pl.Series([g.cas for g in table])
    g_smiles = pl.Series([g.smiles for g in table])
    g_hs = pl.Series([g.hs_code for g in table])
    v_desc = pl.Series([v[0] for v in VAGUE])
    v_hs = pl.Series([v[1] for v in VAGUE])
    notify = cat("notify").astype(np.int64)
    typology = cat("typology").astype(np.int64)
    countries = pl.Series(registry.country.tolist())
    frame = pl.DataFrame(
        {
            "shipment_id": np.arange(1, n + 1),
            "date": dates,
            "shipper_name": flat_names.gather(shipper * 3 + cat("variant_s").astype(np.int64)),
            "shipper_country": countries.gather(shipper),
            "consignee_name": flat_names.gather(consignee * 3 + cat("variant_c").astype(np.int64)),
            "consignee_country": countries.gather(consignee),
            "_good_name": g_name.gather(good),
            "_vague_desc": v_desc.gather(vague_idx),
            "_is_vague": is_vague,
            "_cas": g_cas.gather(good),
            "_smiles": g_smiles.gather(good),
            "_hs": g_hs.gather(good),
            "_vague_hs": v_hs.gather(vague_idx),
            "_show_cas": show_cas,
            "quantity_kg": cat("quantity"),
            "declared_value_usd": cat("value"),
            "transit_countries": pl.Series(list(TRANSITS)).gather(cat("transit").astype(np.int64)),
            "transport_mode": pl.Series(list(MODES)).gather(cat("mode").astype(np.int64)),
            "payment_method": pl.Series(list(PAYMENTS)).gather(cat("payment").astype(np.int64)),
            "forwarder_name": flat_names.gather(cat("forwarder").astype(np.int64) * 3),
            "shipper_address": pl.Series(registry.address.tolist()).gather(shipper),
            "consignee_address": pl.Series(registry.address.tolist()).gather(consignee),
            "consignee_phone": pl.Series(registry.phone.tolist()).gather(consignee),
            "consignee_email": pl.Series(registry.email.tolist()).gather(consignee),
            "_notify_idx": notify,
            "_notify_name": flat_names.gather(np.where(notify >= 0, notify, 0) * 3),
            "is_illicit": typology > 0,
            "typology": pl.Series(list(TYPOLOGIES)).gather(typology),
            "shipper_id": pl.Series(registry.ids.tolist()).gather(shipper),
            "consignee_id": pl.Series(registry.ids.tolist()).gather(consignee),
        }
    )
    return frame.select(
        pl.format("SIM{}", pl.col("shipment_id").cast(pl.String).str.zfill(8)).alias("shipment_id"),
        pl.col("date").cast(pl.Date),
        "shipper_name",
        "shipper_country",
        "consignee_name",
        "consignee_country",
        pl.when("_is_vague").then("_vague_desc").otherwise("_good_name").alias("description"),
        pl.when("_is_vague").then("_vague_hs").otherwise("_hs").alias("hs_code"),
        pl.when(pl.col("_show_cas") & (pl.col("_cas") != ""))
        .then("_cas")
        .otherwise(None)
        .alias("cas"),
        pl.when(pl.col("_show_cas") & (pl.col("_smiles") != ""))
        .then("_smiles")
        .otherwise(None)
        .alias("smiles"),
        "quantity_kg",
        "declared_value_usd",
        "transit_countries",
        "transport_mode",
        "payment_method",
        "forwarder_name",
        "shipper_address",
        "consignee_address",
        "consignee_phone",
        "consignee_email",
        pl.when(pl.col("_notify_idx") >= 0)
        .then("_notify_name")
        .otherwise(None)
        .alias("notify_party"),
        "is_illicit",
        "typology",
        "shipper_id",
        "consignee_id",
    )
