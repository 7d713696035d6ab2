"""Parameter uncertainty: ensembles over the priors, ABC calibration, validation, Sobol indices.

A *draw* is one parameter set plus the seed of its laboratories' random stream. Every scenario
of an ensemble runs the same draws with the same seeds (common random numbers), so a lever's
effect is computed draw by draw as the difference from the baseline and its interval holds the
parameter uncertainty only, not noise between unrelated runs.

Calibration is approximate Bayesian computation by rejection: draws from the prior are
compared with the observed series (the knowledge base's verified CDC synthetic-opioid deaths
and CBP's fentanyl seizures per fiscal year) by a distance on log ratios, and the closest share
is kept as the posterior sample. Validation fits on the years up to a cut-off only and reports
the error on the later years next to the error on the fitted ones.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl

from fentrace.exc import UsageError
from fentrace.reference import load_knowledge_base
from fentrace.reference.seizures import load_cbp_fentanyl_seizures
from fentrace.simulation.flows import (
    FLOW_SERIES,
    FlowParams,
    ScenarioInputs,
    flow_parameter_names,
    scenario_inputs,
    simulate_flows,
)
from fentrace.simulation.model import month_range, parse_month
from fentrace.simulation.params import Params, Prior, load_params
from fentrace.simulation.scenario import Scenario

SAMPLERS: tuple[str, ...] = ("lhs", "sobol")
#: The parameter that turns modelled seized kg into the weight CBP reports.
SEIZURE_SCALE = "observation.seizure_report_scale"
#: Draws per task sent to a worker process (bounds memory: 64 x 144 months x 2 x 500 labs).
CHUNK = 64
#: Series averaged over a year (the others are summed).
MEAN_SERIES = tuple(s for s in FLOW_SERIES if s.startswith("route_share_"))
#: Log-scale error allowed per observation in the ABC distance: the model has one mortality
#: scale and a smooth demand curve, so it cannot follow deaths closer than about a tenth.
SIGMA_DEATHS = 0.10
#: CBP's seizures are gross weights, partly rounded, from secondary reports, and depend on
#: enforcement effort the model holds constant: a wider allowance.
SIGMA_SEIZURES = 0.25
QUANTILES = (0.05, 0.5, 0.95)


def uncertain_priors(params: Params) -> list[Prior]:
    """The priors the ensemble samples: every non-fixed prior of a parameter of the flows or
    of the seizure observation (the trade and registry parameters change only the shipments)."""
    wanted = {*flow_parameter_names(), SEIZURE_SCALE}
    return [p for p in params.priors() if p.dist != "fixed" and p.key in wanted]


def unit_sample(n: int, dims: int, sampler: str, seed: int) -> np.ndarray:
    """``n`` points in the unit cube by Latin hypercube or scrambled Sobol' sequence."""
    from scipy.stats import qmc

    if n < 1:
        raise UsageError("the number of draws must be at least 1")
    if sampler == "lhs":
        return np.asarray(qmc.LatinHypercube(d=dims, seed=seed).random(n))
    if sampler == "sobol":
        # A power of two keeps the sequence balanced; the first n points are taken.
        points = qmc.Sobol(d=dims, scramble=True, seed=seed).random_base2(math.ceil(math.log2(n)))
        return np.asarray(points[:n])
    raise UsageError(f"unknown sampler {sampler!r} (use {' or '.join(SAMPLERS)})")


@dataclass(frozen=True, slots=True)
class Draws:
    """Parameter sets: the sampled values (n, k) of ``priors`` over the nominal ``params``."""

    params: Params
    priors: tuple[Prior, ...]
    values: np.ndarray
    noise: np.ndarray  # (n,) seed of each draw's laboratory stream

    @property
    def size(self) -> int:
        return int(self.values.shape[0])

    @staticmethod
    def from_unit(
        params: Params, priors: Sequence[Prior], unit: np.ndarray, noise: np.ndarray
    ) -> Draws:
        """Map unit-cube points through the priors' quantile functions."""
        values = np.column_stack([p.quantile(unit[:, i]) for i, p in enumerate(priors)])
        return Draws(params, tuple(priors), values.reshape(unit.shape[0], len(priors)), noise)

    def subset(self, index: np.ndarray) -> Draws:
        return Draws(self.params, self.priors, self.values[index], self.noise[index])

    def column(self, key: str) -> np.ndarray:
        """A parameter's value in every draw (the nominal value where it is not sampled)."""
        for i, prior in enumerate(self.priors):
            if prior.key == key:
                return np.asarray(self.values[:, i])
        group, _, category = key.rpartition(".")
        if group in self.params.entries and isinstance(self.params[group], dict):
            return np.full(self.size, self.params.mapping(group)[category])
        return np.full(self.size, self.params.number(key))

    def flow_params(self) -> FlowParams:
        base = FlowParams.from_params([self.params])
        scalars = {k: np.repeat(v, self.size) for k, v in base.scalars.items()}
        mappings = {k: np.repeat(v, self.size, axis=0) for k, v in base.mappings.items()}
        for i, prior in enumerate(self.priors):
            if prior.key in scalars:
                scalars[prior.key] = self.values[:, i].copy()
                continue
            group, _, category = prior.key.rpartition(".")
            if group in mappings:
                cats = list(self.params.mapping(group))
                mappings[group][:, cats.index(category)] = self.values[:, i]
        return FlowParams(scalars, mappings)

    def frame(self) -> pl.DataFrame:
        """One row per draw: its index, noise seed and sampled values."""
        data: dict[str, object] = {"draw": np.arange(self.size), "noise_seed": self.noise}
        data.update({p.key: self.values[:, i] for i, p in enumerate(self.priors)})
        return pl.DataFrame(data)


def sample_draws(
    n: int, *, sampler: str = "lhs", seed: int = 0, params: Params | None = None
) -> Draws:
    """``n`` draws from the priors; draw i's laboratories use noise seed i."""
    params = params or load_params()
    priors = uncertain_priors(params)
    unit = unit_sample(n, len(priors), sampler, seed)
    return Draws.from_unit(params, priors, unit, np.arange(n))


def months_between(start: str, end: str) -> tuple[date, ...]:
    """Every month from ``start`` to ``end`` (``YYYY-MM``) inclusive."""
    return tuple(month_range(parse_month(start), parse_month(end)))


@dataclass(frozen=True, slots=True)
class Ensemble:
    """Yearly outcomes per scenario and draw; seizures also per fiscal year as CBP reports them."""

    draws: Draws
    years: np.ndarray  # (Y,)
    yearly: dict[str, dict[str, np.ndarray]]  # scenario -> series -> (n, Y)
    fiscal_years: np.ndarray  # (F,) complete fiscal years in the window
    seizures_reported_kg: dict[str, np.ndarray]  # scenario -> (n, F)
    scenarios: tuple[str, ...] = field(default=())

    def subset(self, index: np.ndarray) -> Ensemble:
        """The same outcomes for the draws selected by ``index``."""
        return Ensemble(
            self.draws.subset(index),
            self.years,
            {k: {s: v[index] for s, v in t.items()} for k, t in self.yearly.items()},
            self.fiscal_years,
            {k: v[index] for k, v in self.seizures_reported_kg.items()},
            self.scenarios,
        )


def _aggregate(
    flows: dict[str, np.ndarray], months: Sequence[date]
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """Calendar-year totals (means for shares) and seizures per complete fiscal year."""
    year_of = np.array([m.year for m in months])
    years = np.unique(year_of)
    out = {}
    for name, monthly in flows.items():
        reduce = np.mean if name in MEAN_SERIES else np.sum
        out[name] = np.stack([reduce(monthly[:, year_of == y], axis=1) for y in years], axis=1)
    fy_of = np.array([m.year + (m.month >= 10) for m in months])
    complete = [f for f in np.unique(fy_of) if (fy_of == f).sum() == 12]
    seized = flows["fentanyl_seized_kg"]
    fy = (
        np.stack([seized[:, fy_of == f].sum(axis=1) for f in complete], axis=1)
        if complete
        else np.zeros((seized.shape[0], 0))
    )
    return out, years, np.array(complete, dtype=int), fy


def _run_chunk(
    task: tuple[list[ScenarioInputs], FlowParams, np.ndarray, int],
) -> tuple[list[dict[str, np.ndarray]], np.ndarray, np.ndarray, list[np.ndarray]]:
    inputs_list, flow_params, noise, seed = task
    yearly, fy_all = [], []
    years = fiscal = np.zeros(0)
    for inputs in inputs_list:
        # The same seeds for every scenario: common random numbers.
        generators = [np.random.default_rng([seed, 2, int(k)]) for k in noise]
        flows = simulate_flows(inputs, flow_params, generators)
        agg, years, fiscal, fy = _aggregate(flows.series, inputs.months)
        yearly.append(agg)
        fy_all.append(fy)
    return yearly, years, fiscal, fy_all


def run_ensemble(
    scenarios: Sequence[Scenario],
    draws: Draws,
    months: Sequence[date],
    *,
    seed: int = 0,
    jobs: int = 1,
    on_chunk: Callable[[int], None] | None = None,
) -> Ensemble:
    """Run every scenario on every draw, in chunks over at most ``jobs`` processes.

    With ``jobs > 1`` the workers are spawned, so a script that calls this must guard its entry
    point with ``if __name__ == "__main__":`` (the ``fentrace`` command does).
    """
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    overridden = [s for s in scenarios if s.overrides]
    if overridden:
        raise UsageError(
            f"scenario {overridden[0].name!r} overrides parameters; ensembles sample the "
            "parameters, so give the value as a prior in a parameter file instead"
        )
    inputs = [scenario_inputs(s, months) for s in scenarios]
    flow_params = draws.flow_params()
    tasks = [
        (inputs, flow_params.subset(slice(i, i + CHUNK)), draws.noise[i : i + CHUNK], seed)
        for i in range(0, draws.size, CHUNK)
    ]
    if jobs == 1 or len(tasks) == 1:
        results = []
        for task in tasks:
            results.append(_run_chunk(task))
            if on_chunk:
                on_chunk(len(task[2]))
    else:
        # Spawned, not forked, workers: a fork of a process with polars' thread pool can
        # deadlock; the workers only need numpy and the flow core.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=context) as pool:
            results = []
            for task, result in zip(tasks, pool.map(_run_chunk, tasks), strict=True):
                results.append(result)
                if on_chunk:
                    on_chunk(len(task[2]))
    names = tuple(s.name for s in scenarios)
    years, fiscal = results[0][1], results[0][2]
    scale = draws.column(SEIZURE_SCALE)[:, None]
    yearly = {
        name: {
            series: np.concatenate([r[0][k][series] for r in results], axis=0)
            for series in FLOW_SERIES
        }
        for k, name in enumerate(names)
    }
    seized = {
        name: np.concatenate([r[3][k] for r in results], axis=0) * scale
        for k, name in enumerate(names)
    }
    return Ensemble(draws, years, yearly, fiscal, seized, names)


def default_jobs() -> int:
    """Worker processes by default: the CPUs this process may use, at most 4."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(4, cpus or 1))


# ---------------------------------------------------------------- summaries


def _quantiles(values: np.ndarray, axis: int = 0) -> np.ndarray:
    return np.asarray(np.quantile(values, QUANTILES, axis=axis))


def summary_frame(ensemble: Ensemble) -> pl.DataFrame:
    """Median and 90 % interval of every series, scenario and year (across draws)."""
    rows: dict[str, list[object]] = {
        k: [] for k in ("scenario", "series", "year", "q05", "median", "q95")
    }
    for scenario, table in ensemble.yearly.items():
        for series, values in table.items():
            q = _quantiles(values)
            for y, year in enumerate(ensemble.years):
                for key, value in zip(
                    ("scenario", "series", "year"), (scenario, series, int(year)), strict=True
                ):
                    rows[key].append(value)
                rows["q05"].append(float(q[0, y]))
                rows["median"].append(float(q[1, y]))
                rows["q95"].append(float(q[2, y]))
        q = _quantiles(ensemble.seizures_reported_kg[scenario])
        for f, fy in enumerate(ensemble.fiscal_years):
            for key, value in zip(
                ("scenario", "series", "year"),
                (scenario, "cbp_seizures_reported_kg_fy", int(fy)),
                strict=True,
            ):
                rows[key].append(value)
            rows["q05"].append(float(q[0, f]))
            rows["median"].append(float(q[1, f]))
            rows["q95"].append(float(q[2, f]))
    return pl.DataFrame(rows)


#: Outcomes of the effect table: (name, series, over) with over "total" or "last" (year).
EFFECT_OUTCOMES: tuple[tuple[str, str, str], ...] = (
    ("deaths, whole run", "deaths_model", "total"),
    ("deaths, last year", "deaths_model", "last"),
    ("fentanyl reaching US supply kg", "fentanyl_us_supply_kg", "total"),
    ("fentanyl seized kg", "fentanyl_seized_kg", "total"),
    ("precursors from China kg", "precursor_kg_from_cn", "total"),
    ("mailed analogs kg", "analog_kg", "total"),
)


def outcome(ensemble: Ensemble, scenario: str, series: str, over: str) -> np.ndarray:
    """One number per draw: the series summed over the run, or its last year."""
    values = ensemble.yearly[scenario][series]
    return values[:, -1] if over == "last" else values.sum(axis=1)


def effects_frame(ensemble: Ensemble, baseline: str = "baseline") -> pl.DataFrame:
    """Each lever's effect against the baseline, draw by draw: median and 90 % interval of the
    difference and of the percent change."""
    if baseline not in ensemble.yearly:
        raise UsageError(f"the effects need the {baseline!r} scenario in the comparison")
    rows: list[dict[str, object]] = []
    for scenario in ensemble.scenarios:
        if scenario == baseline:
            continue
        for label, series, over in EFFECT_OUTCOMES:
            base = outcome(ensemble, baseline, series, over)
            lever = outcome(ensemble, scenario, series, over)
            diff = lever - base
            pct = np.where(base > 0, 100 * diff / np.where(base > 0, base, 1), 0.0)
            qd, qp = _quantiles(diff), _quantiles(pct)
            rows.append(
                {
                    "scenario": scenario,
                    "outcome": label,
                    "baseline_median": float(np.median(base)),
                    "difference_median": float(qd[1]),
                    "difference_q05": float(qd[0]),
                    "difference_q95": float(qd[2]),
                    "percent_median": float(qp[1]),
                    "percent_q05": float(qp[0]),
                    "percent_q95": float(qp[2]),
                    "share_of_draws_lower": float(np.mean(diff < 0)),
                }
            )
    return pl.DataFrame(rows)


def yearly_frame(ensemble: Ensemble) -> pl.DataFrame:
    """Long table: scenario, draw, year and every series (the machine output of an ensemble)."""
    parts = []
    n, n_years = ensemble.draws.size, ensemble.years.size
    for scenario, table in ensemble.yearly.items():
        parts.append(
            pl.DataFrame(
                {
                    "scenario": [scenario] * (n * n_years),
                    "draw": np.repeat(np.arange(n), n_years),
                    "year": np.tile(ensemble.years, n),
                    **{s: v.reshape(-1) for s, v in table.items()},
                }
            )
        )
    return pl.concat(parts)


# ---------------------------------------------------------------- calibration (ABC)


@dataclass(frozen=True, slots=True)
class Observation:
    """One observed figure the fit may use: a calendar-year death count or a fiscal-year
    seizure weight (kg)."""

    series: str  # deaths | seizures
    year: int
    value: float
    status: str
    verified: bool


def observations() -> list[Observation]:
    """The knowledge base's annual synthetic-opioid deaths and CBP's fentanyl seizures."""
    kb = load_knowledge_base()
    out = [
        Observation("deaths", o.year, float(o.synthetic_opioid_deaths), o.status, o.verified)
        for o in kb.overdose_deaths
    ]
    out += [
        Observation("seizures", y.fiscal_year, y.kg, y.status, y.verified)
        for y in load_cbp_fentanyl_seizures().years
    ]
    return out


def fit_targets(
    obs: Sequence[Observation], years: tuple[int, int], *, unverified_deaths: bool = False
) -> list[Observation]:
    """What the fit may see: observations in ``years`` only; deaths only where verified
    (unless asked), seizures as published (no verified series exists)."""
    low, high = years
    return [
        o
        for o in obs
        if low <= o.year <= high and (o.series != "deaths" or o.verified or unverified_deaths)
    ]


def modelled(ensemble: Ensemble, scenario: str, obs: Observation) -> np.ndarray | None:
    """The model's value per draw for one observation, or None outside the run."""
    if obs.series == "deaths":
        idx = np.flatnonzero(ensemble.years == obs.year)
        return ensemble.yearly[scenario]["deaths_model"][:, idx[0]] if idx.size else None
    idx = np.flatnonzero(ensemble.fiscal_years == obs.year)
    return ensemble.seizures_reported_kg[scenario][:, idx[0]] if idx.size else None


def distance(ensemble: Ensemble, scenario: str, targets: Sequence[Observation]) -> np.ndarray:
    """Per draw: root of the sum over the two series of the mean squared log error in units
    of the series' allowance (each series counts once, however many years it has)."""
    total = np.zeros(ensemble.draws.size)
    for series, sigma in (("deaths", SIGMA_DEATHS), ("seizures", SIGMA_SEIZURES)):
        errors = []
        for obs in targets:
            if obs.series != series:
                continue
            values = modelled(ensemble, scenario, obs)
            if values is not None:
                errors.append((np.log(np.maximum(values, 1e-9) / obs.value) / sigma) ** 2)
        if errors:
            total += np.mean(errors, axis=0)
    return np.sqrt(total)


@dataclass(frozen=True, slots=True)
class Fit:
    """An ABC rejection fit: the prior pool, its distances and the accepted draws."""

    pool: Ensemble
    targets: tuple[Observation, ...]
    fit_years: tuple[int, int]
    distances: np.ndarray
    accepted: np.ndarray  # indices into the pool, closest first
    threshold: float

    @property
    def posterior(self) -> Draws:
        return self.pool.draws.subset(self.accepted)

    @property
    def accepted_runs(self) -> Ensemble:
        """The baseline outcomes of the accepted draws."""
        return self.pool.subset(self.accepted)


def abc_fit(
    baseline: Scenario,
    months: Sequence[date],
    *,
    accept: int,
    pool_size: int,
    fit_years: tuple[int, int],
    obs: Sequence[Observation] | None = None,
    sampler: str = "lhs",
    seed: int = 0,
    jobs: int = 1,
    params: Params | None = None,
    unverified_deaths: bool = False,
    on_chunk: Callable[[int], None] | None = None,
) -> Fit:
    """Rejection ABC: draw ``pool_size`` parameter sets from the prior, run the baseline,
    keep the ``accept`` closest to the observations of ``fit_years``."""
    if not 1 <= accept <= pool_size:
        raise UsageError("the accepted draws must number between 1 and the pool size")
    targets = fit_targets(
        obs if obs is not None else observations(), fit_years, unverified_deaths=unverified_deaths
    )
    if not targets:
        raise UsageError(f"no observation to fit in {fit_years[0]}-{fit_years[1]}")
    draws = sample_draws(pool_size, sampler=sampler, seed=seed, params=params)
    pool = run_ensemble([baseline], draws, months, seed=seed, jobs=jobs, on_chunk=on_chunk)
    dist = distance(pool, baseline.name, targets)
    order = np.argsort(dist, kind="stable")[:accept]
    return Fit(pool, tuple(targets), fit_years, dist, order, float(dist[order[-1]]))


def fit_table(
    ensemble: Ensemble, scenario: str, obs: Sequence[Observation], targets: Sequence[Observation]
) -> pl.DataFrame:
    """Observed against modelled (median, 90 % interval) for every observation in the run,
    with whether the fit used it."""
    used = {(t.series, t.year) for t in targets}
    rows = []
    for o in obs:
        values = modelled(ensemble, scenario, o)
        if values is None:
            continue
        q = _quantiles(values)
        rows.append(
            {
                "series": o.series,
                "year": o.year,
                "observed": o.value,
                "status": o.status,
                "in_fit": (o.series, o.year) in used,
                "q05": float(q[0]),
                "median": float(q[1]),
                "q95": float(q[2]),
                "error_pct": float(100 * (q[1] - o.value) / o.value),
                "covered": bool(q[0] <= o.value <= q[2]),
            }
        )
    return pl.DataFrame(rows)


def error_summary(table: pl.DataFrame, cutoff: int) -> pl.DataFrame:
    """Mean absolute percent error of the median and 90 % coverage, per series, for the years
    up to ``cutoff`` (in-sample window) and after it (held out)."""
    return (
        table.with_columns(
            pl.when(pl.col("year") <= cutoff)
            .then(pl.lit("in-sample window"))
            .otherwise(pl.lit("held out"))
            .alias("part")
        )
        .group_by("series", "part")
        .agg(
            pl.len().alias("years"),
            pl.col("error_pct").abs().mean().alias("mape_pct"),
            pl.col("covered").mean().alias("coverage_90"),
            pl.col("in_fit").sum().alias("used_in_fit"),
        )
        .sort("series", "part", descending=[False, True])
    )


# ---------------------------------------------------------------- sensitivity (Sobol)


@dataclass(frozen=True, slots=True)
class Sensitivity:
    """First-order and total Sobol indices of each output to each sampled parameter."""

    table: pl.DataFrame  # output, parameter, S1, S1_conf, ST, ST_conf
    runs: int


def sobol_indices(
    baseline: Scenario,
    levers: Sequence[Scenario],
    months: Sequence[date],
    *,
    base_samples: int,
    seed: int = 0,
    jobs: int = 1,
    params: Params | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> Sensitivity:
    """Sobol indices (Saltelli sampling, SALib) over the priors of deaths in the last year of
    the run and of each lever's percent effect on them. One laboratory stream for all rows, so
    the indices split parameter variance, not noise."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    if base_samples < 2 or base_samples & (base_samples - 1):
        raise UsageError("the Sobol base sample must be a power of two (e.g. 64)")
    params = params or load_params()
    priors = uncertain_priors(params)
    names = [p.key for p in priors]
    problem = {
        "num_vars": len(priors),
        "names": names,
        "bounds": [[0.0, 1.0]] * len(priors),
    }
    unit = sobol_sample.sample(problem, base_samples, calc_second_order=False, seed=seed)
    draws = Draws.from_unit(params, priors, unit, np.zeros(unit.shape[0], dtype=int))
    ensemble = run_ensemble(
        [baseline, *levers], draws, months, seed=seed, jobs=jobs, on_chunk=on_chunk
    )
    base = outcome(ensemble, baseline.name, "deaths_model", "last")
    outputs = {f"deaths {int(ensemble.years[-1])} ({baseline.name})": base}
    for lever in levers:
        effect = outcome(ensemble, lever.name, "deaths_model", "last")
        outputs[f"effect of {lever.name} (%)"] = 100 * (effect - base) / np.maximum(base, 1e-9)
    rows = []
    for name, y in outputs.items():
        result = sobol_analyze.analyze(
            problem,
            y,
            calc_second_order=False,
            num_resamples=100,
            seed=seed,
            print_to_console=False,
        )
        for i, key in enumerate(names):
            rows.append(
                {
                    "output": name,
                    "parameter": key,
                    "S1": float(result["S1"][i]),
                    "S1_conf": float(result["S1_conf"][i]),
                    "ST": float(result["ST"][i]),
                    "ST_conf": float(result["ST_conf"][i]),
                }
            )
    return Sensitivity(pl.DataFrame(rows), int(unit.shape[0]) * (1 + len(levers)))
