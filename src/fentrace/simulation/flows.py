"""The modelled flows (supply, seizures, precursors, deaths) for many parameter sets at once.

This is the one implementation of the monthly supply equations: :func:`run_scenario` calls it
with one parameter set and then draws shipments from its flows; the ensemble, the calibration
and the sensitivity analysis call it with hundreds of parameter sets as arrays (draws on the
first axis), so a draw costs milliseconds rather than building a registry of companies.

Each draw carries its own random generator for the laboratories (capacities, route choices);
running several scenarios with the same generators seeds gives common random numbers, so a
lever's effect is not confounded with laboratory noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from fentrace.simulation.goods import PRECURSORS, ROUTES
from fentrace.simulation.params import Params
from fentrace.simulation.scenario import Scenario, step_series

DEST_JURISDICTIONS: tuple[str, ...] = ("MX", "US", "CA")
ORIGINS: tuple[str, ...] = ("CN", "IN", "HK")

#: Scalar parameters the flows read (per draw).
SCALAR_PARAMETERS: tuple[str, ...] = (
    "agents.labs",
    "demand.max_fentanyl_kg_month",
    "demand.growth_midpoint",
    "demand.growth_rate",
    "demand.initial_share",
    "routes.control_penalty",
    "routes.switch_rate",
    "routes.obtain_elasticity",
    "pressure.weight_un",
    "pressure.weight_cn",
    "pressure.weight_destination",
    "enforcement.border_detection",
    "enforcement.precursor_detection",
    "enforcement.mail_detection",
    "enforcement.inspection_displacement",
    "enforcement.sanction_cost",
    "enforcement.tariff_cost",
    "analogs.base_kg_month",
    "analogs.class_control_effect",
    "mortality.deaths_per_kg",
)
#: Parameters given per category that the flows read, with their categories.
MAPPING_PARAMETERS: dict[str, tuple[str, ...]] = {
    "routes.base_cost": ROUTES,
    "routes.precursor_kg_per_kg_fentanyl": ROUTES,
    "agents.supplier_country_shares": ORIGINS,
}

#: Monthly series the flows produce (the ensemble summarises each of them).
FLOW_SERIES: tuple[str, ...] = (
    "demand_kg",
    "fentanyl_produced_kg",
    "fentanyl_seized_kg",
    "precursor_seized_kg",
    "analog_kg",
    "analog_seized_kg",
    "fentanyl_us_supply_kg",
    "deaths_model",
    "precursor_kg_total",
    "precursor_kg_from_cn",
    *(f"route_share_{r}" for r in ROUTES),
    *(f"precursor_kg_route_{r}" for r in ROUTES),
    *(f"flow_kg_{p[0]}" for p in PRECURSORS),
)


def flow_parameter_names() -> tuple[str, ...]:
    """Every parameter (mapping entries as ``group.name.key``) that changes the flows."""
    mapped = [f"{k}.{c}" for k, cats in MAPPING_PARAMETERS.items() for c in cats]
    return (*SCALAR_PARAMETERS, *mapped)


@dataclass(frozen=True, slots=True)
class ScenarioInputs:
    """A scenario's levers as monthly arrays (what does not depend on the parameters)."""

    name: str
    months: tuple[date, ...]
    listed_un: np.ndarray  # (T, J) 0/1
    listed_cn: np.ndarray  # (T, J) 0/1
    listed_dest: np.ndarray  # (T, J) share of MX/US/CA
    cooperation: np.ndarray  # (T,)
    inspection: np.ndarray  # (T,)
    tariff_cn_us: np.ndarray  # (T,)
    tariff_any: np.ndarray  # (T,)
    sanctions_so_far: np.ndarray  # (T,)
    cn_class: np.ndarray  # (T,)


def controlled(scenario: Scenario, jurisdiction: str, target: str, month: date) -> bool:
    """Whether ``target`` is controlled in ``jurisdiction`` during ``month``."""
    return any(
        c.jurisdiction == jurisdiction
        and c.target == target
        and c.start <= month
        and (c.end is None or month < c.end)
        for c in scenario.controls
    )


def tariff_series(scenario: Scenario, origin: str, dest: str, months: Sequence[date]) -> np.ndarray:
    """The tariff rate from ``origin`` into ``dest`` in force each month."""
    out = np.zeros(len(months))
    for t, month in enumerate(months):
        for tariff in scenario.tariffs:
            in_force = tariff.start <= month and (tariff.end is None or month < tariff.end)
            if tariff.origin == origin and tariff.destination == dest and in_force:
                out[t] = max(out[t], tariff.rate)
    return out


def scenario_inputs(scenario: Scenario, months: Sequence[date]) -> ScenarioInputs:
    """Evaluate the scenario's controls, cooperation, inspection, tariffs and sanctions."""
    shape = (len(months), len(PRECURSORS))
    un, cn, dest = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for j, (sid, _, _) in enumerate(PRECURSORS):
        for t, month in enumerate(months):
            un[t, j] = controlled(scenario, "UN", sid, month)
            cn[t, j] = controlled(scenario, "CN", sid, month)
            dest[t, j] = sum(controlled(scenario, d, sid, month) for d in DEST_JURISDICTIONS) / 3
    tariff_cn_us = tariff_series(scenario, "CN", "US", months)
    tariff_any = np.maximum.reduce(
        [tariff_cn_us, *(tariff_series(scenario, o, "US", months) for o in ("MX", "CA"))]
    )
    return ScenarioInputs(
        name=scenario.name,
        months=tuple(months),
        listed_un=un,
        listed_cn=cn,
        listed_dest=dest,
        cooperation=np.array(step_series(scenario.cn_cooperation, list(months))),
        inspection=np.array(step_series(scenario.inspection, list(months))),
        tariff_cn_us=tariff_cn_us,
        tariff_any=tariff_any,
        sanctions_so_far=np.array(
            [sum(1 for e in scenario.sanctions if e.date.replace(day=1) <= m) for m in months],
            dtype=float,
        ),
        cn_class=np.array([float(controlled(scenario, "CN", "cn-frs", m)) for m in months]),
    )


@dataclass(frozen=True, slots=True)
class FlowParams:
    """Parameter values per draw: scalars as (D,) arrays, per-category values as (D, K)."""

    scalars: dict[str, np.ndarray]
    mappings: dict[str, np.ndarray]

    @property
    def draws(self) -> int:
        return int(next(iter(self.scalars.values())).shape[0])

    @staticmethod
    def from_params(params_list: Sequence[Params]) -> FlowParams:
        """Stack parameter tables (one per draw) into arrays."""
        scalars = {
            k: np.array([p.number(k) for p in params_list], dtype=float) for k in SCALAR_PARAMETERS
        }
        mappings = {
            k: np.array([[p.mapping(k)[c] for c in cats] for p in params_list], dtype=float)
            for k, cats in MAPPING_PARAMETERS.items()
        }
        return FlowParams(scalars, mappings)

    def subset(self, index: np.ndarray | slice) -> FlowParams:
        """The draws selected by ``index``."""
        return FlowParams(
            {k: v[index] for k, v in self.scalars.items()},
            {k: v[index] for k, v in self.mappings.items()},
        )


@dataclass(frozen=True, slots=True)
class Flows:
    """Monthly flows per draw: each series (D, T); substance detail for drawing shipments."""

    series: dict[str, np.ndarray]
    precursor_kg: np.ndarray  # (D, T, J)
    pressure: np.ndarray  # (D, T, J)
    origin_share: np.ndarray  # (D, T, 3) CN, IN, HK
    effective_inspection: np.ndarray  # (D, T)


def logistic_demand(p: FlowParams, months: Sequence[date]) -> np.ndarray:
    """US demand for illicit fentanyl per draw and month (kg): a logistic take-over."""
    years = np.array([m.year + (m.month - 0.5) / 12 for m in months])
    s = p.scalars
    mid, rate = s["demand.growth_midpoint"][:, None], s["demand.growth_rate"][:, None]
    floor = s["demand.initial_share"][:, None]
    curve = 1.0 / (1.0 + np.exp(-rate * (years[None, :] - mid)))
    return np.asarray(s["demand.max_fentanyl_kg_month"][:, None] * (floor + (1 - floor) * curve))


def simulate_flows(
    inputs: ScenarioInputs, p: FlowParams, generators: Sequence[np.random.Generator]
) -> Flows:
    """Run the monthly supply model for every draw; ``generators[d]`` drives draw d's labs."""
    n_draws, n_months = p.draws, len(inputs.months)
    if len(generators) != n_draws:
        raise ValueError("one random generator per draw is needed")
    s, m = p.scalars, p.mappings
    col = {k: v[:, None] for k, v in s.items()}  # (D, 1) for broadcasting over categories
    pressure = (
        col["pressure.weight_un"][:, :, None] * inputs.listed_un[None]
        + col["pressure.weight_cn"][:, :, None]
        * (inputs.cooperation[:, None] * inputs.listed_cn)[None]
        + col["pressure.weight_destination"][:, :, None] * inputs.listed_dest[None]
    )  # (D, T, J)
    route_of = np.array([ROUTES.index(x[1]) for x in PRECURSORS])
    base_split = np.array([x[2] for x in PRECURSORS])
    n_routes = len(ROUTES)
    route_pressure = np.stack(
        [pressure[:, :, route_of == r].min(axis=2) for r in range(n_routes)], axis=2
    )  # (D, T, R)
    cost0 = m["routes.base_cost"]  # (D, R)
    penalty = col["routes.control_penalty"]
    ratio = m["routes.precursor_kg_per_kg_fentanyl"]
    elasticity = col["routes.obtain_elasticity"]
    demand = logistic_demand(p, inputs.months)
    displacement = s["enforcement.inspection_displacement"]
    insp_eff = 1.0 + (inputs.inspection[None, :] - 1.0) * (1.0 - displacement[:, None])  # (D, T)

    # Laboratories: capacities and route choices from each draw's own generator; draws with
    # fewer labs than the largest have zero capacity in the extra slots.
    n_labs = np.maximum(1, np.round(s["agents.labs"]).astype(int))
    width = int(n_labs.max())
    capacity = np.zeros((n_draws, width))
    first_u = np.zeros((n_draws, width))
    month_u = np.zeros((n_draws, n_months, 2, width))
    for d, gen in enumerate(generators):
        capacity[d, : n_labs[d]] = gen.lognormal(0.0, 0.6, n_labs[d])
        first_u[d, : n_labs[d]] = gen.random(n_labs[d])
        month_u[d, :, :, : n_labs[d]] = gen.random((n_months, 2, n_labs[d]))

    def choice_cdf(t: int) -> np.ndarray:
        utility = -(cost0 + penalty * route_pressure[:, t, :])
        prob = np.exp(utility - utility.max(axis=1, keepdims=True))
        return np.cumsum(prob / prob.sum(axis=1, keepdims=True), axis=1)  # (D, R)

    def choose(u: np.ndarray, cdf: np.ndarray) -> np.ndarray:
        # Inverse-CDF draw, the rule numpy's choice(p=...) applies to a uniform number.
        return np.asarray(np.minimum((u[:, :, None] >= cdf[:, None, :]).sum(axis=2), n_routes - 1))

    lab_route = choose(first_u, choice_cdf(0))
    total_capacity = capacity.sum(axis=1)
    switch_rate = col["routes.switch_rate"]

    out = {name: np.zeros((n_draws, n_months)) for name in FLOW_SERIES}
    precursor_kg = np.zeros((n_draws, n_months, len(PRECURSORS)))
    origin_share = np.zeros((n_draws, n_months, len(ORIGINS)))
    shares_cn = m["agents.supplier_country_shares"]
    for t in range(n_months):
        switching = month_u[:, t, 0, :] < switch_rate
        lab_route = np.where(switching, choose(month_u[:, t, 1, :], choice_cdf(t)), lab_route)
        share = (
            np.stack([(capacity * (lab_route == r)).sum(axis=1) for r in range(n_routes)], axis=1)
            / total_capacity[:, None]
        )  # (D, R)

        obtain = np.sum(share * np.exp(-elasticity * route_pressure[:, t, :]), axis=1)
        obtain *= np.exp(-s["enforcement.sanction_cost"] * inputs.sanctions_so_far[t])
        obtain *= 1.0 - s["enforcement.tariff_cost"] * inputs.tariff_any[t]
        wanted = demand[:, t] * obtain
        for r in range(n_routes):
            members = np.flatnonzero(route_of == r)
            weights = base_split[members][None, :] * np.exp(-penalty * pressure[:, t, members])
            route_kg = wanted * share[:, r] * ratio[:, r]
            precursor_kg[:, t, members] = (
                route_kg[:, None] * weights / weights.sum(axis=1, keepdims=True)
            )
            out[f"precursor_kg_route_{ROUTES[r]}"][:, t] = route_kg
            out[f"route_share_{ROUTES[r]}"][:, t] = share[:, r]
        prec_frac = 1 - np.exp(-s["enforcement.precursor_detection"] * insp_eff[:, t])
        produced = wanted * (1 - prec_frac)
        seized = produced * (1 - np.exp(-s["enforcement.border_detection"] * insp_eff[:, t]))
        coop = inputs.cooperation[t]
        analog = s["analogs.base_kg_month"] * np.exp(
            -s["analogs.class_control_effect"] * coop * inputs.cn_class[t]
        )
        mail_frac = 1 - np.exp(-s["enforcement.mail_detection"] * insp_eff[:, t])
        supply = produced - seized + analog * (1 - mail_frac)

        # Where the illicit precursors come from: Chinese sellers retreat as China enforces.
        any_pressure = (pressure[:, t, :].mean(axis=1) > 0).astype(float)
        cn_pull = shares_cn[:, 0] * np.exp(-s["pressure.weight_cn"] * coop * any_pressure * 0.5)
        origin = np.stack([cn_pull, shares_cn[:, 1], shares_cn[:, 2]], axis=1)
        origin /= origin.sum(axis=1, keepdims=True)
        origin_share[:, t, :] = origin
        total_kg = precursor_kg[:, t, :].sum(axis=1)

        out["demand_kg"][:, t] = demand[:, t]
        out["fentanyl_produced_kg"][:, t] = produced
        out["fentanyl_seized_kg"][:, t] = seized
        out["precursor_seized_kg"][:, t] = total_kg * prec_frac
        out["analog_kg"][:, t] = analog
        out["analog_seized_kg"][:, t] = analog * mail_frac
        out["fentanyl_us_supply_kg"][:, t] = supply
        out["deaths_model"][:, t] = s["mortality.deaths_per_kg"] * supply
        out["precursor_kg_total"][:, t] = total_kg
        out["precursor_kg_from_cn"][:, t] = total_kg * (origin[:, 0] + origin[:, 2])
    for j, (sid, _, _) in enumerate(PRECURSORS):
        out[f"flow_kg_{sid}"] = precursor_kg[:, :, j]
    return Flows(out, precursor_kg, pressure, origin_share, insp_eff)
