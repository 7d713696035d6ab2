"""A policy analysis in one call: calibrate, project the scenarios with intervals, validate
out of sample, and rank the parameters by their Sobol indices; then write it for machines.

``analyse_policy`` is what ``fentrace simulate --draws N`` runs; ``render_brief`` (brief.py)
turns the result into the self-contained HTML page of ``--report``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from fentrace import jsonsafe
from fentrace.atomic import atomic_directory
from fentrace.csvsafe import formula_safe_frame
from fentrace.exc import UsageError
from fentrace.simulation.params import Params, load_params
from fentrace.simulation.scenario import Scenario
from fentrace.simulation.uncertainty import (
    SAMPLERS,
    Ensemble,
    Fit,
    Observation,
    Sensitivity,
    abc_fit,
    effects_frame,
    error_summary,
    fit_table,
    months_between,
    observations,
    run_ensemble,
    sample_draws,
    sobol_indices,
    summary_frame,
    yearly_frame,
)

#: The last year with observations (deaths and seizures) in the bundled data.
LAST_OBSERVED_YEAR = 2024
FIT_METHODS: tuple[str, ...] = ("abc", "prior")


@dataclass(frozen=True, slots=True)
class PolicyAnalysis:
    """Everything a policy brief shows, with the settings that produced it."""

    scenarios: tuple[Scenario, ...]
    start: str
    end: str
    seed: int
    sampler: str
    method: str
    params: Params
    observations: tuple[Observation, ...]
    ensemble: Ensemble
    summary: pl.DataFrame
    effects: pl.DataFrame
    fit: Fit | None
    fit_table: pl.DataFrame | None
    validation: Fit | None
    validation_table: pl.DataFrame | None
    validation_errors: pl.DataFrame | None
    validate_until: int
    sensitivity: Sensitivity | None


def analyse_policy(
    scenarios: Sequence[Scenario],
    *,
    start: str = "2015-01",
    end: str = "2026-12",
    draws: int = 200,
    sampler: str = "lhs",
    method: str = "abc",
    pool_factor: int = 10,
    validate_until: int | None = 2019,
    sobol_samples: int = 128,
    seed: int = 0,
    jobs: int = 1,
    params: Params | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> PolicyAnalysis:
    """Calibrate on the baseline (ABC) or keep the prior, project every scenario on the same
    draws, validate on held-out years and compute Sobol indices over the priors."""
    if sampler not in SAMPLERS:
        raise UsageError(f"--sampler must be one of {', '.join(SAMPLERS)}")
    if method not in FIT_METHODS:
        raise UsageError(f"--fit must be one of {', '.join(FIT_METHODS)}")
    if draws < 2:
        raise UsageError("--draws must be at least 2 (intervals need several draws)")
    if seed < 0:
        raise UsageError("--seed must not be negative")
    if sobol_samples < 0 or sobol_samples == 1 or sobol_samples & (sobol_samples - 1):
        raise UsageError("--sobol-samples must be 0 or a power of two (e.g. 64)")
    if pool_factor < 1:
        raise UsageError("--pool-factor must be at least 1")
    names = [s.name for s in scenarios]
    if "baseline" not in names:
        raise UsageError("an ensemble needs the 'baseline' scenario (effects are against it)")
    if len(set(names)) != len(names):
        raise UsageError("a scenario is named twice")
    params = params or load_params()
    months = months_between(start, end)
    baseline = scenarios[names.index("baseline")]
    obs = tuple(observations())
    first_year, last_year = months[0].year, min(months[-1].year, LAST_OBSERVED_YEAR)

    fit = table = None
    if method == "abc":
        fit = abc_fit(
            baseline, months, accept=draws, pool_size=draws * pool_factor,
            fit_years=(first_year, last_year), obs=obs, sampler=sampler, seed=seed, jobs=jobs,
            params=params, on_chunk=on_chunk,
        )  # fmt: skip
        chosen = fit.posterior
    else:
        chosen = sample_draws(draws, sampler=sampler, seed=seed, params=params)
    ensemble = run_ensemble(scenarios, chosen, months, seed=seed, jobs=jobs, on_chunk=on_chunk)
    if fit is not None:
        table = fit_table(ensemble, "baseline", obs, fit.targets)

    validation = v_table = v_errors = None
    cutoff = validate_until if validate_until is not None else 0
    if validate_until is not None and method == "abc":
        if not first_year <= validate_until < last_year:
            raise UsageError(f"--validate-until must lie between {first_year} and {last_year - 1}")
        validation = abc_fit(
            baseline, months, accept=draws, pool_size=draws * pool_factor,
            fit_years=(first_year, validate_until), obs=obs, sampler=sampler, seed=seed + 1,
            jobs=jobs, params=params, on_chunk=on_chunk,
        )  # fmt: skip
        v_table = fit_table(validation.accepted_runs, "baseline", obs, validation.targets)
        v_table = v_table.filter(pl.col("year") <= last_year)
        v_errors = error_summary(v_table, validate_until)

    sensitivity = None
    if sobol_samples:
        levers = [s for s in scenarios if s.name != "baseline"]
        sensitivity = sobol_indices(
            baseline, levers, months, base_samples=sobol_samples, seed=seed, jobs=jobs,
            params=params, on_chunk=on_chunk,
        )  # fmt: skip
    return PolicyAnalysis(
        scenarios=tuple(scenarios),
        start=start,
        end=end,
        seed=seed,
        sampler=sampler,
        method=method,
        params=params,
        observations=obs,
        ensemble=ensemble,
        summary=summary_frame(ensemble),
        effects=effects_frame(ensemble),
        fit=fit,
        fit_table=table,
        validation=validation,
        validation_table=v_table,
        validation_errors=v_errors,
        validate_until=cutoff,
        sensitivity=sensitivity,
    )


def planned_draws(
    *,
    draws: int,
    scenarios: int,
    method: str = "abc",
    pool_factor: int = 10,
    validate: bool = True,
    sobol_samples: int = 128,
    params: Params | None = None,
) -> int:
    """How many parameter draws ``analyse_policy`` runs (the unit of its progress callback)."""
    from fentrace.simulation.uncertainty import uncertain_priors

    total = draws
    if method == "abc":
        total += draws * pool_factor * (2 if validate else 1)
    if sobol_samples:
        total += sobol_samples * (len(uncertain_priors(params or load_params())) + 2)
    return total


def _write(frame: pl.DataFrame, folder: Path, stem: str) -> list[Path]:
    frame.write_parquet(folder / f"{stem}.parquet")
    formula_safe_frame(frame).write_csv(folder / f"{stem}.csv")
    return [folder / f"{stem}.parquet", folder / f"{stem}.csv"]


def analysis_payload(analysis: PolicyAnalysis) -> dict[str, object]:
    """The JSON summary: settings, effects, fit and validation errors, top Sobol indices."""
    payload: dict[str, object] = {
        "scenarios": [s.name for s in analysis.scenarios],
        "start": analysis.start,
        "end": analysis.end,
        "draws": analysis.ensemble.draws.size,
        "sampler": analysis.sampler,
        "fit": analysis.method,
        "seed": analysis.seed,
        "effects": analysis.effects.to_dicts(),
    }
    if analysis.fit is not None and analysis.fit_table is not None:
        payload["calibration"] = {
            "pool": analysis.fit.pool.draws.size,
            "accepted": int(analysis.fit.accepted.size),
            "distance_threshold": analysis.fit.threshold,
            "targets": [f"{t.series} {t.year}" for t in analysis.fit.targets],
            "table": analysis.fit_table.to_dicts(),
        }
    if analysis.validation_errors is not None:
        payload["validation"] = {
            "fit_until": analysis.validate_until,
            "errors": analysis.validation_errors.to_dicts(),
        }
    if analysis.sensitivity is not None:
        top = (
            analysis.sensitivity.table.sort("ST", descending=True)
            .group_by("output", maintain_order=True)
            .head(5)
        )
        payload["sobol_top"] = top.to_dicts()
    return payload


def write_analysis(analysis: PolicyAnalysis, output: str | Path) -> list[Path]:
    """Write the machine outputs: draws, yearly runs, summary, effects, fit, validation,
    Sobol indices (Parquet and CSV) and ``analysis.json``.

    Built in a temporary folder and moved into place (``fentrace.atomic.atomic_directory``):
    a killed run leaves no half file."""
    final = Path(output)
    final.parent.mkdir(parents=True, exist_ok=True)
    with atomic_directory(final) as folder:
        written = _write_analysis(analysis, folder)
    return [final / path.name for path in written]


def _write_analysis(analysis: PolicyAnalysis, folder: Path) -> list[Path]:
    paths: list[Path] = []
    draws = analysis.ensemble.draws.frame()
    if analysis.fit is not None:
        draws = draws.with_columns(
            pl.Series("abc_distance", analysis.fit.distances[analysis.fit.accepted])
        )
    paths += _write(draws, folder, "draws")
    paths += _write(yearly_frame(analysis.ensemble), folder, "ensemble_yearly")
    paths += _write(analysis.summary, folder, "ensemble_summary")
    paths += _write(analysis.effects, folder, "effects")
    if analysis.fit_table is not None:
        paths += _write(analysis.fit_table, folder, "calibration_fit")
    if analysis.validation_table is not None and analysis.validation_errors is not None:
        paths += _write(analysis.validation_table, folder, "validation")
        paths += _write(analysis.validation_errors, folder, "validation_errors")
    if analysis.sensitivity is not None:
        paths += _write(analysis.sensitivity.table, folder, "sobol_indices")
    summary = folder / "analysis.json"
    summary.write_text(  # jsonsafe: NaN/Infinity are not JSON
        jsonsafe.dumps(analysis_payload(analysis), indent=2, default=_json_default),
        encoding="utf-8",
    )
    paths.append(summary)
    return paths


def _json_default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    return str(value)
