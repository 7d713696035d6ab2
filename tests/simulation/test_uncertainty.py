"""Priors, ensembles with common random numbers, ABC calibration, validation and Sobol indices.

Short horizons and a few dozen draws keep these fast; the benchmark runs the full brief.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any

import numpy as np
import pytest

from fentrace.exc import ConfigError, UsageError
from fentrace.simulation import load_params, load_scenario
from fentrace.simulation.flows import (
    FlowParams,
    flow_parameter_names,
    scenario_inputs,
    simulate_flows,
)
from fentrace.simulation.params import parse_params
from fentrace.simulation.uncertainty import (
    SEIZURE_SCALE,
    Ensemble,
    Observation,
    abc_fit,
    distance,
    effects_frame,
    fit_targets,
    months_between,
    observations,
    run_ensemble,
    sample_draws,
    sobol_indices,
    summary_frame,
    uncertain_priors,
    unit_sample,
)

MONTHS = months_between("2018-01", "2021-12")


@cache
def small_ensemble() -> Ensemble:
    scenarios = [load_scenario(n) for n in ("baseline", "doubled-inspection")]
    return run_ensemble(scenarios, sample_draws(24, seed=3), MONTHS, seed=3)


# ---------------------------------------------------------------- priors


def test_every_bundled_parameter_has_a_prior_with_a_rationale() -> None:
    params = load_params()
    for key, entry in params.entries.items():
        assert entry.priors, key
        assert all(p.rationale.strip() for p in entry.priors), key
    keys = {p.key for p in params.priors()}
    # Every parameter the flows read has a prior of its own (per category for mappings).
    assert set(flow_parameter_names()) <= keys
    assert SEIZURE_SCALE in keys


def _param(**prior: Any) -> dict[str, Any]:
    return {"g": {"x": {"value": 1.0, "unit": "kg", "rationale": "r", "prior": prior}}}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"g": {"x": {"value": 1.0, "unit": "kg", "rationale": "r"}}}, "needs a 'prior'"),
        (_param(dist="normal", low=0, high=2, rationale="r"), "dist must be one of"),
        (_param(dist="uniform", low=0, high=2), "needs a 'rationale'"),
        (_param(dist="uniform", low=2, high=0, rationale="r"), "must be below high"),
        (_param(dist="uniform", low=2, high=3, rationale="r"), "outside"),
        (_param(dist="loguniform", low=0, high=3, rationale="r"), "low > 0"),
        (_param(dist="uniform", low="a", high=3, rationale="r"), "numeric"),
        (
            {
                "g": {
                    "x": {
                        "value": {"a": 1, "b": 2},
                        "unit": "kg",
                        "rationale": "r",
                        "prior": {"a": {"dist": "fixed", "rationale": "r"}},
                    }
                }
            },
            "one entry per category",
        ),
    ],
)
def test_bad_priors_are_located_errors(data: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        parse_params(data, "p.yaml")
    assert "p.yaml" in str(caught.value)
    assert "g.x" in str(caught.value)


def test_good_priors_parse_and_map_the_unit_interval_onto_their_bounds() -> None:
    params = parse_params(_param(dist="loguniform", low=0.5, high=2.0, rationale="r"), "p.yaml")
    (prior,) = params.priors()
    assert prior.quantile(0.0) == pytest.approx(0.5)
    assert prior.quantile(0.5) == pytest.approx(1.0)  # geometric midpoint
    assert prior.quantile(1.0) == pytest.approx(2.0)


@pytest.mark.parametrize("sampler", ["lhs", "sobol"])
def test_samplers_fill_the_unit_cube_and_draws_stay_within_the_priors(sampler: str) -> None:
    unit = unit_sample(32, 5, sampler, seed=1)
    assert unit.shape == (32, 5)
    assert ((unit >= 0) & (unit < 1)).all()
    if sampler == "lhs":
        # Latin hypercube: exactly one point in each of the 32 strata of every column.
        assert all(sorted((unit[:, j] * 32).astype(int)) == list(range(32)) for j in range(5))
    draws = sample_draws(16, sampler=sampler, seed=2)
    for i, prior in enumerate(draws.priors):
        assert prior.low <= draws.values[:, i].min()
        assert draws.values[:, i].max() <= prior.high


def test_unknown_sampler_and_empty_draws_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="unknown sampler"):
        unit_sample(4, 2, "grid", seed=0)
    with pytest.raises(UsageError, match="at least 1"):
        unit_sample(0, 2, "lhs", seed=0)


def test_only_parameters_of_the_flows_are_sampled() -> None:
    keys = {p.key for p in uncertain_priors(load_params())}
    assert "mortality.deaths_per_kg" in keys
    assert "routes.base_cost.gupta" in keys
    assert not any(k.startswith("trade.") for k in keys)  # shipments only
    assert "routes.base_cost.siegfried" not in keys  # fixed reference level


# ---------------------------------------------------------------- flows and ensembles


def test_a_draw_does_not_depend_on_the_other_draws_in_its_batch() -> None:
    inputs = scenario_inputs(load_scenario("baseline"), MONTHS)
    draws = sample_draws(3, seed=5)
    together = simulate_flows(
        inputs, draws.flow_params(), [np.random.default_rng(k) for k in range(3)]
    )
    alone = simulate_flows(
        inputs, draws.subset(np.array([1])).flow_params(), [np.random.default_rng(1)]
    )
    for name, values in alone.series.items():
        np.testing.assert_allclose(together.series[name][1], values[0], rtol=1e-12, err_msg=name)


def test_the_nominal_draw_reproduces_the_single_run() -> None:
    from fentrace.simulation import run_scenario

    params = load_params()
    inputs = scenario_inputs(load_scenario("baseline"), MONTHS)
    flows = simulate_flows(
        inputs, FlowParams.from_params([params]), [np.random.default_rng([4, 2])]
    )
    single = run_scenario("baseline", "2018-01", "2021-12", 4, volume=0)
    for name in ("deaths_model", "fentanyl_seized_kg", "route_share_gupta", "flow_kg_NPP"):
        np.testing.assert_allclose(single.series[name].to_numpy(), flows.series[name][0])


def test_common_random_numbers_make_an_identical_lever_exactly_zero() -> None:
    baseline = load_scenario("baseline")
    twin = dataclasses.replace(baseline, name="twin")
    ensemble = run_ensemble([baseline, twin], sample_draws(8, seed=1), MONTHS, seed=1)
    effects = effects_frame(ensemble)
    assert (effects["difference_q05"] == 0).all()
    assert (effects["difference_q95"] == 0).all()


def test_effects_are_differences_computed_draw_by_draw() -> None:
    ensemble = small_ensemble()
    base = ensemble.yearly["baseline"]["deaths_model"].sum(axis=1)
    lever = ensemble.yearly["doubled-inspection"]["deaths_model"].sum(axis=1)
    row = effects_frame(ensemble).filter(outcome="deaths, whole run").row(0, named=True)
    assert row["difference_median"] == pytest.approx(float(np.median(lever - base)))
    assert row["percent_q05"] == pytest.approx(
        float(np.quantile(100 * (lever - base) / base, 0.05))
    )
    # Doubling inspection lowers deaths in every draw (same parameters, same labs).
    assert row["share_of_draws_lower"] == 1.0


def test_summary_gives_ordered_intervals_for_every_series_and_year() -> None:
    summary = summary_frame(small_ensemble())
    assert (summary["q05"] <= summary["median"]).all()
    assert (summary["median"] <= summary["q95"]).all()
    deaths = summary.filter(series="deaths_model", scenario="baseline")
    assert deaths["year"].to_list() == [2018, 2019, 2020, 2021]
    assert "cbp_seizures_reported_kg_fy" in summary["series"].to_list()


def test_parallel_workers_give_the_same_ensemble_as_one_process() -> None:
    scenarios = [load_scenario("baseline")]
    draws = sample_draws(130, seed=2)  # three chunks
    one = run_ensemble(scenarios, draws, MONTHS[:12], seed=2, jobs=1)
    two = run_ensemble(scenarios, draws, MONTHS[:12], seed=2, jobs=2)
    np.testing.assert_array_equal(
        one.yearly["baseline"]["deaths_model"], two.yearly["baseline"]["deaths_model"]
    )


def test_ensembles_reject_scenarios_that_override_parameters_and_bad_jobs() -> None:
    tweaked = dataclasses.replace(load_scenario("baseline"), overrides={"routes.switch_rate": 0.1})
    with pytest.raises(UsageError, match="overrides parameters"):
        run_ensemble([tweaked], sample_draws(2), MONTHS)
    with pytest.raises(UsageError, match="--jobs"):
        run_ensemble([load_scenario("baseline")], sample_draws(2), MONTHS, jobs=0)


# ---------------------------------------------------------------- calibration


def test_fit_targets_keep_verified_deaths_and_only_the_fit_years() -> None:
    obs = observations()
    targets = fit_targets(obs, (2015, 2019))
    assert max(t.year for t in targets) <= 2019
    assert all(t.verified for t in targets if t.series == "deaths")
    assert {t.series for t in targets} == {"deaths", "seizures"}
    unverified = fit_targets(obs, (2015, 2019), unverified_deaths=True)
    assert len([t for t in unverified if t.series == "deaths"]) == 5


def test_held_out_years_are_not_used_in_the_fit() -> None:
    """Changing every observation after the cut-off leaves the fit exactly as it was."""
    baseline = load_scenario("baseline")
    obs = observations()
    absurd = [
        dataclasses.replace(o, value=o.value * 50, verified=True) if o.year > 2019 else o
        for o in obs
    ]
    kwargs: dict[str, Any] = {"accept": 5, "pool_size": 40, "fit_years": (2015, 2019), "seed": 7}
    months = months_between("2015-01", "2024-12")
    first = abc_fit(baseline, months, obs=obs, **kwargs)
    second = abc_fit(baseline, months, obs=absurd, **kwargs)
    np.testing.assert_array_equal(first.accepted, second.accepted)
    np.testing.assert_array_equal(first.distances, second.distances)
    assert all(t.year <= 2019 for t in first.targets)


def test_abc_finds_the_draw_that_generated_synthetic_deaths_and_seizures() -> None:
    """The fit, seizures included, tested on the model's own output: observations made from
    one prior draw are matched exactly by that draw, which ABC then accepts first."""
    baseline = load_scenario("baseline")
    months = months_between("2015-01", "2024-12")
    probe = abc_fit(baseline, months, accept=1, pool_size=30, fit_years=(2015, 2024), seed=11)
    truth = 17
    runs = probe.pool
    synthetic = [
        Observation("deaths", int(y), float(runs.yearly["baseline"]["deaths_model"][truth, i]), "synthetic", True)
        for i, y in enumerate(runs.years)
    ] + [
        Observation("seizures", int(f), float(runs.seizures_reported_kg["baseline"][truth, i]), "synthetic", False)
        for i, f in enumerate(runs.fiscal_years)
    ]  # fmt: skip
    fit = abc_fit(
        baseline, months, accept=3, pool_size=30, fit_years=(2015, 2024), obs=synthetic, seed=11
    )
    assert fit.accepted[0] == truth
    assert fit.distances[truth] == pytest.approx(0.0, abs=1e-9)
    assert distance(runs, "baseline", fit.targets).argmin() == truth


def test_abc_needs_observations_and_a_sensible_acceptance() -> None:
    baseline = load_scenario("baseline")
    with pytest.raises(UsageError, match="no observation"):
        abc_fit(baseline, MONTHS, accept=1, pool_size=2, fit_years=(1990, 1995))
    with pytest.raises(UsageError, match="pool size"):
        abc_fit(baseline, MONTHS, accept=5, pool_size=2, fit_years=(2018, 2021))


# ---------------------------------------------------------------- sensitivity


def test_sobol_indices_cover_every_sampled_parameter_and_every_output() -> None:
    baseline, lever = load_scenario("baseline"), load_scenario("doubled-inspection")
    result = sobol_indices(
        baseline, [lever], months_between("2024-01", "2025-12"), base_samples=16, seed=0
    )
    table = result.table
    names = {p.key for p in uncertain_priors(load_params())}
    assert set(table["output"].unique()) == {
        "deaths 2025 (baseline)",
        "effect of doubled-inspection (%)",
    }
    for output in table["output"].unique():
        assert set(table.filter(output=output)["parameter"]) == names
    # Deaths scale with deaths per kg: it must rank among the most influential parameters.
    deaths = table.filter(output="deaths 2025 (baseline)").sort("ST", descending=True)
    assert "mortality.deaths_per_kg" in deaths["parameter"].head(3).to_list()
    # The inspection lever acts through detection, not through the mortality scale.
    effect = table.filter(output="effect of doubled-inspection (%)").sort("ST", descending=True)
    assert "enforcement.border_detection" in effect["parameter"].head(3).to_list()
    assert result.runs == 16 * (len(names) + 2) * 2


def test_sobol_base_sample_must_be_a_power_of_two() -> None:
    with pytest.raises(UsageError, match="power of two"):
        sobol_indices(load_scenario("baseline"), [], MONTHS, base_samples=12)
